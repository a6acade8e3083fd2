// JSON Schema validation of custom resources with ajv, reported as upstream's CR validation reports it
// (kube-openapi's validator behind apiextensions' ValidateCustomResource): paths and messages alike.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { goValue, invalidValue, notSupported, required, tooLong, tooMany, typeInvalid, type FieldError } from '../validation/field.ts';
import { pointerToPath } from '../validation/structural.ts';
import type { JSONSchemaProps } from './types.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Formats upstream checks that ajv-formats knows alike; other formats (int32, Go durations, ...) are not checked. */
const FORMATS = ['date-time', 'date', 'email', 'hostname', 'ipv4', 'ipv6', 'uri', 'uuid', 'byte'] as const;
const isIntOrStringPair = (xs: unknown) =>
  Array.isArray(xs) && xs.length === 2 && xs.every((x, i) => isObj(x) && Object.keys(x).length === 1 && x.type === ['integer', 'string'][i]);

/**
 * Returns a CRD schema node rewritten for ajv (draft-07): int-or-string becomes `type: [integer, string]`
 * (as upstream's converter does), nullable adds `null` to the type (and enum), OpenAPI 3.0's boolean
 * exclusiveMinimum/Maximum become numeric bounds, formats ajv cannot check as upstream does are dropped,
 * and `default` is dropped (defaulting is a separate step).
 */
export function toAjvSchema(s: JSONSchemaProps): Record<string, unknown> {
  if (!isObj(s)) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'default' || k === 'nullable' || k.startsWith('x-kubernetes-')) continue;
    if (k === 'format') {
      const f = v === 'datetime' ? 'date-time' : v;
      if ((FORMATS as readonly unknown[]).includes(f)) out.format = f;
      continue;
    }
    if (k === 'properties' && isObj(v)) out.properties = Object.fromEntries(Object.entries(v).map(([p, ps]) => [p, toAjvSchema(ps as JSONSchemaProps)]));
    else if ((k === 'items' || k === 'not') && isObj(v)) out[k] = toAjvSchema(v as JSONSchemaProps);
    else if (k === 'additionalProperties') out[k] = isObj(v) ? toAjvSchema(v as JSONSchemaProps) : v;
    else if ((k === 'allOf' || k === 'anyOf' || k === 'oneOf') && Array.isArray(v)) out[k] = v.map((x) => toAjvSchema(x as JSONSchemaProps));
    else out[k] = v;
  }
  if (s['x-kubernetes-int-or-string']) {
    out.type = ['integer', 'string'];
    // The usual anyOf [integer, string] says nothing more; left in, it would double every type error.
    if (isIntOrStringPair(s.anyOf)) delete out.anyOf;
    if (Array.isArray(s.allOf) && isIntOrStringPair(s.allOf[0]?.anyOf)) (out.allOf as Record<string, unknown>[])[0] = {};
  }
  if (s.nullable) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.type)) out.type = [...out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (out[flag] === true && typeof out[bound] === 'number') {
      out[flag] = out[bound];
      delete out[bound];
    } else if (typeof out[flag] === 'boolean') delete out[flag];
  }
  return out;
}

// Unoptimised code generation compiles twice as fast; validation of an object stays in the tens of µs.
const ajv = new Ajv({ strict: false, allErrors: true, code: { optimize: false } });
addFormats.default(ajv, [...FORMATS]);

/** Go's names of JSON value types, as the validator reports a mismatch. */
const jsonType = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v === 'object' ? 'object' : typeof v;

/** Returns the value at a JSON pointer. */
function at(root: unknown, pointer: string): unknown {
  let v = root;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    v = Array.isArray(v) ? v[Number(seg)] : isObj(v) ? v[seg] : undefined;
  }
  return v;
}

