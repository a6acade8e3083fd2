// Queueing hints: which cluster events may make an unschedulable pod schedulable, per plugin that
// rejected it (upstream EventsToRegister + QueueingHintFn, simplified: node-local plugins re-run
// their filter on the changed node; the cluster-wide ones requeue on any relevant change).
import type { Node } from '../../api/kinds/node.ts';
import { nodeAffinityFilter } from './filters/node-affinity.ts';
import { nodePortsConflict } from './filters/node-ports.ts';
import { insufficientResources } from './filters/node-resources-fit.ts';
import { nodeUnschedulableFilter } from './filters/node-unschedulable.ts';
import { taintTolerationFilter } from './filters/taint-toleration.ts';
import type { QueuedPod } from './queue.ts';
import type { NodeInfo, PodInfo } from './types.ts';

/** What changed in a node update, as far as scheduling cares (heartbeat timestamps do not count). */
export interface NodeChanges {
  allocatable: boolean;
  labels: boolean;
  taints: boolean;
  unschedulable: boolean;
  conditions: boolean;
}

/** Cluster changes that may release unschedulable pods (upstream framework.ClusterEvent, reduced). */
export type ClusterEvent =
  | { kind: 'NodeAdd'; node: NodeInfo }
  | { kind: 'NodeUpdate'; node: NodeInfo; changes: NodeChanges }
  | { kind: 'AssignedPodAdd'; pod: PodInfo }
  | { kind: 'AssignedPodUpdate'; pod: PodInfo }
  | { kind: 'AssignedPodDelete'; pod: PodInfo }
  | { kind: 'StorageChange' };

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Returns what changed between two versions of a node; undefined when nothing relevant did. */
export function nodeChanges(old: Node, cur: Node): NodeChanges | undefined {
  const conds = (n: Node) => (n.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).join(',');
  const c: NodeChanges = {
    allocatable: !sameJson(old.status?.allocatable ?? old.status?.capacity, cur.status?.allocatable ?? cur.status?.capacity),
    labels: !sameJson(old.metadata.labels, cur.metadata.labels),
    taints: !sameJson(old.spec?.taints, cur.spec?.taints),
    unschedulable: !!old.spec?.unschedulable !== !!cur.spec?.unschedulable,
    conditions: conds(old) !== conds(cur),
  };
  return c.allocatable || c.labels || c.taints || c.unschedulable || c.conditions ? c : undefined;
}

const passes = (f: { filter: (p: PodInfo, n: NodeInfo, s: unknown) => unknown }, qp: QueuedPod, n: NodeInfo) => !f.filter(qp.info, n, undefined);

/** Returns whether one rejecting plugin might now let the pod through, given the event. */
function pluginHint(plugin: string, qp: QueuedPod, ev: ClusterEvent): boolean {
  const nodeEv = ev.kind === 'NodeAdd' || ev.kind === 'NodeUpdate' ? ev : undefined;
  const ch = ev.kind === 'NodeUpdate' ? ev.changes : undefined;
  switch (plugin) {
    case 'NodeUnschedulable':
      return !!nodeEv && (!ch || ch.unschedulable || ch.taints) && passes(nodeUnschedulableFilter, qp, nodeEv.node);
    case 'NodeName':
      return ev.kind === 'NodeAdd' && ev.node.name === qp.info.pod.spec.nodeName;
    case 'TaintToleration':
      return !!nodeEv && (!ch || ch.taints) && passes(taintTolerationFilter, qp, nodeEv.node);
    case 'NodeAffinity':
      return !!nodeEv && (!ch || ch.labels) && passes(nodeAffinityFilter, qp, nodeEv.node);
    case 'NodePorts':
      if (ev.kind === 'AssignedPodDelete') return ev.pod.ports.length > 0;
      return ev.kind === 'NodeAdd' && !nodePortsConflict(qp.info.ports, ev.node);
    case 'NodeResourcesFit':
      if (ev.kind === 'AssignedPodDelete') return true;
      return !!nodeEv && (!ch || ch.allocatable) && insufficientResources(qp.info, nodeEv.node).length === 0;
    case 'InterPodAffinity':
      return ev.kind !== 'NodeUpdate' || ev.changes.labels;
    case 'PodTopologySpread':
      return ev.kind !== 'NodeUpdate' || ev.changes.labels || ev.changes.taints;
    default:
      return true;
  }
}

/** Returns whether the event may make the pod schedulable; a pod rejected for no plugin's reason always retries. */
export function mayBecomeSchedulable(qp: QueuedPod, ev: ClusterEvent): boolean {
  if (qp.rejectedBy.size === 0) return true;
  for (const p of qp.rejectedBy) if (pluginHint(p, qp, ev)) return true;
  return false;
}
