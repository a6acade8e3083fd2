// The local-path provisioner's pure part (after rancher's local-path-provisioner): which claims it
// provisions, the PersistentVolume it makes (a directory per volume under the node's data
// directory, hostPath DirectoryOrCreate, node affinity to that node), the class limits it
// enforces, and the helper pod that removes a deleted volume's directory on its node.
import type { Pod } from '../../../api/kinds/pod.ts';
import {
  ANN_PROVISIONED_BY,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  claimRequest,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from '../../../api/kinds/storage.ts';
import { canonicalQuantity, compareQuantities, parseQuantity } from '../../../api/quantity.ts';

/** The provisioner's name (StorageClass.provisioner). */
export const LOCAL_PATH_PROVISIONER = 'kubus.io/local-path';
/** Where node data directories live unless the class's `nodePath` parameter says otherwise: `<root>/<node>/local-path`. */
export const DEFAULT_NODE_ROOT = '/var/lib/kubus';
/** The namespace of the helper pods. */
export const HELPER_NAMESPACE = 'kube-system';
/** The image of the helper pods (present on containerd nodes; modelled on sim nodes). */
export const HELPER_IMAGE = 'busybox';
const HOSTNAME = 'kubernetes.io/hostname';

/** The StorageClass created at start: the cluster's default, late-binding, Delete. */
export const STANDARD_CLASS = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  provisioner: LOCAL_PATH_PROVISIONER,
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
};

/** Returns true when this provisioner should act on a claim now: unbound, handed to it by the binder. */
export const wantsVolume = (pvc: PersistentVolumeClaim): boolean =>
  !pvc.spec?.volumeName && pvc.metadata.annotations?.[ANN_STORAGE_PROVISIONER] === LOCAL_PATH_PROVISIONER && !pvc.metadata.deletionTimestamp;

/** Returns the volume's directory on its node. */
export const volumeDir = (sc: StorageClass, node: string, pvc: PersistentVolumeClaim): string =>
  `${sc.parameters?.nodePath ?? `${DEFAULT_NODE_ROOT}/${node}/local-path`}/pvc-${pvc.metadata.uid}_${pvc.metadata.namespace}_${pvc.metadata.name}`;

/** Thrown when a claim cannot be provisioned: the message follows "failed to provision volume with StorageClass". */
export class ProvisionError extends Error {
  override name = 'ProvisionError';
}

/** Returns the volume to create for a claim of class `sc` (throws ProvisionError on what the class cannot give). */
export function planVolume(pvc: PersistentVolumeClaim, sc: StorageClass): PersistentVolume {
  const node = pvc.metadata.annotations?.[ANN_SELECTED_NODE];
  if (!node) throw new ProvisionError('configuration error, no node was specified');
  const modes = pvc.spec?.accessModes ?? [];
  const bad = modes.filter((m) => m !== 'ReadWriteOnce' && m !== 'ReadWriteOncePod');
  if (bad.length) throw new ProvisionError(`NodePath only supports ReadWriteOnce and ReadWriteOncePod access modes, not ${bad.join(', ')}`);
  const request = claimRequest(pvc);
  const max = sc.parameters?.maxSize;
  if (max !== undefined && compareQuantities(parseQuantity(request), parseQuantity(max)) > 0)
    throw new ProvisionError(`requested storage ${canonicalQuantity(request)} is more than the class's maxSize ${canonicalQuantity(max)}`);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: `pvc-${pvc.metadata.uid}`, annotations: { [ANN_PROVISIONED_BY]: LOCAL_PATH_PROVISIONER, [ANN_SELECTED_NODE]: node } },
    spec: {
      capacity: { storage: String(request) },
      accessModes: modes,
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata.name,
      volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid, resourceVersion: pvc.metadata.resourceVersion },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME, operator: 'In', values: [node] }] }] } },
      hostPath: { path: volumeDir(sc, node, pvc), type: 'DirectoryOrCreate' },
    },
  };
}

/** Returns true when a released volume of this provisioner is due for deletion. */
export const wantsDelete = (pv: PersistentVolume): boolean =>
  pv.metadata.annotations?.[ANN_PROVISIONED_BY] === LOCAL_PATH_PROVISIONER && pv.status?.phase === 'Released' && pv.spec?.persistentVolumeReclaimPolicy === 'Delete';

/** Returns the node a volume lives on (from its node affinity). */
export const nodeOfVolume = (pv: PersistentVolume): string | undefined =>
  pv.spec?.nodeAffinity?.required?.nodeSelectorTerms[0]?.matchExpressions?.find((e) => e.key === HOSTNAME)?.values?.[0];

/** Returns the name of the helper pod that deletes a volume's directory. */
export const helperPodName = (pv: PersistentVolume): string => `helper-pod-delete-${pv.metadata.name}`;

/** Returns the helper pod that removes a volume's directory on its node (a sim node models it: it exits 0 after a second). */
export function helperPod(pv: PersistentVolume, node: string): Pod {
  const dir = pv.spec!.hostPath!.path;
  const parent = dir.slice(0, dir.lastIndexOf('/')) || '/';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: helperPodName(pv), namespace: HELPER_NAMESPACE, labels: { 'app.kubernetes.io/managed-by': 'local-path-provisioner' }, annotations: { 'sim.kubus.io/exit-after': '1s' } },
    spec: {
      nodeName: node,
      // It needs no network: nothing waits for the node's pod network to remove a directory.
      hostNetwork: true,
      restartPolicy: 'Never',
      tolerations: [{ operator: 'Exists' }],
      containers: [{ name: 'helper-pod', image: HELPER_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['rm', '-rf', dir], volumeMounts: [{ name: 'data', mountPath: parent }] }],
      volumes: [{ name: 'data', hostPath: { path: parent, type: 'DirectoryOrCreate' } }],
    },
  } as unknown as Pod;
}
