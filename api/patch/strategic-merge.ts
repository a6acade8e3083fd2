// Strategic merge patch, as upstream's k8s.io/apimachinery/pkg/util/strategicpatch applies one on
// the server (MergeParallelList and IgnoreUnmatchedNulls on): maps merge, lists follow the field's
// patch strategy (strategies.ts), and the directives $patch, $retainKeys, $setElementOrder/<list>
// and $deleteFromPrimitiveList/<list> are honoured.
import { checkOrderList, normalizeElementOrder, partition } from './element-order.ts';
import {
  badArgType,
  badJSONDoc,
  badPatchFormatForRetainKeys,
  badPatchType,
  goFormat,
  isMap,
  noListOfLists,
  noMergeKey,
  patchFailed,
  type Json,
  type JsonMap,
} from './patch-errors.ts';
import { fieldOf, typeNamed, type FieldStrategy, type PatchTypeDef } from './strategies.ts';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

/**
 * Returns `original` with a strategic merge patch applied; neither input is changed. The schema is a
 * kind (its tags from strategies.ts; an unknown kind has none) or a type of one's own.
 * Throws a StatusError with upstream's code (400, 422 or 500) and message for a bad patch.
 */
export function strategicMergePatch<T>(original: T, patch: unknown, schemaOrKind: string | PatchTypeDef): T {
  if (!isMap(patch)) throw badJSONDoc();
  const type = typeof schemaOrKind === 'string' ? typeNamed(schemaOrKind) : schemaOrKind;
  const base = isMap(original) ? (structuredClone(original) as JsonMap) : {};
  return mergeMap(base, structuredClone(patch) as JsonMap, type) as T;
}

/** Merges a patch map into `original` (changed in place, and returned unless a $patch directive swaps it). */
function mergeMap(original: JsonMap, patch: JsonMap, type: PatchTypeDef): JsonMap {
  if (Object.hasOwn(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    if (directive === 'replace') {
      delete patch[DIRECTIVE];
      return fresh(patch, {}, type) as JsonMap;
    }
    if (directive === 'delete') return {};
    throw badPatchType(directive, patch);
  }
  applyRetainKeys(original, patch);
  applyElementOrders(original, patch, type);
  for (const [rawKey, value] of Object.entries(patch)) {
    const deleteList = rawKey.startsWith(DELETE_FROM);
    const key = deleteList ? rawKey.slice(DELETE_FROM.length) : rawKey;
    if (value === null) {
      delete original[key];
      continue;
    }
    const field = fieldOf(type, key);
    if (!Object.hasOwn(original, key) || shape(original[key]!) !== shape(value)) {
      if (!deleteList) put(original, key, fresh(value, field.tags, field.type));
      continue;
    }
    const current = original[key]!;
    if (isMap(current) && isMap(value))
      put(original, key, field.tags.strategy === 'replace' ? fresh(value, {}, field.type) : mergeMap(current, value, field.type));
    else if (Array.isArray(current) && Array.isArray(value))
      put(original, key, field.tags.strategy === 'merge' ? mergeList(current, value, field.tags, field.type, deleteList) : value);
    else put(original, key, value);
  }
  return original;
}

/** Sets a key as an own property, even `__proto__` (a JSON key like any other). */
const put = (m: JsonMap, key: string, value: Json) => Object.defineProperty(m, key, { value, enumerable: true, writable: true, configurable: true });

/** Returns a patch value for a field the original lacks (or holds in another shape): directives applied, nulls dropped. */
function fresh(value: Json, tags: FieldStrategy, type: PatchTypeDef): Json {
  if (isMap(value)) return mergeMap({}, value, type);
  if (Array.isArray(value) && tags.strategy === 'merge') return mergeList([], value, tags, type, false);
  if (Array.isArray(value)) return value.map((v) => (isMap(v) ? withoutNulls(v) : v));
  return value;
}

const withoutNulls = (m: JsonMap): JsonMap =>
  Object.fromEntries(Object.entries(m).filter(([, v]) => v !== null).map(([k, v]) => [k, isMap(v) ? withoutNulls(v) : v]));

/** Returns Go's distinction that decides merging: map, list or anything else. */
const shape = (v: Json) => (Array.isArray(v) ? 'list' : isMap(v) ? 'map' : 'scalar');

/** $retainKeys: drops the original's keys not listed; every key the patch sets must be listed. */
function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw badPatchFormatForRetainKeys();
  const keep = new Set<Json>(list);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM) || k.startsWith(SET_ORDER)) continue;
    if (!keep.has(k)) throw badPatchFormatForRetainKeys();
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/** $setElementOrder/<list>: merges that list (if patched) and orders it as the directive says. */
function applyElementOrders(original: JsonMap, patch: JsonMap, type: PatchTypeDef): void {
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    delete patch[key];
    if (!Array.isArray(order)) throw badArgType('slice', order);
    const name = key.slice(SET_ORDER.length);
    const inOriginal = Object.hasOwn(original, name);
    const inPatch = Object.hasOwn(patch, name);
    const current = inOriginal ? original[name] : [];
    const patched = inPatch ? patch[name] : [];
    if (!Array.isArray(current)) throw badArgType('slice', current);
    if (!Array.isArray(patched)) throw badArgType('slice', patched);
    const field = fieldOf(type, name);
    const mergeKey = field.tags.mergeKey ?? '';
    checkOrderList(patched, order, mergeKey);
    if (!inOriginal && !inPatch) continue;
    let merged: Json[];
    if (!inPatch) merged = current;
    else if (!inOriginal) merged = fresh(patched, field.tags, field.type) as Json[];
    else merged = field.tags.strategy === 'merge' ? mergeList(current, patched, field.tags, field.type, false) : patched;
    const [named, serverOnly] = partition(merged, order, mergeKey);
    put(original, name, normalizeElementOrder(named, serverOnly, order, current, mergeKey));
    delete patch[name];
  }
}

