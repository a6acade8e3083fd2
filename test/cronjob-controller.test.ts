// The CronJob controller on the virtual clock with an API server on a MemoryBus: Jobs per
// activation, concurrency policies, history limits, suspend, missed starts, time zones, and
// Jobs gone missing. No Job controller runs: the test finishes Jobs by writing their status.
import test, { type ExecutionContext } from 'ava';
import type { CronJob } from '../api/kinds/cronjob.ts';
import type { Job } from '../api/kinds/job.ts';
import type { KubeObject } from '../api/meta.ts';
import { rfc3339 } from '../api/names.ts';
import { cronJobController } from '../actors/controllers/cronjob/cronjob.controller.ts';
import { VirtualClock } from '../bus/clock.ts';
import { startApi } from './helpers/api.ts';
import { settle } from './helpers/wait.ts';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 30); // half a minute past an activation of "* * * * *"
const ns = { namespace: 'default' };

const cronJob = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name, namespace: 'default' },
  spec: {
    schedule: '* * * * *',
    jobTemplate: { metadata: { labels: { app: name } }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } },
    ...spec,
  },
});

async function cluster(t: ExecutionContext) {
  const clock = new VirtualClock(T0);
  const env = await startApi(t, { clock });
  const run = <R>(p: Promise<R>): Promise<R> => settle(clock, p);
  env.process('controller-manager').start(cronJobController, 'controller/cronjob', undefined);
  const jobs = async () => (await run(env.client.list<Job>('jobs', ns))).items.sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
  const get = (name: string) => run(env.client.get<CronJob>('cronjobs', name, ns));
  const reasons = async (name: string) =>
    (await run(env.client.list<KubeObject & { involvedObject: { name: string }; reason: string; message: string }>('events', ns))).items
      .filter((e) => e.involvedObject.name === name)
      .map((e) => `${e.reason}: ${e.message}`);
  /** Marks a Job finished as the Job controller would (Complete or Failed condition, times). */
  const finish = async (job: Job, type: 'Complete' | 'Failed') => {
    const now = rfc3339(clock.now());
    const conditions = [{ type, status: 'True', lastTransitionTime: now }];
    const status = { startTime: job.metadata.creationTimestamp, conditions, ...(type === 'Complete' ? { completionTime: now, succeeded: 1 } : { failed: 1 }) };
    await run(env.client.updateStatus('jobs', { ...job, status } as KubeObject));
  };
  return { clock, env, run, jobs, get, reasons, finish };
}

const minute = (ms: number) => Math.floor(ms / 60_000);

