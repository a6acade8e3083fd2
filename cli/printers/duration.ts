// Timestamps as describe prints them; ages live with the table columns in api/table/age.ts.
import { timeOf } from '../../api/table/age.ts';

export { humanDuration, since, timeOf } from '../../api/table/age.ts';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number) => String(n).padStart(2, '0');

/** Returns a timestamp in Go's RFC1123Z layout in UTC ("Mon, 02 Jan 2006 15:04:05 +0000"); Go's zero time when unset. */
export function rfc1123z(ts: unknown): string {
  const t = timeOf(ts);
  if (t === undefined) return 'Mon, 01 Jan 0001 00:00:00 +0000';
  const d = new Date(t);
  const date = `${pad2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  const time = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]}, ${date} ${time} +0000`;
}

/** Returns a timestamp as Go's time.Time String() prints a UTC time ("2006-01-02 15:04:05 +0000 UTC"); Go's zero time when unset. */
export function goTimeString(ts: unknown): string {
  const t = timeOf(ts);
  if (t === undefined) return '0001-01-01 00:00:00 +0000 UTC';
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}
