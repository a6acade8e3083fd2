// CustomResourceDefinition validation as upstream's apiextensions validation: names, versions, schemas,
// subresources, printer columns, conversion, stored versions; paths as upstream reports them for v1 objects.
import { isDeepStrictEqual } from 'node:util';
import {
  child,
  forbiddenField,
  GoRepr,
  goQuote,
  immutable,
  index,
  invalidValue,
  key,
  notSupported,
  required,
  type FieldError,
} from '../validation/field.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { isDNS1035Label, isDNS1123Subdomain, nameIsDNSSubdomain } from '../validation/strings.ts';
import { checkSchema } from './schema-check.ts';
import type { CRDNames, CRDSpec, CRDVersion, CustomResourceDefinition, PrinterColumnDef, ScaleDef } from './types.ts';

const SCOPES = ['Cluster', 'Namespaced'];
const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
const APPROVAL = 'api-approved.kubernetes.io';

/** Returns true when every version carries the same non-empty value: upstream's v1 conversion then hoists it to the spec. */
function identical(versions: CRDVersion[], get: (v: CRDVersion) => unknown): boolean {
  if (versions.length === 0) return false;
  const first = get(versions[0]);
  return versions.every((v) => {
    const x = get(v);
    return x !== undefined && !(Array.isArray(x) && x.length === 0) && isDeepStrictEqual(x, first);
  });
}

/** Returns a CRD's versions rendered as Go's %#v prints them (abridged), for the versions-level messages. */
function versionsRepr(versions: CRDVersion[]): GoRepr {
  const one = (v: CRDVersion) => `apiextensions.CustomResourceDefinitionVersion{Name:${goQuote(String(v.name ?? ''))}, Served:${v.served === true}, Storage:${v.storage === true}, ...}`;
  return new GoRepr(`[]apiextensions.CustomResourceDefinitionVersion{${versions.map(one).join(', ')}}`);
}

/** Validates the names a CRD asks for, or has been given (status.acceptedNames). */
export function validateNames(names: Partial<CRDNames>, path: string, errs: FieldError[]): void {
  const dns1035 = (v: string | undefined, field: string, prefix = '', lower = false) => {
    if (!v) return;
    const msgs = isDNS1035Label(lower ? v.toLowerCase() : v);
    if (msgs.length) errs.push(invalidValue(child(path, field), v, prefix + msgs.join(',')));
  };
  dns1035(names.plural, 'plural');
  dns1035(names.singular, 'singular');
  dns1035(names.kind, 'kind', 'may have mixed case, but should otherwise match: ', true);
  dns1035(names.listKind, 'listKind', 'may have mixed case, but should otherwise match: ', true);
  (names.shortNames ?? []).forEach((s, i) => {
    const msgs = isDNS1035Label(s);
    if (msgs.length) errs.push(invalidValue(index(child(path, 'shortNames'), i), s, msgs.join(',')));
  });
  if (names.kind && names.kind === names.listKind) errs.push(invalidValue(child(path, 'listKind'), names.listKind, 'kind and listKind may not be the same'));
  (names.categories ?? []).forEach((c, i) => {
    const msgs = isDNS1035Label(c);
    if (msgs.length) errs.push(invalidValue(index(child(path, 'categories'), i), c, msgs.join(',')));
  });
}

/** Validates a simple JSONPath (`.spec.replicas`) as upstream's validateSimpleJSONPath. */
function simpleJSONPath(s: string, path: string, errs: FieldError[]): boolean {
  if (s === '') errs.push(invalidValue(path, s, 'must not be empty'));
  else if (s[0] !== '.') errs.push(invalidValue(path, s, 'must be a simple json path starting with .'));
  else return true;
  return false;
}

function validateScale(scale: ScaleDef, path: string, errs: FieldError[]): void {
  const under = (v: string | undefined, field: string, prefixes: string[], why: string) => {
    if (!v) return errs.push(required(`${path}.${field}`));
    if (simpleJSONPath(v, `${path}.${field}`, errs) && !prefixes.some((p) => v.startsWith(p))) errs.push(invalidValue(`${path}.${field}`, v, why));
  };
  under(scale.specReplicasPath, 'scale.specReplicasPath', ['.spec.'], 'should be a json path under .spec');
  under(scale.statusReplicasPath, 'scale.statusReplicasPath', ['.status.'], 'should be a json path under .status');
  const sel = scale.labelSelectorPath;
  if (sel && simpleJSONPath(sel, `${path}.scale.labelSelectorPath`, errs) && !sel.startsWith('.spec.') && !sel.startsWith('.status.'))
    errs.push(invalidValue(`${path}.scale.labelSelectorPath`, sel, 'should be a json path under either .spec or .status'));
}

