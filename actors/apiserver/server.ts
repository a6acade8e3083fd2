// The API server's request handling: routes `kubus.api.<resource>.<verb>` to the verbs, turns
// every failure into a Status reply, bootstraps the built-in namespaces and the `kubernetes`
// Service, and compacts history.
import { KUBERNETES_NAMESPACE, KUBERNETES_SERVICE, kubernetesService } from '../../api/kubernetes-service.ts';
import { rfc3339 } from '../../api/names.ts';
import { WARNINGS_HEADER, type UnwatchRequest, type WatchStarted } from '../../api/protocol.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { allResources, resourceFor } from '../../api/resources.ts';
import { StatusError, badRequest, internalError, isStatus, type Status } from '../../api/status.ts';
import type { Clock } from '../../bus/clock.ts';
import type { Rng } from '../../bus/random.ts';
import { isSubjectToken, parseApiSubject } from '../../bus/subjects.ts';
import type { Bus, BusMessage, Logger } from '../../bus/types.ts';
import { PolicyCache } from './admission-policy.ts';
import type { ServerContext } from './context.ts';
import { bootstrapPriorityClasses } from './admission-priority.ts';
import { CRD_PLURAL, checkCustomCreate, holdForCleanup, loadCustomResources, syncCustomResource } from './crds.ts';
import { remove } from './deletion.ts';
import { evict } from './eviction.ts';
import { buildFilter } from './filters.ts';
import { objectKey } from './keys.ts';
import { parseRV } from './objects.ts';
import { get, list } from './reads.ts';
import { asRequest, scopeOf } from './request.ts';
import { ServiceAllocator } from './service-alloc.ts';
import type { Store } from './store/store.ts';
import { WatchHub } from './watch-hub.ts';
import { bind, create, patch, update } from './writes.ts';

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
}

export interface ApiServerStats {
  server: string;
  revision: number;
  compactedRevision: number;
  watches: number;
}

const READS = new Set(['get', 'list', 'watch']);

type Verb = (ctx: ServerContext, def: ResourceDef, req: ReturnType<typeof asRequest>) => unknown;

const VERBS: Record<string, Verb> = {
  get,
  list,
  create,
  update: (c, d, r) => update(c, d, r, 'main'),
  'update-status': (c, d, r) => update(c, d, r, 'status'),
  patch: (c, d, r) => patch(c, d, r, 'main'),
  'patch-status': (c, d, r) => patch(c, d, r, 'status'),
  delete: remove,
  bind,
  evict,
  watch: startWatch,
};

function startWatch(ctx: ServerContext, def: ResourceDef, req: ReturnType<typeof asRequest>): WatchStarted {
  const w = req.watch;
  // They name the subject the events go to: a dot or a wildcard would send them elsewhere.
  if (!w || !isSubjectToken(w.conn) || !isSubjectToken(w.id))
    throw badRequest('a watch needs watch.conn and watch.id (the client inbox), each one subject token');
  const filter = buildFilter(def, w.labelSelector, w.fieldSelector);
  const rv = parseRV(w.resourceVersion);
  if (Number.isNaN(rv)) throw badRequest(`invalid resourceVersion "${w.resourceVersion}"`);
  ctx.hub.start(def, scopeOf(def, req), w, filter, rv === 0 ? undefined : rv);
  return { kind: 'WatchStarted', server: ctx.serverId, instance: ctx.instance, heartbeatMs: ctx.hub.heartbeatMs };
}

/** One API server instance: owns the store while it runs. */
export class ApiServer {
  readonly ctx: ServerContext;
  private compactionMarks: number[] = [];

  constructor(private readonly opts: ApiServerOptions) {
    const hub = new WatchHub(opts.store, {
      bus: opts.bus,
      clock: opts.clock,
      log: opts.log,
      serverId: opts.serverId,
      heartbeatMs: opts.heartbeatMs,
    });
    this.ctx = { ...opts, hub, services: new ServiceAllocator(opts), policies: new PolicyCache() };
  }

