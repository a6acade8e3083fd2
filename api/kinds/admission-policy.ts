// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding: schemas, v1
// defaults and upstream's validation, CEL expressions compiled (pkg/apis/admissionregistration/validation).
import { Type, type Static } from '@sinclair/typebox';
import { celCompileProblem } from '../cel.ts';
import { LabelSelector, objectSchema } from '../meta.ts';
import { child, duplicate, forbiddenField, index, invalidValue, notSupported, required, tooMany, type FieldError } from '../validation/field.ts';
import { validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { isDNS1035Label, isDNS1123Subdomain, isQualifiedName, nameIsDNSSubdomain, nameIsPathSegment } from '../validation/strings.ts';
import { defaultRules, defaultSelectors, RuleWithOperations, validateRuleWithOperations } from './admission-rules.ts';
import { ensureObj, isObj, obj, opt, type Kube } from './common.ts';

const strings = Type.Array(Type.String());
const NamedRule = Type.Intersect([RuleWithOperations, obj({ resourceNames: opt(strings) })]);
export type NamedRule = Static<typeof NamedRule>;
export const MatchResources = obj({
  namespaceSelector: opt(LabelSelector),
  objectSelector: opt(LabelSelector),
  resourceRules: opt(Type.Array(NamedRule)),
  excludeResourceRules: opt(Type.Array(NamedRule)),
  matchPolicy: opt(Type.String()),
});
export type MatchResources = Static<typeof MatchResources>;
const Validation = obj({ expression: opt(Type.String()), message: opt(Type.String()), reason: opt(Type.String()), messageExpression: opt(Type.String()) });
export type Validation = Static<typeof Validation>;
const Expression = obj({ name: opt(Type.String()), expression: opt(Type.String()) });

export const ValidatingAdmissionPolicySpec = obj({
  paramKind: opt(obj({ apiVersion: opt(Type.String()), kind: opt(Type.String()) })),
  matchConstraints: opt(MatchResources),
  validations: opt(Type.Array(Validation)),
  failurePolicy: opt(Type.String()),
  auditAnnotations: opt(Type.Array(obj({ key: opt(Type.String()), valueExpression: opt(Type.String()) }))),
  matchConditions: opt(Type.Array(Expression)),
  variables: opt(Type.Array(Expression)),
});
export type ValidatingAdmissionPolicySpec = Static<typeof ValidatingAdmissionPolicySpec>;
export const ValidatingAdmissionPolicySchema = objectSchema({ spec: opt(ValidatingAdmissionPolicySpec), status: opt(Type.Unknown()) });
export type ValidatingAdmissionPolicy = Kube<{ spec?: ValidatingAdmissionPolicySpec; status?: unknown }>;

export const ParamRef = obj({ name: opt(Type.String()), namespace: opt(Type.String()), selector: opt(LabelSelector), parameterNotFoundAction: opt(Type.String()) });
export type ParamRef = Static<typeof ParamRef>;
export const BindingSpec = obj({
  policyName: opt(Type.String()),
  paramRef: opt(ParamRef),
  matchResources: opt(MatchResources),
  validationActions: opt(strings),
});
export const ValidatingAdmissionPolicyBindingSchema = objectSchema({ spec: opt(BindingSpec) });
export type ValidatingAdmissionPolicyBinding = Kube<{ spec?: Static<typeof BindingSpec> }>;

const REASONS = ['Forbidden', 'Invalid', 'RequestEntityTooLarge', 'Unauthorized'];
const ACTIONS = ['Audit', 'Deny', 'Warn'];
const CEL_IDENTIFIER = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

function defaultMatchResources(m: unknown): void {
  if (!isObj(m)) return;
  m.matchPolicy ??= 'Equivalent';
  defaultSelectors(m);
  defaultRules(m.resourceRules);
  defaultRules(m.excludeResourceRules);
}

/** Fills a policy's v1 defaults: failurePolicy Fail, matchPolicy Equivalent, {} selectors, rule scope "*". */
export function defaultValidatingAdmissionPolicy(p: ValidatingAdmissionPolicy): void {
  if (!isObj(p)) return;
  const spec = ensureObj(p as Record<string, unknown>, 'spec');
  if (!spec) return;
  spec.failurePolicy ??= 'Fail';
  defaultMatchResources(spec.matchConstraints);
}

/** Fills a binding's v1 defaults: paramRef.parameterNotFoundAction Deny, and its matchResources as a policy's. */
export function defaultValidatingAdmissionPolicyBinding(b: ValidatingAdmissionPolicyBinding): void {
  if (!isObj(b)) return;
  if (!isObj(b.spec)) return;
  if (isObj(b.spec.paramRef)) b.spec.paramRef.parameterNotFoundAction ??= 'Deny';
  defaultMatchResources(b.spec.matchResources);
}

function validateMatchResources(m: MatchResources | undefined, field: string, errs: FieldError[]): void {
  if (!m) return;
  if (m.matchPolicy === undefined) errs.push(required(child(field, 'matchPolicy')));
  else if (!['Equivalent', 'Exact'].includes(m.matchPolicy)) errs.push(notSupported(child(field, 'matchPolicy'), m.matchPolicy, ['Equivalent', 'Exact']));
  for (const sel of ['namespaceSelector', 'objectSelector'] as const) {
    if (!m[sel]) errs.push(required(child(field, sel)));
    else validateLabelSelector(m[sel], child(field, sel), errs);
  }
  for (const k of ['resourceRules', 'excludeResourceRules'] as const)
    (m[k] ?? []).forEach((r, i) => {
      const f = index(child(field, k), i);
      const seen = new Set<string>();
      (r.resourceNames ?? []).forEach((n, j) => {
        const nf = index(child(f, 'resourceNames'), j);
        for (const msg of nameIsPathSegment(n, false)) errs.push(invalidValue(nf, n, msg));
        if (seen.has(n)) errs.push(duplicate(nf, n));
        seen.add(n);
      });
      validateRuleWithOperations(r, f, errs);
    });
}

function validateExpression(expr: string, params: boolean, field: string, errs: FieldError[], what = ''): void {
  if (!expr.trim()) return void errs.push(required(field, what));
  const problem = celCompileProblem(expr, { params });
  if (problem) errs.push(invalidValue(field, expr, problem));
}

function validateParamKind(pk: { apiVersion?: string; kind?: string }, errs: FieldError[]): void {
  const f = 'spec.paramKind';
  const av = pk.apiVersion ?? '';
  if (!av) errs.push(required(child(f, 'apiVersion')));
  else if (av.split('/').length > 2) errs.push(invalidValue(child(f, 'apiVersion'), av, `unexpected GroupVersion string: ${av}`));
  else {
    const [group, version] = av.includes('/') ? av.split('/') : ['', av];
    if (group && isDNS1123Subdomain(group).length) errs.push(invalidValue(child(f, 'apiVersion'), group, isDNS1123Subdomain(group).join(',')));
    if (!version) errs.push(invalidValue(child(f, 'apiVersion'), av, 'version must be specified'));
    else if (isDNS1035Label(version).length) errs.push(invalidValue(child(f, 'apiVersion'), version, isDNS1035Label(version).join(',')));
  }
  const kind = pk.kind ?? '';
  if (!kind) errs.push(required(child(f, 'kind')));
  else if (isDNS1035Label(kind.toLowerCase()).length)
    errs.push(invalidValue(child(f, 'kind'), kind, `may have mixed case, but should otherwise match: ${isDNS1035Label(kind.toLowerCase()).join(',')}`));
}

function validateValidation(v: Validation, params: boolean, field: string, errs: FieldError[]): void {
  validateExpression(v.expression ?? '', params, child(field, 'expression'), errs, 'expression is not specified');
  const me = v.messageExpression;
  if (me !== undefined && me.length > 0 && !me.trim()) errs.push(invalidValue(child(field, 'messageExpression'), me, 'must be non-empty if specified'));
  else if (me?.trim()) validateExpression(me, params, child(field, 'messageExpression'), errs);
  const msg = v.message ?? '';
  if (msg.length > 0 && !msg.trim()) errs.push(invalidValue(child(field, 'message'), msg, 'message must be non-empty if specified'));
  else if (/[\n\r]/.test(msg.trim())) errs.push(invalidValue(child(field, 'message'), msg, 'message must not contain line breaks'));
  if (v.reason !== undefined && !REASONS.includes(v.reason)) errs.push(notSupported(child(field, 'reason'), v.reason, REASONS));
}

/** Returns the field errors of a ValidatingAdmissionPolicy, its CEL expressions compiled. */
export function validateValidatingAdmissionPolicy(p: ValidatingAdmissionPolicy): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(p.metadata, { nameFn: nameIsDNSSubdomain, namespaced: false }, errs);
  const s = p.spec ?? {};
  const params = !!s.paramKind;
  if (s.failurePolicy === undefined) errs.push(required('spec.failurePolicy'));
  else if (!['Fail', 'Ignore'].includes(s.failurePolicy)) errs.push(notSupported('spec.failurePolicy', s.failurePolicy, ['Fail', 'Ignore']));
  if (s.paramKind) validateParamKind(s.paramKind, errs);
  if (!s.matchConstraints) errs.push(required('spec.matchConstraints'));
  else {
    validateMatchResources(s.matchConstraints, 'spec.matchConstraints', errs);
    if (!s.matchConstraints.resourceRules?.length) errs.push(required('spec.matchConstraints.resourceRules'));
  }
  const conds = s.matchConditions ?? [];
  if (conds.length > 64) errs.push(tooMany('spec.matchConditions', conds.length, 64));
  const names = new Set<string>();
  conds.forEach((c, i) => {
    const f = index('spec.matchConditions', i);
    validateExpression(c.expression ?? '', params, child(f, 'expression'), errs);
    if (!c.name) errs.push(required(child(f, 'name')));
    else for (const m of isQualifiedName(c.name)) errs.push(invalidValue(child(f, 'name'), c.name, m));
    if (c.name && names.has(c.name)) errs.push(duplicate(child(f, 'name'), c.name));
    names.add(c.name ?? '');
  });
  (s.variables ?? []).forEach((v, i) => {
    const f = index('spec.variables', i);
    if (!v.name?.trim()) errs.push(required(child(f, 'name'), 'name is not specified'));
    else if (!CEL_IDENTIFIER.test(v.name)) errs.push(invalidValue(child(f, 'name'), v.name, 'name is not a valid CEL identifier'));
    validateExpression(v.expression ?? '', params, child(f, 'expression'), errs, 'expression is not specified');
  });
  if (!s.validations?.length && !s.auditAnnotations?.length) {
    errs.push(required('spec.validations', 'validations or auditAnnotations must contain at least one item'));
    errs.push(required('spec.auditAnnotations', 'validations or auditAnnotations must contain at least one item'));
  } else {
    (s.validations ?? []).forEach((v, i) => validateValidation(v, params, index('spec.validations', i), errs));
    validateAuditAnnotations(s.auditAnnotations, p.metadata.name ?? '', params, errs);
  }
  return errs;
}

