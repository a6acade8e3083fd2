// The PV binder's decisions, pure (upstream pv_controller.go syncClaim / syncVolume): what one
// claim or one volume needs, from the claim, the volumes and the classes as the caches hold them.
import { findMatchingVolume, isVolumeBoundToClaim } from '../../../api/kinds/storage-match.ts';
import {
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_SELECTED_NODE,
  claimClass,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from '../../../api/kinds/storage.ts';

/** An event about the claim or the volume, with upstream's reason and message. */
export interface Note {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** What a claim needs. */
export type ClaimStep =
  | { op: 'none' }
  | { op: 'pending'; note?: Note }
  | { op: 'assignClass'; storageClassName: string }
  | { op: 'bind'; volume: PersistentVolume }
  | { op: 'provision'; provisioner: string; note: Note }
  | { op: 'bound'; volume: PersistentVolume }
  | { op: 'lost'; note: Note };

/** What a volume needs. */
export type VolumeStep =
  | { op: 'none' }
  | { op: 'phase'; phase: 'Available' | 'Bound' | 'Released' }
  | { op: 'unbind' }
  | { op: 'syncClaim'; claimKey: string }
  | { op: 'reclaim'; policy: string };

/** Upstream's event messages. */
export const MSG = {
  waitForFirstConsumer: 'waiting for first consumer to be created before binding',
  noClass: 'no persistent volumes available for this claim and no storage class is set',
  external: (p: string) =>
    `Waiting for a volume to be created either by the external provisioner '${p}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
  classNotFound: (c: string) => `storageclass.storage.k8s.io "${c}" not found`,
  noPlugin: (p: string) => `no volume plugin matched name: ${p}`,
  lostReference: 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!',
  lostVolume: 'Bound claim has lost its PersistentVolume. Data on the volume is lost!',
  misbound: 'Two claims are bound to the same volume, this one is bound incorrectly',
  takenByOther: (v: string) => `volume "${v}" already bound to a different claim.`,
};

/** In-tree provisioners migrated to CSI: claims of their classes wait for the CSI driver (upstream's CSI translation). */
const MIGRATED: Record<string, string> = {
  'kubernetes.io/aws-ebs': 'ebs.csi.aws.com',
  'kubernetes.io/gce-pd': 'pd.csi.storage.gke.io',
  'kubernetes.io/cinder': 'cinder.csi.openstack.org',
  'kubernetes.io/azure-disk': 'disk.csi.azure.com',
  'kubernetes.io/azure-file': 'file.csi.azure.com',
  'kubernetes.io/vsphere-volume': 'csi.vsphere.vmware.com',
  'kubernetes.io/portworx-volume': 'pxd.portworx.com',
};

const ann = (o: { metadata: { annotations?: Record<string, string> } }, k: string) => o.metadata.annotations?.[k];

/** Returns the class's binding mode is WaitForFirstConsumer (upstream IsDelayBindingMode). */
export const isDelayBinding = (sc: StorageClass | undefined) => sc?.volumeBindingMode === 'WaitForFirstConsumer';

type Volumes = { get(name: string): PersistentVolume | undefined; all(): Iterable<PersistentVolume> };

/** Decides a claim's next step (syncUnboundClaim / syncBoundClaim). */
export function planClaim(pvc: PersistentVolumeClaim, volumes: Volumes, classOf: (name: string) => StorageClass | undefined, defaultClass?: StorageClass): ClaimStep {
  const name = pvc.spec?.volumeName ?? '';
  if (ann(pvc, ANN_BIND_COMPLETED) === 'yes') return planBoundClaim(pvc, name, volumes);
  if (name) return planRequestedVolume(pvc, name, volumes);
  return planUnboundClaim(pvc, volumes, classOf, defaultClass);
}

// syncUnboundClaim for a claim that names no volume: a matching one, else wait for a consumer, or provision.
function planUnboundClaim(pvc: PersistentVolumeClaim, volumes: Volumes, classOf: (name: string) => StorageClass | undefined, defaultClass?: StorageClass): ClaimStep {
  // A claim made before any default class existed gets it now (upstream's retroactive default class).
  if (pvc.spec?.storageClassName === undefined && defaultClass) return { op: 'assignClass', storageClassName: defaultClass.metadata.name! };
  const cls = claimClass(pvc);
  const sc = cls ? classOf(cls) : undefined;
  const delay = isDelayBinding(sc);
  const pv = findMatchingVolume(pvc, volumes.all(), { delayBinding: delay });
  if (pv) return { op: 'bind', volume: pv };
  if (delay && !ann(pvc, ANN_SELECTED_NODE)) return { op: 'pending', note: { type: 'Normal', reason: 'WaitForFirstConsumer', message: MSG.waitForFirstConsumer } };
  if (!cls) return { op: 'pending', note: { type: 'Normal', reason: 'FailedBinding', message: MSG.noClass } };
  if (!sc) return { op: 'pending', note: { type: 'Warning', reason: 'ProvisioningFailed', message: MSG.classNotFound(cls) } };
  const provisioner = MIGRATED[sc.provisioner] ?? sc.provisioner;
  // kubus has no in-tree volume plugins: an in-tree name that is not migrated to CSI matches none (kubernetes.io/no-provisioner).
  if (provisioner.startsWith('kubernetes.io/')) return { op: 'pending', note: { type: 'Warning', reason: 'ProvisioningFailed', message: MSG.noPlugin(provisioner) } };
  return { op: 'provision', provisioner, note: { type: 'Normal', reason: 'ExternalProvisioning', message: MSG.external(provisioner) } };
}

// syncUnboundClaim for a claim that names its volume: bind to it unless another claim holds it.
function planRequestedVolume(pvc: PersistentVolumeClaim, name: string, volumes: Volumes): ClaimStep {
  const pv = volumes.get(name);
  if (!pv) return { op: 'pending' }; // asked for a volume that is not there (yet)
  if (!pv.spec?.claimRef || isVolumeBoundToClaim(pv, pvc)) return { op: 'bind', volume: pv };
  if (ann(pvc, ANN_BOUND_BY_CONTROLLER)) return { op: 'pending' };
  return { op: 'pending', note: { type: 'Warning', reason: 'FailedBinding', message: MSG.takenByOther(name) } };
}

// syncBoundClaim: the volume is still there and still ours, or the claim is lost.
function planBoundClaim(pvc: PersistentVolumeClaim, name: string, volumes: Volumes): ClaimStep {
  if (!name) return { op: 'lost', note: { type: 'Warning', reason: 'ClaimLost', message: MSG.lostReference } };
  const pv = volumes.get(name);
  if (!pv) return { op: 'lost', note: { type: 'Warning', reason: 'ClaimLost', message: MSG.lostVolume } };
  if (!pv.spec?.claimRef) return { op: 'bind', volume: pv };
  if (pv.spec.claimRef.uid === pvc.metadata.uid) {
    const bound = pvc.status?.phase === 'Bound' && pv.status?.phase === 'Bound';
    return bound ? { op: 'none' } : { op: 'bound', volume: pv };
  }
  return { op: 'lost', note: { type: 'Warning', reason: 'ClaimMisbound', message: MSG.misbound } };
}

/** Decides a volume's next step (syncVolume); `claim` is the claim its claimRef names, if it exists with that uid. */
export function planVolume(pv: PersistentVolume, claim: PersistentVolumeClaim | undefined): VolumeStep {
  const ref = pv.spec?.claimRef;
  const phase = pv.status?.phase;
  if (!ref || !ref.uid) return phase === 'Available' ? { op: 'none' } : { op: 'phase', phase: 'Available' };
  if (!claim) {
    if (phase === 'Failed') return { op: 'none' };
    if (phase !== 'Released') return { op: 'phase', phase: 'Released' };
    return { op: 'reclaim', policy: pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain' };
  }
  const claimKey = `${claim.metadata.namespace}/${claim.metadata.name}`;
  const volumeName = claim.spec?.volumeName ?? '';
  if (!volumeName) return { op: 'syncClaim', claimKey };
  if (volumeName === pv.metadata.name) return phase === 'Bound' ? { op: 'none' } : { op: 'phase', phase: 'Bound' };
  // The claim went to another volume: a volume the binder bound is freed again; one the user pre-bound is left alone.
  return ann(pv, ANN_BOUND_BY_CONTROLLER) ? { op: 'unbind' } : { op: 'none' };
}