/** Validates one additionalPrinterColumns entry (upstream's path segment for the path is `JSONPath`). */
function validateColumn(c: PrinterColumnDef, path: string, errs: FieldError[]): void {
  if (!c.name) errs.push(required(child(path, 'name')));
  if (!c.type) errs.push(required(child(path, 'type'), `must be one of ${COLUMN_TYPES.join(',')}`));
  else if (!COLUMN_TYPES.includes(c.type)) errs.push(invalidValue(child(path, 'type'), c.type, `must be one of ${COLUMN_TYPES.join(',')}`));
  if (c.format && !COLUMN_FORMATS.includes(c.format)) errs.push(invalidValue(child(path, 'format'), c.format, `must be one of ${COLUMN_FORMATS.join(',')}`));
  if (!c.jsonPath) errs.push(required(child(path, 'JSONPath')));
  else simpleJSONPath(c.jsonPath, child(path, 'JSONPath'), errs);
}

function validateDeprecation(v: CRDVersion, path: string, errs: FieldError[]): void {
  const w = v.deprecationWarning;
  if (w === undefined || w === null) return;
  const field = child(path, 'deprecationWarning');
  if (!v.deprecated) return void errs.push(invalidValue(field, w, 'can only be set for deprecated versions'));
  if (w.length > 256) errs.push(invalidValue(field, w, 'must be <= 256 characters long'));
  if (w.length === 0) errs.push(invalidValue(field, w, 'must not be an empty string'));
  const bad = [...w].findIndex((ch) => /[\p{Cc}]/u.test(ch));
  if (bad >= 0) errs.push(invalidValue(field, w, `must only contain printable UTF-8 characters; control character found at index ${bad}`));
}

/** Validates the versions: names, storage flag, schemas, subresources and columns (hoisted paths when all versions agree). */
function validateVersions(spec: CRDSpec, requireSchema: boolean, errs: FieldError[]): void {
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  const hoistSchema = identical(versions, (v) => v.schema);
  const hoistSub = identical(versions, (v) => v.subresources);
  const hoistCols = identical(versions, (v) => v.additionalPrinterColumns);
  const anyStatus = versions.some((v) => v.subresources?.status !== undefined);
  const seen = new Set<string>();
  let unique = true;
  let storage = 0;
  versions.forEach((v, i) => {
    const path = index('spec.versions', i);
    if (v.storage) storage++;
    if (seen.has(v.name)) unique = false;
    seen.add(v.name);
    const msgs = isDNS1035Label(String(v.name ?? ''));
    if (msgs.length) errs.push(invalidValue(child(path, 'name'), v.name ?? '', msgs.join(',')));
    if (requireSchema && !hoistSchema && !v.schema?.openAPIV3Schema) errs.push(required(`${path}.schema.openAPIV3Schema`));
    validateDeprecation(v, path, errs);
    if (!hoistSchema && v.schema?.openAPIV3Schema)
      errs.push(...checkSchema(v.schema.openAPIV3Schema, `${path}.schema.openAPIV3Schema`, (hoistSub ? versions[0] : v).subresources?.status !== undefined));
    if (!hoistSub && v.subresources?.scale) validateScale(v.subresources.scale, `${path}.subresources`, errs);
    if (!hoistCols) (v.additionalPrinterColumns ?? []).forEach((c, j) => validateColumn(c, index(`${path}.additionalPrinterColumns`, j), errs));
  });
  if (!unique) errs.push(invalidValue('spec.versions', versionsRepr(versions), 'must contain unique version names'));
  if (storage !== 1) errs.push(invalidValue('spec.versions', versionsRepr(versions), 'must have exactly one version marked as storage version'));
  if (hoistSchema && versions[0].schema?.openAPIV3Schema) errs.push(...checkSchema(versions[0].schema.openAPIV3Schema, 'spec.validation.openAPIV3Schema', anyStatus));
  if (hoistSub && versions[0].subresources?.scale) validateScale(versions[0].subresources.scale, 'spec.subresources', errs);
  if (hoistCols) (versions[0].additionalPrinterColumns ?? []).forEach((c, j) => validateColumn(c, index('spec.additionalPrinterColumns', j), errs));
}

function validateConversion(spec: CRDSpec, errs: FieldError[]): void {
  const conv = spec.conversion;
  if (!conv) return;
  if (!conv.strategy) errs.push(required('spec.conversion.strategy'));
  else if (!['None', 'Webhook'].includes(conv.strategy)) errs.push(notSupported('spec.conversion.strategy', conv.strategy, ['None', 'Webhook']));
  const webhook = conv.webhook as { clientConfig?: unknown; conversionReviewVersions?: string[] } | undefined;
  if (conv.strategy === 'Webhook') {
    if (!webhook?.clientConfig) errs.push(required('spec.conversion.webhookClientConfig', 'required when strategy is set to Webhook'));
    if (!webhook?.conversionReviewVersions?.length) errs.push(required('spec.conversion.conversionReviewVersions'));
  } else if (webhook?.clientConfig) errs.push(forbiddenField('spec.conversion.webhookClientConfig', 'should not be set when strategy is not set to Webhook'));
}

