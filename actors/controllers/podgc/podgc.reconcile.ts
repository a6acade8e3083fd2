// What the pod garbage collector removes (upstream pkg/controller/podgc/gc_controller.go). Pure.
import type { Pod } from '../../../api/kinds/pod.ts';
import { parseRfc3339 } from '../../../api/names.ts';

/** Succeeded or Failed: its containers will not run again. */
export const isTerminated = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/**
 * Returns the terminated pods over `threshold`, in the order upstream deletes them
 * (byEvictionAndCreationTimestamp): evicted pods first, then the oldest.
 */
export function terminatedOverThreshold(pods: Pod[], threshold: number): Pod[] {
  const done = pods.filter((p) => isTerminated(p) && !p.metadata.deletionTimestamp);
  const excess = done.length - threshold;
  if (threshold <= 0 || excess <= 0) return [];
  const evicted = (p: Pod) => (p.status?.reason === 'Evicted' ? 0 : 1);
  const created = (p: Pod) => parseRfc3339(p.metadata.creationTimestamp ?? '') || 0;
  return done.sort((a, b) => evicted(a) - evicted(b) || created(a) - created(b) || (a.metadata.name! < b.metadata.name! ? -1 : 1)).slice(0, excess);
}

/** Returns the names of nodes that pods are bound to but that the cache does not hold. */
export function missingNodes(pods: Pod[], nodes: Set<string>): Set<string> {
  const missing = new Set<string>();
  for (const p of pods) if (p.spec.nodeName && !nodes.has(p.spec.nodeName)) missing.add(p.spec.nodeName);
  return missing;
}