const enumText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** Returns one ajv error as upstream's field error (kube-openapi's wording, "<path> in body ..."). */
function toFieldError(e: ErrorObject, root: unknown, base: string): FieldError | undefined {
  const sub = pointerToPath(e.instancePath);
  const field = !base ? sub : !sub ? base : sub.startsWith('[') ? base + sub : `${base}.${sub}`;
  const value = at(root, e.instancePath);
  const p = e.params as Record<string, unknown>;
  const body = `${field || 'body'} in body`;
  const limit = p.limit as number;
  switch (e.keyword) {
    case 'type': {
      const want = String(p.type).split(',').filter((t) => t !== 'null').join(',');
      const actual = jsonType(value);
      return typeInvalid(field, actual, `${body} must be of type ${want}: ${JSON.stringify(actual)}`);
    }
    case 'required': {
      const missing = String(p.missingProperty);
      return required(field ? `${field}.${missing}` : missing);
    }
    case 'format':
      return typeInvalid(field, value, `${body} must be of type ${String(p.format)}: ${JSON.stringify(value)}`);
    case 'enum':
      return notSupported(field, value, (p.allowedValues as unknown[]).filter((x) => x !== null).map(enumText));
    case 'maxLength':
      return tooLong(field, limit);
    case 'maxItems':
      return tooMany(field, Array.isArray(value) ? value.length : -1, limit);
    case 'maxProperties':
      return tooMany(field, isObj(value) ? Object.keys(value).length : -1, limit);
    case 'minLength':
      return invalidValue(field, value, `${body} should be at least ${limit} chars long`);
    case 'minItems':
      return invalidValue(field, value, `${body} should have at least ${limit} items`);
    case 'minProperties':
      return invalidValue(field, value, `${body} should have at least ${limit} properties`);
    case 'minimum':
      return invalidValue(field, value, `${body} should be greater than or equal to ${goValue(limit)}`);
    case 'exclusiveMinimum':
      return invalidValue(field, value, `${body} should be greater than ${goValue(limit)}`);
    case 'maximum':
      return invalidValue(field, value, `${body} should be less than or equal to ${goValue(limit)}`);
    case 'exclusiveMaximum':
      return invalidValue(field, value, `${body} should be less than ${goValue(limit)}`);
    case 'pattern':
      return invalidValue(field, value, `${body} should match '${String(p.pattern)}'`);
    case 'multipleOf':
      return invalidValue(field, value, `${body} should be a multiple of ${goValue(p.multipleOf)}`);
    case 'uniqueItems':
      return invalidValue(field, value, `${body} shouldn't contain duplicates`);
    case 'anyOf':
      return invalidValue(field, value, `${body} must validate at least one schema (anyOf)`);
    case 'oneOf':
      return invalidValue(field, value, `${body} must validate one and only one schema (oneOf)`);
    case 'not':
      return invalidValue(field, value, `${body} must not validate the schema (not)`);
    case 'if':
    case 'allOf':
      return undefined;
    default:
      return invalidValue(field, value, `${body} ${e.message ?? 'is invalid'}`);
  }
}

/** Errors found inside an anyOf/oneOf/not branch are not reported on their own: the junctor's own error stands for them. */
const insideJunctor = (e: ErrorObject) => /\/(anyOf|oneOf)\/\d+\/|\/not\//.test(e.schemaPath);

/** A compiled custom-resource validator: the object's field errors against its version's schema. */
export type CRValidator = (obj: unknown) => FieldError[];

/** Compiled schemas by their text, most recently used last: a CRD seen again (an informer resync, a status write) costs no compile. */
const compiled = new Map<string, ValidateFunction | Error>();
const MAX_COMPILED = 128;

/** Returns ajv's validator for a schema (or the error compiling it), from the cache when the same schema was compiled before. */
function compileCached(root: Record<string, unknown>): ValidateFunction | Error {
  const key = JSON.stringify(root);
  let hit = compiled.get(key);
  if (hit) compiled.delete(key);
  else {
    try {
      hit = ajv.compile(root);
    } catch (err) {
      hit = err as Error;
    } finally {
      // ajv keeps every schema object it compiled; the validator lives on without it.
      ajv.removeSchema(root);
    }
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
  }
  compiled.set(key, hit);
  return hit;
}

/**
 * Returns a validator for a CRD version's openAPIV3Schema, compiled on first use (ajv takes tens of ms for a
 * large schema) and shared by equal schemas; never throws (a bad schema reports itself). `base` prefixes the
 * reported paths (a default's `...default`); `resource` leaves metadata to the ObjectMeta rules.
 */
export function compileCRValidator(schema: JSONSchemaProps | undefined, base = '', resource = true): CRValidator {
  if (!schema) return () => [];
  // A copy taken now: the CRD object may change later, its validator must not.
  const root = toAjvSchema(schema);
  // Metadata is checked by the ObjectMeta rules, not by the CRD's schema (which may only narrow name and generateName).
  if (resource && isObj(root.properties)) root.properties = Object.fromEntries(Object.entries(root.properties).filter(([k]) => k !== 'metadata'));
  let check: ValidateFunction | Error | undefined;
  return (obj) => {
    check ??= compileCached(root);
    if (check instanceof Error) return [invalidValue(base, '', `error building validator: ${check.message}`)];
    if (check(obj)) return [];
    const errs: FieldError[] = [];
    const seen = new Set<string>();
    for (const e of check.errors ?? []) {
      if (insideJunctor(e)) continue;
      const fe = toFieldError(e, obj, base);
      if (!fe) continue;
      const k = `${fe.field}\u0000${fe.message}`;
      if (!seen.has(k)) errs.push(fe), seen.add(k);
    }
    return errs;
  };
}
