// The API server's request handling: routes `kubus.api.<resource>.<verb>` to the verbs, turns
// every failure into a Status reply, bootstraps the built-in namespaces and the `kubernetes`
// Service, and compacts history.
import { hostname } from 'node:os';
import { KUBERNETES_NAMESPACE, KUBERNETES_SERVICE, kubernetesService } from '../../api/kubernetes-service.ts';
import type { KubeObject } from '../../api/meta.ts';
import { rfc3339 } from '../../api/names.ts';
import type { UnwatchRequest } from '../../api/protocol.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { allResources, resourceFor } from '../../api/resources.ts';
import { StatusError, internalError, isAlreadyExists, isStatus, type Status } from '../../api/status.ts';
import type { Clock } from '../../bus/clock.ts';
import type { Rng } from '../../bus/random.ts';
import { ownsWatches, parseApiSubject } from '../../bus/subjects.ts';
import type { Bus, BusMessage, Logger } from '../../bus/types.ts';
import type { Auditor } from '../../api/audit-event.ts';
import { PolicyCache } from './admission-policy.ts';
import { beginBusAudit, finishBusAudit } from './audit/bus-audit.ts';
import { admitNodeSubresource } from './admission-node.ts';
import { authorizeCaughtUp, startAuthorization, type Authorization } from './authz/node-rbac.ts';
import { bootstrapRbac } from './authz/bootstrap.ts';
import { answerReview, REVIEWS } from './authz/reviews.ts';
import { SigningKeyRing } from './authn/signing-key.ts';
import { requestToken } from './authn/token-request.ts';
import { answerTokenReview } from './authn/token-review.ts';
import { requestContext, type ServerContext } from './context.ts';
import { bootstrapPriorityClasses } from './admission-priority.ts';
import { CRD_PLURAL, checkCustomCreate, followStoredCrds, holdForCleanup, loadCustomResources, syncCustomResource } from './crds.ts';
import { guaranteed } from './freshness.ts';
import { objectKey } from './keys.ts';
import { sendReply } from './reply.ts';
import { establishOnce, establishedRequest, type Established } from './identity.ts';
import { ServiceAllocator } from './service-alloc.ts';
import type { Store } from './store/store.ts';
import { WatchHub } from './watch-hub.ts';
import { VERBS } from './verbs.ts';
import { bind, create } from './writes.ts';

export const BUILTIN_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export interface ApiServerOptions {
  store: Store;
  bus: Bus;
  clock: Clock;
  rng: Rng;
  log: Logger;
  serverId: string;
  /** This run's id: WatchStarted and the ApiServerStarted announcement carry it. */
  instance: string;
  heartbeatMs: number;
  /** The store as `--store` names it (memory, file:DIR, jetstream:3, etcd:URL): `kubus status` shows it. */
  storeName?: string;
  /** Audits every request by its policy (`--audit-log`); unset: no audit. */
  auditor?: Auditor;
  /** Admission plugins to skip, by name (admission.ts ADMISSION_PLUGINS). */
  disabledAdmission?: readonly string[];
}

export interface ApiServerStats {
  server: string;
  /** This run of the replica (a restarted one has another). */
  instance: string;
  /** The store as `--store` names it; "shared" marks one that several API servers serve at once. */
  store: string;
  /** True when several API servers may serve this store at once (it has sync()). */
  shared: boolean;
  /** Where this replica runs, for `kubus status`. */
  host: string;
  pid: number;
  revision: number;
  compactedRevision: number;
  watches: number;
}

const READS = new Set(['get', 'list', 'watch']);
/** Verbs whose request may carry no precondition: on a shared store a stale cache's 409/404 is retried (freshness.ts). */
const WRITES = new Set(['create', 'update', 'update-status', 'patch', 'patch-status', 'delete', 'bind', 'evict']);

/** One API server instance: owns the store while it runs, or serves it with other replicas when it is shared. */
export class ApiServer {
  readonly ctx: ServerContext;
  private compactionMarks: number[] = [];
  private readonly follows: Array<() => void> = [];
  private readonly authorization: Authorization;
  /** The service account token key, loaded (or created) at the first token request or review. */
  private readonly tokenKeys: SigningKeyRing;

  constructor(private readonly opts: ApiServerOptions) {
    const hub = new WatchHub(opts.store, opts);
    this.authorization = startAuthorization(opts.store, opts.log);
    this.tokenKeys = new SigningKeyRing(opts.store);
    this.ctx = { ...opts, hub, services: new ServiceAllocator(opts), policies: new PolicyCache(), authz: this.authorization.authz };
  }

  /** True when other API servers may write the store too (it has sync()). */
  get shared(): boolean {
    return typeof this.opts.store.sync === 'function';
  }

