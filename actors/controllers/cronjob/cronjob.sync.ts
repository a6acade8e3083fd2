// One pass of upstream's cronjob controllerv2 over a CronJob (syncCronJob and cleanupFinishedJobs):
// reconcile the active list with the Jobs seen, drop the oldest finished Jobs past the history
// limits, then start the Job of the most recent unmet activation unless suspended, too late,
// already done, or forbidden by the concurrency policy. Works on a copy of the CronJob whose
// status the caller writes once.
import type { CronJob } from '../../../api/kinds/cronjob.ts';
import { CronParseError, isKnownTimeZone } from '../../../api/kinds/cron-schedule.ts';
import type { Job } from '../../../api/kinds/job.ts';
import { controllerRefOf } from '../../../api/meta.ts';
import { rfc3339 } from '../../../api/names.ts';
import { isAlreadyExists, isNamespaceTerminating, isNotFound } from '../../../api/status.ts';
import { goQuote } from '../../../api/validation/field.ts';
import type { ControllerContext } from '../../lib/controller.ts';
import { byJobStartTime, deleteFromActiveList, finishedCondition, inActiveList, inActiveListByName, jobFromTemplate, jobRef } from './cronjob.jobs.ts';
import { formatSchedule, jobNameFor, nextScheduleDelay, nextScheduleTime, parseSchedule, type Schedule } from './cronjob.schedule.ts';

/** What a pass decided: when to look again, whether the status changed, and an error to retry on. */
export interface SyncOutcome {
  requeueAfterMs?: number;
  updateStatus: boolean;
  err?: unknown;
}

// Go's time.RFC1123Z in UTC: "Mon, 02 Jan 2006 15:04:05 +0000".
const rfc1123zUTC = (ms: number): string => new Date(ms).toUTCString().replace(/ GMT$/, ' +0000');

