// Pruning and defaulting of custom resources against their structural schema, in upstream's order:
// unknown fields pruned, then nulls of non-nullable fields without a default dropped, then defaults applied.
import type { JSONSchemaProps } from './types.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSchema = (v: unknown): v is JSONSchemaProps => isObj(v);
/** Fields every resource keeps at its root and at each embedded resource, whatever the schema says. */
const RESOURCE_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/** Returns the schema that applies to field `k` of an object under `s`; `true` keeps the field unchecked, `false` drops it. */
function fieldSchema(s: JSONSchemaProps, k: string): JSONSchemaProps | boolean {
  const p = isObj(s.properties) ? s.properties[k] : undefined;
  if (isSchema(p)) return p;
  if (isSchema(s.additionalProperties)) return s.additionalProperties;
  return s.additionalProperties === true || s['x-kubernetes-preserve-unknown-fields'] === true;
}

/** Deletes, in place, every field the schema does not specify (structural pruning); `resource` marks a root or embedded resource. */
export function prune(v: unknown, s: JSONSchemaProps | undefined, resource = true): void {
  if (!s) return;
  if (Array.isArray(v)) {
    if (isSchema(s.items)) for (const x of v) prune(x, s.items, s.items['x-kubernetes-embedded-resource'] === true);
    return;
  }
  if (!isObj(v)) return;
  for (const k of Object.keys(v)) {
    if (resource && RESOURCE_FIELDS.has(k)) continue;
    const fs = fieldSchema(s, k);
    if (fs === false) delete v[k];
    else if (fs !== true) prune(v[k], fs, fs['x-kubernetes-embedded-resource'] === true);
  }
}

/** Deletes, in place, null values of fields that are neither nullable nor defaulted (PruneNonNullableNullsWithoutDefaults). */
export function dropNonNullableNulls(v: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (Array.isArray(v)) {
    if (isSchema(s.items)) for (const x of v) dropNonNullableNulls(x, s.items);
    return;
  }
  if (!isObj(v)) return;
  for (const k of Object.keys(v)) {
    const fs = fieldSchema(s, k);
    if (typeof fs === 'boolean') continue;
    // Only named properties lose their nulls; a map's null values stay for validation to judge.
    const named = isObj(s.properties) && Object.hasOwn(s.properties, k);
    if (named && v[k] === null && !fs.nullable && fs.default === undefined) delete v[k];
    else dropNonNullableNulls(v[k], fs);
  }
}

/** Applies schema defaults in place: an absent field (or a null one that may not be null) gets a copy of its default; then recurses. */
export function applyDefaults(v: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (Array.isArray(v)) {
    if (!isSchema(s.items)) return;
    const items = s.items;
    v.forEach((x, i) => {
      if (x === null && items.default !== undefined && !items.nullable) v[i] = structuredClone(items.default);
      applyDefaults(v[i], items);
    });
    return;
  }
  if (!isObj(v)) return;
  for (const [k, p] of Object.entries(isObj(s.properties) ? s.properties : {})) {
    if (!isSchema(p) || p.default === undefined) continue;
    if (!(k in v) || (v[k] === null && !p.nullable)) v[k] = structuredClone(p.default);
  }
  for (const k of Object.keys(v)) {
    const fs = fieldSchema(s, k);
    if (typeof fs !== 'boolean') applyDefaults(v[k], fs);
  }
}

/** Prunes, drops disallowed nulls and defaults an object in place, in upstream's order. */
export function pruneAndDefault(obj: unknown, schema: JSONSchemaProps | undefined): void {
  prune(obj, schema, true);
  dropNonNullableNulls(obj, schema);
  applyDefaults(obj, schema);
}
