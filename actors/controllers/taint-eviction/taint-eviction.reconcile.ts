// Pure logic of taint eviction (upstream pkg/controller/tainteviction): which pods on a node
// with NoExecute taints must go now, and when the next one's toleration runs out.
import type { Pod } from '../../../api/kinds/pod.ts';
import { tolerates, type Taint } from '../../../api/kinds/scheduling.ts';
import { parseRfc3339 } from '../../../api/names.ts';

export interface EvictionPlan {
  /** Pods whose time is up (or that do not tolerate a taint at all). */
  evict: Pod[];
  /** When the next pod's toleration runs out, if any. */
  nextAt?: number;
}

/**
 * Returns the moment a pod must leave a node with these NoExecute taints: now when a taint is
 * not tolerated, Infinity when all are tolerated forever, else the earliest taint time plus the
 * smallest tolerationSeconds among the tolerations used (upstream getMinTolerationTime).
 */
export function evictionTime(pod: Pod, taints: Taint[], now: number): number {
  let minSeconds = Infinity;
  let since = Infinity;
  for (const taint of taints) {
    const used = (pod.spec.tolerations ?? []).filter((t) => tolerates(t, taint));
    if (used.length === 0) return now;
    for (const t of used) if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) minSeconds = Math.min(minSeconds, Math.max(0, t.tolerationSeconds));
    since = Math.min(since, taint.timeAdded ? parseRfc3339(taint.timeAdded) : now);
  }
  if (minSeconds === Infinity) return Infinity;
  return (Number.isFinite(since) ? since : now) + minSeconds * 1000;
}

/** Returns which of a node's pods to evict now and when to look again. */
export function planEvictions(pods: Pod[], taints: Taint[], now: number): EvictionPlan {
  const plan: EvictionPlan = { evict: [] };
  const noExecute = taints.filter((t) => t.effect === 'NoExecute');
  if (noExecute.length === 0) return plan;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = evictionTime(pod, noExecute, now);
    if (at <= now) plan.evict.push(pod);
    else if (Number.isFinite(at)) plan.nextAt = Math.min(plan.nextAt ?? Infinity, at);
  }
  return plan;
}
