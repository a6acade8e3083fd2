// The CRD cleanup controller: a CustomResourceDefinition being deleted carries the cleanup
// finalizer; this controller marks it Terminating, deletes every custom object of it (each as an
// ordinary delete, so their own finalizers still run), and removes the finalizer once none is
// left, which lets the API server delete the CRD (upstream apiextensions-apiserver's
// finalizer controller). Keyed by CRD name.
import { CRD_CLEANUP_FINALIZER } from '../../../api/apiextensions/finalizer.ts';
import type { CustomResourceDefinition, CRDCondition } from '../../../api/apiextensions/types.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { rfc3339 } from '../../../api/names.ts';
import { isConflict, isNotFound } from '../../../api/status.ts';
import { defineController } from '../../lib/controller.ts';
import { followCustomResources } from '../../lib/custom-resources.ts';

const CRDS = 'customresourcedefinitions';
/** How soon to look again while objects are still going (their finalizers may take time). */
const RECHECK_MS = 1000;

/** Returns the CRD with its Terminating condition set, or undefined when it already says so. */
export function withTerminating(crd: CustomResourceDefinition, now: string, remaining: number): CustomResourceDefinition | undefined {
  const message = remaining ? `deleting ${remaining} custom object(s)` : 'removing the cleanup finalizer';
  const cond: CRDCondition = { type: 'Terminating', status: 'True', reason: remaining ? 'InstanceDeletionInProgress' : 'InstanceDeletionCompleted', message, lastTransitionTime: now };
  const conds = crd.status?.conditions ?? [];
  const old = conds.find((c) => c.type === 'Terminating');
  if (old && old.status === 'True' && old.reason === cond.reason && old.message === cond.message) return undefined;
  if (old?.status === 'True') cond.lastTransitionTime = old.lastTransitionTime;
  return { ...crd, status: { ...crd.status, conditions: [...conds.filter((c) => c.type !== 'Terminating'), cond] } };
}

/** The CRD cleanup controller's actor definition (input: none). */
export const crdCleanupController = defineController({
  name: 'crd-cleanup',
  watches: [{ resource: CRDS }],
  // The controller manager's other controllers (namespace deletion, garbage collection) read custom resources too.
  init: (ctx) => void followCustomResources(ctx.deps.informers, ctx.deps.log),
  async reconcile(name, ctx) {
    const crd = ctx.cache(CRDS).get(name) as unknown as CustomResourceDefinition | undefined;
    if (!crd?.metadata.deletionTimestamp || !crd.metadata.finalizers?.includes(CRD_CLEANUP_FINALIZER)) return;
    const { client } = ctx.deps;
    const plural = crd.spec.names.plural;
    const objects = (await client.list(plural)).items;
    for (const o of objects) {
      if (o.metadata.deletionTimestamp) continue;
      try {
        await client.delete(plural, o.metadata.name!, { namespace: o.metadata.namespace });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const marked = withTerminating(crd, rfc3339(ctx.deps.clock.now()), objects.length);
    if (marked) await client.updateStatus(CRDS, marked as unknown as KubeObject).catch((err) => { if (!isConflict(err) && !isNotFound(err)) throw err; });
    if (objects.length) return { requeueAfterMs: RECHECK_MS };
    // Nothing left: drop the finalizer (read fresh, so the update carries the latest resourceVersion).
    const fresh = await client.get(CRDS, name).catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)));
    if (!fresh) return;
    const finalizers = (fresh.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
    await client.update(CRDS, { ...fresh, metadata: { ...fresh.metadata, finalizers } } as never);
  },
});
