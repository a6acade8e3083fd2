// Running the filters over nodes: per-pod preparation (prefilters), the first rejecting filter
// per node, and the round-robin search for feasible nodes (upstream findNodesThatPassFilters).
import type { Nominator } from './nominator.ts';
import { DEFAULT_FILTERS } from './plugins.ts';
import { SKIP, type ClusterView, type FilterPlugin, type NodeInfo, type PodInfo, type Status } from './types.ts';

/** A filter with its per-pod state. */
export interface PreparedFilter {
  plugin: FilterPlugin<any>;
  state: unknown;
}

/** Runs the prefilters; returns the filters that apply to this pod, with their states. */
export function prepareFilters(pod: PodInfo, view: ClusterView, filters: readonly FilterPlugin<any>[] = DEFAULT_FILTERS): PreparedFilter[] {
  const out: PreparedFilter[] = [];
  for (const f of filters) {
    const state = f.preFilter ? f.preFilter(pod, view) : undefined;
    if (state !== SKIP) out.push({ plugin: f, state });
  }
  return out;
}

/** Returns the status of the first filter that rejects the node, or undefined when it fits. */
export function runFilters(prepared: readonly PreparedFilter[], pod: PodInfo, node: NodeInfo): Status | undefined {
  for (let i = 0; i < prepared.length; i++) {
    const s = prepared[i].plugin.filter(pod, node, prepared[i].state);
    if (s) return s;
  }
  return undefined;
}

/** A node a filter rejected, and why. */
export interface FailedNode {
  node: NodeInfo;
  status: Status;
}

/** The outcome of one feasible-node search. */
export interface FilterResult {
  feasible: NodeInfo[];
  failed: FailedNode[];
  /** Nodes looked at (feasible + failed): where the next cycle starts. */
  processed: number;
}

/**
 * Checks nodes round-robin from `start` until `limit` feasible ones are found or all were seen; nominated
 * pods of higher or equal priority count on their nodes. The feasible nodes go into `into` when given
 * (a scheduler's array reused by every cycle: it is emptied first, and ~400 pushes a pod grow no new one).
 */
export function findFeasibleNodes(pod: PodInfo, nodes: readonly NodeInfo[], prepared: readonly PreparedFilter[], start: number, limit: number, nominator?: Nominator, into?: NodeInfo[]): FilterResult {
  const feasible: NodeInfo[] = into ?? [];
  const failed: FailedNode[] = [];
  const n = nodes.length;
  let found = 0;
  let i = 0;
  for (; i < n && found < limit; i++) {
    const node = nodes[(start + i) % n];
    const status = runFilters(prepared, pod, nominator?.size ? nominator.withNominated(node, pod) : node);
    if (status) failed.push({ node, status });
    else feasible[found++] = node;
  }
  // Shrinking keeps the reused array's store (V8 trims in place); a cycle that finds as many as the last writes over it.
  if (feasible.length !== found) feasible.length = found;
  return { feasible, failed, processed: i };
}

