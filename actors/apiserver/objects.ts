// Converting between stored values and API objects; small metadata helpers.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../api/meta.ts';
import type { GenerationRule } from '../../api/resource.ts';
import type { KeyValue } from './store/store.ts';

/**
 * Returns a shallow copy of a plain object (its own enumerable keys, in order), leaving out `skip`.
 * Not a spread: V8 (Node 20) copies a spread at a site that sees objects of many shapes (every kind
 * goes through these) in its slow path, each copy with a map of its own, and the store then freezes
 * every such object into yet another new map; an object built key by key follows the usual map
 * transitions. An own `__proto__` key (JSON can make one) is left to the spread.
 */
export function shallowCopy<T extends object>(o: T, skip?: string): T {
  const out: Record<string, unknown> = {};
  for (const k in o) {
    if (k === skip) continue;
    if (k === '__proto__') {
      const all = { ...o } as Record<string, unknown>;
      if (skip !== undefined) delete all[skip];
      return all as T;
    }
    out[k] = (o as Record<string, unknown>)[k];
  }
  return out as T;
}

/** Returns the API object of a stored value: resourceVersion is the key's modRevision. */
export function fromKV(kv: KeyValue): KubeObject {
  const o = kv.value as KubeObject;
  const out = shallowCopy(o);
  const metadata = shallowCopy(o.metadata);
  metadata.resourceVersion = String(kv.modRevision);
  out.metadata = metadata;
  return out;
}

/** Returns the object as stored: without resourceVersion (the store's revisions carry it). */
export function toStored(obj: KubeObject): KubeObject {
  if (obj.metadata.resourceVersion === undefined) return obj;
  const out = shallowCopy(obj);
  out.metadata = shallowCopy(obj.metadata, 'resourceVersion');
  return out;
}

/** Returns true when two stored forms are equal (then an update writes nothing): resourceVersion aside, nothing copied. */
export function sameStored(a: KubeObject, b: KubeObject): boolean {
  if (!sameKeys(a, b, 'metadata')) return false;
  return sameKeys(a.metadata, b.metadata, 'resourceVersion');
}

/**
 * Returns true when two values are equal as isDeepStrictEqual sees them: JSON-like values compared
 * here (own keys in any order, a key set to undefined not the same as no key, NaN equal to NaN, 0 not
 * -0); anything else (bytes, dates, class instances) by isDeepStrictEqual itself. Several times
 * faster on API objects (every update compares the old object with the new, a lease renewal too).
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  return sameKeys(a, b);
}

/** Whether two objects are plain (as decoded JSON or MessagePack) with the one prototype. */
const plainPair = (a: object, b: object) => {
  const p = Object.getPrototypeOf(a);
  return (p === Object.prototype || p === null) && p === Object.getPrototypeOf(b);
};

/** sameValue of two non-null objects, the key `skip` (if any) left out of the comparison. */
function sameKeys(a: object, b: object, skip?: string): boolean {
  if (!plainPair(a, b)) return isDeepStrictEqual(a, b);
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let n = 0;
  for (const k in ao) {
    if (k === skip) continue;
    if (!Object.hasOwn(bo, k) || !sameValue(ao[k], bo[k])) return false;
    n++;
  }
  for (const k in bo) if (k !== skip) n--;
  return n === 0;
}

const NO_KEYS: Readonly<Record<string, string>> = Object.freeze({});

/** Whether two label maps are equal, none the same as an empty one (as upstream's Semantic.DeepEqual). */
const sameMap = (a: Record<string, string> | undefined, b: Record<string, string> | undefined) => sameValue(a ?? NO_KEYS, b ?? NO_KEYS);

/**
 * Whether an update (`obj` over the stored `old`, status already carried over) bumps the generation
 * by its kind's rule, as that kind's upstream PrepareForUpdate decides it.
 */
export function bumpsGeneration(rule: GenerationRule, obj: KubeObject, old: KubeObject): boolean {
  switch (rule) {
    case 'spec':
      return !sameValue(obj.spec, old.spec);
    case 'body':
      return !sameKeys(obj, old, 'metadata');
    case 'body+labels':
      return !sameKeys(obj, old, 'metadata') || !sameMap(obj.metadata.labels, old.metadata.labels);
    case 'create':
      return false;
  }
}

/** Parses a resourceVersion string; returns undefined when unset/empty, NaN when malformed. */
export function parseRV(rv: string | undefined): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  return /^\d+$/.test(rv) ? Number(rv) : NaN;
}

/**
 * Returns what structuredClone returns for a stored value (a deep, mutable copy), with its plain
 * objects and arrays copied here and anything else (bytes, dates) left to structuredClone: several
 * times faster on an API object (structuredClone of the stored Node under each status patch was ~2 %
 * of a steady hour's CPU).
 */
export function cloneStored<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) out.push(cloneStored(v[i]));
    return out as T;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k in v) {
    if (k === '__proto__') return structuredClone(v); // stored, it would set the copy's prototype
    out[k] = cloneStored((v as Record<string, unknown>)[k]);
  }
  return out as T;
}