test('cronjob - Allow: one Job per minute named <cronjob>-<minutes>, annotated, owned, listed as active', async (t) => {
  const { clock, env, run, jobs, get, reasons } = await cluster(t);
  const cj = await run(env.client.create<CronJob>('cronjobs', cronJob('tick')));
  await clock.advance(3 * 60_000);
  const js = await jobs();
  const starts = [1, 2, 3].map((i) => Date.UTC(2026, 10, 23, 10, i, 0));
  t.deepEqual(js.map((j) => j.metadata.name), starts.map((s) => `tick-${minute(s)}`));
  t.deepEqual(js.map((j) => j.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']), starts.map((s) => rfc3339(s)));
  t.like(js[0].metadata.ownerReferences?.[0], { apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: cj.metadata.uid, controller: true, blockOwnerDeletion: true });
  t.is(js[0].metadata.labels?.app, 'tick', 'the template labels are copied');
  const st = (await get('tick')).status;
  t.deepEqual(st?.active?.map((r) => r.name), js.map((j) => j.metadata.name));
  t.like(st?.active?.[0], { kind: 'Job', apiVersion: 'batch/v1', namespace: 'default', uid: js[0].metadata.uid });
  t.is(st?.lastScheduleTime, rfc3339(starts[2]));
  t.deepEqual((await reasons('tick')).filter((r) => r.startsWith('SuccessfulCreate')), js.map((j) => `SuccessfulCreate: Created job ${j.metadata.name}`));
  const sources = (await run(env.client.list<KubeObject & { source?: { component?: string } }>('events', ns))).items.map((e) => e.source?.component);
  t.deepEqual([...new Set(sources)], ['cronjob-controller']);
});

test('cronjob - Forbid: no second Job while one runs (JobAlreadyActive); once it completes (SawCompletedJob) the missed activation starts late', async (t) => {
  const { clock, env, run, jobs, get, reasons, finish } = await cluster(t);
  await run(env.client.create('cronjobs', cronJob('once', { concurrencyPolicy: 'Forbid' })));
  await clock.advance(3 * 60_000);
  const [first, ...more] = await jobs();
  t.is(more.length, 0, 'Forbid: one Job at a time');
  t.true((await reasons('once')).includes('JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid'));
  const completedAt = rfc3339(clock.now());
  await finish(first, 'Complete');
  await clock.advance(2_000);
  const st = (await get('once')).status;
  t.is(st?.lastSuccessfulTime, completedAt);
  t.true((await reasons('once')).includes(`SawCompletedJob: Saw completed job: ${first.metadata.name}, condition: Complete`));
  // No startingDeadlineSeconds: the most recent unmet activation (10:03:00) starts at once, as upstream.
  const late = `once-${minute(Date.UTC(2026, 10, 23, 10, 3, 0))}`;
  t.deepEqual(st?.active?.map((r) => r.name), [late]);
  t.is(st?.lastScheduleTime, rfc3339(Date.UTC(2026, 10, 23, 10, 3, 0)));
  await clock.advance(60_000);
  t.deepEqual((await jobs()).map((j) => j.metadata.name), [first.metadata.name, late], 'still one running: 10:04 is skipped');
});

test('cronjob - Replace: the running Job is deleted and replaced at the next activation', async (t) => {
  const { clock, env, run, jobs, reasons } = await cluster(t);
  await run(env.client.create('cronjobs', cronJob('swap', { concurrencyPolicy: 'Replace' })));
  await clock.advance(60_000);
  const [first] = await jobs();
  await clock.advance(60_000);
  const now = await jobs();
  t.is(now.length, 1);
  t.not(now[0].metadata.name, first.metadata.name);
  t.true((await reasons('swap')).includes(`SuccessfulDelete: Deleted job ${first.metadata.name}`));
});

test('cronjob - history limits keep the newest successful (2) and failed (1) Jobs', async (t) => {
  const { clock, env, run, jobs, finish } = await cluster(t);
  await run(env.client.create('cronjobs', cronJob('hist', { successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 })));
  const outcomes: Array<'Complete' | 'Failed'> = ['Complete', 'Failed', 'Complete', 'Failed', 'Complete'];
  for (const o of outcomes) {
    await clock.advance(60_000);
    const fresh = (await jobs()).filter((j) => !j.status?.conditions?.length);
    for (const j of fresh) await finish(j, o);
  }
  await clock.advance(1_000);
  const left = (await jobs()).filter((j) => j.status?.conditions?.length);
  const byType = (type: string) => left.filter((j) => j.status?.conditions?.[0].type === type).map((j) => j.metadata.name);
  const names = [1, 2, 3, 4, 5].map((i) => `hist-${minute(Date.UTC(2026, 10, 23, 10, i, 0))}`);
  t.deepEqual(byType('Complete'), [names[2], names[4]]);
  t.deepEqual(byType('Failed'), [names[3]]);
});

test('cronjob - suspended: no Jobs; resumed after 3 hours: TooManyMissedTimes and one Job for the most recent activation', async (t) => {
  const { clock, env, run, jobs, get, reasons } = await cluster(t);
  await run(env.client.create('cronjobs', cronJob('late', { suspend: true })));
  await clock.advance(3 * 3600_000);
  t.is((await jobs()).length, 0);
  const cj = await get('late');
  await run(env.client.update('cronjobs', { ...cj, spec: { ...cj.spec, suspend: false } } as KubeObject));
  await clock.advance(1_000);
  const js = await jobs();
  t.deepEqual(js.map((j) => j.metadata.name), [`late-${minute(Date.UTC(2026, 10, 23, 13, 0, 0))}`]);
  t.true((await reasons('late')).includes('TooManyMissedTimes: too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew'));
});

test('cronjob - startingDeadlineSeconds: a resume past the deadline waits for the next activation, with no missed-times warning', async (t) => {
  const { clock, env, run, jobs, get, reasons } = await cluster(t);
  await run(env.client.create('cronjobs', cronJob('dl', { suspend: true, startingDeadlineSeconds: 10 })));
  await clock.advance(3 * 3600_000);
  const cj = await get('dl');
  await run(env.client.update('cronjobs', { ...cj, spec: { ...cj.spec, suspend: false } } as KubeObject));
  await clock.advance(1_000);
  t.is((await jobs()).length, 0, '13:00:00 is more than 10 s ago');
  await clock.advance(30_000);
  t.deepEqual((await jobs()).map((j) => j.metadata.name), [`dl-${minute(Date.UTC(2026, 10, 23, 13, 1, 0))}`]);
  t.false((await reasons('dl')).some((r) => r.startsWith('TooManyMissedTimes')));
});

test('cronjob - timeZone: "0 9 * * *" in Asia/Tokyo runs at 00:00 UTC, annotated with the +09:00 time', async (t) => {
  const { clock, env, run, jobs } = await cluster(t);
  await run(env.client.create('cronjobs', cronJob('tokyo', { schedule: '0 9 * * *', timeZone: 'Asia/Tokyo' })));
  await clock.advance(24 * 3600_000);
  const js = await jobs();
  const at = Date.UTC(2026, 10, 24, 0, 0, 0);
  t.deepEqual(js.map((j) => j.metadata.name), [`tokyo-${minute(at)}`]);
  t.is(js[0].metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-11-24T09:00:00+09:00');
});

test('cronjob - an active Job deleted behind its back leaves the active list (MissingJob)', async (t) => {
  const { clock, env, run, jobs, get, reasons } = await cluster(t);
  await run(env.client.create('cronjobs', cronJob('gone', { schedule: '0 * * * *' })));
  await clock.advance(60 * 60_000);
  const [j] = await jobs();
  t.is((await get('gone')).status?.active?.length, 1);
  await run(env.client.delete('jobs', j.metadata.name!, ns));
  await clock.advance(1_000);
  t.is((await get('gone')).status?.active, undefined);
  t.true((await reasons('gone')).includes(`MissingJob: Active job went missing: ${j.metadata.name}`));
});

test('cronjob - a schedule that never comes (30 February) starts nothing and says so (InvalidSchedule)', async (t) => {
  const { clock, env, run, jobs, reasons } = await cluster(t);
  await run(env.client.create('cronjobs', cronJob('never', { schedule: '0 0 30 2 *' })));
  await clock.advance(60_000);
  t.is((await jobs()).length, 0);
  t.deepEqual(await reasons('never'), ['InvalidSchedule: invalid schedule: 0 0 30 2 * : time difference between two schedules is less than 1 second']);
});

test('cronjob - a running Job it controls but did not start is reported (UnexpectedJob) and left alone', async (t) => {
  const { clock, env, run, jobs, reasons } = await cluster(t);
  const cj = await run(env.client.create<CronJob>('cronjobs', cronJob('adopt', { schedule: '0 0 * * *' })));
  const ref = { apiVersion: 'batch/v1', kind: 'CronJob', name: 'adopt', uid: cj.metadata.uid, controller: true };
  const manual = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'adopt-manual', namespace: 'default', ownerReferences: [ref] }, spec: cj.spec.jobTemplate.spec } as unknown as KubeObject;
  await run(env.client.create('jobs', manual));
  await clock.advance(1_000);
  t.true((await reasons('adopt')).includes('UnexpectedJob: Saw a job that the controller did not create or forgot: adopt-manual'));
  t.deepEqual((await jobs()).map((j) => j.metadata.name), ['adopt-manual']);
});