  /** Creates what a new cluster starts with (the built-in namespaces, the system priority classes) and loads allocations. */
  async bootstrap(): Promise<void> {
    const nsDef = resourceFor('namespaces')!;
    for (const name of BUILTIN_NAMESPACES) {
      if (this.opts.store.get(objectKey(nsDef, undefined, name))) continue;
      await create(this.ctx, nsDef, { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
    }
    await bootstrapPriorityClasses(this.ctx, (def, body) => create(this.ctx, def, { body }));
    const svcDef = resourceFor('services')!;
    // Cluster IPs and node ports: reserved in the store itself (service-alloc.ts); follow the Services, repair what is missing.
    this.ctx.services.follow(this.opts.store.revision);
    await this.ctx.services.repair();
    await this.ensureKubernetesService(svcDef);
    const crds = await loadCustomResources(this.ctx);
    this.opts.log.info({ revision: this.opts.store.revision, resources: allResources().length, crds }, 'API server ready');
  }

  /** Creates the `kubernetes` Service when it is missing (upstream's bootstrap controller); a clash is logged, never fatal. */
  private async ensureKubernetesService(svcDef: ResourceDef): Promise<void> {
    if (this.opts.store.get(objectKey(svcDef, KUBERNETES_NAMESPACE, KUBERNETES_SERVICE))) return;
    try {
      await create(this.ctx, svcDef, { body: kubernetesService(this.ctx.services.firstIP()) });
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'could not create the kubernetes Service');
    }
  }

  /** Handles one request message and replies (never throws). */
  async handle(msg: BusMessage): Promise<void> {
    const warnings: string[] = [];
    const reply = await this.answer(msg, { ...this.ctx, warnings });
    try {
      this.opts.bus.respond(msg, reply, warnings.length ? { [WARNINGS_HEADER]: JSON.stringify(warnings) } : undefined);
    } catch (err) {
      // Most likely larger than the bus allows: say so, rather than letting the client time out.
      const why = (err as Error).message;
      this.opts.log.warn({ subject: msg.subject, err: why }, 'could not send reply');
      try {
        this.opts.bus.respond(msg, internalError(`the response could not be sent (${why}); for lists, use limit and continue`).status);
      } catch (again) {
        this.opts.log.warn({ subject: msg.subject, err: (again as Error).message }, 'could not send the error reply either');
      }
    }
  }

  /** Serves one request with `ctx`, this server's context with the request's own warnings. */
  private async answer(msg: BusMessage, ctx: ServerContext): Promise<unknown> {
    try {
      const route = parseApiSubject(msg.subject);
      const def = route && resourceFor(route.resource);
      if (!route || !def || def.plural !== route.resource)
        throw new StatusError(404, 'NotFound', `the server could not find the requested resource (${msg.subject})`);
      // Binding is not stored: creating one binds its pod, as upstream's bindings resource does.
      if (def.plural === 'bindings') {
        if (route.verb !== 'create') throw new StatusError(405, 'MethodNotAllowed', 'bindings can only be created');
        return await bind(ctx, resourceFor('pods')!, asRequest(msg.data));
      }
      const verb = VERBS[route.verb];
      if (!verb) throw new StatusError(405, 'MethodNotAllowed', `the server does not allow the verb "${route.verb}" on ${def.plural}`);
      const req = asRequest(msg.data);
      if (route.verb === 'create' && def.custom) checkCustomCreate(ctx, def);
      if (def.plural !== CRD_PLURAL || READS.has(route.verb)) return await verb(ctx, def, req);
      // A CRD write changes what is served: the table follows the store before the caller hears back.
      const name = req.name || (req.body as { metadata?: { name?: string } } | undefined)?.metadata?.name;
      try {
        if (route.verb === 'delete' && !req.dryRun) await holdForCleanup(ctx, name);
        return await verb(ctx, def, req);
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
    return { server: this.opts.serverId, revision: store.revision, compactedRevision: store.compactedRevision, watches: hub.size };
  }

  /** Stops a watch at the client's request. */
  unwatch(msg: BusMessage): void {
    const r = msg.data as UnwatchRequest;
    if (r && typeof r.conn === 'string' && typeof r.id === 'string') this.ctx.hub.stop(r.conn, r.id);
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
    this.ctx.services.close();
    this.ctx.hub.close();
  }
}
