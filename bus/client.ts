// The typed API client: every verb of the API server as a request over the bus.
import type { KubeList, KubeObject } from '../api/meta.ts';
import { WARNINGS_HEADER, type ApiRequest, type UserInfo, type DeleteOptions, type ListOptions, type PatchType, type WatchOptions } from '../api/protocol.ts';
import type { AuditContext } from '../api/audit-event.ts';
import { StatusError, isStatus } from '../api/status.ts';
import type { Coalescer } from './batch-client.ts';
import type { Clock } from './clock.ts';
import { ConnectionLostError, NoRespondersError, RequestTimeoutError } from './errors.ts';
import { apiSubject, type ApiVerb } from './subjects.ts';
import type { Bus } from './types.ts';
import { answeredBy, WATCH_SERVER_HEADER, watchManager, type ClientWatch, type WatchHandlers } from './watch-client.ts';

export interface ClientOptions {
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Clock for watch silence detection (virtual in simulations). */
  clock?: Clock;
  /** The user every request acts as (the gateway's impersonated user); unset: the bus's trusted caller. */
  user?: UserInfo;
  /** The HTTP request every request serves (the gateway's audit context): the API server's audit event carries it. */
  audit?: AuditContext;
  /** Called as a request with the audit context leaves (the gateway then leaves the events to the API server). */
  onAudited?: () => void;
  /** The requests this coalescer accepts (one resource and verb) leave in its batches, with other clients' of the connection (batch-client.ts). */
  coalesce?: Coalescer;
}

export interface Scope {
  namespace?: string;
}

/** Items per page when a list asks for everything (kubectl's default --chunk-size). */
const CHUNK = 500;

/** Thrown (as a StatusError 503) when no API server answers. */
export const noApiServer = (subject: string) =>
  new StatusError(
    503,
    'ServiceUnavailable',
    `no API server is answering (no responders on ${subject}): start one with \`kubus up\` or \`kubus control-plane\``,
  );

/** Returns the warnings a reply header carries (a JSON array of strings); none when it is malformed. */
function warningsOf(header: string): string[] {
  try {
    const v: unknown = JSON.parse(header);
    return Array.isArray(v) ? v.filter((w): w is string => typeof w === 'string') : [];
  } catch {
    return [];
  }
}

/** Talks to the API server; throws StatusError for every failure (404, 409, 422, 503, ...). */
export class ApiClient {
  constructor(
    readonly bus: Bus,
    private readonly opts: ClientOptions = {},
  ) {}

  /** The user this client's requests act as; undefined: the bus's trusted caller. */
  get user(): UserInfo | undefined {
    return this.opts.user;
  }

  /** Returns a client whose requests act as `user` (the API server authorizes each for it). */
  as(user: UserInfo): ApiClient {
    return new ApiClient(this.bus, { ...this.opts, user });
  }

  /** The request with this client's user and audit context, when it has them. */
  private stamped(req: ApiRequest): ApiRequest {
    const { user, audit } = this.opts;
    if (!user && !audit) return req;
    const out = { ...req };
    if (user) out.user = user;
    if (audit) {
      out.audit = audit;
      this.opts.onAudited?.();
    }
    return out;
  }

  /** Returns a client whose requests carry the audit context of the HTTP request they serve. */
  withAudit(audit: AuditContext, onAudited?: () => void): ApiClient {
    return new ApiClient(this.bus, { ...this.opts, audit, onAudited });
  }

  /** Returns a client for the steps of a request the gateway audits itself: same user, its context marked inner (no events of their own). */
  innerSteps(): ApiClient {
    const audit = this.opts.audit && { ...this.opts.audit, inner: true };
    return new ApiClient(this.bus, { ...this.opts, audit, onAudited: undefined });
  }

  /** Sends one request and returns the reply, or throws its Status as a StatusError; the server's warnings go to `warnings`. */
  async call<R>(resource: string, verb: ApiVerb, req: ApiRequest, warnings?: string[]): Promise<R> {
    const subject = apiSubject(resource, verb, this.bus.identity);
    let data: unknown;
    const batch = this.opts.coalesce?.accepts(resource, verb) ? this.opts.coalesce : undefined;
    try {
      const reply = batch ? await batch.request(this.stamped(req)) : await this.bus.request(subject, this.stamped(req), { timeoutMs: this.opts.timeoutMs ?? 10_000 });
      data = reply.data;
      if (warnings && reply.headers?.[WARNINGS_HEADER]) warnings.push(...warningsOf(reply.headers[WARNINGS_HEADER]));
      if (warnings && batch && 'warnings' in reply && reply.warnings) warnings.push(...reply.warnings);
      const server = reply.headers?.[WATCH_SERVER_HEADER];
      if (server) answeredBy(this.bus, server);
    } catch (err) {
      if (err instanceof NoRespondersError) throw noApiServer(subject);
      if (err instanceof RequestTimeoutError) throw new StatusError(504, 'Timeout', err.message);
      if (err instanceof ConnectionLostError) throw new StatusError(503, 'ServiceUnavailable', err.message);
      throw err;
    }
    if (isStatus(data) && data.status === 'Failure') throw StatusError.from(data);
    return data as R;
  }

