// The resource quota controller (upstream pkg/controller/resourcequota): each quota's status.hard is its
// spec.hard and status.used what its namespace's objects use now, every hard resource listed (zero when
// unused). A quota is recomputed when it changes, when an object in its namespace changes what it uses
// (replenishment: a pod ends, a claim or service goes), and every 5 minutes (the full resync).
import { isDeepStrictEqual } from 'node:util';
import type { ResourceQuota } from '../../../api/kinds/resourcequota.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { listOf, objectUsage, quotaUsage, usageOf } from '../../../api/quota.ts';
import { resourceFor } from '../../../api/resources.ts';
import { isNotFound } from '../../../api/status.ts';
import { NAMESPACE_INDEX, namespaceIndexers } from '../../../bus/indexers.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';

/** Upstream's default --resource-quota-sync-period. */
export const QUOTA_RESYNC_MS = 5 * 60_000;

/** Core resources whose objects are watched (their usage beyond an object count is evaluated). */
const WATCHED = ['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers'];

const quotasIn = (namespace: string | undefined, ctx: ControllerContext) =>
  ctx.cache<ResourceQuota>('resourcequotas').byIndex(NAMESPACE_INDEX, namespace ?? '').map((q) => `${q.metadata.namespace}/${q.metadata.name}`);

const watched = (resource: string) => ({
  resource,
  indexers: namespaceIndexers,
  keys: (o: KubeObject, ctx: ControllerContext) => quotasIn(o.metadata.namespace, ctx),
  // Only a change in what the object uses matters (a pod's status churn does not).
  updateKeys: (old: KubeObject, obj: KubeObject, ctx: ControllerContext) => {
    const now = ctx.deps.clock.now();
    return isDeepStrictEqual(listOf(objectUsage(resource, '', old, now)), listOf(objectUsage(resource, '', obj, now))) ? [] : quotasIn(obj.metadata.namespace, ctx);
  },
});

/** Returns the namespace's objects a quota counts: watched kinds from the caches, other `count/…` kinds listed. */
async function objectsFor(quota: ResourceQuota, ctx: ControllerContext): Promise<Array<{ plural: string; group: string; obj: KubeObject }>> {
  const ns = quota.metadata.namespace!;
  const out = [...WATCHED, 'resourcequotas'].flatMap((plural) => ctx.cache(plural).byIndex(NAMESPACE_INDEX, ns).map((obj) => ({ plural, group: '', obj })));
  for (const name of Object.keys(quota.spec?.hard ?? {})) {
    if (!name.startsWith('count/')) continue;
    const def = resourceFor(name.slice('count/'.length));
    if (!def || !def.namespaced || (!def.group && [...WATCHED, 'resourcequotas'].includes(def.plural))) continue;
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
    // A quota that comes or goes changes its namespace's `resourcequotas` count; its own status writes concern only itself.
    { resource: 'resourcequotas', indexers: namespaceIndexers, keys: (q, ctx) => quotasIn(q.metadata.namespace, ctx), updateKeys: (_old, q) => [`${q.metadata.namespace}/${q.metadata.name}`] },
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
