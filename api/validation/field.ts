// Field-level errors worded as upstream's field.Error.ErrorBody (apimachinery/pkg/util/validation/field).
import type { FieldError } from '../status.ts';

export type { FieldError };

/** Returns `base.child` (or `child` at the root), as upstream's Path.Child. */
export const child = (base: string, name: string): string => (base ? `${base}.${name}` : name);

/** Returns `base[i]`, as upstream's Path.Index. */
export const index = (base: string, i: number): string => `${base}[${i}]`;

/** Returns `base[key]`, as upstream's Path.Key (keys are not quoted). */
export const key = (base: string, k: string): string => `${base}[${k}]`;

/** Returns a value rendered as Go's fmt does in ErrorBody: %v for numbers/bools, %q for strings, %#v otherwise. */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof GoRepr) return v.text;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) {
    return `[]string{${v.map(goQuote).join(', ')}}`;
  }
  if (isStringMap(v)) return goStringMap(v);
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return String(v);
  }
}

/** A value whose Go %#v rendering is already known (e.g. a struct literal). */
export class GoRepr {
  constructor(readonly text: string) {}
}

/** Returns `map[string]string{"a":"b"}` with sorted keys, as Go's %#v prints a map. */
export function goStringMap(m: Record<string, string> | undefined | null): string {
  if (!m) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(String(m[k]))}`).join(', ')}}`;
}

/** Returns a string quoted as Go's strconv.Quote does. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if ((c >= 0x80 && c < 0xa0) || (c >= 0xd800 && c <= 0xdfff)) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

function isStringMap(v: unknown): v is Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const k in v) if (typeof (v as Record<string, unknown>)[k] !== 'string') return false;
  return true;
}

const withDetail = (head: string, detail: string) => (detail ? `${head}: ${detail}` : head);

/** Returns a FieldValueRequired error ("Required value[: detail]"). */
export const required = (field: string, detail = ''): FieldError => ({
  field,
  type: 'FieldValueRequired',
  message: withDetail('Required value', detail),
});

/** Returns a FieldValueInvalid error ("Invalid value: <v>: detail"). */
export const invalidValue = (field: string, value: unknown, detail: string): FieldError => ({
  field,
  type: 'FieldValueInvalid',
  message: withDetail(`Invalid value: ${goValue(value)}`, detail),
});

/** Returns a FieldValueTypeInvalid error, as the structural (OpenAPI) check reports it. */
export const typeInvalid = (field: string, value: unknown, detail: string): FieldError => ({
  field,
  type: 'FieldValueTypeInvalid',
  message: withDetail(`Invalid value: ${goValue(value)}`, detail),
});

/** Returns a FieldValueNotSupported error listing the supported values, quoted. */
export const notSupported = (field: string, value: unknown, valid: readonly string[]): FieldError => ({
  field,
  type: 'FieldValueNotSupported',
  message: withDetail(
    `Unsupported value: ${goValue(value)}`,
    valid.length ? `supported values: ${valid.map(goQuote).join(', ')}` : '',
  ),
});

/** Returns a FieldValueDuplicate error ("Duplicate value: <v>"). */
export const duplicate = (field: string, value: unknown, detail = ''): FieldError => ({
  field,
  type: 'FieldValueDuplicate',
  message: withDetail(`Duplicate value: ${goValue(value)}`, detail),
});

/** Returns a FieldValueNotFound error ("Not found: <v>"). */
export const notFoundValue = (field: string, value: unknown, detail = ''): FieldError => ({
  field,
  type: 'FieldValueNotFound',
  message: withDetail(`Not found: ${goValue(value)}`, detail),
});

/** Returns a FieldValueForbidden error ("Forbidden: detail"). */
export const forbiddenField = (field: string, detail: string): FieldError => ({
  field,
  type: 'FieldValueForbidden',
  message: withDetail('Forbidden', detail),
});

/** Returns a FieldValueTooLong error ("Too long: must have at most N bytes"). */
export const tooLong = (field: string, max: number): FieldError => ({
  field,
  type: 'FieldValueTooLong',
  message: `Too long: must have at most ${max} bytes`,
});

/** Returns a FieldValueTooMany error ("Too many: <n>: must have at most N items"). */
export const tooMany = (field: string, actual: number, max: number): FieldError => ({
  field,
  type: 'FieldValueTooMany',
  message: `Too many: ${actual}: must have at most ${max} items`,
});

/** Upstream's apimachineryvalidation.IsNegativeErrorMsg. */
export const IS_NEGATIVE = 'must be greater than or equal to 0';
/** Upstream's FieldImmutableErrorMsg. */
export const IMMUTABLE = 'field is immutable';

/** Returns the error for a negative number (upstream ValidateNonnegativeField), or nothing. */
export function nonNegative(value: number | undefined, field: string, errs: FieldError[]): void {
  if (value !== undefined && value < 0) errs.push(invalidValue(field, value, IS_NEGATIVE));
}

/** Returns true for values Go decodes to a zero value: absent, null, "", 0, false, [] or {} of zeros. */
export function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') {
    for (const k in v as object) if (!isZero((v as Record<string, unknown>)[k])) return false;
    return true;
  }
  return false;
}

/** Returns true when two JSON values are equal as upstream's Semantic.DeepEqual sees Go structs (zero == absent). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isZero(a) && isZero(b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k in ao) if (!deepEqual(ao[k], bo[k])) return false;
  for (const k in bo) if (!(k in ao) && !isZero(bo[k])) return false;
  return true;
}

/** Returns the error for a changed immutable field (upstream ValidateImmutableField), or nothing. */
export function immutable(newVal: unknown, oldVal: unknown, field: string, errs: FieldError[], shown: unknown = newVal): void {
  if (!deepEqual(newVal, oldVal)) errs.push(invalidValue(field, shown, IMMUTABLE));
}