/** Validates the spec (validateCustomResourceDefinitionSpec): group, scope, versions, names, conversion. */
function validateSpec(spec: CRDSpec, requireSchema: boolean, errs: FieldError[]): void {
  if (!spec.group) errs.push(required('spec.group'));
  else {
    const msgs = isDNS1123Subdomain(spec.group);
    if (msgs.length) errs.push(invalidValue('spec.group', spec.group, msgs.join(',')));
    else if (!spec.group.includes('.')) errs.push(invalidValue('spec.group', spec.group, 'should be a domain with at least one dot'));
  }
  if (!spec.scope) errs.push(required('spec.scope'));
  else if (!SCOPES.includes(spec.scope)) errs.push(notSupported('spec.scope', spec.scope, SCOPES));
  validateVersions(spec, requireSchema, errs);
  const names = spec.names ?? ({} as CRDNames);
  for (const f of ['plural', 'singular', 'kind', 'listKind'] as const) if (!names[f]) errs.push(required(`spec.names.${f}`));
  validateNames(names, 'spec.names', errs);
  if (spec.preserveUnknownFields === true)
    errs.push(invalidValue('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead'));
  validateConversion(spec, errs);
}

/** Validates status.acceptedNames and status.storedVersions. */
function validateStatus(crd: CustomResourceDefinition, errs: FieldError[]): void {
  validateNames(crd.status?.acceptedNames ?? {}, 'status.acceptedNames', errs);
  const stored = crd.status?.storedVersions ?? [];
  if (stored.length === 0) return void errs.push(invalidValue('status.storedVersions', stored, 'must have at least one stored version'));
  const left = new Map(stored.map((v, i) => [v, i]));
  for (const v of crd.spec.versions ?? []) {
    if (v.storage && !left.has(v.name)) errs.push(invalidValue('status.storedVersions', stored, `must have the storage version ${v.name}`));
    left.delete(v.name);
  }
  for (const [v, i] of left)
    errs.push(
      invalidValue(
        index('status.storedVersions', i),
        v,
        `missing from spec.versions; ${v} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${v} and removes ${v} from status.storedVersions`,
      ),
    );
}

/** Returns true for groups only Kubernetes itself may define (k8s.io, kubernetes.io and their subdomains). */
const isProtectedGroup = (g: string) => ['k8s.io', 'kubernetes.io'].some((d) => g === d || g.endsWith(`.${d}`));

/** Returns the field errors of a CRD (create and update alike; status.storedVersions is filled by prepareForCreate first). */
export function validateCRD(crd: CustomResourceDefinition): FieldError[] {
  const errs: FieldError[] = [];
  const spec = crd.spec ?? ({} as CRDSpec);
  const want = `${spec.names?.plural ?? ''}.${spec.group ?? ''}`;
  const nameFn = (n: string, prefix: boolean) => [...nameIsDNSSubdomain(n, prefix), ...(n !== want ? ['must be spec.names.plural+"."+spec.group'] : [])];
  validateObjectMeta(crd.metadata, { nameFn, namespaced: false }, errs);
  validateSpec(spec, true, errs);
  validateStatus(crd, errs);
  if (spec.group && isProtectedGroup(spec.group) && !crd.metadata.annotations?.[APPROVAL])
    errs.push(
      required(key('metadata.annotations', APPROVAL), `protected groups must have approval annotation ${goQuote(APPROVAL)}, see https://github.com/kubernetes/enhancements/pull/1111`),
    );
  return errs;
}

/** Returns true when a CRD's Established condition is True. */
export const isEstablished = (crd: CustomResourceDefinition) => (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');

/** Returns the update-only field errors: metadata immutables; group and plural always, scope and kind once established. */
export function validateCRDUpdate(crd: CustomResourceDefinition, old: CustomResourceDefinition): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(crd.metadata, old.metadata, errs);
  if (isEstablished(old)) {
    immutable(crd.spec.scope, old.spec.scope, 'spec.scope', errs);
    immutable(crd.spec.names?.kind, old.spec.names?.kind, 'spec.names.kind', errs);
  }
  immutable(crd.spec.group, old.spec.group, 'spec.group', errs);
  immutable(crd.spec.names?.plural, old.spec.names?.plural, 'spec.names.plural', errs);
  return errs;
}
