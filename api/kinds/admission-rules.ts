// The rules that admission webhooks and ValidatingAdmissionPolicies match requests by (admissionregistration.k8s.io/v1
// RuleWithOperations), with upstream's defaults and validation (pkg/apis/admissionregistration/validation).
import { Type, type Static } from '@sinclair/typebox';
import { child, index, invalidValue, notSupported, required, type FieldError } from '../validation/field.ts';
import { isObj, obj, objItems, opt } from './common.ts';

const strings = Type.Array(Type.String());

export const RuleWithOperations = obj({
  operations: opt(strings),
  apiGroups: opt(strings),
  apiVersions: opt(strings),
  resources: opt(strings),
  scope: opt(Type.String()),
});
export type RuleWithOperations = Static<typeof RuleWithOperations>;

const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const SCOPES = ['*', 'Cluster', 'Namespaced'];

/** Sets each rule's scope to "*" when unset (SetDefaults_Rule). */
export function defaultRules(rules: unknown): void {
  for (const r of objItems(rules)) r.scope ??= '*';
}

/** Sets empty namespace and object selectors ({}, matching everything) where unset, as upstream's webhook and match defaults. */
export function defaultSelectors(o: Record<string, unknown>): void {
  if (!isObj(o.namespaceSelector)) o.namespaceSelector = {};
  if (!isObj(o.objectSelector)) o.objectSelector = {};
}

function validateResources(resources: string[], field: string, errs: FieldError[]): void {
  if (resources.length === 0) errs.push(required(field));
  const wildSub = new Set<string>();
  const wildRes = new Set<string>();
  let doubleWild = false;
  let singleWild = false;
  let plain = false;
  resources.forEach((rs, i) => {
    if (rs === '') return void errs.push(required(index(field, i)));
    if (rs === '*/*') doubleWild = true;
    if (rs === '*') singleWild = true;
    const slash = rs.indexOf('/');
    if (slash < 0) return void (plain = rs !== '*');
    const res = rs.slice(0, slash);
    const sub = rs.slice(slash + 1);
    if (wildSub.has(res)) errs.push(invalidValue(index(field, i), rs, `if '${res}/*' is present, must not specify ${rs}`));
    if (wildRes.has(sub)) errs.push(invalidValue(index(field, i), rs, `if '*/${sub}' is present, must not specify ${rs}`));
    if (sub === '*') wildSub.add(res);
    if (res === '*') wildRes.add(sub);
  });
  if (resources.length > 1 && doubleWild) errs.push(invalidValue(field, resources, "if '*/*' is present, must not specify other resources"));
  if (singleWild && plain) errs.push(invalidValue(field, resources, "if '*' is present, must not specify other resources without subresources"));
}

/** Validates one rule with operations (upstream validateRuleWithOperations, subresources allowed). */
export function validateRuleWithOperations(r: RuleWithOperations, field: string, errs: FieldError[]): void {
  const ops = r.operations ?? [];
  if (ops.length === 0) errs.push(required(child(field, 'operations')));
  if (ops.length > 1 && ops.includes('*')) errs.push(invalidValue(child(field, 'operations'), ops, "if '*' is present, must not specify other operations"));
  ops.forEach((op, i) => {
    if (!OPERATIONS.includes(op)) errs.push(notSupported(index(child(field, 'operations'), i), op, OPERATIONS));
  });
  const groups = r.apiGroups ?? [];
  if (groups.length === 0) errs.push(required(child(field, 'apiGroups')));
  if (groups.length > 1 && groups.includes('*')) errs.push(invalidValue(child(field, 'apiGroups'), groups, "if '*' is present, must not specify other API groups"));
  const versions = r.apiVersions ?? [];
  if (versions.length === 0) errs.push(required(child(field, 'apiVersions')));
  if (versions.length > 1 && versions.includes('*')) errs.push(invalidValue(child(field, 'apiVersions'), versions, "if '*' is present, must not specify other API versions"));
  versions.forEach((v, i) => {
    if (v === '') errs.push(required(index(child(field, 'apiVersions'), i)));
  });
  validateResources(r.resources ?? [], child(field, 'resources'), errs);
  if (r.scope !== undefined && !SCOPES.includes(r.scope)) errs.push(notSupported(child(field, 'scope'), r.scope, SCOPES));
}

/** What a rule is matched against: one request's operation and resource. */
export interface RuleRequest {
  operation: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  namespaced: boolean;
}

const hit = (list: readonly string[] | undefined, v: string) => (list ?? []).some((x) => x === '*' || x === v);

/** Returns true when a rule matches a request (upstream's rules.Matcher: operation, group, version, resource, scope). */
export function ruleMatches(r: RuleWithOperations, req: RuleRequest): boolean {
  if (!hit(r.operations, req.operation) || !hit(r.apiGroups, req.group) || !hit(r.apiVersions, req.version)) return false;
  // As upstream's rules.Matcher: "pods" names no subresource, "*" any resource without one, "pods/*" every one of pods.
  const resOk = (r.resources ?? []).some((x) => {
    const slash = x.indexOf('/');
    const res = slash < 0 ? x : x.slice(0, slash);
    const sub = slash < 0 ? '' : x.slice(slash + 1);
    return (res === '*' || res === req.resource) && (sub === '*' || sub === req.subresource);
  });
  if (!resOk) return false;
  const scope = r.scope ?? '*';
  return scope === '*' || (scope === 'Namespaced') === req.namespaced;
}
