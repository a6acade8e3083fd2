// batch/v1 CronJob: defaults, validation with upstream's messages (robfig/cron's parse errors),
// the schedule arithmetic of the controller (pure), columns and describe, and a bad CronJob refused
// by the API server with nothing stored.
import test from 'ava';
import type { CronJob } from '../api/kinds/cronjob.ts';
import { parseCronSchedule, CronParseError } from '../api/kinds/cron-schedule.ts';
import { StatusError } from '../api/status.ts';
import { columnsFor } from '../api/table/columns.ts';
import { describe } from '../cli/printers/describe.ts';
import { formatSchedule, jobNameFor, mostRecentScheduleTime, nextScheduleDelay, nextScheduleTime, parseSchedule, rfc3339InZone } from '../actors/controllers/cronjob/cronjob.schedule.ts';
import { byJobStartTime, jobFromTemplate } from '../actors/controllers/cronjob/cronjob.jobs.ts';
import type { Job } from '../api/kinds/job.ts';
import { createErrors, defOf, edited, lines } from './api-fixtures.ts';
import { startApi } from './helpers/api.ts';

const cronJob = (spec: Record<string, unknown> = {}, name = 'hello'): CronJob =>
  ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } }, ...spec },
  }) as CronJob;

const errors = (o: CronJob) => lines(createErrors('cronjobs', o as never));

