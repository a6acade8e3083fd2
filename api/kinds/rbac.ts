// RBAC (rbac.authorization.k8s.io/v1): Role, ClusterRole (with aggregation), RoleBinding, ClusterRoleBinding;
// defaults and validation as upstream pkg/apis/rbac/v1/defaults.go and pkg/apis/rbac/validation.
import { Type, type Static } from '@sinclair/typebox';
import { LabelSelector, objectSchema } from '../meta.ts';
import { child, GoRepr, goQuote, index, invalidValue, notSupported, required, type FieldError } from '../validation/field.ts';
import { validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsDNSSubdomain, nameIsPathSegment } from '../validation/strings.ts';
import { ensureObj, isObj, obj, opt, type Kube } from './common.ts';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
const strings = Type.Array(Type.String());

export const PolicyRule = obj({
  verbs: opt(strings),
  apiGroups: opt(strings),
  resources: opt(strings),
  resourceNames: opt(strings),
  nonResourceURLs: opt(strings),
});
export type PolicyRule = Static<typeof PolicyRule>;

export const AggregationRule = obj({ clusterRoleSelectors: opt(Type.Array(LabelSelector)) });
export const RoleRef = obj({ apiGroup: opt(Type.String()), kind: opt(Type.String()), name: opt(Type.String()) });
export type RoleRef = Static<typeof RoleRef>;
export const Subject = obj({ kind: opt(Type.String()), apiGroup: opt(Type.String()), name: opt(Type.String()), namespace: opt(Type.String()) });
export type Subject = Static<typeof Subject>;

export const RoleSchema = objectSchema({ rules: opt(Type.Array(PolicyRule)) });
export const ClusterRoleSchema = objectSchema({ rules: opt(Type.Array(PolicyRule)), aggregationRule: opt(AggregationRule) });
export const RoleBindingSchema = objectSchema({ roleRef: opt(RoleRef), subjects: opt(Type.Array(Subject)) });
// Its own schema object: the OpenAPI documents name each kind by its schema.
export const ClusterRoleBindingSchema = objectSchema({ roleRef: opt(RoleRef), subjects: opt(Type.Array(Subject)) });

export type Role = Kube<{ rules?: PolicyRule[] }>;
export type ClusterRole = Kube<{ rules?: PolicyRule[]; aggregationRule?: Static<typeof AggregationRule> }>;
export type RoleBinding = Kube<{ roleRef?: RoleRef; subjects?: Subject[] }>;

/** Upstream's ValidateRBACName: a path segment name. */
const rbacName = nameIsPathSegment;

