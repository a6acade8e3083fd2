// A Deployment's status from its ReplicaSets, and its Available and Progressing conditions
// (upstream sync.go calculateStatus, progress.go syncRolloutStatus / requeueStuckDeployment). Pure.
import type { Condition } from '../../../api/kinds/common.ts';
import type { Deployment, DeploymentStatus } from '../../../api/kinds/deployment.ts';
import type { ReplicaSet } from '../../../api/kinds/replicaset.ts';
import { parseRfc3339 } from '../../../api/names.ts';
import { stableStringify } from '../shared/controller-history.ts';
import { getCondition, newCondition, removeCondition, setCondition } from './conditions.ts';
import { MIN_AVAILABLE, MIN_UNAVAILABLE, NEW_RS_AVAILABLE, RS_UPDATED, TIMED_OUT } from './constants.ts';
import {
  actualReplicas,
  availableReplicas,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  hasProgressDeadline,
  maxUnavailable,
  readyReplicas,
  replicas,
  specReplicas,
} from './deployment.util.ts';

/** Drops zero counts, as the omitempty JSON fields of apps/v1 DeploymentStatus do. */
function omitZeros(s: DeploymentStatus): DeploymentStatus {
  const out = { ...s } as Record<string, unknown>;
  for (const k of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'])
    if (out[k] === 0 || out[k] === undefined) delete out[k];
  if (out.collisionCount === undefined) delete out.collisionCount;
  if (!(out.conditions as unknown[] | undefined)?.length) delete out.conditions;
  return out as DeploymentStatus;
}

/** Returns the status the ReplicaSets add up to, with the Available condition (calculateStatus). */
export function calculateStatus(allRSs: ReadonlyArray<ReplicaSet | undefined>, newRS: ReplicaSet | undefined, d: Deployment, now: number): DeploymentStatus {
  const available = availableReplicas(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: actualReplicas(allRSs),
    updatedReplicas: actualReplicas([newRS]),
    readyReplicas: readyReplicas(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, specReplicas(allRSs) - available),
    collisionCount: d.status?.collisionCount,
    conditions: (d.status?.conditions ?? []).map((c) => ({ ...c })),
  };
  if (available >= replicas(d) - maxUnavailable(d))
    setCondition(status, newCondition('Available', 'True', MIN_AVAILABLE, 'Deployment has minimum availability.', now));
  else setCondition(status, newCondition('Available', 'False', MIN_UNAVAILABLE, 'Deployment does not have minimum availability.', now));
  return omitZeros(status);
}

/** Returns the failure conditions of the new ReplicaSet, else of any ReplicaSet, as Deployment conditions (getReplicaFailures). */
function replicaFailures(allRSs: ReadonlyArray<ReplicaSet | undefined>, newRS: ReplicaSet | undefined): Condition[] {
  const of = (rs: ReplicaSet | undefined) =>
    (rs?.status?.conditions ?? [])
      .filter((c) => c.type === 'ReplicaFailure')
      .map((c) => ({ type: c.type, status: c.status, lastTransitionTime: c.lastTransitionTime, lastUpdateTime: c.lastTransitionTime, reason: c.reason, message: c.message }));
  const mine = of(newRS);
  return mine.length ? mine : allRSs.flatMap(of);
}

/** Returns the status with Progressing brought up to date: complete, progressing, or timed out (syncRolloutStatus). */
export function rolloutStatus(allRSs: ReadonlyArray<ReplicaSet | undefined>, newRS: ReplicaSet | undefined, d: Deployment, now: number): DeploymentStatus {
  const status = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
  const current = getCondition(d.status, 'Progressing');
  const complete = (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && current?.reason === NEW_RS_AVAILABLE;
  if (hasProgressDeadline(d) && !complete) {
    const what = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
    if (deploymentComplete(d, status)) {
      setCondition(status, newCondition('Progressing', 'True', NEW_RS_AVAILABLE, `${what} has successfully progressed.`, now));
    } else if (deploymentProgressing(d, status)) {
      // Progress refreshes lastUpdateTime even with the same reason (so the deadline restarts).
      const c = newCondition('Progressing', 'True', RS_UPDATED, `${what} is progressing.`, now);
      if (current?.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, 'Progressing');
      setCondition(status, c);
    } else if (deploymentTimedOut(d, status, now)) {
      setCondition(status, newCondition('Progressing', 'False', TIMED_OUT, `${what} has timed out progressing.`, now));
    }
  }
  const failures = replicaFailures(allRSs, newRS);
  if (failures.length) setCondition(status, failures[0]);
  else removeCondition(status, 'ReplicaFailure');
  return status;
}

/** Returns whether two statuses are the same (what upstream's reflect.DeepEqual decides before writing). */
export const sameStatus = (a: DeploymentStatus | undefined, b: DeploymentStatus): boolean => stableStringify(omitZeros(a ?? {})) === stableStringify(b);

/** Returns in how many ms to look again for a timed-out rollout, or undefined when there is nothing to wait for (requeueStuckDeployment). */
export function progressCheckIn(d: Deployment, status: DeploymentStatus, now: number): number | undefined {
  const c = getCondition(d.status, 'Progressing');
  if (!hasProgressDeadline(d) || !c) return undefined;
  if (deploymentComplete(d, status) || c.reason === TIMED_OUT) return undefined;
  const from = c.lastUpdateTime ? parseRfc3339(c.lastUpdateTime) : NaN;
  if (Number.isNaN(from)) return undefined;
  const after = from + d.spec.progressDeadlineSeconds! * 1000 - now;
  // Upstream adds a second against clock skew; a deadline already reached is checked right away.
  return after < 1000 ? 1 : after + 1000;
}
