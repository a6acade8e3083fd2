// Tolerant field access over plain JSON objects: printers must never throw on partial or malformed objects.

/** A plain JSON object. */
export type Obj = Record<string, unknown>;

/** Returns v when it is a plain object, else an empty object. */
export const rec = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/** Returns v when it is an array, else an empty array. */
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Returns the plain-object items of an array field (anything else becomes {}). */
export const recs = (v: unknown): Obj[] => arr(v).map(rec);

/** Returns a string as Go's %v would print a scalar; '' for anything else. */
export function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  return '';
}

/** Returns an integer (Go int32/int64 zero value when absent or not a number). */
export const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0);

/** Returns true only for the boolean true. */
export const bool = (v: unknown): boolean => v === true;

/** Returns the string entries of a map field (non-string values are skipped). */
export function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(rec(v))) if (typeof val === 'string') out[k] = val;
  return out;
}

/** Returns the keys of a map field, sorted as Go's sort.Strings does (by UTF-16 code unit, same as bytes for ASCII). */
export const sortedKeys = (v: unknown): string[] => Object.keys(rec(v)).sort(byString);

/** Compares two strings by code unit, like Go's string <. */
export const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Returns labels formatted as labels.FormatLabels: sorted `k=v` joined by ',', or `<none>`. */
export function formatLabels(v: unknown): string {
  const m = strMap(v);
  const s = Object.keys(m)
    .sort(byString)
    .map((k) => `${k}=${m[k]}`)
    .join(',');
  return s === '' ? '<none>' : s;
}
