// Merging an applied configuration into the live object, and removing the fields an applier
// gave up, as structured-merge-diff's Merge and prune do: maps merge, associative lists merge
// item by item (by key), sets are unions, anything else the configuration replaces.
import { fieldOf, typeNamed, type FieldStrategy, type PatchTypeDef } from '../patch/index.ts';
import { keyElement, valueElement, type FieldPath, type FieldSet, type PathElement } from './field-set.ts';
import { itemElements, itemKeys, listKind } from './fields.ts';

type Map = Record<string, unknown>;
const isMap = (v: unknown): v is Map => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets a key as an own property, even `__proto__`. */
const put = (m: Map, key: string, value: unknown) => Object.defineProperty(m, key, { value, enumerable: true, writable: true, configurable: true });

/** Returns `live` with `config` merged in; neither is changed. A null in the configuration removes the field. */
export function mergeApplied<T>(live: T, config: unknown, kindOrType: string | PatchTypeDef): T {
  const type = typeof kindOrType === 'string' ? typeNamed(kindOrType) : kindOrType;
  return mergeMaps(isMap(live) ? structuredClone(live) : {}, isMap(config) ? config : {}, type) as T;
}

function mergeMaps(live: Map, config: Map, type: PatchTypeDef): Map {
  for (const [k, v] of Object.entries(config)) {
    if (v === null) {
      delete live[k];
      continue;
    }
    const f = fieldOf(type, k);
    put(live, k, mergeValues(Object.hasOwn(live, k) ? live[k] : undefined, v, f.tags, f.type));
  }
  return live;
}

function mergeValues(live: unknown, config: unknown, tags: FieldStrategy, type: PatchTypeDef): unknown {
  if (isMap(live) && isMap(config)) return mergeMaps(live, config, type);
  if (Array.isArray(live) && Array.isArray(config) && live.length && config.length) {
    const kind = listKind(tags, [...live, ...config]);
    if (kind === 'set') return [...live, ...config.filter((v) => !live.some((l) => JSON.stringify(l) === JSON.stringify(v)))];
    if (kind === 'map') {
      const el = itemElements(live, tags.mergeKey!, [], false);
      const ec = itemElements(config, tags.mergeKey!, [], false);
      if (el && ec) {
        const out = [...live];
        for (const [i, item] of config.entries()) {
          const at = el.indexOf(ec[i]!);
          if (at >= 0) out[at] = mergeMaps(out[at] as Map, item as Map, type);
          else out.push(mergeMaps({}, item as Map, type));
        }
        return out;
      }
    }
  }
  return fresh(config, type);
}

/** Returns a configuration value for a field the live object lacks: nulls dropped, as a merge into nothing. */
function fresh(config: unknown, type: PatchTypeDef): unknown {
  if (isMap(config)) return mergeMaps({}, config, type);
  if (Array.isArray(config)) return config.map((v) => fresh(v, type));
  return config;
}

/**
 * Removes from `obj` (in place) each path of `gone` unless `keep` holds it or a path below it;
 * maps and lists the removal empties go too (upstream's types omit them when empty).
 */
export function removeFields(obj: Map, gone: FieldSet, keep: FieldSet, kindOrType: string | PatchTypeDef): void {
  const type = typeof kindOrType === 'string' ? typeNamed(kindOrType) : kindOrType;
  for (const path of gone.paths()) if (!keep.hasAtOrBelow(path)) removePath(obj, path, type);
}

/** Removes one path; returns true when its container is now empty and was emptied by this. */
function removePath(node: unknown, path: FieldPath, type: PatchTypeDef, tags: FieldStrategy = {}): boolean {
  const [head, ...rest] = path as PathElement[];
  if (head === undefined) return false;
  if (isMap(node) && head.startsWith('f:')) {
    const name = head.slice(2);
    if (!Object.hasOwn(node, name)) return false;
    const f = fieldOf(type, name);
    if (rest.length === 0 || removePath(node[name], rest, f.type, f.tags)) delete node[name];
    return Object.keys(node).length === 0;
  }
  if (!Array.isArray(node)) return false;
  const at = indexOf(node, head, tags);
  if (at < 0) return false;
  if (rest.length === 0 || removePath(node[at], rest, type)) node.splice(at, 1);
  return node.length === 0;
}

function indexOf(list: unknown[], e: PathElement, tags: FieldStrategy): number {
  if (e.startsWith('v:')) return list.findIndex((v) => valueElement(v) === e);
  if (e.startsWith('i:')) return Number(e.slice(2));
  if (!tags.mergeKey) return -1;
  return list.findIndex((item) => {
    const keys = itemKeys(item, tags.mergeKey!);
    return keys !== undefined && keyElement(keys) === e;
  });
}
