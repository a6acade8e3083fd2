// Go duration strings (time.ParseDuration): "300ms", "1.5h", "2h45m", "0". Pure.

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;

/** Returns the milliseconds of a Go duration; throws an Error with Go's message when malformed. */
export function parseGoDuration(input: string): number {
  const bad = () => new Error(`time: invalid duration ${JSON.stringify(input)}`);
  let s = input.trim();
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw bad();
  let total = 0;
  while (s.length) {
    const m = PART.exec(s);
    if (!m) throw /^[\d.]+$/.test(s) ? new Error(`time: missing unit in duration ${JSON.stringify(input)}`) : bad();
    total += Number(m[1]) * UNITS[m[2]];
    s = s.slice(m[0].length);
  }
  return sign * total;
}

/** Returns a duration as Go's Duration.String prints it: "10s", "5m0s", "1m30s", "500ms". */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(ms);
  if (rest < 1000) return `${neg ? '-' : ''}${+rest.toFixed(6)}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = +(rest / 1000).toFixed(9);
  const out = h ? `${h}h${m}m${s}s` : m ? `${m}m${s}s` : `${s}s`;
  return neg ? `-${out}` : out;
}
