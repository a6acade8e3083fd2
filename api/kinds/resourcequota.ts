// v1 ResourceQuota: schema and validation as upstream ValidateResourceQuota (quota resource names,
// non-negative and integer quantities, scopes valid for the limited resources, no conflicting scopes).
import { Type, type Static } from '@sinclair/typebox';
import { objectSchema } from '../meta.ts';
import { formatQuantity, parseQuantity } from '../quantity.ts';
import { child, IMMUTABLE, invalidValue, IS_NEGATIVE, key, notSupported, required, type FieldError } from '../validation/field.ts';
import { goQuantity } from '../validation/go-quantity.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { isQualifiedName, nameIsDNSSubdomain } from '../validation/strings.ts';
import { obj, opt, ResourceList, type Kube } from './common.ts';

export const ScopedResourceSelectorRequirement = obj({ scopeName: Type.String(), operator: Type.String(), values: opt(Type.Array(Type.String())) });
export const ScopeSelector = obj({ matchExpressions: opt(Type.Array(ScopedResourceSelectorRequirement)) });
export const ResourceQuotaSpec = obj({ hard: opt(ResourceList), scopes: opt(Type.Array(Type.String())), scopeSelector: opt(ScopeSelector) });
export const ResourceQuotaStatus = obj({ hard: opt(ResourceList), used: opt(ResourceList) });
export type ResourceQuotaSpec = Static<typeof ResourceQuotaSpec>;
export type ResourceQuotaStatus = Static<typeof ResourceQuotaStatus>;

export const ResourceQuotaSchema = objectSchema({ spec: opt(ResourceQuotaSpec), status: opt(ResourceQuotaStatus) });
export type ResourceQuota = Kube<{ spec?: ResourceQuotaSpec; status?: ResourceQuotaStatus }>;

/** Upstream's quota scopes (ResourceQuotaScope), in its order. */
export const QUOTA_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'] as const;

const COMPUTE = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];
/** Resource names a quota may limit without a domain (upstream's standardQuotaResources). */
const STANDARD_QUOTA = new Set([
  ...COMPUTE, 'ephemeral-storage', 'requests.storage', 'requests.ephemeral-storage', 'limits.ephemeral-storage',
  'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'persistentvolumeclaims', 'configmaps',
  'services.nodeports', 'services.loadbalancers',
]);
/** Counted resources, whose quantities must be whole numbers (upstream's integerResources). */
const INTEGER = new Set(['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers']);

const isHugePages = (n: string) => /^(requests\.)?hugepages-/.test(n);
/** Returns true for a name a quota may limit: a standard one, hugepages, or a qualified name with a domain (count/pods, example.com/gpu). */
export const isStandardQuotaResource = (n: string) => STANDARD_QUOTA.has(n) || isHugePages(n);
const isExtended = (n: string) => n.includes('/') && !n.includes('kubernetes.io/') && !n.startsWith('requests.') && isQualifiedName(`requests.${n}`).length === 0;

/** Returns true when a scope may apply to a resource (upstream's IsResourceQuotaScopeValidForResource). */
export function scopeAllows(scope: string, resource: string): boolean {
  if (scope === 'BestEffort' || scope === 'CrossNamespacePodAffinity') return resource === 'pods';
  return resource === 'pods' || COMPUTE.includes(resource);
}

/** Validates one hard/used entry: its name (ValidateResourceQuotaResourceName) and quantity (ValidateResourceQuantityValue). */
function validateEntry(name: string, raw: unknown, field: string, errs: FieldError[]): void {
  const msgs = isQualifiedName(name);
  for (const m of msgs) errs.push(invalidValue(field, name, m));
  if (!msgs.length && !name.includes('/') && !isStandardQuotaResource(name)) errs.push(invalidValue(field, name, 'must be a standard resource for quota'));
  let q;
  try {
    q = parseQuantity(raw as string | number);
  } catch (e) {
    errs.push(invalidValue(field, raw, (e as Error).message));
    return;
  }
  // As upstream: the negative check names the quantity's text, the integer check the Quantity itself.
  if (q.nanos < 0n) errs.push(invalidValue(field, formatQuantity(q), IS_NEGATIVE));
  if ((INTEGER.has(name) || isExtended(name)) && q.nanos % 1_000_000_000n !== 0n) errs.push(invalidValue(field, goQuantity(raw), 'must be an integer'));
}

function validateList(list: Record<string, unknown> | undefined, field: string, errs: FieldError[]): void {
  for (const k of Object.keys(list ?? {}).sort()) validateEntry(k, list![k], key(field, k), errs);
}

function validateScopes(spec: ResourceQuotaSpec, errs: FieldError[]): void {
  const scopes = spec.scopes ?? [];
  const field = 'spec.scopes';
  const hard = Object.keys(spec.hard ?? {}).sort();
  for (const scope of scopes) {
    if (!(QUOTA_SCOPES as readonly string[]).includes(scope)) errs.push(invalidValue(field, scopes, 'unsupported scope'));
    for (const k of hard) if (isStandardQuotaResource(k) && !scopeAllows(scope, k)) errs.push(invalidValue(field, scopes, 'unsupported scope applied to resource'));
  }
  for (const [a, b] of [['BestEffort', 'NotBestEffort'], ['Terminating', 'NotTerminating']])
    if (scopes.includes(a) && scopes.includes(b)) errs.push(invalidValue(field, scopes, 'conflicting scopes'));
  (spec.scopeSelector?.matchExpressions ?? []).forEach((e, i) => {
    const p = `spec.scopeSelector.matchExpressions[${i}]`;
    if (!(QUOTA_SCOPES as readonly string[]).includes(e.scopeName)) errs.push(notSupported(child(p, 'scopeName'), e.scopeName, QUOTA_SCOPES));
    const ops = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
    if (!ops.includes(e.operator)) errs.push(notSupported(child(p, 'operator'), e.operator, ops));
    else if ((e.operator === 'In' || e.operator === 'NotIn') && !e.values?.length) errs.push(required(child(p, 'values'), 'must be at least one value when `operator` is \'In\' or \'NotIn\' for scope selector'));
    else if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && e.values?.length) errs.push(invalidValue(child(p, 'values'), e.values, 'must be no value when `operator` is \'Exist\' or \'DoesNotExist\' for scope selector'));
  });
}

/** Returns the field errors of a resource quota. */
export function validateResourceQuota(q: ResourceQuota): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(q.metadata, { nameFn: nameIsDNSSubdomain, namespaced: true }, errs);
  validateList(q.spec?.hard, 'spec.hard', errs);
  if (q.spec) validateScopes(q.spec, errs);
  validateList(q.status?.hard, 'status.hard', errs);
  validateList(q.status?.used, 'status.used', errs);
  return errs;
}

/** Returns the update-only field errors: scopes are immutable. */
export function validateResourceQuotaUpdate(q: ResourceQuota, old: ResourceQuota): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(q.metadata, old.metadata, errs);
  const now = new Set(q.spec?.scopes ?? []);
  const before = new Set(old.spec?.scopes ?? []);
  if (now.size !== before.size || [...now].some((s) => !before.has(s))) errs.push(invalidValue('spec.scopes', q.spec?.scopes ?? [], IMMUTABLE));
  return errs;
}
