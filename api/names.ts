// Generated names and RFC 3339 timestamps: pure functions of injected randomness and time.

/** Upstream's alphabet for generated suffixes (no vowels, no confusable digits). */
export const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** Longest prefix kept by generateName (63 − 5). */
export const MAX_GENERATED_PREFIX = 58;
/** Length of the random suffix. */
export const RANDOM_SUFFIX_LENGTH = 5;

/** Returns prefix (cut to 58 chars) + 5 random chars, as upstream's SimpleNameGenerator; randomInt(n) must return 0 ≤ k < n. */
export function generateName(prefix: string, randomInt: (n: number) => number): string {
  let out = prefix.length > MAX_GENERATED_PREFIX ? prefix.slice(0, MAX_GENERATED_PREFIX) : prefix;
  for (let i = 0; i < RANDOM_SUFFIX_LENGTH; i++) out += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return out;
}

/** Returns `2026-11-23T10:00:00Z` for a time in ms (seconds precision, truncated, as metav1.Time). */
export function rfc3339(ms: number): string {
  const second = Math.floor(ms / 1000);
  // One string per second, not per call: a simulated burst stamps thousands of objects at one
  // instant, and each fresh string (a rope, from replace) was held by every object and version.
  if (second !== lastSecond) {
    lastText = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    lastSecond = second;
  }
  return lastText;
}
let lastSecond = NaN;
let lastText = '';

/** Returns `2026-11-23T10:00:00.123456Z` for a time in ms (microseconds, as metav1.MicroTime for leases). */
export function rfc3339Micro(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.min(Math.floor((ms - whole) * 1000 + 1e-6), 999);
  // The date and time to the second are built once per second (every lease renewal formats one).
  const second = Math.floor(whole / 1000);
  if (second !== microSecond) {
    microSecond = second;
    microPrefix = new Date(second * 1000).toISOString().slice(0, -4); // ...:00.
  }
  return `${microPrefix}${pad3(whole - second * 1000)}${pad3(micros)}Z`;
}
let microSecond = NaN;
let microPrefix = '';
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** Returns the time in ms of an RFC 3339 timestamp (with or without fractional seconds), or NaN when malformed. */
export function parseRfc3339(s: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return NaN;
  const base = Date.parse(`${m[1]}T${m[2]}${m[4]}`);
  const frac = m[3] ? Number(`0${m[3]}`) * 1000 : 0;
  return base + frac;
}
