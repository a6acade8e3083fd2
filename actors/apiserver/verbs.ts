// The verbs of the API server's request subjects (`kubus.api.<resource>.<verb>`) and the one that
// starts a watch.
import type { WatchStarted } from '../../api/protocol.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { badRequest } from '../../api/status.ts';
import { isSubjectToken, isWatchOwner } from '../../bus/subjects.ts';
import type { ServerContext } from './context.ts';
import { remove } from './deletion.ts';
import { evict } from './eviction.ts';
import { buildFilter } from './filters.ts';
import { consistent } from './freshness.ts';
import { parseRV } from './objects.ts';
import { get, list } from './reads.ts';
import { asRequest, scopeOf } from './request.ts';
import { bind, create, patch, update } from './writes.ts';

export type Verb = (ctx: ServerContext, def: ResourceDef, req: ReturnType<typeof asRequest>) => unknown;

export const VERBS: Record<string, Verb> = {
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

function startWatch(ctx: ServerContext, def: ResourceDef, req: ReturnType<typeof asRequest>): WatchStarted | Promise<WatchStarted> {
  const w = req.watch;
  // They name the subject the events go to: a dot or a wildcard would send them elsewhere.
  if (!w || !isWatchOwner(w.conn) || !isSubjectToken(w.id))
    throw badRequest('a watch needs watch.conn and watch.id (the client inbox), each one subject token');
  const filter = buildFilter(def, w.labelSelector, w.fieldSelector);
  const rv = parseRV(w.resourceVersion);
  if (Number.isNaN(rv)) throw badRequest(`invalid resourceVersion "${w.resourceVersion}"`);
  const begin = (): WatchStarted => {
    ctx.hub.start(def, scopeOf(def, req), w, filter, rv === 0 ? undefined : rv);
    return { kind: 'WatchStarted', server: ctx.serverId, instance: ctx.instance, heartbeatMs: ctx.hub.heartbeatMs };
  };
  // No resourceVersion: the initial state is a consistent read, as upstream's watch cache serves it;
  // "0" starts from this replica's cache as it is; "N" waits in the hub for the cache to reach N.
  const fresh = rv === undefined ? consistent(ctx) : undefined;
  return fresh ? fresh.then(begin) : begin();
}
