// The unschedulable message, worded as upstream's FitError.Error():
// "0/N nodes are available: <count> <reason>, .... <post-filter message>"
import type { Status } from './types.ts';

/** Returns `0/N nodes are available: a, b.` from per-node statuses; nodes without an explicit status count under `absent`. */
export function fitErrorMessage(numAllNodes: number, statuses: Iterable<Status | readonly string[]>, absent?: string, postFilter?: string): string {
  const counts = new Map<string, number>();
  let explicit = 0;
  for (const s of statuses) {
    // A PreFilter rejection is the same for every node: upstream prints its reasons once, uncounted.
    if (!Array.isArray(s) && (s as Status).preFilter) return `0/${numAllNodes} nodes are available: ${(s as Status).reasons.join(', ')}.${postFilter ? ` ${postFilter}` : ''}`;
    explicit++;
    for (const r of Array.isArray(s) ? s : (s as Status).reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  if (absent && explicit < numAllNodes) counts.set(absent, (counts.get(absent) ?? 0) + numAllNodes - explicit);
  let msg = `0/${numAllNodes} nodes are available:`;
  const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  if (parts.length) msg += ` ${parts.join(', ')}.`;
  if (postFilter) msg += ` ${postFilter}`;
  return msg;
}

/** Upstream's text when there are no nodes at all (ErrNoNodesAvailable, not a FitError). */
export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';
