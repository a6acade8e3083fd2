// Checks of `default` values in a CRD's schema (upstream's ValidateDefaults): each default must be valid
// against its own schema and already pruned, since it is applied after pruning.
import { isDeepStrictEqual } from 'node:util';
import { child, invalidValue, key, type FieldError } from '../validation/field.ts';
import { compileCRValidator } from './cr-validation.ts';
import { prune } from './prune-default.ts';
import type { JSONSchemaProps } from './types.ts';

const isObj = (v: unknown): v is JSONSchemaProps => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Returns the field errors of every default under a structural schema (`path` is `...openAPIV3Schema`). */
export function checkDefaults(s: JSONSchemaProps, path: string, errs: FieldError[] = [], resourceRoot = true): FieldError[] {
  if (!isObj(s)) return errs;
  const embedded = resourceRoot || s['x-kubernetes-embedded-resource'] === true;
  if (s.default !== undefined) {
    const at = child(path, 'default');
    const pruned = structuredClone(s.default);
    prune(pruned, s, embedded);
    if (!isDeepStrictEqual(pruned, s.default)) errs.push(invalidValue(at, s.default, 'must not have unknown fields'));
    else errs.push(...compileCRValidator(s, at, false)(s.default));
  }
  // additionalProperties is not followed: defaults are forbidden there.
  if (isObj(s.items)) checkDefaults(s.items, child(path, 'items'), errs, false);
  for (const [k, p] of Object.entries(isObj(s.properties) ? s.properties : {}))
    // Top-level metadata, apiVersion and kind cannot carry defaults at all (reported by the schema check).
    if (!(embedded && ['metadata', 'apiVersion', 'kind'].includes(k))) checkDefaults(p, key(child(path, 'properties'), k), errs, false);
  return errs;
}
