// Durations in scripts: Go syntax (`'30s'`, `'5m'`, `'1h30m'`) or milliseconds.
import { formatGoDuration, parseGoDuration } from '../api/duration.ts';
import type { Duration } from './types.ts';

/** Thrown for a duration a script spelled wrong. */
export class DurationError extends Error {
  override name = 'DurationError';
}

/** Returns milliseconds of a duration; throws a DurationError naming the bad value. */
export function toMs(d: Duration): number {
  if (typeof d === 'number') {
    if (!Number.isFinite(d) || d < 0) throw new DurationError(`invalid duration ${d}: expected milliseconds ≥ 0`);
    return d;
  }
  try {
    const ms = parseGoDuration(d);
    if (ms < 0) throw new Error('negative');
    return ms;
  } catch {
    throw new DurationError(`invalid duration "${d}": expected Go syntax such as 30s, 5m, 1h30m, 500ms`);
  }
}

/** Returns a duration as Go prints it, to a tenth of a second: `5m12.3s`, `800ms`. */
export function formatDuration(ms: number): string {
  return formatGoDuration(ms < 1000 ? Math.round(ms) : Math.round(ms / 100) * 100);
}
