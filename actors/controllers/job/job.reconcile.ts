// The decisions of upstream's syncJob and manageJob: what the pods say
// (active, ready, terminating, newly finished), whether the Job has failed (backoff limit, active
// deadline) or succeeded, and how many pods to create or delete. Pure.
import type { Condition } from '../../../api/kinds/common.ts';
import type { Job, JobStatus } from '../../../api/kinds/job.ts';
import { isPodActive, isPodReady } from '../../../api/kinds/pod-helpers.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import { parseRfc3339, rfc3339 } from '../../../api/names.ts';
import { remainingBackoff, type BackoffRecord } from './job.backoff.ts';
import { duplicateIndexPods, firstPendingIndexes, hasValidIndex, isIndexed, succeededIndexes } from './job.indexed.ts';
import { byRemovalOrder, hasTrackingFinalizer, isPodFailed, isTerminatingPod, onlyReplaceFailedPods, pastBackoffLimitOnFailure } from './job.pods.ts';

/** Pod uids the Job has seen finish but not yet added to its counters (status.uncountedTerminatedPods). */
export interface UncountedTerminatedPods {
  succeeded?: string[];
  failed?: string[];
}

/** JobStatus with the field the schema does not list yet. */
export type TrackedJobStatus = JobStatus & { uncountedTerminatedPods?: UncountedTerminatedPods };

/** Condition types and reasons of batch/v1 Jobs. */
export const JOB_COMPLETE = 'Complete';
export const JOB_FAILED = 'Failed';
export const JOB_FAILURE_TARGET = 'FailureTarget';
export const JOB_SUCCESS_CRITERIA_MET = 'SuccessCriteriaMet';
export const JOB_SUSPENDED = 'Suspended';

/** Returns a True/False condition stamped `now` (newCondition). */
export const newCondition = (type: string, reason: string, message: string, now: number, status = 'True'): Condition => ({
  type,
  status,
  reason,
  message,
  lastProbeTime: rfc3339(now),
  lastTransitionTime: rfc3339(now),
});

/** Returns the Job's condition of a type when it is True. */
export const trueCondition = (job: { status?: JobStatus }, type: string): Condition | undefined =>
  job.status?.conditions?.find((c) => c.type === type && c.status === 'True');

/** Returns whether the Job has finished for good (Complete or Failed is True; util.IsJobFinished). */
export const isJobFinished = (job: Job): boolean => !!(trueCondition(job, JOB_COMPLETE) || trueCondition(job, JOB_FAILED));

/** Returns whether the Job is suspended. */
export const isSuspended = (job: Job): boolean => job.spec.suspend === true;

/** What the Job's pods say right now. */
export interface JobView {
  pods: Pod[];
  active: Pod[];
  ready: number;
  terminating: number;
  /** Finished pods with the finalizer that are not yet in uncountedTerminatedPods. */
  newSucceeded: Pod[];
  newFailed: Pod[];
  succeeded: number;
  failed: number;
  /** Indexed Jobs: the indexes in status.completedIndexes, and those plus newly succeeded pods'. */
  indexes?: { prev: Set<number>; all: Set<number> };
}

/** Returns the counts the Job's pods and status give (the start of syncJob). */
export function observe(job: Job, pods: readonly Pod[]): JobView {
  const uncounted = (job.status as TrackedJobStatus | undefined)?.uncountedTerminatedPods ?? {};
  const counted = (list: string[] | undefined) => new Set(list ?? []);
  const us = counted(uncounted.succeeded);
  const uf = counted(uncounted.failed);
  const active = pods.filter(isPodActive);
  const indexed = isIndexed(job);
  const fresh = pods.filter((p) => hasTrackingFinalizer(p) && (!indexed || hasValidIndex(job, p)));
  const indexes = indexed ? succeededIndexes(job, pods, hasTrackingFinalizer) : undefined;
  const newSucceeded = fresh.filter((p) => !us.has(p.metadata.uid!) && p.status?.phase === 'Succeeded');
  const newFailed = fresh.filter((p) => !uf.has(p.metadata.uid!) && isPodFailed(p, job));
  return {
    pods: [...pods],
    active,
    ready: active.filter(isPodReady).length,
    terminating: pods.filter(isTerminatingPod).length,
    newSucceeded,
    newFailed,
    succeeded: indexes ? indexes.all.size : (job.status?.succeeded ?? 0) + newSucceeded.length + us.size,
    failed: (job.status?.failed ?? 0) + newFailed.length + uf.size,
    indexes,
  };
}

