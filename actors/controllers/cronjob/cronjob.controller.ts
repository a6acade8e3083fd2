// The CronJob controller (upstream pkg/controller/cronjob, controllerv2): each CronJob is
// reconciled when it or one of its Jobs changes, and again just after its next activation (a
// requeue-after on the controller's clock, so scenarios run it on virtual time).
import type { CronJob } from '../../../api/kinds/cronjob.ts';
import type { Job } from '../../../api/kinds/job.ts';
import { controllerRefOf } from '../../../api/meta.ts';
import { CONTROLLER_INDEX, controllerIndexers, namespaceIndexers } from '../../../bus/indexers.ts';
import { defineController } from '../../lib/controller.ts';
import { EventRecorder } from '../../lib/events.ts';
import { controllerKeys } from '../shared/owner-keys.ts';
import { CRONJOB_KIND } from './cronjob.jobs.ts';
import { cleanupFinishedJobs, syncCronJob } from './cronjob.sync.ts';

/** Workers (upstream default: --concurrent-cron-job-syncs 5). */
export type CronJobControllerInput = { workers?: number } | void;

/** The CronJob controller actor (kind `controller/cronjob`). */
export const cronJobController = defineController<CronJobControllerInput, { events: EventRecorder }>({
  name: 'cronjob',
  watches: [
    { resource: 'cronjobs', indexers: namespaceIndexers },
    // A Job wakes the CronJob that controls it (upstream addJob/updateJob/deleteJob).
    { resource: 'jobs', indexers: controllerIndexers, keys: (job) => controllerKeys(job, CRONJOB_KIND) },
  ],
  workers: (input) => input?.workers ?? 5,
  // Its Events come from "cronjob-controller", as upstream's recorder names it.
  init: (ctx) => ({ events: new EventRecorder(ctx.deps.client, { component: 'cronjob-controller' }, ctx.deps.clock, ctx.deps.rng.fork('cronjob-events'), ctx.deps.log) }),
  async reconcile(key, base) {
    const ctx = { ...base, events: base.state.events };
    const cached = ctx.cache<CronJob>('cronjobs').get(key);
    if (!cached) return;
    // Its Jobs: those it controls (upstream getJobsToBeReconciled matches the controller's name; the uid is stricter).
    const jobs = ctx
      .cache<Job>('jobs')
      .byIndex(CONTROLLER_INDEX, cached.metadata.uid!)
      .filter((j) => controllerRefOf(j)?.kind === CRONJOB_KIND);
    const copy = structuredClone(cached);
    const cleaned = await cleanupFinishedJobs(ctx, copy, jobs);
    const out = await syncCronJob(ctx, copy, jobs);
    if (out.err) ctx.deps.log.debug({ cronjob: key, err: (out.err as Error).message }, 'error reconciling cronjob');
    if (cleaned || out.updateStatus) {
      const body = structuredClone(out.cj);
      if (body.status && !body.status.active?.length) delete body.status.active; // omitempty
      await ctx.deps.client.updateStatus('cronjobs', body);
    }
    if (out.requeueAfterMs !== undefined) return { requeueAfterMs: Math.max(0, out.requeueAfterMs) };
    if (out.err) throw out.err;
  },
});
