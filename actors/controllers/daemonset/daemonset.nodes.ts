// Which nodes a DaemonSet runs on, and the pods it makes for them (upstream daemon_controller
// NodeShouldRunDaemonPod / NewPod and daemon/util). Pure.
import type { DaemonSet } from '../../../api/kinds/daemonset.ts';
import type { Node } from '../../../api/kinds/node.ts';
import type { Pod, PodSpec, PodTemplateSpec } from '../../../api/kinds/pod.ts';
import { firstUntoleratedTaint, nodeSelectorTermMatches, TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, type Affinity, type Toleration } from '../../../api/kinds/scheduling.ts';
import { CONTROLLER_REVISION_HASH_LABEL } from '../shared/controller-history.ts';

const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

const sameToleration = (a: Toleration, b: Toleration) =>
  (a.key ?? '') === (b.key ?? '') && (a.effect ?? '') === (b.effect ?? '') && (a.operator ?? '') === (b.operator ?? '') && (a.value ?? '') === (b.value ?? '');

/** Returns tolerations with `t` added, or replacing the one that matches it (v1helper.AddOrUpdateTolerationInPodSpec). */
function addOrUpdate(tolerations: Toleration[], t: Toleration): Toleration[] {
  let found = false;
  const out = tolerations.map((x) => (sameToleration(x, t) ? ((found = true), t) : x));
  if (!found) out.push(t);
  return out;
}

/** Returns the pod spec with the daemon tolerations: not-ready/unreachable NoExecute forever, node pressure and unschedulable NoSchedule. */
export function withDaemonTolerations(spec: PodSpec): PodSpec {
  let tolerations = [...(spec.tolerations ?? [])];
  const add = (key: string, effect: string) => (tolerations = addOrUpdate(tolerations, { key, operator: 'Exists', effect }));
  add(TAINT_NOT_READY, 'NoExecute');
  add(TAINT_UNREACHABLE, 'NoExecute');
  add(TAINT_DISK_PRESSURE, 'NoSchedule');
  add(TAINT_MEMORY_PRESSURE, 'NoSchedule');
  add(TAINT_PID_PRESSURE, 'NoSchedule');
  add(TAINT_UNSCHEDULABLE, 'NoSchedule');
  if (spec.hostNetwork) add(TAINT_NETWORK_UNAVAILABLE, 'NoSchedule');
  return { ...spec, tolerations };
}

/** Returns the template new pods are made from: daemon tolerations and the revision hash label (util.CreatePodTemplate). */
export function daemonPodTemplate(template: PodTemplateSpec, hash: string): PodTemplateSpec {
  const t = structuredClone(template);
  t.spec = withDaemonTolerations(t.spec);
  t.metadata = { ...(t.metadata ?? {}), labels: { ...(t.metadata?.labels ?? {}), ...(hash ? { [CONTROLLER_REVISION_HASH_LABEL]: hash } : {}) } };
  return t;
}

/** Returns the affinity with its required node terms replaced by `metadata.name In [node]` (util.ReplaceDaemonSetPodNodeNameNodeAffinity). */
export function affinityForNode(affinity: Affinity | undefined, node: string): Affinity {
  const terms = [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }];
  const a = structuredClone(affinity ?? {});
  a.nodeAffinity = { ...(a.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } };
  return a;
}

/** Returns the node a daemon pod is for: spec.nodeName, or the single `metadata.name In` value of its node affinity. */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [])
    for (const f of term.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In') return f.values?.length === 1 ? f.values[0] : undefined;
  return undefined;
}

/** Returns whether a pod spec's nodeSelector and required node affinity match a node (nodeaffinity.GetRequiredNodeAffinity). */
export function fitsNodeAffinity(spec: PodSpec, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return required.nodeSelectorTerms.some((t) => nodeSelectorTermMatches(t, labels, node.metadata.name!));
}

/** Where a DaemonSet's pod belongs on a node. */
export interface NodeFit {
  /** A pod should be created on the node if there is none. */
  shouldRun: boolean;
  /** An existing pod may keep running there (it tolerates the node's NoExecute taints). */
  shouldContinueRunning: boolean;
}

/** Returns whether a DaemonSet should run (or keep running) a pod on a node; unschedulable nodes count, as upstream. */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): NodeFit {
  const spec = withDaemonTolerations(ds.spec.template.spec);
  const name = node.metadata.name!;
  if (spec.nodeName && spec.nodeName !== name) return { shouldRun: false, shouldContinueRunning: false };
  if (!fitsNodeAffinity(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints ?? [];
  if (firstUntoleratedTaint(taints, spec.tolerations)) {
    return { shouldRun: false, shouldContinueRunning: !firstUntoleratedTaint(taints, spec.tolerations, ['NoExecute']) };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}
