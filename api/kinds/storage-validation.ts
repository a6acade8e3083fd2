// Validation of PersistentVolumes, PersistentVolumeClaims and StorageClasses, with upstream's
// messages and field paths (pkg/apis/core/validation, pkg/apis/storage/validation).
import { compareQuantities, formatQuantity, parseQuantity } from '../quantity.ts';
import { child, deepEqual, forbiddenField, immutable, index, invalidValue, key, notSupported, required, type FieldError } from '../validation/field.ts';
import { validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { isQualifiedName, nameIsDNSSubdomain } from '../validation/strings.ts';
import { validateQuantity } from './container-validation.ts';
import { validateNodeSelectorTerm } from './scheduling-validation.ts';
import { ACCESS_MODES, type PersistentVolume, type PersistentVolumeClaim, type StorageClass, type VolumeNodeAffinity } from './storage.ts';

const VOLUME_MODES = ['Block', 'Filesystem'];
const PV_RECLAIM = ['Delete', 'Recycle', 'Retain'];
const SC_RECLAIM = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
/** Upstream's PersistentVolumeSource fields: exactly one must be set (kubus mounts hostPath and local ones). */
const PV_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'iscsi', 'cinder', 'cephfs', 'fc', 'flocker', 'flexVolume',
  'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'local', 'storageos', 'csi',
] as const;
const GREATER_THAN_ZERO = 'must be greater than zero';

function validateAccessModes(modes: string[] | undefined, emptyDetail: string, field: string, errs: FieldError[]): void {
  const f = child(field, 'accessModes');
  if (!modes?.length) errs.push(required(f, emptyDetail));
  let rwop = false;
  let other = false;
  for (const m of modes ?? []) {
    if (!(ACCESS_MODES as readonly string[]).includes(m)) errs.push(notSupported(f, m, ACCESS_MODES));
    if (m === 'ReadWriteOncePod') rwop = true;
    else other = true;
  }
  if (rwop && other) errs.push(forbiddenField(f, 'may not use ReadWriteOncePod with other access modes'));
}

function validateClassName(name: string | undefined, field: string, errs: FieldError[]): void {
  if (name) for (const m of nameIsDNSSubdomain(name, false)) errs.push(invalidValue(field, name, m));
}

function validateVolumeMode(mode: string | undefined, field: string, errs: FieldError[]): void {
  if (mode !== undefined && !VOLUME_MODES.includes(mode)) errs.push(notSupported(field, mode, VOLUME_MODES));
}

/** Validates a storage quantity that must be positive (ValidatePositiveQuantityValue + integer). */
function positiveStorage(raw: unknown, field: string, errs: FieldError[]): void {
  const q = validateQuantity('storage', raw, field, errs);
  if (q && q.nanos <= 0n) errs.push(invalidValue(field, formatQuantity(q), GREATER_THAN_ZERO));
}

function validateVolumeNodeAffinity(na: VolumeNodeAffinity | undefined, field: string, errs: FieldError[]): boolean {
  if (!na) return false;
  const req = na.required;
  if (!req) errs.push(required(child(field, 'required'), 'must specify required node constraints'));
  else {
    const tp = child(child(field, 'required'), 'nodeSelectorTerms');
    if (req.nodeSelectorTerms.length === 0) errs.push(required(tp, 'must have at least one node selector term'));
    req.nodeSelectorTerms.forEach((t, i) => validateNodeSelectorTerm(t, true, index(tp, i), errs));
  }
  return true;
}

