// NodeResourcesBalancedAllocation: favours nodes whose cpu and memory would be used in similar
// fractions, from actual requests; skipped for best-effort pods (upstream balanced_allocation.go).
import { MAX_NODE_SCORE, SKIP, type ScorePlugin } from '../types.ts';

/** Returns (1 − std of the usage fractions) × 100, truncated; fractions are capped at 1. */
export function balancedScore(fractions: number[]): number {
  let std = 0;
  if (fractions.length === 2) std = Math.abs((fractions[0] - fractions[1]) / 2);
  else if (fractions.length > 2) {
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) ** 2, 0) / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/** Weight 1, over cpu and memory. */
export const balancedAllocationScore: ScorePlugin<true> = {
  name: 'NodeResourcesBalancedAllocation',
  weight: 1,
  preScore: (pod) => (pod.requests.cpu === 0 && pod.requests.memory === 0 ? SKIP : true),
  score(pod, node) {
    const a = node.allocatable;
    if (a.cpu === 0 || a.memory === 0) {
      const fr: number[] = [];
      if (a.cpu !== 0) fr.push(Math.min(1, (node.requested.cpu + pod.requests.cpu) / a.cpu));
      if (a.memory !== 0) fr.push(Math.min(1, (node.requested.memory + pod.requests.memory) / a.memory));
      return balancedScore(fr);
    }
    // The common case, without allocating: two fractions, std = |a − b| / 2.
    const c = Math.min(1, (node.requested.cpu + pod.requests.cpu) / a.cpu);
    const m = Math.min(1, (node.requested.memory + pod.requests.memory) / a.memory);
    return Math.trunc((1 - Math.abs((c - m) / 2)) * 100);
  },
};
