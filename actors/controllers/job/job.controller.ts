// The Job controller (upstream pkg/controller/job syncJob), NonIndexed and Indexed: keeps
// min(parallelism, remaining completions) pods running, recreates failed ones after the failure
// backoff, fails the Job at backoffLimit or activeDeadlineSeconds, completes it at its completions,
// and counts every pod exactly once through the tracking finalizer.
import type { Job } from '../../../api/kinds/job.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import { controllerRefOf, type KubeObject } from '../../../api/meta.ts';
import { rfc3339 } from '../../../api/names.ts';
import { labelSelectorMatcher } from '../../../api/selectors.ts';
import { isNotFound } from '../../../api/status.ts';
import { CONTROLLER_INDEX, controllerIndexers, namespaceIndexers, orphansIn } from '../../../bus/indexers.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';
import { CacheFence } from '../shared/cache-fence.ts';
import { claimObjects } from '../shared/ownership.client.ts';
import { newControllerRef, podFromTemplate } from '../shared/ownership.ts';
import { createPod, deletePod } from '../shared/pod-control.ts';
import { slowStart } from '../shared/slow-start.ts';
import { nextBackoffRecord, type BackoffRecord } from './job.backoff.ts';
import { indexedTemplate } from './job.indexed.ts';
import { jobKeysOfJob, jobKeysOfPod, podKeyOfOrphanItem } from './job.keys.ts';
import { hasTrackingFinalizer, JOB_API_VERSION, JOB_KIND, JOB_TRACKING_FINALIZER } from './job.pods.ts';
import { ensureCondition, isComplete, isJobFinished, isSuspended, JOB_COMPLETE, manageJob, observe, successCondition, terminalDecision, JOB_SUSPENDED, type TrackedJobStatus } from './job.reconcile.ts';
import { cleanUncounted, enactFinished, trackPods, uidsWithFinalizer } from './job.tracking.ts';

/** Workers (upstream default: --concurrent-job-syncs 5). */
export type JobControllerInput = { workers?: number } | void;

/** What the controller keeps between reconciles: write fences and the failure backoff record per Job. */
interface State {
  fence: CacheFence;
  backoff: Map<string, BackoffRecord>;
}
type Ctx = ControllerContext<State>;

/**
 * Removes the tracking finalizer with a JSON patch that tests its position (upstream's
 * $deleteFromPrimitiveList); true when gone. `unchanged` also tests the cached resourceVersion, so
 * an orphan's cleanup fails (and is retried from a fresh cache) if a Job adopted the pod meanwhile.
 */
