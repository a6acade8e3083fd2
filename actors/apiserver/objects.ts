// Converting between stored values and API objects; small metadata helpers.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../api/meta.ts';
import type { KeyValue } from './store/store.ts';

/** Returns the API object of a stored value: resourceVersion is the key's modRevision. */
export function fromKV(kv: KeyValue): KubeObject {
  const o = kv.value as KubeObject;
  return { ...o, metadata: { ...o.metadata, resourceVersion: String(kv.modRevision) } };
}

/** Returns the object as stored: without resourceVersion (the store's revisions carry it). */
export function toStored(obj: KubeObject): KubeObject {
  if (obj.metadata.resourceVersion === undefined) return obj;
  const { resourceVersion: _, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/** Returns true when two stored forms are equal (then an update writes nothing). */
export const sameStored = (a: KubeObject, b: KubeObject) => isDeepStrictEqual(toStored(a), toStored(b));

/** Returns the object's "spec" for generation tracking: spec, or everything but metadata/status. */
export function specOf(obj: KubeObject): unknown {
  if ('spec' in obj) return obj.spec;
  const { metadata: _m, status: _s, resourceVersion: _r, ...rest } = obj;
  return rest;
}

/** Parses a resourceVersion string; returns undefined when unset/empty, NaN when malformed. */
export function parseRV(rv: string | undefined): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  return /^\d+$/.test(rv) ? Number(rv) : NaN;
}

/** Returns a deep copy of plain data (objects from the wire are already ours; this is for stored ones). */
export const clone = <T>(v: T): T => structuredClone(v);
