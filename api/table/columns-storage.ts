// Table columns of persistent volumes, claims and storage classes, column for column as printers.go (v1.32).
import { accessModesString, ANN_DEFAULT_CLASS } from '../kinds/storage.ts';
import { canonicalQuantity } from '../quantity.ts';
import { AGE, ageOf, col, meta, NAME, nameOf, wideCol } from './column.ts';
import { arr, rec, str } from './loose.ts';
import type { KindColumns } from './types.ts';

/** Returns a quantity as Go's Quantity.String() prints it: "0" for none, the raw text when it does not parse. */
export function quantity(v: unknown): string {
  if (v === undefined || v === null || v === '') return '0';
  try {
    return canonicalQuantity(v as string);
  } catch {
    return String(v);
  }
}

const modes = (v: unknown) => accessModesString(arr(v).map((m) => str(m)));
const phaseOf = (o: unknown) => (meta(o).deletionTimestamp ? 'Terminating' : str(rec(rec(o).status).phase));
const unset = (v: unknown) => (str(v) ? str(v) : '<unset>');

const persistentvolumes: KindColumns = {
  columns: [
    NAME,
    col('Capacity', 'string', "capacity is the description of the persistent volume's resources and capacity."),
    col('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.'),
    col('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    col('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    col('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    col('StorageClass', 'string', 'StorageClass of the pv'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    col('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
    AGE,
    wideCol('VolumeMode', 'string', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.'),
  ],
  cells: (o, { now }) => {
    const s = rec(rec(o).spec);
    const ref = rec(s.claimRef);
    const claim = s.claimRef ? `${str(ref.namespace)}/${str(ref.name)}` : '';
    return [
      nameOf(o), quantity(rec(s.capacity).storage), modes(s.accessModes), str(s.persistentVolumeReclaimPolicy), phaseOf(o), claim,
      str(s.storageClassName), unset(s.volumeAttributesClassName), str(rec(rec(o).status).reason), ageOf(o, now), unset(s.volumeMode),
    ];
  },
};

const persistentvolumeclaims: KindColumns = {
  columns: [
    NAME,
    col('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
    col('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    col('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
    col('Access Modes', 'string', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    col('StorageClass', 'string', 'StorageClass of the pvc'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    AGE,
    wideCol('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim.'),
  ],
  cells: (o, { now }) => {
    const s = rec(rec(o).spec);
    const st = rec(rec(o).status);
    const bound = str(s.volumeName) !== '';
    return [
      nameOf(o), phaseOf(o), str(s.volumeName), bound ? quantity(rec(st.capacity).storage) : '', bound ? modes(st.accessModes) : '',
      str(s.storageClassName), unset(s.volumeAttributesClassName), ageOf(o, now), unset(s.volumeMode),
    ];
  },
};

const storageclasses: KindColumns = {
  columns: [
    NAME,
    col('Provisioner', 'string', 'provisioner indicates the type of the provisioner.'),
    col('ReclaimPolicy', 'string', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.'),
    col('VolumeBindingMode', 'string', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
    col('AllowVolumeExpansion', 'string', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
    AGE,
  ],
  cells: (o, { now }) => {
    const sc = rec(o);
    const name = rec(meta(o).annotations)[ANN_DEFAULT_CLASS] === 'true' ? `${nameOf(o)} (default)` : nameOf(o);
    return [name, str(sc.provisioner), str(sc.reclaimPolicy) || 'Delete', str(sc.volumeBindingMode) || 'Immediate', sc.allowVolumeExpansion === true, ageOf(o, now)];
  },
};

/** Table columns of persistent volumes, claims and storage classes, by plural resource name. */
export const storageColumns: Record<string, KindColumns> = { persistentvolumes, persistentvolumeclaims, storageclasses };
