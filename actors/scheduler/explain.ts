// `kubus explain pod`: every node's filter verdict and every plugin's score for one pod, computed
// against the current cache over all nodes (no sampling), plus the scheduler's last decision.
import { fitErrorMessage } from './fit-error.ts';
import { findFeasibleNodes, prepareFilters } from './filtering.ts';
import { nodeInfoWithout } from './node-info.ts';
import { preemptionMessage } from './preemption.ts';
import { prioritize } from './scheduler.logic.ts';
import type { ClusterView, NodeInfo, PodInfo } from './types.ts';

/** The request on SCHEDULER_EXPLAIN. */
export interface ExplainRequest {
  namespace?: string;
  name: string;
}

/** What the scheduler last did with a pod. */
export interface LastAttempt {
  at: string;
  result: 'scheduled' | 'unschedulable' | 'error';
  node?: string;
  message?: string;
  feasibleNodes?: number;
  evaluatedNodes?: number;
}

/** One node in an explain reply. */
export interface ExplainNode {
  node: string;
  /** Undefined when every filter passed. */
  rejected?: { plugin: string; reasons: string[] };
  /** Weighted score per plugin (normalized score × weight); absent for rejected nodes and skipped plugins. */
  scores?: Record<string, number>;
  total?: number;
}

/** The reply on SCHEDULER_EXPLAIN. */
export interface ExplainReply {
  namespace: string;
  name: string;
  found: boolean;
  scheduler: string;
  nodeName?: string;
  /** The unschedulable message the pod would get now, when no node fits. */
  message?: string;
  last?: LastAttempt;
  plugins: Array<{ name: string; weight: number; skipped: boolean }>;
  nodes: ExplainNode[];
}

/** Returns a view where one pod is not on its node (explaining a bound pod as if it were being placed). */
function viewWithout(view: ClusterView, key: string, nodeName: string): ClusterView {
  const orig = view.get(nodeName);
  if (!orig?.pods.has(key)) return view;
  const copy = nodeInfoWithout(orig, new Set([key]));
  const swap = (n: NodeInfo) => (n === orig ? copy : n);
  const nodes = view.nodes().map(swap);
  return {
    nodes: () => nodes,
    get: (name) => (name === nodeName ? copy : view.get(name)),
    *nodesWithAffinityPods() {
      for (const n of view.nodesWithAffinityPods()) if (n !== orig || copy.podsWithAffinity > 0) yield swap(n);
    },
    *nodesWithRequiredAntiAffinityPods() {
      for (const n of view.nodesWithRequiredAntiAffinityPods()) if (n !== orig || copy.podsWithRequiredAntiAffinity > 0) yield swap(n);
    },
    namespaceLabels: (ns) => view.namespaceLabels(ns),
    volumes: view.volumes,
  };
}

/** Returns the per-node filter results and scores for a pod (a bound pod is taken off its node first). */
export function explainPod(pod: PodInfo, cacheView: ClusterView): Pick<ExplainReply, 'plugins' | 'nodes' | 'message'> {
  const bound = pod.pod.spec.nodeName;
  const view = bound ? viewWithout(cacheView, pod.key, bound) : cacheView;
  // Explain how the scheduler saw it: ignore spec.nodeName (the NodeName filter would reject all other nodes).
  const asPending: PodInfo = bound ? { ...pod, pod: { ...pod.pod, spec: { ...pod.pod.spec, nodeName: undefined } } } : pod;
  const nodes = view.nodes();
  const prepared = prepareFilters(asPending, view);
  const r = findFeasibleNodes(asPending, nodes, prepared, 0, nodes.length);
  const { totals, plugins } = prioritize(asPending, r.feasible, view, true);
  const out: ExplainNode[] = r.feasible.map((n, i) => {
    const scores: Record<string, number> = {};
    for (const p of plugins) if (p.scores) scores[p.name] = p.scores[i] * p.weight;
    return { node: n.name, scores, total: totals[i] };
  });
  out.sort((a, b) => b.total! - a.total! || (a.node < b.node ? -1 : 1));
  const rejected = r.failed.map((f) => ({ node: f.node.name, rejected: { plugin: f.status.plugin, reasons: [...f.status.reasons] } }));
  rejected.sort((a, b) => (a.node < b.node ? -1 : 1));
  const message =
    r.feasible.length === 0 && nodes.length > 0
      ? fitErrorMessage(nodes.length, r.failed.map((f) => f.status), undefined, preemptionMessage(asPending, view, r.failed, nodes.length, prepared))
      : undefined;
  return {
    plugins: plugins.map((p) => ({ name: p.name, weight: p.weight, skipped: !p.scores })),
    nodes: [...out, ...rejected],
    message,
  };
}
