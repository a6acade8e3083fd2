// The ResourceQuota admission plugin (plugin/pkg/admission/resourcequota) on create: a new object must
// fit every quota of its namespace that covers it (403 Forbidden with upstream's texts otherwise), and
// is charged to them at once (status.used written before the object is), so that concurrent creates
// cannot both take the last unit; the quota controller later recomputes the usage from what exists.
import type { ResourceQuota } from '../../api/kinds/resourcequota.ts';
import type { KubeObject } from '../../api/meta.ts';
import { checkQuotas } from '../../api/quota.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { forbidden, internalError } from '../../api/status.ts';
import { qualified, type ServerContext } from './context.ts';
import { toStored } from './objects.ts';

const ATTEMPTS = 3;

/** Returns the namespace's quotas with their store revisions. */
function quotasOf(ctx: ServerContext, namespace: string): Array<{ quota: ResourceQuota; rev: number; key: string }> {
  return ctx.store.range(`/registry/resourcequotas/${namespace}/`).kvs.map((kv) => ({ quota: kv.value as ResourceQuota, rev: kv.modRevision, key: kv.key }));
}

/** Resources whose updates may use more (a Service turned NodePort or LoadBalancer, a claim that grows); upstream's evaluators handle no other updates. */
const CHARGED_ON_UPDATE = new Set(['services', 'persistentvolumeclaims']);

/**
 * Checks a namespaced object about to be created (or an update of `old`) against its namespace's
 * quotas and charges them (not on a dry run); throws upstream's 403 when one refuses it.
 */
export function chargeQuota(ctx: ServerContext, def: ResourceDef, obj: KubeObject, dryRun: boolean, old?: KubeObject): void | Promise<void> {
  // Upstream's quota configuration ignores events (DefaultIgnoredResources).
  if (!def.namespaced || (def.plural === 'events' && !def.group)) return;
  if (old && (def.group || !CHARGED_ON_UPDATE.has(def.plural))) return;
  // A namespace without quotas (most writes) is answered at once: no promise, no tick.
  const found = quotasOf(ctx, obj.metadata.namespace!);
  if (found.length) return charge(ctx, def, obj, dryRun, old, found);
}

async function charge(ctx: ServerContext, def: ResourceDef, obj: KubeObject, dryRun: boolean, old: KubeObject | undefined, first: ReturnType<typeof quotasOf>): Promise<void> {
  const namespace = obj.metadata.namespace!;
  for (let attempt = 1; ; attempt++) {
    const found = attempt === 1 ? first : quotasOf(ctx, namespace);
    if (!found.length) return;
    const result = checkQuotas(found.map((f) => f.quota), def.plural, def.group, obj, ctx.clock.now(), old);
    if ('error' in result) throw forbidden(qualified(def), obj.metadata.name ?? '', result.error);
    if (dryRun || !result.charge.length) return;
    // Every write starts before the first await: no other request runs between the check and the charge.
    const writes = result.charge.map(({ quota, used }) => {
      const f = found.find((x) => x.quota === quota)!;
      const next = { ...quota, status: { ...quota.status, used } };
      return ctx.store.txn({ op: 'update', key: f.key, value: toStored(next as KubeObject), ifModRevision: f.rev });
    });
    const results = await Promise.all(writes);
    if (results.every((r) => r.ok)) return;
    // Another API server charged a quota meanwhile: check again against the new usage.
    if (attempt >= ATTEMPTS) throw internalError(`unable to charge quota for ${qualified(def)} "${obj.metadata.name ?? ''}": too many conflicts`);
    ctx.log.info({ resource: def.plural, attempt }, 'quota charge conflicted; checking again');
    // On a shared store this replica's cache may be what was stale: read the latest state next.
    await ctx.store.sync?.();
  }
}
