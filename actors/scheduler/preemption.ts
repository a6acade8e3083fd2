// The "preemption: ..." part of the unschedulable message. kubus does not preempt; it dry-runs
// upstream's DefaultPreemption to word the message as upstream would (preemption.go, default_preemption.go).
import { fitErrorMessage } from './fit-error.ts';
import { nodeInfoWithout } from './node-info.ts';
import { runFilters, type FailedNode, type PreparedFilter } from './filtering.ts';
import type { ClusterView, PodInfo } from './types.ts';

/** Upstream's post-filter wordings. */
export const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NO_VICTIMS = 'No preemption victims found for incoming pod';
export const NOT_ELIGIBLE_NEVER = 'not eligible due to preemptionPolicy=Never.';

/**
 * Returns upstream's post-filter message for a pod no node fits, or undefined when evicting
 * lower-priority pods would make room (upstream would then preempt and print no suffix).
 */
export function preemptionMessage(pod: PodInfo, view: ClusterView, failed: readonly FailedNode[], numAllNodes: number, prepared: readonly PreparedFilter[]): string | undefined {
  if (pod.pod.spec.preemptionPolicy === 'Never') return `preemption: ${NOT_ELIGIBLE_NEVER}`;
  // Only nodes rejected as Unschedulable (not ...AndUnresolvable) might be helped by removing pods.
  const statuses: string[][] = [];
  for (const f of failed) {
    if (f.status.code !== 'Unschedulable') continue;
    const victims = [...f.node.pods.values()].filter((p) => p.priority < pod.priority);
    if (victims.length === 0) {
      statuses.push([NO_VICTIMS]);
      continue;
    }
    const node = nodeInfoWithout(f.node, new Set(victims.map((v) => v.key)));
    const adjusted = prepared.map(({ plugin, state }) => {
      let s = state;
      if (plugin.withoutPod) for (const v of victims) s = plugin.withoutPod(s, pod, v, f.node, view);
      return { plugin, state: s };
    });
    const status = runFilters(adjusted, pod, node);
    if (!status) return undefined;
    statuses.push([...status.reasons]);
  }
  return `preemption: ${fitErrorMessage(numAllNodes, statuses, PREEMPTION_NOT_HELPFUL)}`;
}
