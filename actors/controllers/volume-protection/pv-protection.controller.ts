// The PV protection controller (upstream pkg/controller/volume/pvprotection): a volume being
// deleted keeps its `kubernetes.io/pv-protection` finalizer while it is Bound to a claim.
import { PV_PROTECTION_FINALIZER, type PersistentVolume } from '../../../api/kinds/storage.ts';
import { isNotFound } from '../../../api/status.ts';
import { defineController } from '../../lib/controller.ts';

/** The PV protection controller's actor definition (kind `controller/pv-protection-controller`). */
export const pvProtectionController = defineController({
  name: 'pv-protection-controller',
  watches: [{ resource: 'persistentvolumes' }],
  async reconcile(key, ctx) {
    const pv = ctx.cache<PersistentVolume>('persistentvolumes').get(key);
    if (!pv?.metadata.deletionTimestamp || !pv.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER)) return;
    if (pv.status?.phase === 'Bound') return; // upstream isVolumeInUse
    const finalizers = pv.metadata.finalizers.filter((f) => f !== PV_PROTECTION_FINALIZER);
    await ctx.deps.client.patch('persistentvolumes', key, { metadata: { resourceVersion: pv.metadata.resourceVersion, finalizers: finalizers.length ? finalizers : null } }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  },
});