/** Returns whether activeDeadlineSeconds has run out (pastActiveDeadline). */
export function pastActiveDeadline(job: Job, startTime: string | undefined, now: number): boolean {
  const d = job.spec.activeDeadlineSeconds;
  if (d === undefined || !startTime || isSuspended(job)) return false;
  return now - parseRfc3339(startTime) >= d * 1000;
}

/** Returns the condition that ends the Job before pods are managed (a FailureTarget, or the final condition of an earlier interim one), and when to look again for the deadline. */
export function terminalDecision(job: Job, view: JobView, startTime: string | undefined, now: number): { finished?: Condition; requeueAfterMs?: number } {
  const met = trueCondition(job, JOB_SUCCESS_CRITERIA_MET);
  if (met) return { finished: met };
  const target = trueCondition(job, JOB_FAILURE_TARGET);
  if (target) return { finished: newCondition(JOB_FAILED, target.reason ?? '', target.message ?? '', now) };
  if (view.failed > (job.spec.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, view.pods))
    return { finished: newCondition(JOB_FAILURE_TARGET, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', now) };
  if (pastActiveDeadline(job, startTime, now))
    return { finished: newCondition(JOB_FAILURE_TARGET, 'DeadlineExceeded', 'Job was active longer than specified deadline', now) };
  if (job.spec.activeDeadlineSeconds !== undefined && startTime && !isSuspended(job))
    return { requeueAfterMs: Math.max(0, job.spec.activeDeadlineSeconds * 1000 - (now - parseRfc3339(startTime))) };
  return {};
}

/** Returns the condition of a Job that reached its completions (SuccessCriteriaMet, then Complete). */
export const successCondition = (now: number): Condition =>
  newCondition(JOB_SUCCESS_CRITERIA_MET, 'CompletionsReached', 'Reached expected number of succeeded pods', now);

/** Pods to delete (finalizer removed first) or the number to create, as upstream manageJob decides. */
export interface ManageDecision {
  remove: Pod[];
  create: number;
  /** Indexed Jobs: the completion index of each pod to create. */
  indexes?: number[];
  /** Creation is held back by the failure backoff until then. */
  requeueAfterMs?: number;
}

/** Returns how to bring active pods to min(parallelism, remaining completions), respecting the failure backoff (manageJob). */
export function manageJob(job: Job, view: JobView, record: BackoffRecord | undefined, terminating: number, now: number): ManageDecision {
  const active = view.active.length;
  if (isSuspended(job)) return { remove: byRemovalOrder(view.active), create: 0 };
  const parallelism = job.spec.parallelism ?? 1;
  const completions = job.spec.completions;
  const want = completions === undefined ? (view.succeeded > 0 ? active : parallelism) : Math.max(0, Math.min(completions - view.succeeded, parallelism));
  const excess = Math.max(0, active - want);
  // Indexed: pods with an invalid or repeated index go first.
  const dup = view.indexes ? duplicateIndexPods(job, view.active) : { remove: [], keep: view.active };
  if (dup.remove.length < excess) dup.remove.push(...byRemovalOrder(dup.keep).slice(0, excess - dup.remove.length));
  if (dup.remove.length) return { remove: dup.remove, create: 0 };
  const diff = want - (onlyReplaceFailedPods(job) ? terminating : 0) - active;
  if (diff <= 0) return { remove: [], create: 0 };
  const wait = remainingBackoff(record, now);
  if (wait > 0) return { remove: [], create: 0, requeueAfterMs: wait };
  if (!view.indexes) return { remove: [], create: diff };
  const busy = onlyReplaceFailedPods(job) ? view.pods.filter((p) => isPodActive(p) || isTerminatingPod(p)) : view.active;
  const indexes = firstPendingIndexes(job, view.indexes.all, busy, diff);
  return { remove: [], create: indexes.length, indexes };
}

/** Returns whether the Job has all its completions (or, without completions, one success) and nothing active. */
export function isComplete(job: Job, succeeded: number, active: number): boolean {
  const c = job.spec.completions;
  return active === 0 && (c === undefined ? succeeded > 0 : succeeded >= c);
}

/** Returns the conditions with `type` set to `status` (never appended as False; ensureJobConditionStatus) and whether they changed. */
export function ensureCondition(conds: readonly Condition[], type: string, status: string, reason: string, message: string, now: number): { conditions: Condition[]; changed: boolean } {
  const i = conds.findIndex((c) => c.type === type);
  if (i < 0) return status !== 'False' ? { conditions: [...conds, newCondition(type, reason, message, now)], changed: true } : { conditions: [...conds], changed: false };
  const c = conds[i];
  if (c.status === status && c.reason === reason && c.message === message) return { conditions: [...conds], changed: false };
  const next = [...conds];
  next[i] = newCondition(type, reason, message, now, status);
  return { conditions: next, changed: true };
}