/** Sets the rbac group on a binding's roleRef and on User/Group subjects (SetDefaults_RoleBinding, SetDefaults_Subject). */
export function defaultRoleBinding(b: RoleBinding): void {
  if (!isObj(b)) return;
  const ref = ensureObj(b as Record<string, unknown>, 'roleRef');
  if (ref && !ref.apiGroup) ref.apiGroup = RBAC_GROUP;
  for (const s of Array.isArray(b.subjects) ? b.subjects : [])
    if (s && typeof s === 'object' && !s.apiGroup && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = RBAC_GROUP;
}

const stringList = (v: string[]) => new GoRepr(`[]string{${v.map(goQuote).join(', ')}}`);

/** Validates one policy rule (upstream ValidatePolicyRule). */
export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, field: string, errs: FieldError[]): void {
  if (!rule.verbs?.length) errs.push(required(child(field, 'verbs'), 'verbs must contain at least one value'));
  if (rule.nonResourceURLs?.length) {
    const urls = stringList(rule.nonResourceURLs);
    if (namespaced) errs.push(invalidValue(child(field, 'nonResourceURLs'), urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (rule.apiGroups?.length || rule.resources?.length || rule.resourceNames?.length)
      errs.push(invalidValue(child(field, 'nonResourceURLs'), urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    return;
  }
  if (!rule.apiGroups?.length) errs.push(required(child(field, 'apiGroups'), 'resource rules must supply at least one api group'));
  if (!rule.resources?.length) errs.push(required(child(field, 'resources'), 'resource rules must supply at least one resource'));
}

/** Returns the field errors of a Role. */
export function validateRole(role: Role): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(role.metadata, { nameFn: rbacName, namespaced: true }, errs);
  (role.rules ?? []).forEach((r, i) => validatePolicyRule(r, true, index('rules', i), errs));
  return errs;
}

/** Returns the field errors of a ClusterRole, its aggregation rule included. */
export function validateClusterRole(role: ClusterRole): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(role.metadata, { nameFn: rbacName, namespaced: false }, errs);
  (role.rules ?? []).forEach((r, i) => validatePolicyRule(r, false, index('rules', i), errs));
  const agg = role.aggregationRule;
  if (agg) {
    const field = 'aggregationRule.clusterRoleSelectors';
    if (!agg.clusterRoleSelectors?.length) errs.push(required(field, 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    (agg.clusterRoleSelectors ?? []).forEach((s, i) => validateLabelSelector(s, index(field, i), errs));
  }
  return errs;
}

/** Returns the update-only field errors of a Role or ClusterRole. */
export function validateRoleUpdate(role: Role, old: Role): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(role.metadata, old.metadata, errs);
  return errs;
}

function validateSubject(s: Subject, namespaced: boolean, field: string, errs: FieldError[]): void {
  if (!s.name) errs.push(required(child(field, 'name')));
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.name) for (const m of nameIsDNSSubdomain(s.name, false)) errs.push(invalidValue(child(field, 'name'), s.name, m));
      if (s.apiGroup) errs.push(notSupported(child(field, 'apiGroup'), s.apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(required(child(field, 'namespace')));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== RBAC_GROUP) errs.push(notSupported(child(field, 'apiGroup'), s.apiGroup ?? '', [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(child(field, 'kind'), s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
}

function validateBinding(b: RoleBinding, namespaced: boolean, errs: FieldError[]): void {
  validateObjectMeta(b.metadata, { nameFn: rbacName, namespaced }, errs);
  const ref = b.roleRef ?? {};
  if (ref.apiGroup !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind ?? '')) errs.push(notSupported('roleRef.kind', ref.kind ?? '', kinds));
  if (!ref.name) errs.push(required('roleRef.name'));
  else for (const m of rbacName(ref.name, false)) errs.push(invalidValue('roleRef.name', ref.name, m));
  (b.subjects ?? []).forEach((s, i) => validateSubject(s, namespaced, index('subjects', i), errs));
}

/** Returns the field errors of a RoleBinding. */
export function validateRoleBinding(b: RoleBinding): FieldError[] {
  const errs: FieldError[] = [];
  validateBinding(b, true, errs);
  return errs;
}

/** Returns the field errors of a ClusterRoleBinding (its roleRef may name only a ClusterRole). */
export function validateClusterRoleBinding(b: RoleBinding): FieldError[] {
  const errs: FieldError[] = [];
  validateBinding(b, false, errs);
  return errs;
}

/** Returns the update-only field errors of a binding: its roleRef may not change. */
export function validateRoleBindingUpdate(b: RoleBinding, old: RoleBinding): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(b.metadata, old.metadata, errs);
  const r = b.roleRef ?? {};
  const o = old.roleRef ?? {};
  if (r.apiGroup !== o.apiGroup || r.kind !== o.kind || r.name !== o.name)
    errs.push(invalidValue('roleRef', new GoRepr(`rbac.RoleRef{APIGroup:${goQuote(r.apiGroup ?? '')}, Kind:${goQuote(r.kind ?? '')}, Name:${goQuote(r.name ?? '')}}`), 'cannot change roleRef'));
  return errs;
}

/** The nested types by upstream's names (rbac/v1), for strict field validation and the OpenAPI documents. */
export const RBAC_TYPES = { PolicyRule, AggregationRule, RoleRef, Subject };
