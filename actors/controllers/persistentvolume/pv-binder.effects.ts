// The PV binder's writes (upstream pv_controller.go bind, unbindVolume, updateClaimStatus,
// updateVolumePhase, reclaimVolume). Every written object is remembered, so the next decision
// sees it before the informer does (upstream's assume cache).
import { rfc3339 } from '../../../api/names.ts';
import { unlessNotFound } from '../../../api/status.ts';
import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_PROVISIONED_BY, type PersistentVolume, type PersistentVolumeClaim } from '../../../api/kinds/storage.ts';
import type { ControllerContext } from '../../lib/controller.ts';
import type { Note } from './pv-binder.reconcile.ts';

/** Objects this controller wrote, newer than its caches may be: name → object. */
export class Assumed<T extends { metadata: { name?: string; namespace?: string; resourceVersion?: string } }> {
  private readonly m = new Map<string, T>();
  private key = (o: T) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!);
  /** Remembers a written object. */
  wrote(o: T): T {
    this.m.set(this.key(o), o);
    return o;
  }
  /** Returns the newer of the cache's object and the one written, by resourceVersion; nothing once the cache has none (deleted: the binder only updates). */
  newest(key: string, cached: T | undefined): T | undefined {
    const mine = this.m.get(key);
    if (!mine) return cached;
    if (!cached || Number(cached.metadata.resourceVersion) >= Number(mine.metadata.resourceVersion)) {
      this.m.delete(key);
      return cached;
    }
    return mine;
  }
  /** Forgets an object (deleted). */
  forget(key: string): void {
    this.m.delete(key);
  }
}

export interface BinderState {
  volumes: Assumed<PersistentVolume>;
  claims: Assumed<PersistentVolumeClaim>;
}
type Ctx = ControllerContext<BinderState>;

const withAnn = (meta: { annotations?: Record<string, string> }, k: string) => ({ ...meta.annotations, [k]: 'yes' });

/** Records an event about an object. */
export const note = (ctx: Ctx, o: PersistentVolume | PersistentVolumeClaim, n: Note | undefined) => n && ctx.events.record(o, n.type, n.reason, n.message);

/** Sets a volume's phase (and message) through the status subresource. */
export async function setVolumePhase(ctx: Ctx, pv: PersistentVolume, phase: string, message?: string): Promise<PersistentVolume> {
  if (pv.status?.phase === phase && (message === undefined || pv.status.message === message)) return pv;
  const status = { ...pv.status, phase, ...(message !== undefined ? { message } : {}) };
  if (message === undefined) delete status.message;
  // Upstream (PersistentVolumeLastPhaseTransitionTime, GA in 1.31) stamps every phase change.
  if (pv.status?.phase !== phase) status.lastPhaseTransitionTime = rfc3339(ctx.deps.clock.now());
  return ctx.state.volumes.wrote(await ctx.deps.client.updateStatus<PersistentVolume>('persistentvolumes', { ...pv, status }));
}

/** Sets a claim's phase; Bound copies the volume's access modes and capacity (updateClaimStatus). */
export async function setClaimPhase(ctx: Ctx, pvc: PersistentVolumeClaim, phase: string, pv?: PersistentVolume): Promise<PersistentVolumeClaim> {
  const status = { ...pvc.status, phase };
  if (pv) {
    status.accessModes = pv.spec?.accessModes;
    status.capacity = pv.spec?.capacity;
  } else if (phase !== 'Bound') {
    delete status.accessModes;
    delete status.capacity;
  }
  if (JSON.stringify(status) === JSON.stringify(pvc.status)) return pvc;
  return ctx.state.claims.wrote(await ctx.deps.client.updateStatus<PersistentVolumeClaim>('persistentvolumeclaims', { ...pvc, status }));
}

/** Binds a volume and a claim both ways, then marks both Bound (upstream bind). */
export async function bind(ctx: Ctx, pv: PersistentVolume, pvc: PersistentVolumeClaim): Promise<void> {
  const ref = pv.spec?.claimRef;
  if (!ref || ref.uid !== pvc.metadata.uid || ref.name !== pvc.metadata.name || ref.namespace !== pvc.metadata.namespace) {
    const claimRef = { kind: 'PersistentVolumeClaim', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid, apiVersion: 'v1', resourceVersion: pvc.metadata.resourceVersion };
    const metadata = ref ? pv.metadata : { ...pv.metadata, annotations: withAnn(pv.metadata, ANN_BOUND_BY_CONTROLLER) };
    pv = ctx.state.volumes.wrote(await ctx.deps.client.update<PersistentVolume>('persistentvolumes', { ...pv, metadata, spec: { ...pv.spec, claimRef } }));
  }
  pv = await setVolumePhase(ctx, pv, 'Bound');
  const a = pvc.metadata.annotations ?? {};
  if (pvc.spec?.volumeName !== pv.metadata.name || a[ANN_BIND_COMPLETED] !== 'yes') {
    const annotations = withAnn({ annotations: pvc.spec?.volumeName ? a : withAnn(pvc.metadata, ANN_BOUND_BY_CONTROLLER) }, ANN_BIND_COMPLETED);
    pvc = ctx.state.claims.wrote(
      await ctx.deps.client.update<PersistentVolumeClaim>('persistentvolumeclaims', { ...pvc, metadata: { ...pvc.metadata, annotations }, spec: { ...pvc.spec, volumeName: pv.metadata.name } }),
    );
  }
  await setClaimPhase(ctx, pvc, 'Bound', pv);
}

/** Frees a volume the binder had bound to a claim that went elsewhere (upstream unbindVolume). */
export async function unbindVolume(ctx: Ctx, pv: PersistentVolume): Promise<void> {
  const annotations = { ...pv.metadata.annotations };
  delete annotations[ANN_BOUND_BY_CONTROLLER];
  const spec = { ...pv.spec };
  delete spec.claimRef;
  const next = ctx.state.volumes.wrote(await ctx.deps.client.update<PersistentVolume>('persistentvolumes', { ...pv, metadata: { ...pv.metadata, annotations }, spec }));
  await setVolumePhase(ctx, next, 'Available');
}

/**
 * Reclaims a released volume (upstream reclaimVolume): Retain keeps it; Delete leaves a provisioned
 * volume to its provisioner and fails others (no in-tree deleter here); Recycle is not supported.
 */
export async function reclaim(ctx: Ctx, pv: PersistentVolume, policy: string): Promise<void> {
  const fail = async (reason: string, message: string) => {
    const next = await setVolumePhase(ctx, pv, 'Failed', message);
    ctx.events.record(next, 'Warning', reason, message);
  };
  switch (policy) {
    case 'Retain':
      return;
    case 'Delete':
      if (pv.metadata.annotations?.[ANN_PROVISIONED_BY]) return; // its (external) provisioner deletes it
      return fail('VolumeFailedDelete', `error getting deleter volume plugin for volume "${pv.metadata.name}": no deletable volume plugin matched`);
    case 'Recycle':
      return fail('VolumeFailedRecycle', 'No recycler plugin found for the volume!');
    default:
      return fail('VolumeUnknownReclaimPolicy', 'Volume has unrecognized PersistentVolumeReclaimPolicy');
  }
}

/** Returns a claim from the API server (the cache may not have it yet); undefined when it is gone. */
export const liveClaim = (ctx: Ctx, namespace: string, name: string): Promise<PersistentVolumeClaim | undefined> =>
  unlessNotFound(ctx.deps.client.get<PersistentVolumeClaim>('persistentvolumeclaims', name, { namespace }));
