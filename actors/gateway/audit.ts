// The gateway's part of the audit (the API server writes the rest; see actors/apiserver/audit/bus-audit.ts):
// each HTTP request gets an auditID (its Audit-Id header) and an audit context that its bus requests
// carry, so the API server's events show the HTTP request; the gateway itself writes the events of the
// requests that never reach the API server: a 401, a non-resource path (discovery, /version, /healthz,
// /openapi), a path it does not serve, a failure before the bus is asked, a deletecollection (whose list
// and deletes are the gateway's own, as upstream's storage calls; verbs.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditContext, Auditor, AuditRecord } from '../../api/audit-event.ts';
import { ANONYMOUS, TRUSTED_CALLER, UNAUTHENTICATED, type Attributes } from '../../api/authorization.ts';
import type { UserInfo } from '../../api/protocol.ts';
import type { ApiClient } from '../../bus/client.ts';
import type { Clock } from '../../bus/clock.ts';
import { resourceRoute, type ResourceTarget } from './routes.ts';

/** The user of a request whose caller is unknown (refused with 401), as upstream's anonymous user. */
const UNKNOWN: UserInfo = { username: ANONYMOUS, groups: [UNAUTHENTICATED] };

/** Upstream's RequestInfo verb of an HTTP request on a resource path. */
function resourceVerb(method: string, named: boolean, url: URL): string {
  if (method === 'GET' || method === 'HEAD') return named ? 'get' : ['1', 'true', 'True'].includes(url.searchParams.get('watch') ?? '') ? 'watch' : 'list';
  if (method === 'POST') return 'create';
  if (method === 'PUT') return 'update';
  if (method === 'PATCH') return 'patch';
  if (method === 'DELETE') return named ? 'delete' : 'deletecollection';
  return method.toLowerCase();
}

/** Returns the attributes of an HTTP request: a resource's when the path names one, else the path's. */
export function httpAttributes(url: URL, method: string, user: UserInfo): Attributes {
  try {
    const t = resourceRoute(url.pathname);
    const verb = resourceVerb(method, t.name !== undefined, url);
    return { user, verb, apiGroup: t.def.group, apiVersion: t.def.version, resource: t.def.plural, subresource: t.subresource, namespace: t.namespace ?? '', name: t.name ?? '' };
  } catch {
    return { user, verb: method.toLowerCase(), path: url.pathname };
  }
}

/** Returns the addresses a request came from: X-Forwarded-For's, then the peer's (as upstream's SourceIPs). */
function sourceIPs(req: IncomingMessage): string[] {
  const forwarded = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const peer = (req.socket?.remoteAddress ?? '').replace(/^::ffff:/, '');
  return [...forwarded, ...(peer && !forwarded.includes(peer) ? [peer] : [])];
}

/**
 * Requests the gateway serves without a bus request of their own: the node's pods subresources. A watch
 * that joins the shared watch cache is one too, but makes no request with the context (watch.ts), so
 * the gateway writes it; one that opens its own bus watch carries the context and the API server writes it.
 */
const servedHere = (target: ResourceTarget) => target.def.plural === 'pods' && ['log', 'exec', 'attach', 'portforward'].includes(target.subresource ?? '');

/**
 * Returns the request's client without the HTTP request's audit context (same user), for the gateway's
 * own checks and lookups, which upstream audits as no request of their own. `trusted` is the gateway's
 * own client (which never carries a context).
 */
export const unaudited = (client: ApiClient, trusted: ApiClient | undefined): ApiClient =>
  trusted ? (client.user ? trusted.as(client.user) : trusted) : client;

/** The audit of one HTTP request at the gateway: forwarded to the API server's audit, or written here when the response ends. */
export class HttpAudit {
  private user?: UserInfo;
  private impersonated?: UserInfo;
  private forwarded = false;
  private reply?: { status: unknown; panic: boolean };
  /** The record of a watch served here, begun when its stream started. */
  private streaming?: AuditRecord;
  readonly context: AuditContext;

  constructor(
    private readonly auditor: Auditor,
    clock: Clock,
    private readonly req: IncomingMessage,
    private readonly url: URL,
    /** The response, whose end writes the events; none for an upgrade (exec, attach, portforward): call `ended`. */
    res?: ServerResponse,
  ) {
    this.context = {
      id: auditor.newId(),
      requestURI: req.url ?? '/',
      sourceIPs: sourceIPs(req),
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
      receivedAt: clock.now(),
    };
    if (!res) return;
    res.setHeader('Audit-Id', this.context.id);
    if (httpAttributes(url, req.method ?? 'GET', UNKNOWN).verb === 'watch') this.onStreamStart(res);
    res.on('close', () => this.write(res.statusCode));
  }

  /**
   * A watch served here (the shared watch cache) is written as upstream writes a long-running request:
   * RequestReceived and ResponseStarted when its stream starts (its headers go out, explicitly or with
   * the first event), ResponseComplete at its end. One the API server serves is its to write.
   */
  private onStreamStart(res: ServerResponse): void {
    const writeHead = res.writeHead;
    res.writeHead = ((...args: Parameters<ServerResponse['writeHead']>) => {
      res.writeHead = writeHead;
      const code = args[0];
      if (!this.forwarded && code < 300) {
        this.streaming = this.begin(code);
        this.streaming?.started(code);
      }
      return writeHead.apply(res, args);
    }) as ServerResponse['writeHead'];
  }

  /** An upgraded request's end: refused with `status`, or a session (101) that closed. */
  ended(code: number, status?: unknown): void {
    if (status !== undefined) this.failed(status, false);
    this.write(code);
  }

  /** Remembers who the caller is once authenticated (plain HTTP: the trusted caller). */
  authenticated(client: ApiClient): void {
    this.user = client.user ?? TRUSTED_CALLER;
    this.context.authenticatedUser = this.user;
  }

  /**
   * Returns the client a resource request acts through: with the audit context when the API server
   * audits the request (it then writes the events), as it is when the gateway serves it itself.
   */
  route(client: ApiClient, target: ResourceTarget): ApiClient {
    if (client.user && client.user.username !== this.user?.username) this.impersonated = client.user;
    if (servedHere(target)) return client;
    // Forwarded once a bus request carries the context: a request refused before (a bad body) is still written here.
    return client.withAudit(this.context, () => (this.forwarded = true));
  }

  /** The failure the request was answered with (`panic`: one nothing expected). */
  failed(status: unknown, panic: boolean): void {
    this.reply = { status, panic };
  }

  /** Writes the events of a request answered here, once its response ends. */
  private write(code: number): void {
    if (this.forwarded && !this.streaming) return;
    const record = this.streaming ?? this.begin(code);
    record?.complete(code, this.reply?.status, this.reply?.panic);
  }

  /** Returns the request's record (none when the policy says None), its decision and RequestReceived written. */
  private begin(code: number): AuditRecord | undefined {
    const attributes = httpAttributes(this.url, this.req.method ?? 'GET', this.user ?? UNKNOWN);
    const record = this.auditor.begin({
      attributes,
      impersonatedUser: this.impersonated,
      requestURI: this.context.requestURI,
      sourceIPs: this.context.sourceIPs,
      userAgent: this.context.userAgent,
      auditID: this.context.id,
      receivedAt: this.context.receivedAt,
    });
    if (!record) return undefined;
    // Authorized by an access review here (watches, node subresources) or open to all (non-resource paths); a 401 was never authorized.
    if (this.user) record.decided(code !== 403, code === 403 ? ((this.reply?.status as { message?: string })?.message ?? '') : '');
    record.received();
    return record;
  }
}
