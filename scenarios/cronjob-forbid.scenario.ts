// A CronJob every 10 minutes whose Jobs run 25 minutes, with concurrencyPolicy Forbid and a
// 60-second starting deadline, over 3 hours of cluster time: one Job at a time, the activations
// while one runs skipped (JobAlreadyActive), the next one after it ends started on time, Jobs
// named after their minute, and only the newest 2 finished Jobs kept.
import type { CronJob } from '../api/kinds/cronjob.ts';
import type { Job } from '../api/kinds/job.ts';
import type { KubeObject } from '../api/meta.ts';
import { scenario } from './dsl.ts';

const PERIOD_MS = 10 * 60_000;
const RUN = '25m';

const cronJob: KubeObject = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'report', namespace: 'default' },
  spec: {
    schedule: '*/10 * * * *',
    concurrencyPolicy: 'Forbid',
    startingDeadlineSeconds: 60,
    successfulJobsHistoryLimit: 2,
    jobTemplate: {
      spec: {
        template: {
          metadata: { annotations: { 'sim.kubus.io/exit-after': RUN, 'sim.kubus.io/exit-code': '0' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'report', image: 'busybox:1.36' }] },
        },
      },
    },
  },
} as KubeObject;

const finished = (j: Job) => j.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') ?? false;

export default scenario('cronjob forbid', { nodes: 2, tags: ['cronjob', 'batch'], modes: ['simulated'], description: '3 hours of a 10-minute CronJob whose 25-minute Jobs may not overlap' }, async (s) => {
  const created: string[] = [];
  s.on<Job>('jobs', { add: (j) => created.push(j.metadata.name!) });
  const jobs = () => s.list<Job>('jobs').where('of the CronJob', (j) => j.metadata.ownerReferences?.[0]?.name === 'report');

  s.step('a CronJob every 10 minutes, Jobs of 25 minutes, Forbid');
  await s.apply(cronJob);
  const made = await s.api.get<CronJob>('cronjobs', 'report', { namespace: 'default' });
  const start = Date.parse(made.metadata.creationTimestamp!);
  s.always('never two of its Jobs running at once', () => {
    const running = jobs().items().filter((j) => !finished(j));
    return { ok: running.length <= 1, seen: running.map((j) => j.metadata.name).join(', ') };
  });

  s.step('3 hours of cluster time');
  await s.advance('3h');

  // The first activation is the first 10-minute mark after the CronJob was made; each Job ends
  // 25 minutes (and a few seconds) later, so the two marks after it are skipped: one every 30 minutes.
  const first = Math.floor(start / PERIOD_MS) * PERIOD_MS + PERIOD_MS;
  const expected: string[] = [];
  for (let t = first; t <= start + 3 * 3600_000; t += 3 * PERIOD_MS) expected.push(`report-${t / 60_000}`);
  await s.expect(`${expected.length} Jobs, one every 30 minutes, named <cronjob>-<minutes>`, () => ({ ok: created.join() === expected.join(), seen: `${created.join(', ')} (expected ${expected.join(', ')})` }));
  await s.expect('each skipped activation said so (JobAlreadyActive, 2 per Job)', () => {
    const n = s.events({ reason: 'JobAlreadyActive' }).items().reduce((sum, e) => sum + ((e as { count?: number }).count ?? 1), 0);
    return { ok: n >= 2 * (expected.length - 1), seen: `JobAlreadyActive ${n} times` };
  });
  await s.expect('each Job carries its scheduled time', () => {
    const bad = jobs().items().filter((j) => Date.parse(j.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'] ?? '') / 60_000 !== Number(j.metadata.name!.split('-').pop()));
    return { ok: bad.length === 0 && jobs().count() > 0, seen: bad.map((j) => j.metadata.name).join(', ') };
  });
  await s.expect('history: at most 2 finished Jobs kept, the older ones deleted', () => {
    const done = jobs().items().filter(finished).length;
    const deleted = s.events({ reason: 'SuccessfulDelete' }).where('of the CronJob', (e) => (e as unknown as { involvedObject: { kind: string } }).involvedObject.kind === 'CronJob').count();
    return { ok: done <= 2 && deleted >= expected.length - 3, seen: `${done} finished kept, ${deleted} deleted` };
  });
  await s.expect('status: the last activation and a last success recorded', async () => {
    const st = (await s.api.get<CronJob>('cronjobs', 'report', { namespace: 'default' })).status;
    const last = new Date(Number(expected.at(-1)!.split('-').pop()) * 60_000).toISOString().replace('.000Z', 'Z');
    return { ok: st?.lastScheduleTime === last && !!st?.lastSuccessfulTime, seen: JSON.stringify(st) };
  });
});
