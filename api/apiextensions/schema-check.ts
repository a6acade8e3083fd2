// Static checks of a CRD's openAPIV3Schema: upstream's OpenAPI subset (ValidateCustomResourceDefinitionOpenAPISchema)
// and the structural-schema invariants (apiserver/schema ValidateStructural), with upstream's paths and messages.
import { child, forbiddenField, invalidValue, key, notSupported, required, type FieldError } from '../validation/field.ts';
import { checkDefaults } from './default-check.ts';
import type { JSONSchemaProps } from './types.ts';

const TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const META_FIELDS = new Set(['metadata', 'kind', 'apiVersion']);
const isObj = (v: unknown): v is JSONSchemaProps => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Where a schema node sits: the root, an array's items, or an object's field (upstream's structural levels). */
type Level = 'root' | 'items' | 'field';

interface Ctx {
  /** Defaults are forbidden here, and why (top-level metadata). */
  noDefaults?: string;
}

/** Returns the field errors of a CRD version's openAPIV3Schema (`path` is `...openAPIV3Schema`). */
export function checkSchema(schema: JSONSchemaProps, path: string, statusEnabled: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(schema)) return [invalidValue(path, schema, 'must be an object')];
  if (statusEnabled && schema.type !== undefined && schema.type !== 'object')
    errs.push(invalidValue(`${path}.type`, schema.type, 'only "object" is allowed as the type at the root of the schema if the status subresource is enabled'));
  if (schema.nullable) errs.push(forbiddenField(`${path}.nullable`, 'nullable cannot be true at the root'));
  const structural: FieldError[] = [];
  structuralNode(schema, 'root', path, structural);
  // Upstream sorts the structural errors by their text (its schemas are maps, iterated at random).
  structural.sort((a, b) => (fmt(a) < fmt(b) ? -1 : fmt(a) > fmt(b) ? 1 : 0));
  errs.push(...structural);
  // Defaults are judged only against a sound structural schema, as upstream does.
  if (structural.length === 0) checkDefaults(schema, path, errs);
  openAPINode(schema, path, true, {}, errs);
  return errs;
}

const fmt = (e: FieldError) => `${e.field}: ${e.message}`;