/** Returns the field errors of a persistent volume (upstream ValidatePersistentVolume). */
export function validatePersistentVolume(pv: PersistentVolume): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(pv.metadata, { nameFn: nameIsDNSSubdomain, namespaced: false }, errs);
  const s = pv.spec ?? {};
  validateAccessModes(s.accessModes, '', 'spec', errs);
  const cap = s.capacity ?? {};
  const names = Object.keys(cap);
  if (names.length === 0) errs.push(required('spec.capacity'));
  if (!('storage' in cap) || names.length > 1) errs.push(notSupported('spec.capacity', cap, ['storage']));
  for (const n of names) positiveStorage(cap[n], key('spec.capacity', n), errs);
  const rp = s.persistentVolumeReclaimPolicy;
  if (rp !== undefined && !PV_RECLAIM.includes(rp)) errs.push(notSupported('spec.persistentVolumeReclaimPolicy', rp, PV_RECLAIM));
  validateClassName(s.storageClassName, 'spec.storageClassName', errs);
  validateVolumeMode(s.volumeMode, 'spec.volumeMode', errs);
  const hasAffinity = validateVolumeNodeAffinity(s.nodeAffinity, 'spec.nodeAffinity', errs);
  const set = PV_SOURCES.filter((k) => (s as Record<string, unknown>)[k] != null);
  if (set.length === 0) errs.push(required('spec', 'must specify a volume type'));
  for (const k of set.slice(1)) errs.push(forbiddenField(child('spec', k), 'may not specify more than 1 volume type'));
  if (s.hostPath && !s.hostPath.path) errs.push(required('spec.hostPath.path'));
  if (s.local) {
    if (!s.local.path) errs.push(required('spec.local.path'));
    if (!hasAffinity) errs.push(required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  return errs;
}

const sourceOf = (pv: PersistentVolume) => Object.fromEntries(PV_SOURCES.map((k) => [k, (pv.spec as Record<string, unknown> | undefined)?.[k]]));

/** Returns the update-only field errors of a persistent volume: its source, volumeMode and a set nodeAffinity are immutable. */
export function validatePersistentVolumeUpdate(pv: PersistentVolume, old: PersistentVolume): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(pv.metadata, old.metadata, errs);
  if (!deepEqual(sourceOf(pv), sourceOf(old))) errs.push(forbiddenField('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  immutable(pv.spec?.volumeMode, old.spec?.volumeMode, 'volumeMode', errs);
  if (old.spec?.nodeAffinity) immutable(pv.spec?.nodeAffinity, old.spec.nodeAffinity, 'nodeAffinity', errs);
  return errs;
}

/** Returns the field errors of a claim's spec (upstream ValidatePersistentVolumeClaimSpec), at `field`. */
export function validateClaimSpec(s: PersistentVolumeClaim['spec'] | undefined, field: string, errs: FieldError[]): void {
  const spec = s ?? {};
  validateAccessModes(spec.accessModes, 'at least 1 access mode is required', field, errs);
  validateLabelSelector(spec.selector, child(field, 'selector'), errs);
  const sp = key(child(field, 'resources'), 'storage');
  const storage = spec.resources?.requests?.storage;
  if (storage === undefined) errs.push(required(sp));
  else positiveStorage(storage, sp, errs);
  validateClassName(spec.storageClassName, child(field, 'storageClassName'), errs);
  validateVolumeMode(spec.volumeMode, child(field, 'volumeMode'), errs);
}

/** Returns the field errors of a claim (upstream ValidatePersistentVolumeClaim). */
export function validatePersistentVolumeClaim(pvc: PersistentVolumeClaim): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(pvc.metadata, { nameFn: nameIsDNSSubdomain, namespaced: true }, errs);
  validateClaimSpec(pvc.spec, 'spec', errs);
  return errs;
}

const storageOf = (pvc: PersistentVolumeClaim) => {
  try {
    return parseQuantity(pvc.spec?.resources?.requests?.storage ?? 0);
  } catch {
    return undefined;
  }
};

/**
 * Returns the update-only field errors of a claim (ValidatePersistentVolumeClaimUpdate): the spec is
 * immutable but for volumeName set once, storageClassName set from none, and a bound claim's
 * storage request growing.
 */
export function validatePersistentVolumeClaimUpdate(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(pvc.metadata, old.metadata, errs);
  const next = structuredClone(pvc.spec ?? {});
  const prev = structuredClone(old.spec ?? {});
  if (!prev.volumeName) prev.volumeName = next.volumeName;
  if (prev.storageClassName === undefined && !old.spec?.volumeName) prev.storageClassName = next.storageClassName;
  if (pvc.status?.phase === 'Bound' && next.resources?.requests) next.resources.requests.storage = prev.resources?.requests?.storage as string;
  if (next.resources?.requests && next.resources.requests.storage === undefined) delete next.resources.requests.storage;
  if (!deepEqual(next, prev)) errs.push(forbiddenField('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  const a = storageOf(pvc);
  const b = storageOf(old);
  if (a && b && compareQuantities(a, b) < 0) errs.push(forbiddenField('spec.resources.requests.storage', 'field can not be less than previous value'));
  return errs;
}

/** Returns the field errors of a storage class (upstream ValidateStorageClass). */
export function validateStorageClass(sc: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(sc.metadata, { nameFn: nameIsDNSSubdomain, namespaced: false }, errs);
  const p = sc.provisioner ?? '';
  if (!p) errs.push(required('provisioner'));
  else for (const m of isQualifiedName(p.toLowerCase())) errs.push(invalidValue('provisioner', p, m));
  for (const k in sc.parameters ?? {}) if (!k) errs.push(invalidValue('parameters', sc.parameters, 'key must not be empty'));
  if (sc.reclaimPolicy !== undefined && !SC_RECLAIM.includes(sc.reclaimPolicy)) errs.push(notSupported('reclaimPolicy', sc.reclaimPolicy, SC_RECLAIM));
  if (sc.volumeBindingMode === undefined) errs.push(required('volumeBindingMode'));
  else if (!BINDING_MODES.includes(sc.volumeBindingMode)) errs.push(notSupported('volumeBindingMode', sc.volumeBindingMode, BINDING_MODES));
  return errs;
}

/** Returns the update-only field errors of a storage class: parameters, provisioner, reclaimPolicy and binding mode are fixed. */
export function validateStorageClassUpdate(sc: StorageClass, old: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(sc.metadata, old.metadata, errs);
  if (!deepEqual(sc.parameters, old.parameters)) errs.push(forbiddenField('parameters', 'updates to parameters are forbidden.'));
  if (sc.provisioner !== old.provisioner) errs.push(forbiddenField('provisioner', 'updates to provisioner are forbidden.'));
  if (sc.reclaimPolicy !== old.reclaimPolicy) errs.push(forbiddenField('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  immutable(sc.volumeBindingMode, old.volumeBindingMode, 'volumeBindingMode', errs);
  return errs;
}
