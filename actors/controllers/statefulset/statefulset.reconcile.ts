// One pass of the StatefulSet core loop as upstream's updateStatefulSet: replace finished pods,
// create missing ordinals, scale down from the highest ordinal, then roll the update from the
// highest ordinal down to the partition. OrderedReady stops at the first pod that blocks;
// Parallel acts on every pod at once. Pure: returns the writes, in groups, and the status.
import type { Pod } from '../../../api/kinds/pod.ts';
import type { StatefulSet, StatefulSetStatus } from '../../../api/kinds/statefulset.ts';
import {
  identityMatches,
  inOrdinalRange,
  isCreated,
  isFinished,
  isHealthy,
  isRunningAndAvailable,
  isRunningAndReady,
  isTerminating,
  newVersionedPod,
  ordinalOf,
  podRevision,
  startOrdinal,
  type Revisions,
} from './statefulset.pods.ts';

/** A write the controller makes; `update` fixes a pod's identity labels. */
export interface SetAction {
  op: 'create' | 'delete' | 'update';
  pod: Pod;
  /** Why a pod is deleted: it finished, the set scaled down, or it is rolled to the update revision. */
  why?: 'finished' | 'scale-down' | 'update';
}

/** The writes of one pass, in groups run one after the other (a group's writes may run in parallel), and the status. */
export interface SetPlan {
  groups: SetAction[][];
  status: StatefulSetStatus;
  /** Whether the writes of a group must run one at a time and stop at the first failure (OrderedReady). */
  monotonic: boolean;
}

/** Returns the replica counts of pods against the current and update revisions (computeReplicaStatus). */
export function replicaStatus(pods: readonly Pod[], minReadySeconds: number, now: number, revs: Revisions): StatefulSetStatus {
  const s = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const p of pods) {
    if (isCreated(p)) s.replicas++;
    if (isRunningAndReady(p)) {
      s.readyReplicas++;
      if (isRunningAndAvailable(p, minReadySeconds, now)) s.availableReplicas++;
    }
    if (isCreated(p) && !isTerminating(p)) {
      if (podRevision(p) === revs.current.name) s.currentReplicas++;
      if (podRevision(p) === revs.update.name) s.updatedReplicas++;
    }
  }
  return s;
}

/** Returns the plan of one pass over the set's pods (upstream updateStatefulSet with processReplica/processCondemned). */
export function planStatefulSet(set: StatefulSet, pods: readonly Pod[], revs: Revisions, collisionCount: number, now: number): SetPlan {
  const minReady = set.spec.minReadySeconds ?? 0;
  const monotonic = set.spec.podManagementPolicy !== 'Parallel';
  const status: StatefulSetStatus = {
    observedGeneration: set.metadata.generation,
    currentRevision: revs.current.name,
    updateRevision: revs.update.name,
    collisionCount,
    ...replicaStatus(pods, minReady, now, revs),
  };
  const plan: SetPlan = { groups: [], status, monotonic };
  const count = set.spec.replicas ?? 1;
  const start = startOrdinal(set);
  const replicas: Pod[] = new Array(count);
  const condemned: Pod[] = [];
  for (const p of pods) {
    if (inOrdinalRange(set, p)) replicas[ordinalOf(p) - start] = p;
    else if (ordinalOf(p) >= 0) condemned.push(p);
  }
  for (let i = 0; i < count; i++) replicas[i] ??= newVersionedPod(set, revs, start + i);
  condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));
  const firstUnhealthy = replicas.find((p) => !isHealthy(p)) ?? [...condemned].reverse().find((p) => !isHealthy(p));
  if (set.metadata.deletionTimestamp) return plan;

  // Live replicas, in ordinal order.
  const group: SetAction[] = [];
  plan.groups.push(group);
  for (const pod of replicas) {
    if (isFinished(pod)) {
      // Replaced whatever its exit code: the next pass creates it again once it is gone.
      if (!isTerminating(pod)) group.push({ op: 'delete', pod, why: 'finished' });
      if (monotonic) return plan;
      continue;
    }
    if (!isCreated(pod)) {
      group.push({ op: 'create', pod });
      if (monotonic) return plan;
      continue;
    }
    if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady, now))) return plan;
    if (!identityMatches(set, pod)) group.push({ op: 'update', pod });
  }

  // Scale down, highest ordinal first; OrderedReady waits for each to go and for the others to be healthy.
  const down: SetAction[] = [];
  plan.groups.push(down);
  for (const pod of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return plan;
      continue;
    }
    if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady, now))) return plan;
    down.push({ op: 'delete', pod, why: 'scale-down' });
    if (monotonic) return plan;
  }

  if (set.spec.updateStrategy?.type === 'OnDelete') return plan;
  // Rolling update: delete the highest-ordinal pod not at the update revision; wait while the one above is unhealthy.
  const partition = set.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
  for (let target = replicas.length - 1; target >= partition; target--) {
    const pod = replicas[target];
    if (podRevision(pod) !== revs.update.name && !isTerminating(pod)) {
      plan.groups.push([{ op: 'delete', pod, why: 'update' }]);
      status.currentReplicas = (status.currentReplicas ?? 0) - 1;
      return plan;
    }
    if (!isHealthy(pod)) return plan;
  }
  return plan;
}

/** Returns the status to write: a finished rolling update makes the update revision current (completeRollingUpdate). */
export function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): StatefulSetStatus {
  if (set.spec.updateStrategy?.type === 'RollingUpdate' && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas)
    return { ...status, currentReplicas: status.updatedReplicas, currentRevision: status.updateRevision };
  return status;
}

/** Returns whether the computed status differs from the stored one (inconsistentStatus). */
export function statusChanged(set: StatefulSet, s: StatefulSetStatus): boolean {
  const cur = set.status ?? {};
  return (
    (s.observedGeneration ?? 0) > (cur.observedGeneration ?? 0) ||
    (['replicas', 'currentReplicas', 'readyReplicas', 'updatedReplicas', 'availableReplicas'] as const).some((k) => (s[k] ?? 0) !== (cur[k] ?? 0)) ||
    s.currentRevision !== cur.currentRevision ||
    s.updateRevision !== cur.updateRevision ||
    (s.collisionCount ?? 0) !== (cur.collisionCount ?? 0)
  );
}
