// When a finished Job's ttlSecondsAfterFinished runs out (upstream pkg/controller/ttlafterfinished
// processTTL / jobFinishTime). Pure.
import type { Job } from '../../../api/kinds/job.ts';
import { parseRfc3339 } from '../../../api/names.ts';

/** Returns when the Job finished: the transition time of its True Complete or Failed condition, or undefined. */
export function finishTime(job: Job): number | undefined {
  const c = job.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  if (!c?.lastTransitionTime) return undefined;
  const t = parseRfc3339(c.lastTransitionTime);
  return Number.isNaN(t) ? undefined : t;
}

/** Returns when a Job expires (finish time + TTL), or undefined when it has no TTL, is not finished, or is already being deleted. */
export function expiresAt(job: Job): number | undefined {
  const ttl = job.spec.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null || job.metadata.deletionTimestamp) return undefined;
  const done = finishTime(job);
  return done === undefined ? undefined : done + ttl * 1000;
}