  /** Creates what a new cluster starts with (the built-in namespaces, the system priority classes) and loads allocations. */
  async bootstrap(): Promise<void> {
    // On a shared store other replicas may be bootstrapping at once: start from the latest state,
    // and take their creations as done (create-if-missing, AlreadyExists tolerated).
    await this.opts.store.sync?.();
    if (this.shared) this.followCrds();
    const nsDef = resourceFor('namespaces')!;
    for (const name of BUILTIN_NAMESPACES) {
      if (this.opts.store.get(objectKey(nsDef, undefined, name))) continue;
      await this.createMissing(nsDef, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
    await bootstrapPriorityClasses(this.ctx, (def, body) => create(this.ctx, def, { body }));
    await bootstrapRbac(this.ctx, (def, body) => this.createMissing(def, body));
    const svcDef = resourceFor('services')!;
    // Cluster IPs and node ports: reserved in the store itself (service-alloc.ts); follow the Services, repair what is missing.
    this.ctx.services.follow(this.opts.store.revision);
    await this.ctx.services.repair();
    await this.ensureKubernetesService(svcDef);
    const crds = await loadCustomResources(this.ctx);
    this.opts.log.info({ revision: this.opts.store.revision, resources: allResources().length, crds }, 'API server ready');
  }

  /**
   * Creates a bootstrap object; one another replica created meanwhile is fine (returns false). On a
   * shared store a 404 from a cache that lags (the Service's namespace, just created elsewhere) is
   * tried again after sync().
   */
  private async createMissing(def: ResourceDef, body: KubeObject): Promise<boolean> {
    try {
      await guaranteed(this.ctx, () => create(this.ctx, def, { body: structuredClone(body) }));
      return true;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      this.opts.log.info({ resource: def.plural, name: body.metadata.name }, 'created by another API server meanwhile');
      return false;
    }
  }

  /** Creates the `kubernetes` Service when it is missing (upstream's bootstrap controller); a clash is logged, never fatal. */
  private async ensureKubernetesService(svcDef: ResourceDef): Promise<void> {
    if (this.opts.store.get(objectKey(svcDef, KUBERNETES_NAMESPACE, KUBERNETES_SERVICE))) return;
    const ip = this.ctx.services.firstIP();
    try {
      await this.createMissing(svcDef, kubernetesService(ip));
    } catch (err) {
      // Replicas bootstrapping at once: another one's create may hold the address, its Service lands a moment later.
      if (this.shared && (await this.appears(objectKey(svcDef, KUBERNETES_NAMESPACE, KUBERNETES_SERVICE)))) {
        this.opts.log.info({ ip }, 'the kubernetes Service was created by another API server');
        return;
      }
      this.opts.log.warn({ err: (err as Error).message }, 'could not create the kubernetes Service');
    }
  }

  /** Resolves true once `key` is in this replica's cache (after sync(), or within the catch-up time), false otherwise. */
  private async appears(key: string): Promise<boolean> {
    const { store, clock } = this.opts;
    await store.sync?.();
    if (store.get(key)) return true;
    return new Promise((resolve) => {
      const done = (found: boolean) => {
        clock.clearTimeout(timer);
        cancel();
        resolve(found);
      };
      const timer = clock.setTimeout(() => done(false), 3000);
      const cancel = store.watch(key, store.revision, (ev) => {
        if (ev.kv.key === key && ev.type === 'put') done(true);
      });
    });
  }

  /**
   * On a shared store the resource table follows the CRDs other replicas write too, so every
   * replica serves a custom resource once its CRD is established (this replica's own CRD writes
   * sync it before their caller hears back, as before).
   */
  private followCrds(): void {
    this.follows.push(followStoredCrds(this.ctx, this.opts.store.revision));
  }

  /** Handles one request message, replies, and resolves with the reply (never throws). */
  async handle(msg: BusMessage): Promise<unknown> {
    const warnings: string[] = [];
    const est = establishOnce(msg.data, parseApiSubject(msg.subject)?.identity);
    const reply = await this.serve(msg, warnings, est);
    this.send(msg, reply, this.ctx.hub.liveness.replyHeaders(msg.reply, est.req?.watch?.conn, warnings));
    return reply;
  }

  /** Serves one request without replying (alone, or an item of a batch: batch.ts), audited; resolves with its reply (never rejects). */
  serve(msg: BusMessage, warnings: string[], est = establishOnce(msg.data, parseApiSubject(msg.subject)?.identity)): Promise<unknown> {
    const audit = this.opts.auditor && beginBusAudit(this.opts.auditor, msg, est);
    const answered = this.answer(msg, est, requestContext(this.ctx, warnings, audit));
    // Unaudited, the answer's own promise: no promise and no tick more per request.
    if (!audit) return answered;
    return answered.then((reply) => {
      finishBusAudit(audit, msg, est, reply, this.ctx.hub);
      return reply;
    });
  }

  /** Sends a reply (reply.ts); `headers` unset: those of a reply to no watch, with no warnings. */
  send(msg: BusMessage, reply: unknown, headers = this.ctx.hub.liveness.replyHeaders(msg.reply, undefined, [])): void {
    sendReply(this.opts.bus, this.opts.log, msg, reply, headers);
  }

  /** Serves one request, as `est` (established once, for its audit too) makes it, with `ctx`: this server's context with the request's own warnings. */
  private async answer(msg: BusMessage, est: Established, ctx: ServerContext): Promise<unknown> {
    try {
      const route = parseApiSubject(msg.subject);
      const def = route && resourceFor(route.resource);
      if (!route || !def || def.plural !== route.resource)
        throw new StatusError(404, 'NotFound', `the server could not find the requested resource (${msg.subject})`);
      const req = establishedRequest(est);
      ctx.user = req.user; // this request's own context: admission sees who asks
      if (req.user) await authorizeCaughtUp(ctx, req.user, route.verb, def, req, ctx.audit);
      else ctx.audit?.decided(true, '');
      if (req.user) admitNodeSubresource(ctx, req.user, route.verb, def, req);
      // Binding is not stored: creating one binds its pod, as upstream's bindings resource does.
      if (def.plural === 'bindings') {
        if (route.verb !== 'create') throw new StatusError(405, 'MethodNotAllowed', 'bindings can only be created');
        return await bind(ctx, resourceFor('pods')!, req);
      }
      if (REVIEWS.has(def.plural)) return answerReview(ctx.authz, def, route.verb, req, req.user);
      if (def.plural === 'tokenreviews') return await answerTokenReview(ctx, this.tokenKeys, def, route.verb, req);
      if (route.verb === 'token' && def.plural === 'serviceaccounts') return await guaranteed(ctx, () => requestToken(ctx, this.tokenKeys, req));
      const verb = VERBS[route.verb];
      if (!verb) throw new StatusError(405, 'MethodNotAllowed', `the server does not allow the verb "${route.verb}" on ${def.plural}`);
      if (route.verb === 'create' && def.custom) checkCustomCreate(ctx, def);
      if (READS.has(route.verb)) return await verb(ctx, def, req);
      // Each attempt gets its own copy of the request: a verb may fill in the body it was given.
      const attempt = WRITES.has(route.verb) && this.shared ? () => verb(ctx, def, structuredClone(req)) : () => verb(ctx, def, req);
      if (def.plural !== CRD_PLURAL) return await guaranteed(ctx, attempt);
      // A CRD write changes what is served: the table follows the store before the caller hears back.
      const name = req.name || (req.body as { metadata?: { name?: string } } | undefined)?.metadata?.name;
      try {
        if (route.verb === 'delete' && !req.dryRun) await guaranteed(ctx, () => holdForCleanup(ctx, name));
        return await guaranteed(ctx, attempt);
      } finally {
        if (name && !req.dryRun) await syncCustomResource(ctx, name);
      }
    } catch (err) {
      return this.toStatus(err, msg.subject);
    }
  }

  private toStatus(err: unknown, subject: string): Status {
    if (err instanceof StatusError) return err.status;
    if (isStatus(err)) return err;
    this.opts.log.error({ subject, err }, 'request failed');
    return internalError((err as Error)?.message ?? String(err)).status;
  }
  /** Returns what `kubus status` shows of this instance. */
  stats(): ApiServerStats {
    const { store, hub } = this.ctx;
    return {
      server: this.opts.serverId,
      instance: this.opts.instance,
      store: this.opts.storeName ?? 'memory',
      shared: this.shared,
      host: hostname(),
      pid: process.pid,
      revision: store.revision,
      compactedRevision: store.compactedRevision,
      watches: hub.size,
    };
  }

  /** Stops a watch at the client's request; a request (a client probing whether this server lives) gets a reply. */
  unwatch(msg: BusMessage): void {
    const r = msg.data as UnwatchRequest;
    // Only the watches of the sender's own identity (the subject's token, pinned on a locked bus).
    if (r && typeof r.conn === 'string' && typeof r.id === 'string' && ownsWatches(msg.subject, r.conn)) this.ctx.hub.stop(r.conn, r.id);
    if (msg.reply) this.opts.bus.respond(msg, { server: this.opts.serverId, instance: this.opts.instance });
  }

  /**
   * Compacts history older than the previous call's revision, so at least one interval of
   * history (default 5 minutes) is always kept, as upstream's compactor does.
   */
  compact(): void {
    this.compactionMarks.push(this.opts.store.revision);
    if (this.compactionMarks.length < 2) return;
    const rev = this.compactionMarks.shift()!;
    if (rev > this.opts.store.compactedRevision) {
      this.opts.store.compact(rev);
      this.opts.log.debug({ revision: rev, at: rfc3339(this.opts.clock.now()) }, 'compacted');
    }
    // Upstream's Service IP/port repair runs on a timer of minutes too: this one will do.
    this.ctx.services.repair().catch((err) => this.opts.log.warn({ err: (err as Error).message }, 'Service address repair failed'));
  }

  close(): void {
    for (const cancel of this.follows.splice(0)) cancel();
    this.authorization.close();
    this.ctx.services.close();
    this.ctx.hub.close();
  }
}