const MAX_AUDIT_ANNOTATIONS = 20;
const MAX_VALUE_EXPRESSION = 5 * 1024;

/** Checks audit annotations as upstream (keys qualified under the policy's name, unique; value expressions compile). */
function validateAuditAnnotations(list: ValidatingAdmissionPolicySpec['auditAnnotations'], policy: string, params: boolean, errs: FieldError[]): void {
  if (!list) return;
  if (list.length > MAX_AUDIT_ANNOTATIONS) errs.push(invalidValue('spec.auditAnnotations', list, `must not have more than ${MAX_AUDIT_ANNOTATIONS} auditAnnotations`));
  const keys = new Set<string>();
  list.forEach((a, i) => {
    const f = index('spec.auditAnnotations', i);
    const key = a.key ?? '';
    if (policy) for (const m of isQualifiedName(`${policy}/${key}`)) errs.push(invalidValue(child(f, 'key'), `${policy}/${key}`, m));
    else errs.push(invalidValue(child(f, 'key'), key, 'requires metadata.name be non-empty'));
    const ve = (a.valueExpression ?? '').trim();
    if (!ve) errs.push(required(child(f, 'valueExpression'), 'valueExpression is not specified'));
    else if (ve.length > MAX_VALUE_EXPRESSION) errs.push(required(child(f, 'valueExpression'), `must not exceed ${MAX_VALUE_EXPRESSION} bytes in length`));
    else {
      const problem = celCompileProblem(ve, { params });
      if (problem) errs.push(invalidValue(child(f, 'valueExpression'), a.valueExpression, problem));
    }
    if (keys.has(key)) errs.push(duplicate(child(f, 'key'), key));
    keys.add(key);
  });
}

