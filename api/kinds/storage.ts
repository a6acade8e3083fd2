// Storage kinds: PersistentVolume, PersistentVolumeClaim (core/v1) and StorageClass
// (storage.k8s.io/v1): schemas, defaults as upstream's SetDefaults_*, and the annotations and
// helpers the binder, the provisioner, the scheduler and the kubelet share.
import { Type, type Static } from '@sinclair/typebox';
import { LabelSelector, objectSchema } from '../meta.ts';
import { Condition, ensureObj, isObj, ObjectReference, obj, opt, ResourceList, StringMap, type Kube } from './common.ts';
import { NodeSelectorTerm } from './scheduling.ts';

/** The access modes upstream supports, sorted as its NotSupported message lists them. */
export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'] as const;
/** kubectl's short spelling of each access mode (GetAccessModesAsString). */
export const ACCESS_MODE_SHORT: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };

/** The finalizers of StorageObjectInUseProtection: a claim used by a pod, a volume bound to a claim, stays while in use. */
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';
/** The storage class annotation that marks the cluster's default class. */
export const ANN_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
/** Set on a claim once the binder has bound it (value "yes"). */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** Set on a claim and a volume the binder (not the user) bound. */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** The provisioner that made a volume: only its volumes are deleted on reclaim. */
export const ANN_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
/** The node the scheduler chose for a WaitForFirstConsumer claim. */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** The provisioner a claim waits on (and its beta spelling, still written upstream). */
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';

export const VolumeNodeAffinity = obj({ required: opt(obj({ nodeSelectorTerms: Type.Array(NodeSelectorTerm) })) });
export type VolumeNodeAffinity = Static<typeof VolumeNodeAffinity>;

export const PersistentVolumeSpec = obj({
  capacity: opt(ResourceList),
  accessModes: opt(Type.Array(Type.String())),
  claimRef: opt(ObjectReference),
  persistentVolumeReclaimPolicy: opt(Type.String()),
  storageClassName: opt(Type.String()),
  mountOptions: opt(Type.Array(Type.String())),
  volumeMode: opt(Type.String()),
  nodeAffinity: opt(VolumeNodeAffinity),
  volumeAttributesClassName: opt(Type.String()),
  hostPath: opt(obj({ path: Type.String(), type: opt(Type.String()) })),
  local: opt(obj({ path: Type.String(), fsType: opt(Type.String()) })),
  nfs: opt(obj({ server: Type.String(), path: Type.String(), readOnly: opt(Type.Boolean()) })),
  csi: opt(obj({ driver: Type.String(), volumeHandle: Type.String() })),
});
export type PersistentVolumeSpec = Static<typeof PersistentVolumeSpec>;

export const PersistentVolumeStatus = obj({ phase: opt(Type.String()), message: opt(Type.String()), reason: opt(Type.String()), lastPhaseTransitionTime: opt(Type.String()) });
export type PersistentVolumeStatus = Static<typeof PersistentVolumeStatus>;

export const PersistentVolumeSchema = objectSchema({ spec: opt(PersistentVolumeSpec), status: opt(PersistentVolumeStatus) });
export type PersistentVolume = Kube<{ spec: PersistentVolumeSpec; status?: PersistentVolumeStatus }>;

export const PersistentVolumeClaimSpec = obj({
  accessModes: opt(Type.Array(Type.String())),
  selector: opt(LabelSelector),
  resources: opt(obj({ requests: opt(ResourceList), limits: opt(ResourceList) })),
  volumeName: opt(Type.String()),
  storageClassName: opt(Type.String()),
  volumeMode: opt(Type.String()),
  dataSource: opt(obj({})),
  dataSourceRef: opt(obj({})),
  volumeAttributesClassName: opt(Type.String()),
});
export type PersistentVolumeClaimSpec = Static<typeof PersistentVolumeClaimSpec>;

export const PersistentVolumeClaimStatus = obj({
  phase: opt(Type.String()),
  accessModes: opt(Type.Array(Type.String())),
  capacity: opt(ResourceList),
  conditions: opt(Type.Array(Condition)),
});
export type PersistentVolumeClaimStatus = Static<typeof PersistentVolumeClaimStatus>;

