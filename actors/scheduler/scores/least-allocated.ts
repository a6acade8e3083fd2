// NodeResourcesFit (score, LeastAllocated): favours nodes with more unrequested cpu and memory,
// counting containers without requests as 100m / 200Mi (upstream least_allocated.go).
import type { ScorePlugin } from '../types.ts';

/** Returns (capacity − requested) × 100 / capacity (MAX_NODE_SCORE, inlined: this runs per node per pod), or 0 when over capacity. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * 100) / capacity);
}

/** Weight 1; cpu and memory weigh 1 each; resources the node does not have are left out. */
export const leastAllocatedScore: ScorePlugin = {
  name: 'NodeResourcesFit',
  weight: 1,
  score(pod, node) {
    let sum = 0;
    let weights = 0;
    const a = node.allocatable;
    if (a.cpu !== 0) {
      sum += leastRequestedScore(node.nonZeroCpu + pod.nonZeroCpu, a.cpu);
      weights++;
    }
    if (a.memory !== 0) {
      sum += leastRequestedScore(node.nonZeroMemory + pod.nonZeroMemory, a.memory);
      weights++;
    }
    return weights === 0 ? 0 : Math.trunc(sum / weights);
  },
};
