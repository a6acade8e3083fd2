// The PersistentVolume binder (upstream pkg/controller/volume/persistentvolume, the
// "persistentvolume-controller"): binds claims to volumes (pre-bound, else the smallest that fits
// by class, size, access modes and selector), leaves WaitForFirstConsumer claims to the scheduler,
// hands claims of a class to its (external) provisioner, keeps phases and annotations, and
// reclaims released volumes. Keys: a claim's `namespace/name`, a volume's `name`.
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../../api/kinds/storage.ts';
import { ANN_BETA_STORAGE_PROVISIONER, ANN_STORAGE_PROVISIONER, defaultClassOf } from '../../../api/kinds/storage.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { keyOf } from '../../../bus/informer.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';
import { Assumed, bind, liveClaim, note, reclaim, setClaimPhase, setVolumePhase, unbindVolume, type BinderState } from './pv-binder.effects.ts';
import { planClaim, planVolume } from './pv-binder.reconcile.ts';

/** Upstream's --pvclaimbinder-sync-period: claims that wait are looked at again this often. */
export const CLAIM_RESYNC_MS = 15_000;

type Ctx = ControllerContext<BinderState>;

function volumesOf(ctx: Ctx) {
  const cache = ctx.cache<PersistentVolume>('persistentvolumes');
  const assumed = ctx.state.volumes;
  return {
    get: (name: string) => assumed.newest(name, cache.get(name)),
    *all(): Iterable<PersistentVolume> {
      for (const pv of cache.list()) yield assumed.newest(pv.metadata.name!, pv)!;
    },
  };
}

async function syncClaim(key: string, ctx: Ctx) {
  const claim = ctx.state.claims.newest(key, ctx.cache<PersistentVolumeClaim>('persistentvolumeclaims').get(key));
  if (!claim) return void ctx.state.claims.forget(key);
  const classes = ctx.cache<StorageClass>('storageclasses');
  const step = planClaim(claim, volumesOf(ctx), (n) => classes.get(n), defaultClassOf(classes.list()));
  switch (step.op) {
    case 'none':
      return;
    case 'assignClass':
      ctx.state.claims.wrote(await ctx.deps.client.update<PersistentVolumeClaim>('persistentvolumeclaims', { ...claim, spec: { ...claim.spec, storageClassName: step.storageClassName } }));
      return;
    case 'bind':
      return bind(ctx, step.volume, claim);
    case 'bound':
      await setVolumePhase(ctx, step.volume, 'Bound');
      await setClaimPhase(ctx, claim, 'Bound', step.volume);
      return;
    case 'lost':
      note(ctx, claim, step.note);
      await setClaimPhase(ctx, claim, 'Lost');
      return;
    case 'provision': {
      note(ctx, claim, step.note);
      const a = claim.metadata.annotations ?? {};
      let next = claim;
      if (a[ANN_STORAGE_PROVISIONER] !== step.provisioner) {
        const annotations = { ...a, [ANN_STORAGE_PROVISIONER]: step.provisioner, [ANN_BETA_STORAGE_PROVISIONER]: step.provisioner };
        next = ctx.state.claims.wrote(await ctx.deps.client.update<PersistentVolumeClaim>('persistentvolumeclaims', { ...claim, metadata: { ...claim.metadata, annotations } }));
      }
      await setClaimPhase(ctx, next, 'Pending');
      return { requeueAfterMs: CLAIM_RESYNC_MS };
    }
    case 'pending':
      note(ctx, claim, step.note);
      await setClaimPhase(ctx, claim, 'Pending');
      return { requeueAfterMs: CLAIM_RESYNC_MS };
  }
}

async function syncVolume(name: string, ctx: Ctx) {
  const pv = ctx.state.volumes.newest(name, ctx.cache<PersistentVolume>('persistentvolumes').get(name));
  if (!pv) return void ctx.state.volumes.forget(name);
  const ref = pv.spec?.claimRef;
  let claim: PersistentVolumeClaim | undefined;
  if (ref?.uid) {
    const key = `${ref.namespace}/${ref.name}`;
    claim = ctx.state.claims.newest(key, ctx.cache<PersistentVolumeClaim>('persistentvolumeclaims').get(key));
    // Not in the cache: ask the API server before calling the volume released (the cache may lag).
    if (!claim) claim = await liveClaim(ctx, ref.namespace!, ref.name!);
    if (claim && claim.metadata.uid !== ref.uid) claim = undefined;
  }
  const step = planVolume(pv, claim);
  switch (step.op) {
    case 'none':
      return;
    case 'phase':
      await setVolumePhase(ctx, pv, step.phase);
      return;
    case 'unbind':
      return unbindVolume(ctx, pv);
    case 'syncClaim':
      ctx.queue.add(step.claimKey);
      return;
    case 'reclaim':
      return reclaim(ctx, pv, step.policy);
  }
}

/** The PV binder's actor definition (kind `controller/persistentvolume-controller`). */
export const persistentVolumeController = defineController<void, BinderState>({
  name: 'persistentvolume-controller',
  // Upstream runs one claim worker and one volume worker; one worker here keeps decisions in order.
  workers: 1,
  watches: [
    // A claim's change is also work for the volume it names (a deleted claim releases its volume).
    { resource: 'persistentvolumeclaims', keys: (o: KubeObject) => [keyOf(o), ...((o as PersistentVolumeClaim).spec?.volumeName ? [(o as PersistentVolumeClaim).spec.volumeName!] : [])] },
    { resource: 'persistentvolumes' },
    { resource: 'storageclasses', keys: () => [] },
  ],
  init: () => ({ volumes: new Assumed<PersistentVolume>(), claims: new Assumed<PersistentVolumeClaim>() }),
  reconcile: (key, ctx) => (key.includes('/') ? syncClaim(key, ctx) : syncVolume(key, ctx)),
});
