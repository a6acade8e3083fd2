// A CronJob's Jobs as upstream's cronjob controller sees them: the Job made from the template for
// an activation (getJobFromTemplate2), finished state (FinishedCondition), active-list references
// and the history order (byJobStartTime). Pure.
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION, type CronJob } from '../../../api/kinds/cronjob.ts';
import type { ObjectReference } from '../../../api/kinds/common.ts';
import type { Job } from '../../../api/kinds/job.ts';
import { parseRfc3339 } from '../../../api/names.ts';
import { newControllerRef } from '../shared/ownership.ts';
import { jobNameFor, rfc3339InZone } from './cronjob.schedule.ts';

export const CRONJOB_API_VERSION = 'batch/v1';
export const CRONJOB_KIND = 'CronJob';

/** Returns 'Complete' or 'Failed' when the Job has finished (its first True condition of either type), else undefined. */
export function finishedCondition(job: Job): 'Complete' | 'Failed' | undefined {
  const c = job.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c?.type as 'Complete' | 'Failed' | undefined;
}

/** Returns the Job to create for the activation at `scheduledAt`: the template's labels, annotations and spec, the scheduled-timestamp annotation, owned by the CronJob. */
export function jobFromTemplate(cj: CronJob, scheduledAt: number): Job {
  const tpl = cj.spec.jobTemplate;
  const tz = cj.spec.timeZone || 'UTC';
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cj.metadata.name!, scheduledAt),
      namespace: cj.metadata.namespace,
      labels: { ...(tpl.metadata?.labels ?? {}) },
      annotations: { ...(tpl.metadata?.annotations ?? {}), [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339InZone(scheduledAt, tz) },
      ownerReferences: [newControllerRef(cj, CRONJOB_API_VERSION, CRONJOB_KIND)],
    },
    spec: structuredClone(tpl.spec),
  };
}

/** Returns the reference the active list keeps to a Job (reference.GetReference). */
export const jobRef = (job: Job): ObjectReference => ({
  kind: 'Job',
  namespace: job.metadata.namespace,
  name: job.metadata.name,
  uid: job.metadata.uid,
  apiVersion: 'batch/v1',
  resourceVersion: job.metadata.resourceVersion,
});

/** Returns whether the active list holds the Job's uid. */
export const inActiveList = (cj: CronJob, uid: string | undefined): boolean => (cj.status?.active ?? []).some((r) => r.uid === uid);

/** Returns whether the active list holds a Job of this name in the CronJob's namespace. */
export const inActiveListByName = (cj: CronJob, name: string): boolean =>
  (cj.status?.active ?? []).some((r) => r.name === name && (r.namespace ?? cj.metadata.namespace) === cj.metadata.namespace);

/** Removes the Job's uid from the active list, in place. */
export function deleteFromActiveList(cj: CronJob, uid: string | undefined): void {
  (cj.status ??= {}).active = (cj.status.active ?? []).filter((r) => r.uid !== uid);
}

const startOf = (j: Job): number | undefined => (j.status?.startTime ? parseRfc3339(j.status.startTime) : undefined);

/** Orders Jobs oldest first by status.startTime (unstarted last), then by name (upstream byJobStartTime). */
export function byJobStartTime(a: Job, b: Job): number {
  const [sa, sb] = [startOf(a), startOf(b)];
  if (sa === undefined && sb !== undefined) return 1;
  if (sa !== undefined && sb === undefined) return -1;
  if (sa === sb) return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
  return sa! - sb!;
}
