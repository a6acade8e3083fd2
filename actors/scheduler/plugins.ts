// The default profile of kube-scheduler v1.32 as kubus runs it: filters in upstream order, score
// plugins with upstream weights (ImageLocality is left out: kubus nodes report no images).
import { interPodAffinityFilter } from './filters/inter-pod-affinity.ts';
import { nodeAffinityFilter } from './filters/node-affinity.ts';
import { nodeNameFilter } from './filters/node-name.ts';
import { nodePortsFilter } from './filters/node-ports.ts';
import { nodeResourcesFitFilter } from './filters/node-resources-fit.ts';
import { nodeUnschedulableFilter } from './filters/node-unschedulable.ts';
import { podTopologySpreadFilter } from './filters/pod-topology-spread.ts';
import { taintTolerationFilter } from './filters/taint-toleration.ts';
import { volumeBindingFilter } from './filters/volume-binding.ts';
import { balancedAllocationScore } from './scores/balanced-allocation.ts';
import { interPodAffinityScore } from './scores/inter-pod-affinity.ts';
import { leastAllocatedScore } from './scores/least-allocated.ts';
import { nodeAffinityScore } from './scores/node-affinity.ts';
import { podTopologySpreadScore } from './scores/pod-topology-spread.ts';
import { taintTolerationScore } from './scores/taint-toleration.ts';
import type { FilterPlugin, ScorePlugin } from './types.ts';

/** Filters in the order upstream runs them; a node's status comes from the first one that rejects it. */
export const DEFAULT_FILTERS: readonly FilterPlugin<any>[] = [
  nodeUnschedulableFilter,
  nodeNameFilter,
  taintTolerationFilter,
  nodeAffinityFilter,
  nodePortsFilter,
  nodeResourcesFitFilter,
  volumeBindingFilter,
  podTopologySpreadFilter,
  interPodAffinityFilter,
];

/** Score plugins with their default weights (TaintToleration 3, NodeAffinity 2, NodeResourcesFit 1, PodTopologySpread 2, InterPodAffinity 2, BalancedAllocation 1). */
export const DEFAULT_SCORES: readonly ScorePlugin<any>[] = [
  taintTolerationScore,
  nodeAffinityScore,
  leastAllocatedScore,
  podTopologySpreadScore,
  interPodAffinityScore,
  balancedAllocationScore,
];
