// Scaling a Deployment that is not rolling out, or mid-rollout (upstream sync.go scale): one
// active ReplicaSet takes the whole size; otherwise the change is spread proportionally. Pure.
import type { Deployment } from '../../../api/kinds/deployment.ts';
import type { ReplicaSet } from '../../../api/kinds/replicaset.ts';
import { activeReplicaSets, bySizeNewer, bySizeOlder, findActiveOrLatest, isRollingUpdate, isSaturated, maxSurge, proportion, replicas, specReplicas } from './deployment.util.ts';

/**
 * What scaling does: `record` steps go through scaleReplicaSetAndRecordEvent (skipped when the
 * size is right); `proportional` steps through scaleReplicaSet (annotations refreshed even when
 * the size is right), with the operation ("up", "down" or "") named in the event.
 */
export type ScalePlan =
  | { kind: 'record'; steps: Array<{ rs: ReplicaSet; to: number }> }
  | { kind: 'proportional'; operation: string; steps: Array<{ rs: ReplicaSet; to: number }> };

/** Returns how to scale the ReplicaSets to the Deployment's size. */
export function planScale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ScalePlan {
  const only = findActiveOrLatest(newRS, oldRSs);
  if (only) return { kind: 'record', steps: replicas(only) === replicas(d) ? [] : [{ rs: only, to: replicas(d) }] };
  if (isSaturated(d, newRS)) return { kind: 'record', steps: activeReplicaSets(oldRSs).map((rs) => ({ rs, to: 0 })) };
  if (!isRollingUpdate(d)) return { kind: 'record', steps: [] };
  const all = activeReplicaSets([...oldRSs, newRS]);
  const allowed = replicas(d) > 0 ? replicas(d) + maxSurge(d) : 0;
  const toAdd = allowed - specReplicas(all);
  let operation = '';
  if (toAdd > 0) {
    all.sort(bySizeNewer);
    operation = 'up';
  } else if (toAdd < 0) {
    all.sort(bySizeOlder);
    operation = 'down';
  }
  let added = 0;
  const size = all.map((rs) => {
    if (toAdd === 0) return replicas(rs);
    const p = proportion(rs, d, toAdd, added);
    added += p;
    return replicas(rs) + p;
  });
  // The leftover goes to the largest ReplicaSet.
  if (toAdd !== 0 && size.length) size[0] = Math.max(0, size[0] + toAdd - added);
  return { kind: 'proportional', operation, steps: all.map((rs, i) => ({ rs, to: size[i] })) };
}
