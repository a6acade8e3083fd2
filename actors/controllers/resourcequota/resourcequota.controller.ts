// The resource quota controller (upstream pkg/controller/resourcequota): each quota's status.hard is its
// spec.hard and status.used what its namespace's objects use now, every hard resource listed (zero when
// unused). As upstream, a quota is recomputed when it is created or its spec changes, when an object of
// its namespace gives usage back (replenishment: it is deleted, or what it uses changes, as a pod that
// ends), and every 5 minutes (the full resync) — not on new objects or on status writes: admission
// charges those, and a recount from caches that have not seen the newest objects would undo its charge.
import { isDeepStrictEqual } from 'node:util';
import type { ResourceQuota } from '../../../api/kinds/resourcequota.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { listOf, objectUsage, quotaUsage, usageOf } from '../../../api/quota.ts';
import { resourceFor } from '../../../api/resources.ts';
import { isNotFound } from '../../../api/status.ts';
import { NAMESPACE_INDEX, namespaceIndexers } from '../../../bus/indexers.ts';
import { keyOf } from '../../../bus/informer.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';

/** Upstream's default --resource-quota-sync-period. */
export const QUOTA_RESYNC_MS = 5 * 60_000;

/** Core resources whose objects are watched (their usage beyond an object count is evaluated). */
const WATCHED = ['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers'];
/** Core resources a quota counts from the caches (the watched ones and the quotas themselves). */
const CACHED = [...WATCHED, 'resourcequotas'];

const quotasIn = (namespace: string | undefined, ctx: ControllerContext) =>
  ctx.cache<ResourceQuota>('resourcequotas').byIndex(NAMESPACE_INDEX, namespace ?? '').map(keyOf);

/** True when an informer event is a delete: the cache no longer holds the object (it is updated before handlers run). */
const gone = (resource: string, o: KubeObject, ctx: ControllerContext) => !ctx.cache(resource).get(keyOf(o));

const watched = (resource: string) => ({
  resource,
  indexers: namespaceIndexers,
  keys: (o: KubeObject, ctx: ControllerContext) => (gone(resource, o, ctx) ? quotasIn(o.metadata.namespace, ctx) : []),
  // Only a change in what the object uses matters (a pod's status churn does not). A namespace
  // without quotas (most of them) has nothing to recompute: its usage is not evaluated at all.
  updateKeys: (old: KubeObject, obj: KubeObject, ctx: ControllerContext) => {
    const quotas = quotasIn(obj.metadata.namespace, ctx);
    if (quotas.length === 0) return quotas;
    const now = ctx.deps.clock.now();
    return isDeepStrictEqual(listOf(objectUsage(resource, '', old, now)), listOf(objectUsage(resource, '', obj, now))) ? [] : quotas;
  },
});

/** Returns the namespace's objects a quota counts: watched kinds from the caches, other `count/…` kinds listed. */
async function objectsFor(quota: ResourceQuota, ctx: ControllerContext): Promise<Array<{ plural: string; group: string; obj: KubeObject }>> {
  const ns = quota.metadata.namespace!;
  const out = CACHED.flatMap((plural) => ctx.cache(plural).byIndex(NAMESPACE_INDEX, ns).map((obj) => ({ plural, group: '', obj })));
  for (const name of Object.keys(quota.spec?.hard ?? {})) {
    if (!name.startsWith('count/')) continue;
    const def = resourceFor(name.slice('count/'.length));
    if (!def || !def.namespaced || (!def.group && CACHED.includes(def.plural))) continue;
    const items = (await ctx.deps.client.list(def.plural, { namespace: ns })).items;
    out.push(...items.map((obj) => ({ plural: def.plural, group: def.group, obj })));
  }
  return out;
}

/** The resource quota controller's actor definition (input: none). */
export const resourceQuotaController = defineController({
  name: 'resourcequota',
  // Upstream's --concurrent-resource-quota-syncs default.
  workers: 5,
  watches: [
    // A new quota is computed; one that goes gives back its namespace's `resourcequotas` count; status writes are ignored.
    {
      resource: 'resourcequotas',
      indexers: namespaceIndexers,
      keys: (q, ctx) => (gone('resourcequotas', q, ctx) ? quotasIn(q.metadata.namespace, ctx) : [keyOf(q)]),
      updateKeys: (old, q) => (isDeepStrictEqual(old.spec, q.spec) ? [] : [keyOf(q)]),
    },
    ...WATCHED.map(watched),
  ],
  async reconcile(key, ctx) {
    const quota = ctx.cache<ResourceQuota>('resourcequotas').get(key);
    if (!quota) return;
    const hard = listOf(usageOf(quota.spec?.hard));
    const used = listOf(quotaUsage(quota, await objectsFor(quota, ctx), ctx.deps.clock.now()));
    if (!isDeepStrictEqual(quota.status?.hard ?? {}, hard) || !isDeepStrictEqual(quota.status?.used ?? {}, used)) {
      try {
        await ctx.deps.client.updateStatus('resourcequotas', { ...quota, status: { hard, used } });
      } catch (err) {
        if (!isNotFound(err)) throw err; // a conflict retries with the cache's newer quota
      }
    }
    return { requeueAfterMs: QUOTA_RESYNC_MS };
  },
});