/** Returns the element shape shared by the lists' items; throws on lists of lists or mixed items. */
function elementShape(...lists: Json[][]): string | undefined {
  let seen: string | undefined;
  for (const list of lists)
    for (const v of list) {
      const s = Array.isArray(v) ? 'list' : v === null ? 'null' : isMap(v) ? 'map' : typeof v;
      if (seen === undefined && s === 'list') throw noListOfLists();
      if (seen !== undefined && seen !== s) throw patchFailed(`list element types are not identical: ${goFormat(lists)}`);
      seen = s;
    }
  return seen;
}

/** Merges a list whose field has the merge strategy: primitives as a set, maps by merge key. */
function mergeList(original: Json[], patch: Json[], tags: FieldStrategy, type: PatchTypeDef, deleteList: boolean): Json[] {
  if (original.length === 0 && patch.length === 0) return original;
  const mergeKey = tags.mergeKey ?? '';
  let merged: Json[];
  let serverOrder = original;
  let patchItems = patch;
  if (elementShape(original, patch) !== 'map') {
    if (deleteList) return original.filter((v) => !patch.includes(v));
    merged = [...new Set([...original, ...patch])];
  } else {
    if (!mergeKey) throw patchFailed('cannot merge lists without merge key for type map');
    [serverOrder, patchItems] = specialElements(original, patch, mergeKey, type);
    merged = withoutSpecialElements([...serverOrder], patchItems, mergeKey, type);
  }
  const [named, serverOnly] = partition(merged, patchItems, mergeKey);
  return normalizeElementOrder(named, serverOnly, patchItems, serverOrder, mergeKey);
}

/** Applies list items carrying $patch: delete removes the matching items, replace makes the rest of the patch the list. */
function specialElements(original: Json[], patch: Json[], mergeKey: string, type: PatchTypeDef): [Json[], Json[]] {
  const plain: Json[] = [];
  let replace = false;
  for (const item of patch) {
    const m = item as JsonMap;
    if (!Object.hasOwn(m, DIRECTIVE)) {
      plain.push(item);
      continue;
    }
    const directive = m[DIRECTIVE];
    if (directive === 'delete') {
      if (!Object.hasOwn(m, mergeKey)) throw noMergeKey(m, mergeKey);
      original = original.filter((o) => !(isMap(o) && Object.hasOwn(o, mergeKey) && o[mergeKey] === m[mergeKey]));
    } else if (directive === 'replace') replace = true;
    else if (directive === 'merge') throw patchFailed('merging lists cannot yet be specified in the patch');
    else throw badPatchType(directive, m);
  }
  return replace ? [plain.map((p) => fresh(p, {}, type)), []] : [original, plain];
}

/** Merges each patch item into the original item with the same merge key, or appends it. */
function withoutSpecialElements(original: Json[], patch: Json[], mergeKey: string, type: PatchTypeDef): Json[] {
  for (const item of patch) {
    const m = item as JsonMap;
    if (!Object.hasOwn(m, mergeKey)) throw noMergeKey(m, mergeKey);
    const at = original.findIndex((o) => {
      if (!isMap(o)) throw patchFailed('value for key is not a map.');
      return Object.hasOwn(o, mergeKey) && o[mergeKey] === m[mergeKey];
    });
    if (at >= 0) original[at] = mergeMap(original[at] as JsonMap, m, type);
    else original.push(mergeMap({}, m, type));
  }
  return original;
}