/** The OpenAPI subset CRDs accept (specStandardValidatorV3 and its recursion). */
function openAPINode(s: JSONSchemaProps, path: string, isRoot: boolean, ctx: Ctx, errs: FieldError[]): void {
  if (!isObj(s)) return;
  if (typeof s.type === 'string' && s.type !== '' && s.type !== 'null' && !TYPES.includes(s.type)) errs.push(notSupported(child(path, 'type'), s.type, TYPES));
  if (s.default !== undefined && ctx.noDefaults) errs.push(forbiddenField(child(path, 'default'), `must not be set ${ctx.noDefaults}`));
  if (s.id) errs.push(forbiddenField(child(path, 'id'), 'id is not supported'));
  if (s.additionalItems !== undefined) errs.push(forbiddenField(child(path, 'additionalItems'), 'additionalItems is not supported'));
  if (isObj(s.patternProperties) && Object.keys(s.patternProperties).length) errs.push(forbiddenField(child(path, 'patternProperties'), 'patternProperties is not supported'));
  if (isObj(s.definitions) && Object.keys(s.definitions).length) errs.push(forbiddenField(child(path, 'definitions'), 'definitions is not supported'));
  if (s.dependencies !== undefined) errs.push(forbiddenField(child(path, 'dependencies'), 'dependencies is not supported'));
  if (s.$ref !== undefined) errs.push(forbiddenField(child(path, '$ref'), '$ref is not supported'));
  if (s.type === 'null') errs.push(forbiddenField(child(path, 'type'), 'type cannot be set to null, use nullable as an alternative'));
  if (Array.isArray(s.items)) errs.push(forbiddenField(child(path, 'items'), 'items must be a schema object and not an array'));
  if (s.uniqueItems === true) errs.push(forbiddenField(child(path, 'uniqueItems'), 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  const props = isObj(s.properties) ? s.properties : {};
  if (s.additionalProperties !== undefined) {
    if (Object.keys(props).length && (s.additionalProperties === false || isObj(s.additionalProperties)))
      errs.push(forbiddenField(child(path, 'additionalProperties'), 'additionalProperties and properties are mutual exclusive'));
    if (isObj(s.additionalProperties)) openAPINode(s.additionalProperties, child(path, 'additionalProperties'), false, ctx, errs);
  }
  for (const [name, p] of Object.entries(props)) {
    const sub = isRoot && META_FIELDS.has(name) ? { noDefaults: `in top-level ${name}` } : ctx;
    openAPINode(p, key(child(path, 'properties'), name), false, sub, errs);
  }
  if (isObj(s.not)) openAPINode(s.not, child(path, 'not'), false, ctx, errs);
  for (const k of ['allOf', 'oneOf', 'anyOf'] as const)
    if (Array.isArray(s[k])) (s[k] as JSONSchemaProps[]).forEach((x, i) => openAPINode(x, `${child(path, k)}[${i}]`, false, ctx, errs));
  if (isObj(s.items)) openAPINode(s.items, child(path, 'items'), false, ctx, errs);
  const preserve = s['x-kubernetes-preserve-unknown-fields'];
  if (preserve !== undefined && preserve !== true) errs.push(invalidValue(child(path, 'x-kubernetes-preserve-unknown-fields'), preserve, 'must be true or undefined'));
  listAndMapTypes(s, path, errs);
}

function listAndMapTypes(s: JSONSchemaProps, path: string, errs: FieldError[]): void {
  const mapType = s['x-kubernetes-map-type'];
  if (mapType !== undefined && s.type !== 'object') {
    if (!s.type) errs.push(required(child(path, 'type'), 'must be object if x-kubernetes-map-type is specified'));
    else errs.push(invalidValue(child(path, 'type'), s.type, 'must be object if x-kubernetes-map-type is specified'));
  }
  if (mapType !== undefined && mapType !== 'atomic' && mapType !== 'granular') errs.push(notSupported(child(path, 'x-kubernetes-map-type'), mapType, ['atomic', 'granular']));
  const listType = s['x-kubernetes-list-type'];
  if (listType !== undefined && s.type !== 'array') {
    if (!s.type) errs.push(required(child(path, 'type'), 'must be array if x-kubernetes-list-type is specified'));
    else errs.push(invalidValue(child(path, 'type'), s.type, 'must be array if x-kubernetes-list-type is specified'));
  }
  if (listType !== undefined && !['atomic', 'set', 'map'].includes(listType)) errs.push(notSupported(child(path, 'x-kubernetes-list-type'), listType, ['atomic', 'set', 'map']));
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  if (keys.length > 0 && listType === undefined) errs.push(required(child(path, 'x-kubernetes-list-type'), 'must be map if x-kubernetes-list-map-keys is non-empty'));
  else if (keys.length > 0 && listType !== 'map') errs.push(invalidValue(child(path, 'x-kubernetes-list-type'), listType, 'must be map if x-kubernetes-list-map-keys is non-empty'));
  if (listType === 'map') {
    if (keys.length === 0) errs.push(required(child(path, 'x-kubernetes-list-map-keys'), 'must not be empty if x-kubernetes-list-type is map'));
    if (!isObj(s.items)) errs.push(required(child(path, 'items'), 'must have a schema if x-kubernetes-list-type is map'));
    else if (s.items.type !== 'object') errs.push(invalidValue(`${path}.items.type`, s.items.type ?? '', "must be object if parent array's x-kubernetes-list-type is map"));
    else {
      const itemProps = isObj(s.items.properties) ? s.items.properties : {};
      for (const k of keys) {
        const p = itemProps[k];
        if (!p) errs.push(invalidValue(child(path, 'x-kubernetes-list-map-keys'), keys, 'entries must all be names of item properties'));
        else if (!(s.items.required ?? []).includes(k) && p.default === undefined)
          errs.push(required(`${key(`${path}.items.properties`, k)}.default`, 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'));
      }
    }
  }
}

/** The structural invariants: a type at every level, items for arrays, restricted metadata, plain value validations. */
function structuralNode(s: JSONSchemaProps, lvl: Level, path: string, errs: FieldError[]): void {
  if (!isObj(s)) return;
  if (s.type === 'array' && !isObj(s.items)) errs.push(required(child(path, 'items'), 'must be specified'));
  if (typeof s.pattern === 'string') {
    try {
      new RegExp(s.pattern, 'u');
    } catch (err) {
      errs.push(invalidValue(child(path, 'pattern'), s.pattern, `must be a valid regular expression, but isn't: ${(err as Error).message}`));
    }
  }
  if (isObj(s.items)) structuralNode(s.items, 'items', child(path, 'items'), errs);
  const props = isObj(s.properties) ? s.properties : {};
  for (const [name, p] of Object.entries(props)) structuralNode(p, 'field', key(child(path, 'properties'), name), errs);
  if (s.additionalProperties !== undefined && s.additionalProperties !== false) {
    if (lvl === 'root') errs.push(forbiddenField(child(path, 'additionalProperties'), 'must not be used at the root'));
    if (isObj(s.additionalProperties)) structuralNode(s.additionalProperties, 'field', child(path, 'additionalProperties'), errs);
  }
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  if (intOrString && preserve) errs.push(invalidValue(child(path, 'x-kubernetes-preserve-unknown-fields'), true, 'must be false if x-kubernetes-int-or-string is true'));
  if (intOrString && embedded) errs.push(invalidValue(child(path, 'x-kubernetes-embedded-resource'), true, 'must be false if x-kubernetes-int-or-string is true'));
  nestedValueValidations(s, path, isIntOrStringPair(s.anyOf), errs);
  if (embedded && s.type !== 'object') {
    if (!s.type) errs.push(required(child(path, 'type'), 'must be object if x-kubernetes-embedded-resource is true'));
    else errs.push(invalidValue(child(path, 'type'), s.type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (!s.type && !intOrString && !preserve) {
    const why = { root: 'must not be empty at the root', items: 'must not be empty for specified array items', field: 'must not be empty for specified object fields' }[lvl];
    errs.push(required(child(path, 'type'), why));
  }
  if (lvl === 'root' && s.type && s.type !== 'object') errs.push(invalidValue(child(path, 'type'), s.type, 'must be object at the root'));
  const checkMeta = lvl === 'root' || embedded;
  for (const f of ['kind', 'apiVersion'])
    if (checkMeta && props[f] && props[f].type !== 'string') errs.push(invalidValue(`${key(child(path, 'properties'), f)}.type`, props[f].type ?? '', 'must be string'));
  if (props.metadata) metadataNode(props.metadata, checkMeta, lvl, key(child(path, 'properties'), 'metadata'), errs);
  if (embedded && !preserve && Object.keys(props).length === 0)
    errs.push(required(child(path, 'properties'), 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
}

function metadataNode(m: JSONSchemaProps, checkMeta: boolean, lvl: Level, path: string, errs: FieldError[]): void {
  if (checkMeta && m.type !== 'object') errs.push(invalidValue(child(path, 'type'), m.type ?? '', 'must be object'));
  if (lvl !== 'root') return;
  // At the root, metadata may only restrict name and generateName: anything else is implicit.
  const extra = Object.keys(m).filter((k) => !['type', 'default', 'properties'].includes(k) && !isValueValidation(k));
  const props = Object.keys(isObj(m.properties) ? m.properties : {});
  const otherProps = props.filter((p) => p !== 'name' && p !== 'generateName');
  if (extra.length || otherProps.length)
    errs.push(forbiddenField(path, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
}

const VALUE_VALIDATIONS = ['format', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'multipleOf', 'enum', 'maxProperties', 'minProperties', 'required', 'allOf', 'oneOf', 'anyOf', 'not'];
const isValueValidation = (k: string) => VALUE_VALIDATIONS.includes(k);

const isIntOrStringPair = (xs: unknown) =>
  Array.isArray(xs) && xs.length === 2 && xs.every((x, i) => isObj(x) && Object.keys(x).length === 1 && x.type === ['integer', 'string'][i]);

/** Logic junctors (allOf/anyOf/oneOf/not) may only restrict values, never declare types or extensions (int-or-string's anyOf excepted). */
function nestedValueValidations(s: JSONSchemaProps, path: string, skipAnyOf: boolean, errs: FieldError[]): void {
  const skipFirstAllOfAnyOf = Array.isArray(s.allOf) && isObj(s.allOf[0]) && isIntOrStringPair(s.allOf[0].anyOf);
  if (!skipAnyOf) (s.anyOf ?? []).forEach((x, i) => nested(x, `${child(path, 'anyOf')}[${i}]`, false, errs));
  (s.allOf ?? []).forEach((x, i) => nested(x, `${child(path, 'allOf')}[${i}]`, skipFirstAllOfAnyOf && i === 0, errs));
  (s.oneOf ?? []).forEach((x, i) => nested(x, `${child(path, 'oneOf')}[${i}]`, false, errs));
  if (isObj(s.not)) nested(s.not, child(path, 'not'), false, errs);
}

const NESTED_FORBIDDEN: [string, string][] = [
  ['type', 'must be empty to be structural'],
  ['additionalProperties', 'must be undefined to be structural'],
  ['default', 'must be undefined to be structural'],
  ['title', 'must be empty to be structural'],
  ['description', 'must be empty to be structural'],
  ['nullable', 'must be false to be structural'],
  ['externalDocs', 'must be undefined to be structural'],
  ['x-kubernetes-preserve-unknown-fields', 'must be false to be structural'],
  ['x-kubernetes-embedded-resource', 'must be false to be structural'],
  ['x-kubernetes-int-or-string', 'must be false to be structural'],
  ['x-kubernetes-list-map-keys', 'must be empty to be structural'],
  ['x-kubernetes-list-type', 'must be undefined to be structural'],
  ['x-kubernetes-map-type', 'must be undefined to be structural'],
  ['x-kubernetes-validations', 'must be empty to be structural'],
];

function nested(v: JSONSchemaProps, path: string, skipAnyOf: boolean, errs: FieldError[]): void {
  if (!isObj(v)) return;
  nestedValueValidations(v, path, skipAnyOf, errs);
  if (isObj(v.items)) nested(v.items, child(path, 'items'), false, errs);
  for (const [k, p] of Object.entries(isObj(v.properties) ? v.properties : {})) nested(p, key(child(path, 'properties'), k), false, errs);
  for (const [k, why] of NESTED_FORBIDDEN) {
    const x = v[k];
    if (x === undefined || x === false || x === '' || (Array.isArray(x) && x.length === 0)) continue;
    errs.push(forbiddenField(child(path, k), why));
  }
  if (isObj(v.properties) && v.properties.metadata) errs.push(forbiddenField(key(child(path, 'properties'), 'metadata'), 'must not be specified in a nested context'));
}
