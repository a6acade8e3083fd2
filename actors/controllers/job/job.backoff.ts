// The delay before a Job creates a replacement pod (upstream backoff_utils.go): 10 s after the
// first failure since the last success, doubling per further failure, capped at 6 min. Pure.
import type { Pod } from '../../../api/kinds/pod.ts';
import { backoffDelay, type BackoffPolicy } from '../../../bus/backoff.ts';
import { finishedTime } from './job.pods.ts';

/** Upstream DefaultJobPodFailureBackOff (10 s) and MaxJobPodFailureBackOff (6 min). */
export const JOB_POD_FAILURE_BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 360_000 };

/** Failures since the last success and when the last one happened. */
export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

/** Returns the record after newly finished pods (newBackoffRecord): a success resets it unless failures came after it. */
export function nextBackoffRecord(prev: BackoffRecord | undefined, succeeded: readonly Pod[], failed: readonly Pod[]): BackoffRecord {
  const rec: BackoffRecord = { ...(prev ?? { failuresAfterLastSuccess: 0 }) };
  const failedAt = failed.map(finishedTime).sort((a, b) => a - b);
  if (succeeded.length === 0) {
    if (failedAt.length === 0) return rec;
    return { failuresAfterLastSuccess: rec.failuresAfterLastSuccess + failedAt.length, lastFailureTime: failedAt[failedAt.length - 1] };
  }
  const lastSuccess = Math.max(...succeeded.map(finishedTime));
  const after = failedAt.filter((t) => t > lastSuccess);
  return after.length ? { failuresAfterLastSuccess: after.length, lastFailureTime: after[after.length - 1] } : { failuresAfterLastSuccess: 0 };
}

/** Returns how long to wait at `now` before creating pods again (getRemainingTimeForFailuresCount). */
export function remainingBackoff(rec: BackoffRecord | undefined, now: number, policy: BackoffPolicy = JOB_POD_FAILURE_BACKOFF): number {
  if (!rec || rec.failuresAfterLastSuccess === 0 || rec.lastFailureTime === undefined) return 0;
  const delay = backoffDelay(rec.failuresAfterLastSuccess, policy);
  return Math.max(0, delay - (now - rec.lastFailureTime));
}
