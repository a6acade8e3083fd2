// Uniqueness in lists a CRD schema marks x-kubernetes-list-type set or map (upstream's listtype validation):
// a set may not repeat an item, a map list may not repeat a key.
import { isDeepStrictEqual } from 'node:util';
import { duplicate, GoRepr, goQuote, type FieldError } from '../validation/field.ts';
import type { JSONSchemaProps } from './types.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Returns a JSON value as Go's %#v prints it once decoded into interface{} (map keys sorted). */
function goJSON(v: unknown): string {
  if (typeof v === 'string') return goQuote(v);
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (Array.isArray(v)) return `[]interface {}{${v.map(goJSON).join(', ')}}`;
  if (isObj(v)) return `map[string]interface {}{${Object.keys(v).sort().map((k) => `${goQuote(k)}:${goJSON(v[k])}`).join(', ')}}`;
  return typeof v === 'number' && Number.isInteger(v) ? `${v}` : String(v);
}

/** Appends the duplicate errors of one list: sets compare whole items, map lists compare their key fields. */
function checkList(list: unknown[], s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  const type = s['x-kubernetes-list-type'];
  if (type === 'set') {
    list.forEach((x, i) => {
      if (list.slice(0, i).some((y) => isDeepStrictEqual(x, y))) errs.push(duplicate(`${path}[${i}]`, typeof x === 'object' && x !== null ? new GoRepr(goJSON(x)) : x));
    });
  } else if (type === 'map') {
    const keys = s['x-kubernetes-list-map-keys'] ?? [];
    const seen: Obj[] = [];
    list.forEach((x, i) => {
      if (!isObj(x)) return;
      const k: Obj = {};
      for (const f of keys) if (f in x) k[f] = x[f];
      if (seen.some((y) => isDeepStrictEqual(y, k))) errs.push(duplicate(`${path}[${i}]`, new GoRepr(goJSON(k))));
      else seen.push(k);
    });
  }
}

/** Returns the duplicate-entry errors of an object against its schema's set and map lists. */
export function checkListTypes(v: unknown, s: JSONSchemaProps | undefined, path = '', errs: FieldError[] = []): FieldError[] {
  if (!isObj(s)) return errs;
  if (Array.isArray(v)) {
    checkList(v, s, path, errs);
    if (isObj(s.items)) v.forEach((x, i) => checkListTypes(x, s.items, `${path}[${i}]`, errs));
  } else if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) {
      const p = isObj(s.properties) ? s.properties[k] : undefined;
      const sub = p ?? (isObj(s.additionalProperties) ? s.additionalProperties : undefined);
      if (sub) checkListTypes(x, sub, path ? `${path}.${k}` : k, errs);
    }
  }
  return errs;
}