export const PersistentVolumeClaimSchema = objectSchema({ spec: opt(PersistentVolumeClaimSpec), status: opt(PersistentVolumeClaimStatus) });
export type PersistentVolumeClaim = Kube<{ spec: PersistentVolumeClaimSpec; status?: PersistentVolumeClaimStatus }>;

export const StorageClassSchema = objectSchema({
  provisioner: opt(Type.String()),
  parameters: opt(StringMap),
  reclaimPolicy: opt(Type.String()),
  mountOptions: opt(Type.Array(Type.String())),
  allowVolumeExpansion: opt(Type.Boolean()),
  volumeBindingMode: opt(Type.String()),
  allowedTopologies: opt(Type.Array(obj({}))),
});
export type StorageClass = Kube<{
  provisioner: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: string;
  mountOptions?: string[];
  allowVolumeExpansion?: boolean;
  volumeBindingMode?: string;
  allowedTopologies?: unknown[];
}>;

/** Fills volume defaults in place: reclaim policy Retain, volumeMode Filesystem, phase Pending (SetDefaults_PersistentVolume). */
export function defaultPersistentVolume(pv: PersistentVolume): void {
  if (!isObj(pv)) return;
  const spec = ensureObj(pv as never, 'spec');
  if (spec) {
    spec.persistentVolumeReclaimPolicy ||= 'Retain';
    spec.volumeMode ||= 'Filesystem';
  }
  const st = ensureObj(pv as never, 'status');
  if (st) st.phase ||= 'Pending';
}

/** Fills claim defaults in place: volumeMode Filesystem, phase Pending (SetDefaults_PersistentVolumeClaim). */
export function defaultPersistentVolumeClaim(pvc: PersistentVolumeClaim): void {
  if (!isObj(pvc)) return;
  const spec = ensureObj(pvc as never, 'spec');
  if (spec) spec.volumeMode ||= 'Filesystem';
  const st = ensureObj(pvc as never, 'status');
  if (st) st.phase ||= 'Pending';
}

/** Clears the status a new volume or claim was sent with: it starts Pending (upstream PrepareForCreate). */
export function resetStorageStatus(o: PersistentVolume | PersistentVolumeClaim): void {
  if (isObj(o)) o.status = { phase: 'Pending' };
}

/** Fills class defaults in place: reclaimPolicy Delete, volumeBindingMode Immediate (SetDefaults_StorageClass). */
export function defaultStorageClass(sc: StorageClass): void {
  if (!isObj(sc)) return;
  sc.reclaimPolicy ||= 'Delete';
  sc.volumeBindingMode ||= 'Immediate';
}

/** Returns true when a class is marked default (upstream IsDefaultAnnotation: only the exact "true"). */
export const isDefaultClass = (sc: StorageClass): boolean => sc.metadata.annotations?.[ANN_DEFAULT_CLASS] === 'true';

/** Returns the default class: of several, the newest, then the first by name (upstream GetDefaultClass). */
export function defaultClassOf(classes: Iterable<StorageClass>): StorageClass | undefined {
  const defaults = [...classes].filter(isDefaultClass);
  defaults.sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || a.metadata.name!.localeCompare(b.metadata.name!));
  return defaults[0];
}

/** Returns the class a claim asks for ("" = none; upstream GetPersistentVolumeClaimClass). */
export const claimClass = (pvc: PersistentVolumeClaim): string => pvc.spec?.storageClassName ?? '';

/** Returns the storage a claim requests, or '0'. */
export const claimRequest = (pvc: PersistentVolumeClaim): string | number => pvc.spec?.resources?.requests?.storage ?? '0';

/** Returns the storage capacity of a volume, or '0'. */
export const volumeCapacity = (pv: PersistentVolume): string | number => pv.spec?.capacity?.storage ?? '0';

/** Returns access modes as kubectl prints them: RWO,ROX,RWX,RWOP (upstream GetAccessModesAsString order). */
export function accessModesString(modes: readonly string[] | undefined): string {
  const have = new Set(modes ?? []);
  return ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'].filter((m) => have.has(m)).map((m) => ACCESS_MODE_SHORT[m]).join(',');
}
