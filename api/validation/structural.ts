// The structural check: a kind's TypeBox schema, compiled once (lazily), reported as field errors.
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { required, typeInvalid, type FieldError } from './field.ts';

/** At most this many structural errors are reported for one object. */
const MAX_ERRORS = 20;

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checker(schema: TSchema): TypeCheck<TSchema> {
  let c = compiled.get(schema);
  if (!c) {
    c = TypeCompiler.Compile(schema);
    compiled.set(schema, c);
  }
  return c;
}

/** Returns `spec.containers[0].image` for the JSON pointer `/spec/containers/0/image`. */
export function pointerToPath(pointer: string): string {
  if (!pointer) return '';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^(0|[1-9][0-9]*)$/.test(seg)) out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

const jsonType = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;

function expected(schema: TSchema): string {
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as TSchema[]).map(expected).join(' or ');
  return 'a valid value';
}

function toFieldError(e: ValueError): FieldError {
  const field = pointerToPath(e.path);
  if (e.type === ValueErrorType.ObjectRequiredProperty || e.value === undefined) return required(field);
  const actual = jsonType(e.value);
  return typeInvalid(field, actual, `${field || 'body'} in body must be of type ${expected(e.schema)}: ${JSON.stringify(actual)}`);
}

/** Returns the structural errors of a value against a schema ([] when it conforms); never throws. */
export function checkStructure(schema: TSchema, value: unknown): FieldError[] {
  const c = checker(schema);
  if (c.Check(value)) return [];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of c.Errors(value)) {
    const fe = toFieldError(e);
    // A missing (or undefined) property is reported once, as Required, not again as a type mismatch.
    const k = `${fe.field}\u0000${fe.type}\u0000${fe.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    errs.push(fe);
    if (errs.length >= MAX_ERRORS) break;
  }
  return errs;
}

/**
 * Deletes object properties whose value is null, recursively (array items are kept): Go's decoder
 * treats `"lastProbeTime": null` as an absent field, and so does kubus. `v` is changed in place, but
 * a frozen part under it (shared with a stored object, which must never change) that holds a null is
 * replaced by a copy without it.
 */
export function dropNulls(v: unknown): void {
  withoutNulls(v);
}

/** Returns v without null properties: v itself, changed in place, unless it is frozen and holds one (then a copy). */
function withoutNulls(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return v;
  // No closure and no call per scalar: this runs on every field of every write.
  if (Array.isArray(v)) {
    let items: unknown[] = v;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x !== 'object' || x === null) continue;
      const c = withoutNulls(x);
      if (c === x) continue;
      if (items === v && Object.isFrozen(v)) items = v.slice();
      items[i] = c;
    }
    return items;
  }
  const o = v as Record<string, unknown>;
  let out = o;
  for (const k in o) {
    const x = o[k];
    if (typeof x !== 'object') continue;
    const c = x === null ? undefined : withoutNulls(x);
    if (c === x) continue;
    if (out === o && Object.isFrozen(o)) out = { ...o };
    if (x === null) delete out[k];
    else out[k] = c;
  }
  return out;
}

/** Wraps a kind's semantic validation so it runs only on structurally sound objects (nulls dropped first). */
export function structural<T>(schema: TSchema, semantic: (obj: T) => FieldError[]): (obj: T) => FieldError[] {
  return (obj: T) => {
    dropNulls(obj);
    const errs = checkStructure(schema, obj);
    return errs.length ? errs : semantic(obj);
  };
}

/**
 * Wraps a kind's update checks. The API server calls them only after validate() passed for the
 * new object, and the old one comes from the store, so both are structurally sound: checking
 * them again here cost a third of a lease renewal's time in the API server.
 */
export function structuralUpdate<T>(_schema: TSchema, semantic: (obj: T, old: T) => FieldError[]): (obj: T, old: T) => FieldError[] {
  return semantic;
}
