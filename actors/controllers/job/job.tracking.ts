// Counting finished pods with the tracking finalizer, as upstream's trackJobStatusAndRemoveFinalizers:
// a finished pod's uid goes to status.uncountedTerminatedPods first, then its finalizer is removed,
// then it moves to the succeeded/failed counters; the final Complete/Failed condition comes only
// when nothing is left uncounted or terminating. Pure (works on a copy of the status).
import type { Condition } from '../../../api/kinds/common.ts';
import type { Job } from '../../../api/kinds/job.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import { rfc3339 } from '../../../api/names.ts';
import { completionIndexOf, formatIndexes, hasValidIndex } from './job.indexed.ts';
import { hasTrackingFinalizer, isPodFailed } from './job.pods.ts';
import { ensureCondition, JOB_COMPLETE, JOB_FAILED, JOB_FAILURE_TARGET, JOB_SUCCESS_CRITERIA_MET, newCondition, type TrackedJobStatus } from './job.reconcile.ts';

/** At most this many uids wait in uncountedTerminatedPods (upstream MaxUncountedPods). */
export const MAX_UNCOUNTED_PODS = 500;

/** What tracking wants: the status to flush, the pods whose finalizer goes, and the final condition. */
export interface TrackPlan {
  needsFlush: boolean;
  removeFinalizer: Pod[];
  /** Complete or Failed, to add once every pod is counted and none is terminating. */
  final?: Condition;
  /** More finished pods than MAX_UNCOUNTED_PODS: the Job cannot finish in this pass. */
  capped: boolean;
}

/** Moves uids whose pods no longer carry the finalizer from uncountedTerminatedPods to the counters; returns whether anything moved. */
export function cleanUncounted(status: TrackedJobStatus, withFinalizer: ReadonlySet<string>): boolean {
  const u = (status.uncountedTerminatedPods ??= {});
  let changed = false;
  for (const kind of ['succeeded', 'failed'] as const) {
    const before = u[kind] ?? [];
    const keep = before.filter((uid) => withFinalizer.has(uid));
    if (keep.length === before.length) continue;
    status[kind] = (status[kind] ?? 0) + before.length - keep.length;
    u[kind] = keep;
    changed = true;
  }
  return changed;
}

/** Returns the uids of pods that still carry the tracking finalizer. */
export const uidsWithFinalizer = (pods: readonly Pod[]): Set<string> => new Set(pods.filter(hasTrackingFinalizer).map((p) => p.metadata.uid!));

/**
 * Adds newly finished pods to `status.uncountedTerminatedPods` and the interim condition
 * (FailureTarget or SuccessCriteriaMet) to `status.conditions`; returns what else to do.
 * `finished` is the condition that ends the Job in this pass, if any. Indexed Jobs count successes
 * by index (status.completedIndexes) instead of by uid.
 */
export function trackPods(
  job: Job,
  status: TrackedJobStatus,
  pods: readonly Pod[],
  finished: Condition | undefined,
  needsFlush: boolean,
  now: number,
  indexes?: { prev: ReadonlySet<number>; all: ReadonlySet<number> },
): TrackPlan {
  const plan: TrackPlan = { needsFlush, removeFinalizer: [], capped: false };
  if (cleanUncounted(status, uidsWithFinalizer(pods))) plan.needsFlush = true;
  const u = status.uncountedTerminatedPods!;
  const us = new Set(u.succeeded ?? []);
  const uf = new Set(u.failed ?? []);
  const failing = !!finished && finished.type !== JOB_SUCCESS_CRITERIA_MET;
  for (const pod of pods) {
    if (!hasTrackingFinalizer(pod)) continue;
    const uid = pod.metadata.uid!;
    const failed = isPodFailed(pod, job);
    // A finalizer goes once the pod is counted, or once the whole Job is over (then running pods count as failed).
    if (!(job.metadata.deletionTimestamp || finished || pod.status?.phase === 'Succeeded' || failed)) continue;
    plan.removeFinalizer.push(pod);
    if (pod.status?.phase === 'Succeeded' && !uf.has(uid)) {
      if (indexes) {
        if (hasValidIndex(job, pod) && !indexes.prev.has(completionIndexOf(pod))) plan.needsFlush = true;
      } else if (!us.has(uid)) {
        us.add(uid);
        plan.needsFlush = true;
      }
    } else if ((failed || failing) && !uf.has(uid) && (!indexes || hasValidIndex(job, pod))) {
      uf.add(uid);
      plan.needsFlush = true;
    }
    if (us.size + uf.size >= MAX_UNCOUNTED_PODS) {
      plan.capped = true;
      break;
    }
  }
  u.succeeded = [...us];
  u.failed = [...uf];
  if (indexes) {
    const completed = formatIndexes(indexes.all);
    if (completed !== (status.completedIndexes ?? '')) plan.needsFlush = true;
    status.completedIndexes = completed;
    status.succeeded = indexes.all.size;
  }
  const conditions = status.conditions ?? [];
  if (finished?.type === JOB_FAILURE_TARGET) {
    status.conditions = [...conditions, finished];
    plan.needsFlush = true;
    plan.final = newCondition(JOB_FAILED, finished.reason ?? '', finished.message ?? '', now);
  } else if (finished?.type === JOB_SUCCESS_CRITERIA_MET) {
    if (!conditions.some((c) => c.type === JOB_SUCCESS_CRITERIA_MET && c.status === 'True')) {
      status.conditions = [...conditions, finished];
      plan.needsFlush = true;
    }
    plan.final = newCondition(JOB_COMPLETE, finished.reason ?? '', finished.message ?? '', now);
  } else if (finished) plan.final = finished;
  return plan;
}

/** Adds the final condition (and completionTime for Complete) when nothing is uncounted or terminating; returns whether it did (enactJobFinished). */
export function enactFinished(status: TrackedJobStatus, final: Condition | undefined, terminating: number, now: number): boolean {
  if (!final) return false;
  const u = status.uncountedTerminatedPods ?? {};
  if ((u.succeeded?.length ?? 0) + (u.failed?.length ?? 0) > 0 || terminating > 0) return false;
  status.conditions = ensureCondition(status.conditions ?? [], final.type, final.status, final.reason ?? '', final.message ?? '', now).conditions;
  if (final.type === JOB_COMPLETE) status.completionTime = rfc3339(now);
  return true;
}
