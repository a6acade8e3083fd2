// The steps of a RollingUpdate (upstream rolling.go): scale the new ReplicaSet up within maxSurge,
// then scale old ones down within maxUnavailable, unhealthy replicas first. Pure: returns steps.
import type { Deployment } from '../../../api/kinds/deployment.ts';
import type { ReplicaSet } from '../../../api/kinds/replicaset.ts';
import { availableReplicas, byCreation, maxUnavailable, newRSNewReplicas, replicas, specReplicas } from './deployment.util.ts';

/** Scale one ReplicaSet to `to` (applied in order; a ReplicaSet may appear twice). */
export interface ScaleStep {
  rs: ReplicaSet;
  to: number;
}

/** Returns the size the new ReplicaSet should have now, or undefined when it is right (reconcileNewReplicaSet). */
export function newReplicaSetTarget(d: Deployment, allRSs: ReadonlyArray<ReplicaSet | undefined>, newRS: ReplicaSet): number | undefined {
  const want = replicas(d);
  if (replicas(newRS) === want) return undefined;
  if (replicas(newRS) > want) return want;
  const to = newRSNewReplicas(d, allRSs, newRS);
  return to === replicas(newRS) ? undefined : to;
}

/**
 * Returns the scale-downs of old ReplicaSets this step allows (reconcileOldReplicaSets): first
 * unavailable replicas of old ReplicaSets (cleanupUnhealthyReplicas), then available ones, oldest
 * first, as long as availability stays at or above spec.replicas − maxUnavailable.
 */
export function oldReplicaSetSteps(d: Deployment, allRSs: ReadonlyArray<ReplicaSet | undefined>, oldRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined): ScaleStep[] {
  if (specReplicas(oldRSs) === 0) return [];
  const minAvailable = replicas(d) - maxUnavailable(d);
  const newUnavailable = newRS ? replicas(newRS) - (newRS.status?.availableReplicas ?? 0) : 0;
  const maxScaledDown = specReplicas(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];
  const steps: ScaleStep[] = [];
  const sorted = [...oldRSs].sort(byCreation);
  const size = new Map(sorted.map((rs) => [rs, replicas(rs)]));
  let cleaned = 0;
  for (const rs of sorted) {
    if (cleaned >= maxScaledDown) break;
    const available = rs.status?.availableReplicas ?? 0;
    if (size.get(rs) === 0 || size.get(rs) === available) continue;
    const n = Math.min(maxScaledDown - cleaned, size.get(rs)! - available);
    size.set(rs, size.get(rs)! - n);
    steps.push({ rs, to: size.get(rs)! });
    cleaned += n;
  }
  const available = availableReplicas(allRSs);
  if (available <= minAvailable) return steps;
  const total = available - minAvailable;
  let scaled = 0;
  for (const rs of sorted) {
    if (scaled >= total) break;
    if (size.get(rs) === 0) continue;
    const n = Math.min(size.get(rs)!, total - scaled);
    size.set(rs, size.get(rs)! - n);
    steps.push({ rs, to: size.get(rs)! });
    scaled += n;
  }
  return steps;
}