test('cronjob api - defaults as SetDefaults_CronJob; cj and cronjobs.batch resolve', (t) => {
  const o = cronJob();
  defOf('cj').defaults!(o as never);
  t.like(o.spec, { concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
  t.is(o.spec.jobTemplate.spec.completionMode, undefined, 'the Job defaults are not applied to the template');
  t.is(o.spec.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst', 'the pod template gets its defaults');
  t.is(defOf('cronjobs.batch').kind, 'CronJob');
  t.deepEqual(errors(cronJob()), []);
});

const invalid = test.macro({
  exec(t, spec: Record<string, unknown>, expected: string[], name?: string) {
    t.deepEqual(errors(cronJob(spec, name)), expected);
  },
  title: (title) => `cronjob api - ${title}`,
});

test('bad schedule: field count', invalid, { schedule: 'every minute' }, ['spec.schedule: Invalid value: "every minute": expected exactly 5 fields, found 2: [every minute]']);
test('bad schedule: out of range', invalid, { schedule: '0 24 * * *' }, ['spec.schedule: Invalid value: "0 24 * * *": end of range (24) above maximum (23): 24']);
test('bad schedule: day of week 7 (robfig allows 0-6)', invalid, { schedule: '0 0 * * 7' }, ['spec.schedule: Invalid value: "0 0 * * 7": end of range (7) above maximum (6): 7']);
test('bad schedule: not a number', invalid, { schedule: 'x * * * *' }, ['spec.schedule: Invalid value: "x * * * *": failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax']);
test('bad schedule: reversed range and zero step', invalid, { schedule: '5-1 */0 * * *' }, ['spec.schedule: Invalid value: "5-1 */0 * * *": beginning of range (5) beyond end of range (1): 5-1']);
test('bad schedule: descriptor', invalid, { schedule: '@fortnightly' }, ['spec.schedule: Invalid value: "@fortnightly": unrecognized descriptor: @fortnightly']);
test('bad schedule: @every duration', invalid, { schedule: '@every soon' }, ['spec.schedule: Invalid value: "@every soon": failed to parse duration @every soon: time: invalid duration "soon"']);
test('TZ in schedule is refused', invalid, { schedule: 'TZ=UTC 0 * * * *' }, ['spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']);
test('CRON_TZ in schedule is refused', invalid, { schedule: 'CRON_TZ=Europe/Paris @daily' }, ['spec.schedule: Invalid value: "CRON_TZ=Europe/Paris @daily": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']);
test('unknown timeZone', invalid, { timeZone: 'Mars/Olympus' }, ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
test('timeZone names are case-sensitive, as zone files', invalid, { timeZone: 'europe/paris' }, ['spec.timeZone: Invalid value: "europe/paris": unknown time zone europe/paris']);
test('timeZone with a bad component', invalid, { timeZone: 'Europe/../Paris' }, ['spec.timeZone: Invalid value: "Europe/../Paris": unknown time zone Europe/../Paris']);
test('timeZone Local', invalid, { timeZone: 'Local' }, ['spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones']);
test('empty timeZone', invalid, { timeZone: '' }, ['spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string']);
test('negative startingDeadlineSeconds and history limits', invalid, { startingDeadlineSeconds: -1, successfulJobsHistoryLimit: -1, failedJobsHistoryLimit: -2 }, [
  'spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0',
  'spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
  'spec.failedJobsHistoryLimit: Invalid value: -2: must be greater than or equal to 0',
]);
test('concurrencyPolicy', invalid, { concurrencyPolicy: 'Sometimes' }, ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']);
test('name longer than 52', invalid, {}, ['metadata.name: Invalid value: "' + 'a'.repeat(53) + '": must be no more than 52 characters'], 'a'.repeat(53));
test('jobTemplate as a Job spec: restartPolicy, and no selector', invalid, {
  jobTemplate: { spec: { selector: { matchLabels: { a: 'b' } }, parallelism: -1, template: { spec: { restartPolicy: 'Always', containers: [{ name: 'c', image: 'busybox' }] } } } },
}, [
  'spec.jobTemplate.spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
  'spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
  'spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated',
]);

test('cronjob api - update keeps an old TZ schedule and allows a long name', (t) => {
  const d = defOf('cronjobs');
  const old = cronJob({ schedule: 'TZ=UTC 0 * * * *' }, 'b'.repeat(60));
  d.defaults!(old as never);
  const next = edited(old, (c) => (c.spec.suspend = true));
  t.deepEqual(lines(d.validateUpdate!(next as never, old as never)), []);
  const both = edited(old, (c) => (c.spec.timeZone = 'UTC'));
  t.deepEqual(lines(d.validateUpdate!(both as never, old as never)), ['spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use both timeZone field and TZ or CRON_TZ in schedule']);
});

test('cronjob schedule - robfig parsing: names, steps, ? and star flags, TZ prefix, @every rounding', (t) => {
  const s = parseCronSchedule('0-10/5 9-17 ? JAN,mar mon-fri');
  t.true(s.kind === 'fields');
  if (s.kind !== 'fields') return;
  t.deepEqual(s.minute.values, [0, 5, 10]);
  t.deepEqual(s.month.values, [1, 3]);
  t.deepEqual(s.dow.values, [1, 2, 3, 4, 5]);
  t.true(s.dom.star);
  t.false(parseCronSchedule('*/2 * * * *').kind === 'fields' && (parseCronSchedule('*/2 * * * *') as { minute: { star: boolean } }).minute.star, '*/2 is not a star');
  t.is((parseCronSchedule('TZ=Asia/Tokyo @daily') as { timeZone?: string }).timeZone, 'Asia/Tokyo');
  t.like(parseCronSchedule('@every 1500ms'), { kind: 'every', everyMs: 1000 });
  const e = t.throws(() => parseCronSchedule('TZ=Nowhere/City * * * * *'), { instanceOf: CronParseError });
  t.is(e?.message, 'provided bad location Nowhere/City: unknown time zone Nowhere/City');
});

const at = (iso: string) => Date.parse(iso);
const cj = (created: string, spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}) =>
  ({ metadata: { name: 'x', creationTimestamp: created }, spec: { schedule: '* * * * *', ...spec }, status }) as unknown as CronJob;

test('cronjob schedule - next activations: day-of-month OR day-of-week, time zones across DST, a date that never comes', (t) => {
  t.is(parseSchedule('0 0 13 * 5').next(at('2026-02-01T00:00:00Z')), at('2026-02-06T00:00:00Z'), 'Friday 6th comes before the 13th (either matches)');
  t.is(parseSchedule('TZ=America/New_York 30 1 * * *').next(at('2026-03-08T00:00:00Z')), at('2026-03-08T06:30:00Z'), 'EST');
  t.is(parseSchedule('TZ=America/New_York 30 1 * * *').next(at('2026-03-08T07:00:00Z')), at('2026-03-09T05:30:00Z'), 'EDT');
  t.is(parseSchedule('0 0 30 2 *').next(at('2026-01-01T00:00:00Z')), undefined);
  t.is(parseSchedule('@every 90s').next(at('2026-01-01T00:00:10.500Z')), at('2026-01-01T00:01:40Z'));
});

test('cronjob schedule - mostRecentScheduleTime: none due, one due, many missed, the starting deadline, and a schedule with no second time', (t) => {
  const s = parseSchedule('*/10 * * * *');
  const created = '2026-01-01T00:00:30Z';
  t.deepEqual(mostRecentScheduleTime(cj(created), at('2026-01-01T00:05:00Z'), s, true), { earliest: at(created), missed: 'none' });
  t.like(mostRecentScheduleTime(cj(created), at('2026-01-01T00:12:00Z'), s, true), { mostRecent: at('2026-01-01T00:10:00Z'), missed: 'none' });
  t.like(mostRecentScheduleTime(cj(created), at('2026-01-01T00:45:00Z'), s, true), { mostRecent: at('2026-01-01T00:40:00Z'), missed: 'few' });
  t.like(mostRecentScheduleTime(cj(created), at('2026-01-02T00:05:00Z'), s, true), { mostRecent: at('2026-01-02T00:00:00Z'), missed: 'many' });
  t.like(nextScheduleTime(cj(created), at('2026-01-02T00:05:00Z'), s), { at: at('2026-01-02T00:00:00Z'), tooMany: true });
  t.like(nextScheduleTime(cj(created, { startingDeadlineSeconds: 200 }), at('2026-01-02T00:05:00Z'), s), { at: undefined, tooMany: false }, 'nothing within 200 s');
  t.like(nextScheduleTime(cj(created, {}, { lastScheduleTime: '2026-01-02T00:00:00Z' }), at('2026-01-02T00:05:00Z'), s), { at: undefined });
  t.like(mostRecentScheduleTime(cj(created), at('2026-05-01T00:00:00Z'), parseSchedule('0 0 30 2 *'), true), { error: 'time difference between two schedules is less than 1 second' });
  t.is(nextScheduleDelay(cj(created, {}, { lastScheduleTime: '2026-01-01T00:10:00Z' }), at('2026-01-01T00:12:00Z'), s), 8 * 60_000 + 100, 'the next activation plus 100 ms');
});

test('cronjob jobs - names, the scheduled-timestamp annotation in the time zone, history order', (t) => {
  t.is(jobNameFor('hello', at('2026-01-01T00:05:00Z')), `hello-${at('2026-01-01T00:05:00Z') / 60_000}`);
  t.is(rfc3339InZone(at('2026-07-01T12:00:00Z'), 'Europe/Paris'), '2026-07-01T14:00:00+02:00');
  t.is(rfc3339InZone(at('2026-01-01T12:00:00Z'), 'Europe/London'), '2026-01-01T12:00:00Z');
  const c = cronJob({ timeZone: 'America/Sao_Paulo', jobTemplate: { metadata: { labels: { a: 'b' }, annotations: { n: 'm' } }, spec: { template: { spec: { containers: [] } } } } });
  c.metadata.uid = 'u1';
  const j = jobFromTemplate(c, at('2026-01-01T03:00:00Z'));
  t.deepEqual(j.metadata.annotations, { n: 'm', 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2026-01-01T00:00:00-03:00' });
  t.deepEqual(j.metadata.labels, { a: 'b' });
  t.is(formatSchedule(c), 'TZ=America/Sao_Paulo */5 * * * *');
  const job = (name: string, startTime?: string) => ({ metadata: { name }, spec: {}, status: startTime ? { startTime } : {} }) as unknown as Job;
  const sorted = [job('c'), job('b', '2026-01-01T00:02:00Z'), job('a', '2026-01-01T00:02:00Z'), job('d', '2026-01-01T00:01:00Z')].sort(byJobStartTime);
  t.deepEqual(sorted.map((x) => x.metadata.name), ['d', 'a', 'b', 'c']);
});

test('cronjob printers - columns (wide too) and describe as kubectl', (t) => {
  const o = { ...cronJob({ timeZone: 'Etc/UTC', suspend: true, concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 }), status: { active: [{ name: 'hello-1' }, { name: 'hello-2' }], lastScheduleTime: '2026-01-01T00:05:00Z' } };
  o.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
  const cols = columnsFor('cronjobs', 'batch');
  t.deepEqual(cols.columns.map((c) => [c.name, c.priority]), [['Name', 0], ['Schedule', 0], ['Timezone', 0], ['Suspend', 0], ['Active', 0], ['Last Schedule', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1]]);
  t.deepEqual(cols.cells(o, { now: at('2026-01-01T00:10:00Z') } as never), ['hello', '*/5 * * * *', 'Etc/UTC', 'True', 2, '5m', '10m', 'c', 'busybox', '<none>']);
  const text = describe('cronjob', o, [], at('2026-01-01T00:10:00Z'));
  for (const line of ['Schedule:                      */5 * * * *', 'Concurrency Policy:            Forbid', 'Suspend:                       True', 'Starting Deadline Seconds:     <unset>', 'Selector:                      <unset>', 'Last Schedule Time:  Thu, 01 Jan 2026 00:05:00 +0000', 'Active Jobs:         hello-1, hello-2'])
    t.true(text.includes(line), `missing ${JSON.stringify(line)} in\n${text}`);
});

test('cronjob api - a bad schedule gets 422 Invalid with upstream\'s message and cause, and nothing is stored', async (t) => {
  const env = await startApi(t);
  const err = await t.throwsAsync(env.client.create('cronjobs', cronJob({ schedule: '*/5 * * *' }, 'bad') as never), { instanceOf: StatusError });
  t.like(err, { code: 422, reason: 'Invalid' });
  // Upstream qualifies the kind with its group ("CronJob.batch"); kubus's API server names the kind alone for every kind.
  t.is(err?.message, 'CronJob.batch "bad" is invalid: spec.schedule: Invalid value: "*/5 * * *": expected exactly 5 fields, found 4: [*/5 * * *]');
  t.like((err as StatusError).status.details, { name: 'bad', group: 'batch', kind: 'CronJob' });
  t.deepEqual((err as StatusError).status.details?.causes, [{ reason: 'FieldValueInvalid', field: 'spec.schedule', message: 'Invalid value: "*/5 * * *": expected exactly 5 fields, found 4: [*/5 * * *]' }]);
  t.deepEqual((await env.client.list('cronjobs', { namespace: 'default' })).items, []);
});