/** Deletes a Job of the CronJob (background propagation) and drops it from the active list; false (with a FailedDelete event) when the delete fails. */
export async function deleteJob(ctx: ControllerContext, cj: CronJob, job: Job): Promise<boolean> {
  try {
    await ctx.deps.client.delete('jobs', job.metadata.name!, { namespace: job.metadata.namespace, propagationPolicy: 'Background' });
  } catch (err) {
    ctx.events.record(cj, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`);
    ctx.deps.log.warn({ cronjob: cj.metadata.name, job: job.metadata.name, err: (err as Error).message }, 'error deleting job from cronjob');
    return false;
  }
  deleteFromActiveList(cj, job.metadata.uid);
  ctx.events.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
  return true;
}

async function removeOldest(ctx: ControllerContext, cj: CronJob, jobs: Job[], keep: number | undefined): Promise<boolean> {
  if (keep == null || jobs.length <= keep) return false;
  let changed = false;
  for (const job of [...jobs].sort(byJobStartTime).slice(0, jobs.length - keep)) if (await deleteJob(ctx, cj, job)) changed = true;
  return changed;
}

/** Deletes the oldest finished Jobs beyond successfulJobsHistoryLimit and failedJobsHistoryLimit (upstream cleanupFinishedJobs). */
export async function cleanupFinishedJobs(ctx: ControllerContext, cj: CronJob, jobs: readonly Job[]): Promise<boolean> {
  const { successfulJobsHistoryLimit: ok, failedJobsHistoryLimit: failed } = cj.spec;
  if (ok == null && failed == null) return false;
  const succeeded = jobs.filter((j) => finishedCondition(j) === 'Complete');
  const failures = jobs.filter((j) => finishedCondition(j) === 'Failed');
  const a = await removeOldest(ctx, cj, succeeded, ok);
  const b = await removeOldest(ctx, cj, failures, failed);
  return a || b;
}

// The active list against the Jobs seen: finished ones leave it, vanished ones too (after a fresh read).
async function syncActive(ctx: ControllerContext, cj: CronJob, jobs: readonly Job[]): Promise<{ cj: CronJob; updateStatus: boolean }> {
  let updateStatus = false;
  const seen = new Set<string>();
  for (const j of jobs) {
    seen.add(j.metadata.uid!);
    const found = inActiveList(cj, j.metadata.uid);
    const cond = finishedCondition(j);
    if (!found && !cond) {
      const fresh = await ctx.deps.client.get<CronJob>('cronjobs', cj.metadata.name!, { namespace: cj.metadata.namespace });
      if (inActiveList(fresh, j.metadata.uid)) {
        cj = structuredClone(fresh);
        continue;
      }
      ctx.events.record(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata.name}`);
    } else if (found && cond) {
      deleteFromActiveList(cj, j.metadata.uid);
      ctx.events.record(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name}, condition: ${cond}`);
      updateStatus = true;
    } else if (cond === 'Complete' && j.status?.completionTime) {
      const last = cj.status?.lastSuccessfulTime;
      if (!last || Date.parse(j.status.completionTime) > Date.parse(last)) {
        (cj.status ??= {}).lastSuccessfulTime = j.status.completionTime;
        updateStatus = true;
      }
    }
  }
  for (const ref of [...(cj.status?.active ?? [])]) {
    if (seen.has(ref.uid!)) continue;
    try {
      await ctx.deps.client.get<Job>('jobs', ref.name!, { namespace: ref.namespace ?? cj.metadata.namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      ctx.events.record(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
      deleteFromActiveList(cj, ref.uid);
      updateStatus = true;
    }
  }
  return { cj, updateStatus };
}

// The schedule to run on, or undefined (with upstream's warning event) when it cannot be used.
function usableSchedule(ctx: ControllerContext, cj: CronJob): Schedule | undefined {
  const tz = cj.spec.timeZone;
  if (tz !== undefined && !isKnownTimeZone(tz)) {
    ctx.events.record(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${goQuote(tz)}: unknown time zone ${tz}`);
    return undefined;
  }
  if (cj.spec.schedule.includes('TZ'))
    ctx.events.record(cj, 'Warning', 'UnsupportedSchedule', `CRON_TZ or TZ used in schedule ${goQuote(cj.spec.schedule)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`);
  try {
    return parseSchedule(formatSchedule(cj));
  } catch (err) {
    if (!(err instanceof CronParseError)) throw err;
    ctx.events.record(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${goQuote(cj.spec.schedule)} : ${err.message}`);
    return undefined;
  }
}

// Concurrency policy Replace: every active Job is deleted before the new one starts; stops at the first failure.
async function replaceActive(ctx: ControllerContext, cj: CronJob): Promise<{ replaced: boolean; err?: unknown }> {
  let replaced = false;
  for (const ref of [...(cj.status?.active ?? [])]) {
    let job: Job;
    try {
      job = await ctx.deps.client.get<Job>('jobs', ref.name!, { namespace: ref.namespace ?? cj.metadata.namespace });
    } catch (err) {
      ctx.events.record(cj, 'Warning', 'FailedGet', `Get job: ${(err as Error).message}`);
      return { replaced, err };
    }
    if (!(await deleteJob(ctx, cj, job))) return { replaced, err: new Error(`could not replace job ${job.metadata.namespace}/${job.metadata.name}`) };
    replaced = true;
  }
  return { replaced };
}

// Creates the Job of the activation at `at`. No Job back (and no error) when one of that name exists
// that is not ours or already in the active list.
async function createJob(ctx: ControllerContext, cj: CronJob, at: number): Promise<{ created?: Job; err?: unknown }> {
  const req = jobFromTemplate(cj, at);
  try {
    const created = await ctx.deps.client.create<Job>('jobs', req);
    ctx.events.record(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
    return { created };
  } catch (err) {
    if (isNamespaceTerminating(err)) return { err };
    if (!isAlreadyExists(err)) {
      ctx.events.record(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
      return { err };
    }
  }
  // Made before (the status write that should have followed failed) or by someone else.
  let created: Job;
  try {
    created = await ctx.deps.client.get<Job>('jobs', req.metadata.name!, { namespace: cj.metadata.namespace });
  } catch (err) {
    return { err };
  }
  if (controllerRefOf(created)?.uid !== cj.metadata.uid || inActiveList(cj, created.metadata.uid)) return {};
  ctx.deps.log.info({ cronjob: cj.metadata.name, job: created.metadata.name }, 'Job already exists');
  return { created };
}

/** Upstream syncCronJob on `cj` (a copy the caller writes back when updateStatus); `jobs` are the Jobs it controls. */
export async function syncCronJob(ctx: ControllerContext, input: CronJob, jobs: readonly Job[]): Promise<SyncOutcome & { cj: CronJob }> {
  let cj = input;
  let updateStatus = false;
  const done = (o: Omit<SyncOutcome, 'updateStatus'> = {}) => ({ ...o, updateStatus, cj });
  if (cj.metadata.deletionTimestamp) return done();
  const now = ctx.deps.clock.now();
  try {
    ({ cj, updateStatus } = await syncActive(ctx, cj, jobs));
  } catch (err) {
    return done({ err });
  }
  if (cj.spec.suspend) return done();
  const sched = usableSchedule(ctx, cj);
  if (!sched) return done();
  const next = nextScheduleTime(cj, now, sched);
  if (next.error !== undefined) {
    ctx.events.record(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec.schedule} : ${next.error}`);
    return done();
  }
  if (next.tooMany) ctx.events.record(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
  const requeue = () => nextScheduleDelay(cj, now, sched);
  if (next.at === undefined) return done({ requeueAfterMs: requeue() });
  const at = next.at;
  const deadline = cj.spec.startingDeadlineSeconds;
  if (deadline != null && at + deadline * 1000 < now) {
    ctx.events.record(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123zUTC(at)}`);
    return done({ requeueAfterMs: requeue() });
  }
  const last = cj.status?.lastScheduleTime;
  if (inActiveListByName(cj, jobNameFor(cj.metadata.name!, at)) || (last !== undefined && Date.parse(last) === at)) return done({ requeueAfterMs: requeue() });
  if (cj.spec.concurrencyPolicy === 'Forbid' && (cj.status?.active?.length ?? 0) > 0) {
    ctx.events.record(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
    return done({ requeueAfterMs: requeue() });
  }
  if (cj.spec.concurrencyPolicy === 'Replace') {
    const replace = await replaceActive(ctx, cj);
    if (replace.replaced) updateStatus = true;
    if (replace.err) return done({ err: replace.err });
  }
  const { created, err } = await createJob(ctx, cj, at);
  if (!created) return done({ err });
  (cj.status ??= {}).active = [...(cj.status.active ?? []), jobRef(created)];
  cj.status.lastScheduleTime = rfc3339(at);
  updateStatus = true;
  return done({ requeueAfterMs: requeue() });
}
