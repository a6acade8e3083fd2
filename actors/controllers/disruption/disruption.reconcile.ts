// Pure logic of the disruption controller (upstream pkg/controller/disruption): how many pods a budget
// expects and needs healthy, which recorded disruptions still hold, how many pods are healthy, and the
// status that adds up to.
import { scaledValue, type IntOrString } from '../../../api/kinds/common.ts';
import { isPodReady } from '../../../api/kinds/pod-helpers.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import {
  DISRUPTION_ALLOWED,
  pdbConditionsUpToDate,
  setStatusCondition,
  SYNC_FAILED,
  withDisruptionAllowedCondition,
  type PodDisruptionBudget,
  type PodDisruptionBudgetStatus,
} from '../../../api/kinds/poddisruptionbudget.ts';
import { controllerRefOf, type OwnerReference } from '../../../api/meta.ts';
import { parseRfc3339, rfc3339 } from '../../../api/names.ts';
import { deepEqual } from '../../../api/validation/field.ts';

/** Upstream's DeletionTimeout: a pod the eviction subresource let go is not counted healthy for this long. */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

/** A pod's controller and its desired scale, or undefined when this finder does not know the controller. */
export type ControllerScale = { uid: string; scale: number };
/** Looks up the scale of a pod's controller (upstream's finders: Deployment via its ReplicaSet, ReplicaSet, RC, StatefulSet, scale subresource). */
export type ScaleFinder = (ref: OwnerReference, namespace: string) => ControllerScale | undefined;

/** Thrown when a pod's controller cannot be found, as upstream's "found no controllers for pod". */
export class NoControllerError extends Error {
  override name = 'NoControllerError';
}

/** Returns the sum of the scales of the pods' controllers, and the pods without one (upstream getExpectedScale). */
export function expectedScale(pods: readonly Pod[], find: ScaleFinder): { expected: number; unmanaged: string[] } {
  const scales = new Map<string, number>();
  const unmanaged: string[] = [];
  for (const pod of pods) {
    const ref = controllerRefOf(pod);
    if (!ref) {
      unmanaged.push(pod.metadata.name!);
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const found = find(ref, pod.metadata.namespace!);
    if (!found) throw new NoControllerError(`found no controllers for pod "${pod.metadata.name}"`);
    scales.set(found.uid, found.scale);
  }
  let expected = 0;
  for (const s of scales.values()) expected += s;
  return { expected, unmanaged };
}

// intstr.GetScaledValueFromIntOrPercent(v, total, true); a malformed percentage is an error, as upstream's.
function scaled(v: IntOrString, total: number): number {
  if (typeof v === 'string' && !/^[0-9]+%$/.test(v)) throw new Error(`invalid value for IntOrString: invalid value "${v}": must be an integer or percentage`);
  return scaledValue(v, total, true);
}

/** Returns the expected pod count, the pods needed healthy and the unmanaged pods (upstream getExpectedPodCount). */
export function expectedPodCount(pdb: PodDisruptionBudget, pods: readonly Pod[], find: ScaleFinder): { expected: number; desiredHealthy: number; unmanaged: string[] } {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable !== undefined) {
    const { expected, unmanaged } = expectedScale(pods, find);
    return { expected, desiredHealthy: Math.max(0, expected - scaled(spec.maxUnavailable, expected)), unmanaged };
  }
  if (spec.minAvailable !== undefined) {
    if (typeof spec.minAvailable === 'number') return { expected: pods.length, desiredHealthy: spec.minAvailable, unmanaged: [] };
    const { expected, unmanaged } = expectedScale(pods, find);
    return { expected, desiredHealthy: scaled(spec.minAvailable, expected), unmanaged };
  }
  return { expected: 0, desiredHealthy: 0, unmanaged: [] };
}

/** Returns the disruptions that still hold, the pods expected gone that are not, and when to look again (upstream buildDisruptedPodMap). */
export function disruptedPodMap(pdb: PodDisruptionBudget, pods: readonly Pod[], now: number): { disrupted: Record<string, string>; overdue: Pod[]; recheckAt?: number } {
  const recorded = pdb.status?.disruptedPods ?? {};
  const disrupted: Record<string, string> = {};
  const overdue: Pod[] = [];
  let recheckAt: number | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = recorded[pod.metadata.name!];
    if (at === undefined) continue;
    const expectedDeletion = parseRfc3339(at) + DELETION_TIMEOUT_MS;
    if (expectedDeletion < now) overdue.push(pod);
    else {
      recheckAt = Math.min(recheckAt ?? Infinity, expectedDeletion);
      disrupted[pod.metadata.name!] = at;
    }
  }
  return { disrupted, overdue, recheckAt };
}

/** Returns the Ready pods that are neither being deleted nor recently let go (upstream countHealthyPods). */
export function countHealthyPods(pods: readonly Pod[], disrupted: Record<string, string>, now: number): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = disrupted[pod.metadata.name!];
    if (at !== undefined && parseRfc3339(at) + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

export interface Counts {
  currentHealthy: number;
  desiredHealthy: number;
  expected: number;
  disrupted: Record<string, string>;
}

/** Returns the status to write, or undefined when the stored one says the same (upstream updatePdbStatus). */
export function nextStatus(pdb: PodDisruptionBudget, c: Counts, now: number): PodDisruptionBudgetStatus | undefined {
  // No disruption before the budget has seen a pod: its first pods may appear before this controller counts them.
  const allowed = c.expected <= 0 || c.currentHealthy - c.desiredHealthy <= 0 ? 0 : c.currentHealthy - c.desiredHealthy;
  const st = pdb.status ?? {};
  const generation = pdb.metadata.generation ?? 0;
  if (
    (st.currentHealthy ?? 0) === c.currentHealthy &&
    (st.desiredHealthy ?? 0) === c.desiredHealthy &&
    (st.expectedPods ?? 0) === c.expected &&
    (st.disruptionsAllowed ?? 0) === allowed &&
    deepEqual(st.disruptedPods ?? {}, c.disrupted) &&
    (st.observedGeneration ?? 0) === generation &&
    pdbConditionsUpToDate(pdb)
  )
    return undefined;
  const next: PodDisruptionBudgetStatus = {
    currentHealthy: c.currentHealthy,
    desiredHealthy: c.desiredHealthy,
    expectedPods: c.expected,
    disruptionsAllowed: allowed,
    observedGeneration: generation,
    conditions: st.conditions,
  };
  if (Object.keys(c.disrupted).length) next.disruptedPods = c.disrupted;
  return withDisruptionAllowedCondition(next, rfc3339(now));
}

/** Returns the status after a failed sync: no disruption allowed, DisruptionAllowed False with SyncFailed (upstream failSafe). */
export function failSafeStatus(pdb: PodDisruptionBudget, err: Error, now: number): PodDisruptionBudgetStatus {
  const st = pdb.status ?? {};
  const cond = { type: DISRUPTION_ALLOWED, status: 'False', reason: SYNC_FAILED, message: err.message, observedGeneration: st.observedGeneration ?? 0 };
  return { ...st, disruptionsAllowed: 0, conditions: setStatusCondition(st.conditions ?? [], cond, rfc3339(now)) };
}
