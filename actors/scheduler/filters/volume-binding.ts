// VolumeBinding (upstream framework/plugins/volumebinding): a pod's claims must exist and not be
// unbound Immediate ones (prefilter); on each node, bound claims' volumes must allow the node
// (node affinity), and late-binding (WaitForFirstConsumer) claims need a matching volume there or
// a class that can provision. volumePreBind does the binding API writes for the chosen node.
import type { Pod } from '../../../api/kinds/pod.ts';
import { findMatchingVolume, volumeFitsNode } from '../../../api/kinds/storage-match.ts';
import { ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, claimClass, type PersistentVolume, type PersistentVolumeClaim } from '../../../api/kinds/storage.ts';
import { SKIP, type FilterPlugin, type NodeInfo, type PodInfo, type Status, type VolumeLister } from '../types.ts';

/** Upstream's reasons and prefilter messages. */
export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
/** The provisioner name that means "static volumes only" (upstream NotSupportedProvisioner). */
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

const status = (reason: string, preFilter = false): Status => ({ plugin: 'VolumeBinding', code: 'UnschedulableAndUnresolvable', reasons: [reason], ...(preFilter ? { preFilter } : {}) });
const NODE_CONFLICT = status(ERR_REASON_NODE_CONFLICT);
const BIND_CONFLICT = status(ERR_REASON_BIND_CONFLICT);

/** The pod's claims sorted out once per cycle (upstream PodVolumeClaims). */
export interface VolumeBindingState {
  lister: VolumeLister;
  /** Set when the pod cannot go anywhere: every node gets this status. */
  reject?: Status;
  bound: PersistentVolume[];
  /** WaitForFirstConsumer claims not bound yet. */
  toBind: PersistentVolumeClaim[];
}

/** Returns the names of the claims a pod's volumes use. */
export const claimNames = (pod: Pod): string[] =>
  ((pod.spec?.volumes ?? []) as Array<{ persistentVolumeClaim?: { claimName?: string } }>).flatMap((v) => (v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : []));

/** Sorts a pod's claims into bound volumes and late-binding claims; a reject status when one is missing or unbound Immediate. */
export function podVolumeClaims(pod: Pod, lister: VolumeLister): VolumeBindingState {
  const s: VolumeBindingState = { lister, bound: [], toBind: [] };
  const ns = pod.metadata.namespace ?? 'default';
  for (const name of claimNames(pod)) {
    const pvc = lister.claim(ns, name);
    if (!pvc) return { ...s, reject: status(`persistentvolumeclaim "${name}" not found`, true) };
    if (pvc.metadata.deletionTimestamp) return { ...s, reject: status(`persistentvolumeclaim "${name}" is being deleted`, true) };
    const volumeName = pvc.spec?.volumeName;
    if (volumeName) {
      const pv = lister.volume(volumeName);
      if (!pv) return { ...s, reject: status(`pvc ${ns}/${name} bound to non-existent pv ${volumeName}`, true) };
      s.bound.push(pv);
      continue;
    }
    const cls = claimClass(pvc);
    const sc = cls ? lister.storageClass(cls) : undefined;
    if (sc?.volumeBindingMode !== 'WaitForFirstConsumer') return { ...s, reject: status(ERR_UNBOUND_IMMEDIATE, true) };
    s.toBind.push(pvc);
  }
  return s;
}

/** What binding a pod's late claims on a node means: volumes to take (claim → volume) and claims to provision. */
export interface NodeBindings {
  static: Array<{ pvc: PersistentVolumeClaim; pv: PersistentVolume }>;
  provision: PersistentVolumeClaim[];
}

/** Returns how the late-binding claims would bind on the node, or undefined when one cannot (upstream FindPodVolumes). */
export function findPodVolumes(s: VolumeBindingState, node: Pick<NodeInfo, 'name' | 'labels'>): NodeBindings | undefined {
  const n = { metadata: { name: node.name, labels: { ...node.labels } } };
  const out: NodeBindings = { static: [], provision: [] };
  const taken = new Set<string>();
  for (const pvc of s.toBind) {
    const pv = findMatchingVolume(pvc, s.lister.volumes(), { node: n, delayBinding: true, excluded: taken });
    if (pv) {
      taken.add(pv.metadata.name!);
      out.static.push({ pvc, pv });
      continue;
    }
    const selected = pvc.metadata.annotations?.[ANN_SELECTED_NODE];
    const sc = s.lister.storageClass(claimClass(pvc));
    if (!sc || sc.provisioner === NO_PROVISIONER || (selected && selected !== node.name)) return undefined;
    out.provision.push(pvc);
  }
  return out;
}

/** The VolumeBinding filter; skipped for pods without claims. */
export const volumeBindingFilter: FilterPlugin<VolumeBindingState> = {
  name: 'VolumeBinding',
  preFilter: (pod: PodInfo, view) => (view.volumes && claimNames(pod.pod).length ? podVolumeClaims(pod.pod, view.volumes) : SKIP),
  filter(_pod, node, s) {
    if (s.reject) return s.reject;
    const n = { metadata: { name: node.name, labels: { ...node.labels } } };
    for (const pv of s.bound) if (!volumeFitsNode(pv, n)) return NODE_CONFLICT;
    if (s.toBind.length && !findPodVolumes(s, node)) return BIND_CONFLICT;
    return undefined;
  },
};

/** The API writes of PreBind, by the caller's client: a volume's claimRef, a claim's selected-node annotation. */
export interface VolumeWrites {
  bindVolume(pv: PersistentVolume): Promise<unknown>;
  selectNode(pvc: PersistentVolumeClaim, node: string): Promise<unknown>;
}

/** Binds the pod's late claims for the chosen node (upstream BindPodVolumes' API updates); false when they no longer fit. */
export async function volumePreBind(pod: Pod, node: Pick<NodeInfo, 'name' | 'labels'>, lister: VolumeLister, writes: VolumeWrites): Promise<boolean> {
  if (!claimNames(pod).length) return true;
  const s = podVolumeClaims(pod, lister);
  if (s.reject) return false;
  const plan = findPodVolumes(s, node);
  if (!plan) return false;
  for (const { pvc, pv } of plan.static) {
    const claimRef = { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid, resourceVersion: pvc.metadata.resourceVersion };
    await writes.bindVolume({ ...pv, metadata: { ...pv.metadata, annotations: { ...pv.metadata.annotations, [ANN_BOUND_BY_CONTROLLER]: 'yes' } }, spec: { ...pv.spec, claimRef } });
  }
  for (const pvc of plan.provision) if (pvc.metadata.annotations?.[ANN_SELECTED_NODE] !== node.name) await writes.selectNode(pvc, node.name);
  return true;
}

/** Returns true when every claim of the pod is bound (PreBind waits for this before the pod is bound). */
export function claimsBound(pod: Pod, lister: VolumeLister): boolean {
  const ns = pod.metadata.namespace ?? 'default';
  return claimNames(pod).every((n) => !!lister.claim(ns, n)?.spec?.volumeName && lister.claim(ns, n)?.metadata.annotations?.['pv.kubernetes.io/bind-completed'] === 'yes');
}