async function removeFinalizer(ctx: ControllerContext<unknown>, pod: Pod, wrote: (o: KubeObject) => void, unchanged = false): Promise<boolean> {
  const i = pod.metadata.finalizers?.indexOf(JOB_TRACKING_FINALIZER) ?? -1;
  if (i < 0) return true;
  const path = `/metadata/finalizers/${i}`;
  const rv = unchanged ? [{ op: 'test', path: '/metadata/resourceVersion', value: pod.metadata.resourceVersion }] : [];
  try {
    wrote(await ctx.deps.client.patch('pods', pod.metadata.name!, [...rv, { op: 'test', path, value: JOB_TRACKING_FINALIZER }, { op: 'remove', path }], { namespace: pod.metadata.namespace, type: 'json' }));
    return true;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}

/** Runs `fn` on every item in parallel; returns how many succeeded and the first error. */
async function each<T>(items: readonly T[], fn: (x: T) => Promise<unknown>): Promise<{ ok: T[]; err?: unknown }> {
  const results = await Promise.allSettled(items.map(fn));
  const ok = items.filter((_, i) => results[i].status === 'fulfilled');
  const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  return { ok, err: failed?.reason };
}

/** Writes the Job's status and returns the stored Job; zero counters are left out, as Go's omitempty does. */
async function flush(ctx: Ctx, job: Job, status: TrackedJobStatus, wrote: (o: KubeObject) => void): Promise<Job> {
  const body: TrackedJobStatus = { ...status };
  for (const k of ['active', 'succeeded', 'failed'] as const) if (!body[k]) delete body[k];
  const next = await ctx.deps.client.updateStatus<Job>('jobs', { ...job, status: body } as KubeObject);
  wrote(next);
  return next;
}

/** Runs one pass of the Job's sync (upstream syncJob); returns when to look again, if a deadline or backoff is pending. */
async function syncJob(ctx: Ctx, key: string, job: Job): Promise<number | undefined> {
  const mem = ctx.state;
  const now = ctx.deps.clock.now();
  const wrote = (o: KubeObject) => mem.fence.wrote(key, o.kind === 'Pod' ? 'pods' : 'jobs', o.metadata.resourceVersion);
  const match = labelSelectorMatcher(job.spec.selector ?? {});
  const ref = newControllerRef(job, JOB_API_VERSION, JOB_KIND);
  // Its own pods and the orphans of its namespace (upstream FilterPodsByOwner with orphans).
  const cache = ctx.cache<Pod>('pods');
  const candidates = [...cache.byIndex(CONTROLLER_INDEX, job.metadata.uid!), ...cache.byIndex(CONTROLLER_INDEX, orphansIn(job.metadata.namespace))];
  const pods = await claimObjects(ctx, candidates, { owner: job, ownerResource: 'jobs', resource: 'pods', ref, matches: (p) => match(p.metadata.labels ?? {}), finalizer: JOB_TRACKING_FINALIZER, wrote });
  const view = observe(job, pods);
  const status: TrackedJobStatus = structuredClone(job.status ?? {});
  status.uncountedTerminatedPods ??= {};
  if (!status.startTime && !isSuspended(job)) status.startTime = rfc3339(now);
  const record = nextBackoffRecord(mem.backoff.get(key), view.newSucceeded, view.newFailed);

  let { finished, requeueAfterMs } = terminalDecision(job, view, status.startTime, now);
  let active = view.active.length;
  let ready = view.ready;
  let terminating = view.terminating;
  let suspendChanged = false;
  let err: unknown;
  const wasReady = (ps: Pod[]) => ps.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  if (finished) {
    // The Job is over: delete what still runs (keeping finalizers, so those pods are counted as failed).
    const r = await each(view.active, (p) => deletePod(ctx, job, p, wrote));
    if (r.ok.length !== active) finished = undefined;
    active -= r.ok.length;
    terminating += r.ok.length;
    ready -= wasReady(r.ok);
    err = r.err;
  } else {
    if (!job.metadata.deletionTimestamp) {
      const m = manageJob(job, view, record, terminating, now);
      if (m.requeueAfterMs !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, m.requeueAfterMs);
      if (m.remove.length) {
        // Excess or suspended pods are not failures: their finalizer goes before the delete.
        const r = await each(m.remove, async (p) => {
          await removeFinalizer(ctx, p, wrote);
          await deletePod(ctx, job, p, wrote);
        });
        active -= r.ok.length;
        terminating += r.ok.length;
        ready -= wasReady(r.ok);
        err = r.err;
      } else if (m.create > 0) {
        const template = structuredClone(job.spec.template);
        template.metadata = { ...(template.metadata ?? {}), finalizers: [...new Set([...(template.metadata?.finalizers ?? []), JOB_TRACKING_FINALIZER])] };
        let created = 0;
        const errors = await slowStart(m.indexes ?? Array.from({ length: m.create }, () => -1), async (ix) => {
          const pod = ix < 0 ? podFromTemplate(template, job, ref) : podFromTemplate(indexedTemplate(job, template, ix), job, ref);
          if (ix >= 0) pod.metadata.generateName = `${job.metadata.name}-${ix}-`;
          if (await createPod(ctx, job, pod, wrote)) created++;
        });
        active += created;
        err = errors[0];
      }
      const suspended = isSuspended(job);
      const c = suspended
        ? ensureCondition(status.conditions ?? [], JOB_SUSPENDED, 'True', 'JobSuspended', 'Job suspended', now)
        : ensureCondition(status.conditions ?? [], JOB_SUSPENDED, 'False', 'JobResumed', 'Job resumed', now);
      if (c.changed && !isComplete(job, view.succeeded, active)) {
        status.conditions = c.conditions;
        suspendChanged = true;
        ctx.events.record(job, 'Normal', suspended ? 'Suspended' : 'Resumed', suspended ? 'Job suspended' : 'Job resumed');
        // Resuming restarts the activeDeadlineSeconds clock.
        if (!suspended) status.startTime = rfc3339(now);
      }
    }
    if (isComplete(job, view.succeeded, active)) finished = successCondition(now);
  }

  const needsFlush = suspendChanged || active !== (status.active ?? 0) || ready !== (status.ready ?? 0) || terminating !== (status.terminating ?? 0);
  Object.assign(status, { active, ready, terminating });
  const plan = trackPods(job, status, pods, finished, needsFlush, now, view.indexes);
  let current = job;
  if (plan.needsFlush) {
    current = await flush(ctx, current, status, wrote);
    mem.backoff.set(key, record);
  }
  const withFinalizer = uidsWithFinalizer(pods);
  const removed = await each(plan.removeFinalizer, (p) => removeFinalizer(ctx, p, wrote));
  for (const p of removed.ok) withFinalizer.delete(p.metadata.uid!);
  const dirty = cleanUncounted(status, withFinalizer);
  if (removed.err) {
    if (dirty) await flush(ctx, current, status, wrote);
    throw removed.err;
  }
  const done = !plan.capped && enactFinished(status, plan.final, terminating, now);
  if (done || dirty) await flush(ctx, current, status, wrote);
  if (done) {
    const final = plan.final!;
    if (final.type === JOB_COMPLETE) {
      if (job.spec.completions !== undefined && (status.succeeded ?? 0) > job.spec.completions)
        ctx.events.record(job, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
      ctx.events.record(job, 'Normal', 'Completed', 'Job completed');
    } else ctx.events.record(job, 'Warning', final.reason ?? 'Failed', final.message ?? '');
  }
  if (err) throw err;
  return requeueAfterMs;
}

/** Removes the tracking finalizer from a pod whose Job is gone or finished, or that has none (upstream syncOrphanPod). */
async function syncOrphanPod(ctx: Ctx, podKey: string): Promise<void> {
  const pod = ctx.cache<Pod>('pods').get(podKey);
  if (!pod || !hasTrackingFinalizer(pod)) return;
  const ref = controllerRefOf(pod);
  if (ref && (ref.kind !== JOB_KIND || ref.apiVersion !== JOB_API_VERSION)) return;
  const job = ref && ctx.cache<Job>('jobs').get(`${pod.metadata.namespace}/${ref.name}`);
  if (job && job.metadata.uid === ref!.uid && !isJobFinished(job)) return; // adopted meanwhile
  await removeFinalizer(ctx, pod, () => undefined, true);
}

/** The Job controller actor (kind `controller/job`). */
export const jobController = defineController<JobControllerInput, State>({
  name: 'job',
  watches: [
    { resource: 'jobs', indexers: namespaceIndexers, keys: jobKeysOfJob },
    { resource: 'pods', indexers: controllerIndexers, keys: jobKeysOfPod },
  ],
  workers: (input) => input?.workers ?? 5,
  init: () => ({ fence: new CacheFence(), backoff: new Map() }),
  async reconcile(key, ctx) {
    const podKey = podKeyOfOrphanItem(key);
    if (podKey) return syncOrphanPod(ctx, podKey);
    const { fence, backoff } = ctx.state;
    const jobs = ctx.cache<Job>('jobs');
    const job = jobs.get(key);
    if (!job) {
      fence.forget(key);
      return void backoff.delete(key);
    }
    if (isJobFinished(job)) return void backoff.delete(key);
    if (job.spec.completionMode && job.spec.completionMode !== 'NonIndexed' && job.spec.completionMode !== 'Indexed') {
      ctx.events.record(job, 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
      return;
    }
    if (!fence.caughtUp(key, { pods: ctx.cache<Pod>('pods'), jobs })) return { requeueAfterMs: 1_000 }; // its write events will wake it sooner
    const requeueAfterMs = await syncJob(ctx, key, job);
    if (requeueAfterMs !== undefined) return { requeueAfterMs };
  },
});
