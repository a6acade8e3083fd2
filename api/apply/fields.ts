// The fields an object sets, and what changed between two objects, as paths (structured-merge-diff's
// ToFieldSet and Compare). The schema is the strategic-merge table of api/patch/: a list with the
// merge strategy is associative (items by merge key) or, of primitives, a set; every other list is
// atomic. Kinds without tags there (custom resources) have atomic lists only.
import { isDeepStrictEqual } from 'node:util';
import { fieldOf, typeNamed, type FieldStrategy, type PatchTypeDef } from '../patch/index.ts';
import { StatusError } from '../status.ts';
import { FieldSet, fieldElement, keyElement, pathString, valueElement, type FieldPath, type PathElement } from './field-set.ts';

type Map = Record<string, unknown>;
const isMap = (v: unknown): v is Map => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Metadata nobody owns (upstream's stripMeta): the server sets it, or it names the object. */
const SYSTEM_META = ['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'generation', 'managedFields', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/** Returns the part of an object whose fields have owners: no apiVersion, kind or system metadata. */
export function ownable(obj: unknown): Map {
  if (!isMap(obj)) return {};
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  if (isMap(rest.metadata)) {
    const meta = { ...rest.metadata };
    for (const f of SYSTEM_META) delete meta[f];
    if (Object.keys(meta).length) rest.metadata = meta;
    else delete rest.metadata;
  }
  return rest;
}

/** Upstream's list-map keys where they are more than the patch merge key (the extra key's default). */
const EXTRA_KEYS: Record<string, Record<string, unknown>> = {
  containerPort: { protocol: 'TCP' },
  port: { protocol: 'TCP' },
};

/** Returns an associative list item's key fields, or undefined when its merge key is missing. */
export function itemKeys(item: unknown, mergeKey: string): Map | undefined {
  if (!isMap(item) || item[mergeKey] === undefined || item[mergeKey] === null) return undefined;
  const keys: Map = { [mergeKey]: item[mergeKey] };
  for (const [k, dflt] of Object.entries(EXTRA_KEYS[mergeKey] ?? {})) keys[k] = item[k] ?? dflt;
  return keys;
}

/** How a list is merged and owned. */
export type ListKind = 'atomic' | 'set' | 'map';

/** Returns how a list field is treated, from its tags and its items. */
export function listKind(tags: FieldStrategy, items: unknown[]): ListKind {
  if (tags.strategy !== 'merge') return 'atomic';
  if (items.every((v) => !isMap(v) && !Array.isArray(v))) return tags.mergeKey && items.length === 0 ? 'map' : 'set';
  return tags.mergeKey && items.every(isMap) ? 'map' : 'atomic';
}

/** Returns the path element of each item of an associative list; throws (strict) or returns undefined on a missing or repeated key. */
export function itemElements(items: unknown[], mergeKey: string, path: FieldPath, strict: boolean): PathElement[] | undefined {
  const seen = new Set<string>();
  const out: PathElement[] = [];
  for (const [i, item] of items.entries()) {
    const keys = itemKeys(item, mergeKey);
    if (!keys) {
      if (!strict) return undefined;
      throw new StatusError(400, 'BadRequest', `${pathString(path)}: element ${i}: associative list with keys has an element that omits key field "${mergeKey}" (and doesn't have default value)`);
    }
    const e = keyElement(keys);
    if (seen.has(e)) {
      if (!strict) return undefined;
      throw new StatusError(400, 'BadRequest', `${pathString(path)}: duplicate entries for key ${pathString([e])}`);
    }
    seen.add(e);
    out.push(e);
  }
  return out;
}

/** Returns the set of fields an object sets (strict: a bad associative list is a 400, else it counts as atomic). */
export function fieldsOf(obj: unknown, kindOrType: string | PatchTypeDef, strict = false): FieldSet {
  const out: FieldPath[] = [];
  walkMap(ownable(obj), typeof kindOrType === 'string' ? typeNamed(kindOrType) : kindOrType, [], out, strict);
  return new FieldSet(out);
}

function walkMap(m: Map, type: PatchTypeDef, path: FieldPath, out: FieldPath[], strict: boolean): void {
  for (const [k, v] of Object.entries(m)) {
    const f = fieldOf(type, k);
    walkValue(v, f.tags, f.type, [...path, fieldElement(k)], out, strict);
  }
}

function walkValue(v: unknown, tags: FieldStrategy, type: PatchTypeDef, path: FieldPath, out: FieldPath[], strict: boolean): void {
  if (isMap(v)) {
    if (Object.keys(v).length === 0) out.push(path);
    else walkMap(v, type, path, out, strict);
    return;
  }
  if (!Array.isArray(v) || v.length === 0) {
    out.push(path);
    return;
  }
  const kind = listKind(tags, v);
  if (kind === 'set') {
    for (const item of v) out.push([...path, valueElement(item)]);
    return;
  }
  const elements = kind === 'map' ? itemElements(v, tags.mergeKey!, path, strict) : undefined;
  if (!elements) {
    out.push(path);
    return;
  }
  for (const [i, item] of v.entries()) {
    const itemPath = [...path, elements[i]!];
    out.push(itemPath);
    walkMap(item as Map, type, itemPath, out, false);
  }
}

/** What changed from one object to another, as upstream's typed Comparison. */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** Returns the fields added, modified and removed going from `before` to `after`. */
export function compare(before: unknown, after: unknown, kindOrType: string | PatchTypeDef): Comparison {
  const acc = { added: [] as FieldPath[], modified: [] as FieldPath[], removed: [] as FieldPath[] };
  const type = typeof kindOrType === 'string' ? typeNamed(kindOrType) : kindOrType;
  compareMaps(ownable(before), ownable(after), type, [], acc);
  return { added: new FieldSet(acc.added), modified: new FieldSet(acc.modified), removed: new FieldSet(acc.removed) };
}

type Acc = { added: FieldPath[]; modified: FieldPath[]; removed: FieldPath[] };

const subtree = (v: unknown, tags: FieldStrategy, type: PatchTypeDef, path: FieldPath) => {
  const out: FieldPath[] = [];
  walkValue(v, tags, type, path, out, false);
  return out;
};

/** Returns an own property (a JSON key such as `__proto__` is data, never the prototype). */
const own = (m: Map, k: string) => (Object.hasOwn(m, k) ? m[k] : undefined);

function compareMaps(a: Map, b: Map, type: PatchTypeDef, path: FieldPath, acc: Acc): void {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const f = fieldOf(type, k);
    compareValues(own(a, k), own(b, k), f.tags, f.type, [...path, fieldElement(k)], acc);
  }
}

function compareValues(a: unknown, b: unknown, tags: FieldStrategy, type: PatchTypeDef, path: FieldPath, acc: Acc): void {
  if (a === undefined && b === undefined) return;
  if (a === undefined) return void acc.added.push(...subtree(b, tags, type, path));
  if (b === undefined) return void acc.removed.push(path, ...subtree(a, tags, type, path));
  if (isMap(a) && isMap(b) && (Object.keys(a).length || Object.keys(b).length)) return compareMaps(a, b, type, path, acc);
  if (Array.isArray(a) && Array.isArray(b) && (a.length || b.length)) {
    const kind = listKind(tags, [...a, ...b]);
    if (kind === 'set') return compareSets(a, b, path, acc);
    if (kind === 'map') {
      const ea = itemElements(a, tags.mergeKey!, path, false);
      const eb = itemElements(b, tags.mergeKey!, path, false);
      if (ea && eb) return compareItems(a, ea, b, eb, type, path, acc);
    }
  }
  if (isDeepStrictEqual(a, b)) return;
  if (isMap(a) !== isMap(b) || Array.isArray(a) !== Array.isArray(b)) {
    acc.removed.push(path, ...subtree(a, tags, type, path));
    acc.added.push(...subtree(b, tags, type, path));
  } else acc.modified.push(path);
}

function compareSets(a: unknown[], b: unknown[], path: FieldPath, acc: Acc): void {
  const inA = new Set(a.map((v) => valueElement(v)));
  const inB = new Set(b.map((v) => valueElement(v)));
  for (const e of inB) if (!inA.has(e)) acc.added.push([...path, e]);
  for (const e of inA) if (!inB.has(e)) acc.removed.push([...path, e]);
}

function compareItems(a: unknown[], ea: PathElement[], b: unknown[], eb: PathElement[], type: PatchTypeDef, path: FieldPath, acc: Acc): void {
  const before = new Map(ea.map((e, i) => [e, a[i] as Map]));
  const after = new Map(eb.map((e, i) => [e, b[i] as Map]));
  for (const [e, item] of after) {
    const p = [...path, e];
    const old = before.get(e);
    if (old === undefined) acc.added.push(p, ...subtree(item, {}, type, p));
    else compareMaps(old, item, type, p, acc);
  }
  for (const [e, item] of before) {
    const p = [...path, e];
    if (!after.has(e)) acc.removed.push(p, ...subtree(item, {}, type, p));
  }
}
