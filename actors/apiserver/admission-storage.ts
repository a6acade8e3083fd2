// Storage admission plugins: StorageObjectInUseProtection (the protection finalizers on new claims
// and volumes), DefaultStorageClass (a claim created without storageClassName gets the
// cluster's default class, upstream plugin/pkg/admission/storage/storageclass/setdefault) and
// PersistentVolumeClaimResize (plugin/pkg/admission/storage/persistentvolume/resize).
import type { KubeObject } from '../../api/meta.ts';
import { claimClass, defaultClassOf, PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER, type PersistentVolumeClaim, type StorageClass } from '../../api/kinds/storage.ts';
import { compareQuantities, parseQuantity } from '../../api/quantity.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { forbidden } from '../../api/status.ts';
import { qualified, type ServerContext } from './context.ts';

/** Returns the cluster's default class, if any. */
export const defaultStorageClass = (ctx: ServerContext): StorageClass | undefined => defaultClassOf(ctx.store.range('/registry/storageclasses/').kvs.map((kv) => kv.value as StorageClass));

/** Sets a new claim's storageClassName to the default class when it names none (an explicit "" stays). */
export function setDefaultStorageClass(ctx: ServerContext, obj: KubeObject): void {
  const pvc = obj as PersistentVolumeClaim;
  if (!pvc.spec || typeof pvc.spec !== 'object' || pvc.spec.storageClassName != null) return;
  const sc = defaultStorageClass(ctx);
  if (sc) pvc.spec.storageClassName = sc.metadata.name;
}

/**
 * The PersistentVolumeClaimResize admission plugin: a bound claim's storage request may grow only
 * when its class has allowVolumeExpansion (403 Forbidden with upstream's words otherwise).
 */
export function admitClaimResize(ctx: ServerContext, def: ResourceDef, obj: KubeObject, old: KubeObject): void {
  const pvc = obj as PersistentVolumeClaim;
  const prev = old as PersistentVolumeClaim;
  const size = (c: PersistentVolumeClaim) => {
    try {
      return parseQuantity(c.spec?.resources?.requests?.storage ?? 0);
    } catch {
      return undefined; // validation reports it
    }
  };
  const next = size(pvc);
  const was = size(prev);
  if (!next || !was || compareQuantities(next, was) <= 0) return;
  // Upstream validates before this plugin runs: an unbound claim's growth is refused there (spec is immutable).
  if (prev.status?.phase !== 'Bound') return;
  const name = pvc.metadata.name ?? '';
  const cls = claimClass(pvc);
  const sc = cls ? (ctx.store.get(`/registry/storageclasses/${cls}`)?.value as StorageClass | undefined) : undefined;
  if (sc?.allowVolumeExpansion !== true)
    throw forbidden(qualified(def), name, 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
}

/** StorageObjectInUseProtection: a new claim or volume gets its protection finalizer. */
export function addProtectionFinalizer(obj: KubeObject, plural: string): void {
  const f = plural === 'persistentvolumes' ? PV_PROTECTION_FINALIZER : PVC_PROTECTION_FINALIZER;
  const have = obj.metadata.finalizers ?? [];
  if (!have.includes(f)) obj.metadata.finalizers = [...have, f];
}