  get<T extends KubeObject = KubeObject>(resource: string, name: string, scope: Scope = {}): Promise<T> {
    return this.call(resource, 'get', { namespace: scope.namespace, name });
  }

  /**
   * Lists objects. Without a `limit` it fetches pages of 500 and joins them, as kubectl's
   * --chunk-size does, so a large collection never becomes one oversized message. The list and its
   * items array are the caller's; the items are as received (frozen on MemoryBus: read-only).
   */
  async list<T extends KubeObject = KubeObject>(resource: string, opts: ListOptions & Scope = {}): Promise<KubeList<T>> {
    const { namespace, ...list } = opts;
    if (list.limit !== undefined) {
      const one = await this.call<KubeList<T>>(resource, 'list', { namespace, list });
      return { ...one, metadata: { ...one.metadata }, items: [...one.items] };
    }
    // A resourceVersion without a limit means "not older than"; with the chunk's limit it would mean Exact.
    const match = list.resourceVersion && !list.resourceVersionMatch ? { resourceVersionMatch: 'NotOlderThan' as const } : {};
    const first = await this.call<KubeList<T>>(resource, 'list', { namespace, list: { ...list, ...match, limit: CHUNK } });
    const items = [...first.items];
    // Later pages carry only the selectors: the token holds the revision (upstream refuses both with continue).
    const { labelSelector, fieldSelector } = list;
    let cont = first.metadata.continue;
    while (cont) {
      const page = await this.call<KubeList<T>>(resource, 'list', { namespace, list: { labelSelector, fieldSelector, limit: CHUNK, continue: cont } });
      for (const item of page.items) items.push(item);
      cont = page.metadata.continue;
    }
    const { continue: _, ...metadata } = first.metadata;
    return { ...first, metadata, items };
  }

  /** Creates an object; the server's warnings (admission policies' Warn) go to `opts.warnings`. */
  create<T extends KubeObject = KubeObject>(resource: string, obj: KubeObject, opts: Scope & { dryRun?: boolean; warnings?: string[] } = {}): Promise<T> {
    return this.call(resource, 'create', { namespace: opts.namespace ?? obj.metadata.namespace, body: obj, dryRun: opts.dryRun }, opts.warnings);
  }

  update<T extends KubeObject = KubeObject>(resource: string, obj: KubeObject, opts: { warnings?: string[] } = {}): Promise<T> {
    return this.call(resource, 'update', { namespace: obj.metadata.namespace, name: obj.metadata.name, body: obj }, opts.warnings);
  }

  updateStatus<T extends KubeObject = KubeObject>(resource: string, obj: KubeObject): Promise<T> {
    return this.call(resource, 'update-status', { namespace: obj.metadata.namespace, name: obj.metadata.name, body: obj });
  }

  patch<T extends KubeObject = KubeObject>(
    resource: string,
    name: string,
    patch: unknown,
    opts: Scope & { type?: PatchType; status?: boolean; warnings?: string[] } = {},
  ): Promise<T> {
    return this.call(
      resource,
      opts.status ? 'patch-status' : 'patch',
      { namespace: opts.namespace, name, patch, patchType: opts.type ?? 'merge' },
      opts.warnings,
    );
  }

  delete<T extends KubeObject = KubeObject>(resource: string, name: string, opts: Scope & DeleteOptions = {}): Promise<T> {
    const { namespace, ...del } = opts;
    return this.call(resource, 'delete', { namespace, name, delete: del });
  }

  /** pods/binding: assigns a pod to a node. */
  bind(namespace: string, pod: string, node: string): Promise<unknown> {
    return this.call('pods', 'bind', {
      namespace,
      name: pod,
      body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: pod, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: node } },
    });
  }

  /** pods/eviction: deletes the pod unless a PodDisruptionBudget forbids it now (429 TooManyRequests: try again later). */
  evict(namespace: string, pod: string, opts: DeleteOptions & { dryRun?: boolean } = {}): Promise<unknown> {
    const { dryRun, ...del } = opts;
    return this.call('pods', 'evict', { namespace, name: pod, delete: del, dryRun });
  }

  /** serviceaccounts/<name>/token: a TokenRequest (authentication.k8s.io/v1) with its status (the token) filled. */
  createToken<T = unknown>(namespace: string, serviceAccount: string, spec: Record<string, unknown> = {}): Promise<T> {
    const body = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: serviceAccount, namespace }, spec };
    return this.call('serviceaccounts', 'token', { namespace, name: serviceAccount, body: body as KubeObject });
  }

  /** Starts a watch stream; events arrive in order with gap detection (see watch-client.ts). */
  watch(
    resource: string,
    opts: Omit<WatchOptions, 'conn' | 'id'> & Scope,
    handlers: WatchHandlers,
  ): Promise<ClientWatch> {
    return watchManager(this.bus, this.opts.clock).start(this, resource, opts, handlers);
  }
}
