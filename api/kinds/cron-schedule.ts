// CronJob schedules as upstream reads them: robfig/cron v3's standard parser (5 fields, names,
// ranges, steps, '?', @descriptors, @every, a TZ=/CRON_TZ= prefix), with its exact error texts,
// which kube-apiserver puts in `spec.schedule: Invalid value`. Pure; computing times is the
// controller's (actors/controllers/cronjob/cronjob.schedule.ts).
import { parseGoDuration } from '../duration.ts';

/** One cron field: its values and whether it was a star ('*', '?', or a star with step 1). */
export interface CronField {
  values: number[];
  star: boolean;
}

/** A parsed schedule: a fixed interval (@every) or the five fields, in a time zone (undefined: the controller's, UTC). */
export type CronSpec =
  | { kind: 'every'; everyMs: number; timeZone?: string }
  | { kind: 'fields'; minute: CronField; hour: CronField; dom: CronField; month: CronField; dow: CronField; timeZone?: string };

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DOW_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const BOUNDS: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: Object.fromEntries(MONTH_NAMES.map((n, i) => [n, i + 1])) },
  { min: 0, max: 6, names: Object.fromEntries(DOW_NAMES.map((n, i) => [n, i])) },
];

// robfig's descriptors, as the five fields they stand for.
const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Thrown when a schedule does not parse; the message is robfig/cron's. */
export class CronParseError extends Error {
  override name = 'CronParseError';
}

// Go's strconv.Atoi: optional sign, decimal digits, within int64.
function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new CronParseError(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new CronParseError(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

function mustParseInt(expr: string): number {
  let n: number;
  try {
    n = atoi(expr);
  } catch (err) {
    throw new CronParseError(`failed to parse int from ${expr}: ${(err as Error).message}`);
  }
  if (n < 0) throw new CronParseError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

const intOrName = (expr: string, b: Bounds): number => b.names?.[expr.toLowerCase()] ?? mustParseInt(expr);

// robfig getRange: one comma-separated part, checked in its order.
function parseRange(expr: string, b: Bounds, into: Set<number>): boolean {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    [start, end, star] = [b.min, b.max, true];
  } else {
    start = intOrName(lowAndHigh[0], b);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = intOrName(lowAndHigh[1], b);
    else throw new CronParseError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]);
    if (lowAndHigh.length === 1) end = b.max; // "N/step" is "N-max/step"
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) throw new CronParseError(`too many slashes: ${expr}`);
  if (start < b.min) throw new CronParseError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronParseError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new CronParseError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronParseError(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.add(v);
  return star;
}

function parseField(field: string, b: Bounds): CronField {
  const values = new Set<number>();
  let star = false;
  for (const part of field.split(',').filter((p) => p !== '')) star = parseRange(part, b, values) || star;
  return { values: [...values].sort((x, y) => x - y), star };
}

// Go's %s of a []string: "[a b c]".
const goStrings = (xs: string[]): string => `[${xs.join(' ')}]`;

function parseFields(spec: string, timeZone: string | undefined): CronSpec {
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) throw new CronParseError(`expected exactly 5 fields, found ${fields.length}: ${goStrings(fields)}`);
  const [minute, hour, dom, month, dow] = fields.map((f, i) => parseField(f, BOUNDS[i]));
  return { kind: 'fields', minute, hour, dom, month, dow, timeZone };
}

/**
 * Parses a schedule as robfig/cron's ParseStandard does; throws CronParseError with its message.
 * `knownZone` answers whether a TZ= prefix names a zone (Go's time.LoadLocation).
 */
export function parseCronSchedule(schedule: string, knownZone: (tz: string) => boolean = isKnownTimeZone): CronSpec {
  if (schedule.length === 0) throw new CronParseError('empty spec string');
  let spec = schedule;
  let timeZone: string | undefined;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const sp = spec.indexOf(' ');
    const eq = spec.indexOf('=');
    const name = spec.slice(eq + 1, sp < 0 ? undefined : sp);
    if (!knownZone(name)) throw new CronParseError(`provided bad location ${name}: unknown time zone ${name}`);
    timeZone = name === '' ? 'UTC' : name;
    spec = sp < 0 ? '' : spec.slice(sp).trim();
  }
  if (spec.startsWith('@')) {
    if (DESCRIPTORS[spec]) return parseFields(DESCRIPTORS[spec], timeZone);
    if (spec.startsWith('@every ')) {
      const text = spec.slice('@every '.length);
      let ms: number;
      try {
        ms = parseGoDuration(text);
      } catch (err) {
        throw new CronParseError(`failed to parse duration ${spec}: ${(err as Error).message}`);
      }
      // robfig's Every: at least a second, whole seconds.
      return { kind: 'every', everyMs: Math.max(1000, ms - (ms % 1000)), timeZone };
    }
    throw new CronParseError(`unrecognized descriptor: ${spec}`);
  }
  return parseFields(spec, timeZone);
}

/** Returns robfig's error for a schedule, or undefined when it parses. */
export function cronScheduleError(schedule: string): string | undefined {
  try {
    parseCronSchedule(schedule);
    return undefined;
  } catch (err) {
    if (err instanceof CronParseError) return err.message;
    throw err;
  }
}

/** Returns whether Go's time.LoadLocation would load the zone: "" and "UTC" always, else an IANA name this runtime knows. */
export function isKnownTimeZone(tz: string): boolean {
  if (tz === '' || tz === 'UTC' || tz === 'Local') return true;
  try {
    // Intl ignores case; Go reads the zone file by its exact name.
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
    return resolved === tz || resolved.toLowerCase() !== tz.toLowerCase();
  } catch {
    return false;
  }
}
