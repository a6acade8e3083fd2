// When a CronJob's Jobs are due (upstream pkg/controller/cronjob/utils.go: mostRecentScheduleTime,
// nextScheduleTime, nextScheduleTimeDuration, getJobName) on schedules parsed as robfig/cron does
// (api/kinds/cron-schedule.ts) and stepped by cron-parser in their time zone. Pure.
import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { isKnownTimeZone, parseCronSchedule, type CronField, type CronSpec } from '../../../api/kinds/cron-schedule.ts';
import type { CronJob } from '../../../api/kinds/cronjob.ts';
import { parseRfc3339 } from '../../../api/names.ts';

/** A schedule: the first activation strictly after a time (ms), or undefined when there is none (robfig's zero time). */
export interface Schedule {
  next(after: number): number | undefined;
}

/** Whether a CronJob missed no start, a few, or more than 100 (upstream missedSchedulesType). */
export type Missed = 'none' | 'few' | 'many';

/** Requeue padding past the next activation, for clock skew (upstream nextScheduleDelta). */
export const NEXT_SCHEDULE_DELTA_MS = 100;
const TOO_MANY_MISSED = 100;

const fieldText = (f: CronField): string => (f.star ? '*' : f.values.join(','));

function fieldsSchedule(spec: Extract<CronSpec, { kind: 'fields' }>): Schedule {
  const text = `0 ${[spec.minute, spec.hour, spec.dom, spec.month, spec.dow].map(fieldText).join(' ')}`;
  let expr: CronExpression | undefined;
  try {
    expr = CronExpressionParser.parse(text, { tz: !spec.timeZone || spec.timeZone === 'Local' ? 'UTC' : spec.timeZone });
  } catch {
    expr = undefined; // a day that never comes ("31 2"): robfig finds no time either
  }
  return {
    next(after) {
      if (!expr) return undefined;
      try {
        expr.reset(new Date(after));
        return expr.next().getTime();
      } catch {
        return undefined;
      }
    },
  };
}

const cache = new Map<string, Schedule>();

/** Returns the schedule of a robfig-format spec (with an optional TZ= prefix); throws CronParseError when it does not parse. */
export function parseSchedule(text: string): Schedule {
  const hit = cache.get(text);
  if (hit) return hit;
  const spec = parseCronSchedule(text);
  const s: Schedule =
    spec.kind === 'every' ? { next: (after) => after - (after % 1000) + spec.everyMs } : fieldsSchedule(spec);
  if (cache.size > 10_000) cache.clear();
  cache.set(text, s);
  return s;
}

/** Returns the spec the controller parses (upstream formatSchedule): the timeZone as a TZ= prefix, unless the schedule has its own or the zone is unknown. */
export function formatSchedule(cj: CronJob): string {
  const { schedule, timeZone } = cj.spec;
  if (schedule.includes('TZ')) return schedule;
  if (timeZone !== undefined && isKnownTimeZone(timeZone)) return `TZ=${timeZone} ${schedule}`;
  return schedule;
}

interface MostRecent {
  earliest: number;
  mostRecent?: number;
  missed: Missed;
  error?: string;
}

/** Upstream mostRecentScheduleTime: the last activation at or before now since the last schedule (or creation, or the starting deadline). */
export function mostRecentScheduleTime(cj: CronJob, now: number, sched: Schedule, withDeadline: boolean): MostRecent {
  let earliest = parseRfc3339(cj.status?.lastScheduleTime ?? cj.metadata.creationTimestamp ?? '');
  if (Number.isNaN(earliest)) earliest = now;
  const deadline = cj.spec.startingDeadlineSeconds;
  if (withDeadline && deadline != null) earliest = Math.max(earliest, now - deadline * 1000);
  const t1 = sched.next(earliest);
  const t2 = t1 === undefined ? undefined : sched.next(t1);
  if (t1 !== undefined && now < t1) return { earliest, missed: 'none' };
  if (t1 !== undefined && t2 !== undefined && now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  const between = t1 === undefined || t2 === undefined ? 0 : Math.round((t2 - t1) / 1000);
  if (between < 1) return { earliest, missed: 'none', error: 'time difference between two schedules is less than 1 second' };
  const elapsed = Math.trunc((now - t1!) / 1000);
  const missedCount = Math.trunc(elapsed / between) + 1;
  // Start one interval early and let the schedule step to the last activation at or before now.
  let mostRecent: number | undefined;
  for (let t = sched.next(t1! + (missedCount - 2) * between * 1000); t !== undefined && t <= now; t = sched.next(t)) mostRecent = t;
  const missed: Missed = missedCount > TOO_MANY_MISSED ? 'many' : missedCount > 0 ? 'few' : 'none';
  return { earliest, mostRecent, missed };
}

/** Upstream nextScheduleTime: the unmet activation to start now (undefined: none), and whether too many were missed. */
export function nextScheduleTime(cj: CronJob, now: number, sched: Schedule): { at?: number; tooMany: boolean; error?: string } {
  const r = mostRecentScheduleTime(cj, now, sched, true);
  if (r.mostRecent === undefined || r.mostRecent > now) return { tooMany: false, error: r.error };
  return { at: r.mostRecent, tooMany: r.missed === 'many', error: r.error };
}

/** Upstream nextScheduleTimeDuration: how long until the next activation after the last one due, plus the skew padding. */
export function nextScheduleDelay(cj: CronJob, now: number, sched: Schedule): number | undefined {
  const r = mostRecentScheduleTime(cj, now, sched, false);
  let from: number;
  if (r.error !== undefined) from = now;
  else if (r.mostRecent === undefined) from = r.missed === 'none' ? r.earliest : now;
  else from = r.mostRecent;
  const next = sched.next(from);
  return next === undefined ? undefined : next + NEXT_SCHEDULE_DELTA_MS - now;
}

/** Returns the name of the Job for an activation: `<cronjob>-<minutes since the epoch>` (upstream getJobName). */
export const jobNameFor = (cronJobName: string, scheduledAt: number): string => `${cronJobName}-${Math.floor(scheduledAt / 60_000)}`;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Returns a time as Go's time.In(zone).Format(RFC3339) prints it: local wall time and offset, "Z" at offset zero. */
export function rfc3339InZone(ms: number, timeZone = 'UTC'): string {
  let f = formatters.get(timeZone);
  if (!f) {
    const opts = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' } as const;
    f = new Intl.DateTimeFormat('en-US', { ...opts, timeZone, hourCycle: 'h23', timeZoneName: 'longOffset' });
    formatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const off = (p.timeZoneName ?? 'GMT').replace('GMT', '');
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${off === '' || off === '+00:00' ? 'Z' : off}`;
}
