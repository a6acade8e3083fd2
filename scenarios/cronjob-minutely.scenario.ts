// A CronJob every minute whose Jobs run 90 seconds, Forbid, a 30-second starting deadline, for 6
// minutes: short enough to run with real processes at real speed (`--real`; cron minutes are wall
// minutes, so this scenario runs unscaled), where the 3-hour cronjob-forbid scenario cannot.
import type { Job } from '../api/kinds/job.ts';
import type { KubeObject } from '../api/meta.ts';
import { scenario } from './dsl.ts';

const cronJob: KubeObject = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'minutely', namespace: 'default' },
  spec: {
    schedule: '* * * * *',
    concurrencyPolicy: 'Forbid',
    startingDeadlineSeconds: 30,
    jobTemplate: {
      spec: {
        template: {
          metadata: { annotations: { 'sim.kubus.io/exit-after': '90s' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox:1.36' }] },
        },
      },
    },
  },
} as KubeObject;

const finished = (j: Job) => j.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') ?? false;
const minuteOf = (j: Job) => Number(j.metadata.name!.split('-').pop());

export default scenario('cronjob every minute', { nodes: 1, timeScale: 1, tags: ['cronjob', 'batch'], description: 'a 1-minute CronJob with 90-second Jobs and Forbid: a Job every other minute' }, async (s) => {
  const jobs = () => s.list<Job>('jobs').where('of the CronJob', (j) => j.metadata.ownerReferences?.[0]?.name === 'minutely');
  s.step('a CronJob every minute, Jobs of 90 seconds, Forbid');
  await s.apply(cronJob);
  s.always('never two of its Jobs running at once', () => {
    const running = jobs().items().filter((j) => !finished(j));
    return { ok: running.length <= 1, seen: running.map((j) => j.metadata.name).join(', ') };
  });
  await s.until('its first Job', () => jobs().count() >= 1, { within: '70s' });

  s.step('6 minutes');
  await s.advance('6m');
  const minutes = () => jobs().items().map(minuteOf).sort((a, b) => a - b);
  await s.expect('3 or more Jobs, two minutes apart (the minute while one runs is skipped)', () => {
    const m = minutes();
    return { ok: m.length >= 3 && m.slice(1).every((x, i) => x - m[i] === 2), seen: m.join(', ') };
  });
  await s.expect('the skipped minutes said so (JobAlreadyActive)', () => ({ ok: s.events({ reason: 'JobAlreadyActive' }).count() >= 1, seen: `${s.events({ reason: 'JobAlreadyActive' }).count()} events` }));
  await s.expect('the finished Jobs completed', () => {
    const done = jobs().items().filter((j) => j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')).length;
    return { ok: done >= 2, seen: `${done} complete` };
  });
});