function validateParamRef(pr: ParamRef | undefined, errs: FieldError[]): void {
  if (!pr) return;
  const f = 'spec.paramRef';
  if (pr.name) {
    for (const m of nameIsPathSegment(pr.name, false)) errs.push(invalidValue(child(f, 'name'), pr.name, m));
    if (pr.selector) errs.push(forbiddenField(child(f, 'name'), 'name and selector are mutually exclusive'));
  }
  if (pr.selector) {
    validateLabelSelector(pr.selector, child(f, 'selector'), errs);
    if (pr.name) errs.push(forbiddenField(child(f, 'selector'), 'name and selector are mutually exclusive'));
  }
  if (!pr.name && !pr.selector) errs.push(required(f, 'one of name or selector must be specified'));
  const a = pr.parameterNotFoundAction;
  if (!a) errs.push(required(child(f, 'parameterNotFoundAction')));
  else if (a !== 'Deny' && a !== 'Allow') errs.push(notSupported(child(f, 'parameterNotFoundAction'), a, ['Deny', 'Allow']));
}

/** Returns the field errors of a ValidatingAdmissionPolicyBinding. */
export function validateValidatingAdmissionPolicyBinding(b: ValidatingAdmissionPolicyBinding): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(b.metadata, { nameFn: nameIsDNSSubdomain, namespaced: false }, errs);
  const s = b.spec ?? {};
  if (!s.policyName) errs.push(required('spec.policyName'));
  else for (const m of nameIsDNSSubdomain(s.policyName, false)) errs.push(invalidValue('spec.policyName', s.policyName, m));
  validateParamRef(s.paramRef, errs);
  validateMatchResources(s.matchResources, 'spec.matchResources', errs);
  const actions = s.validationActions ?? [];
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    if (!ACTIONS.includes(a)) errs.push(notSupported(index('spec.validationActions', i), a, ACTIONS));
    if (seen.has(a)) errs.push(duplicate(index('spec.validationActions', i), a));
    seen.add(a);
  });
  if (seen.has('Deny') && seen.has('Warn'))
    errs.push(invalidValue('spec.validationActions', actions, 'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)'));
  if (seen.size === 0) errs.push(required('spec.validationActions', 'at least one validation action is required'));
  return errs;
}

/** Returns the update-only field errors of a policy or binding. */
export function validateAdmissionPolicyUpdate(p: ValidatingAdmissionPolicy | ValidatingAdmissionPolicyBinding, old: ValidatingAdmissionPolicy | ValidatingAdmissionPolicyBinding): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(p.metadata, old.metadata, errs);
  return errs;
}

/** The nested types by upstream's names (admissionregistration/v1), for strict field validation and the OpenAPI documents. */
export const ADMISSION_POLICY_TYPES = {
  ValidatingAdmissionPolicySpec,
  MatchResources,
  Validation,
  Variable: Expression,
  ValidatingAdmissionPolicyBindingSpec: BindingSpec,
  ParamRef,
};
