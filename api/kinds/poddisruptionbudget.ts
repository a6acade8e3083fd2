// PodDisruptionBudgets (policy/v1): schema, validation as upstream ValidatePodDisruptionBudget, and the
// DisruptionAllowed condition helpers the disruption controller and the eviction subresource share.
import { Type, type Static } from '@sinclair/typebox';
import { LabelSelector, objectSchema } from '../meta.ts';
import { labelSelectorMatcher, type Labels } from '../selectors.ts';
import { GoRepr, invalidValue, nonNegative, notSupported, type FieldError } from '../validation/field.ts';
import { validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsPathSegment } from '../validation/strings.ts';
import { Condition, IntOrString, obj, opt, StringMap, type Kube } from './common.ts';
import { notMoreThan100Percent, validatePositiveIntOrPercent } from './workload-common.ts';

/** Upstream's UnhealthyPodEvictionPolicyType values, sorted as its NotSupported message lists them. */
export const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'] as const;

export const PodDisruptionBudgetSpec = obj({
  minAvailable: opt(IntOrString),
  maxUnavailable: opt(IntOrString),
  selector: opt(LabelSelector),
  unhealthyPodEvictionPolicy: opt(Type.String()),
});
export type PodDisruptionBudgetSpec = Static<typeof PodDisruptionBudgetSpec>;

export const PodDisruptionBudgetStatus = obj({
  observedGeneration: opt(Type.Integer()),
  /** Pod name → when the eviction subresource let it go (RFC 3339); the controller forgets it after 2 minutes. */
  disruptedPods: opt(StringMap),
  disruptionsAllowed: opt(Type.Integer()),
  currentHealthy: opt(Type.Integer()),
  desiredHealthy: opt(Type.Integer()),
  expectedPods: opt(Type.Integer()),
  conditions: opt(Type.Array(Condition)),
});
export type PodDisruptionBudgetStatus = Static<typeof PodDisruptionBudgetStatus>;

export const PodDisruptionBudgetSchema = objectSchema({ spec: opt(PodDisruptionBudgetSpec), status: opt(PodDisruptionBudgetStatus) });
export type PodDisruptionBudget = Kube<{ spec?: PodDisruptionBudgetSpec; status?: PodDisruptionBudgetStatus }>;

/** The condition type and reasons of policy/v1 (DisruptionAllowedCondition, SyncFailedReason, ...). */
export const DISRUPTION_ALLOWED = 'DisruptionAllowed';
export const SYNC_FAILED = 'SyncFailed';
export const SUFFICIENT_PODS = 'SufficientPods';
export const INSUFFICIENT_PODS = 'InsufficientPods';

// Go's %#v of the internal spec struct: pointers print as addresses, which differ per run upstream; these are fixed.
function specRepr(s: PodDisruptionBudgetSpec): GoRepr {
  const ptr = (set: boolean, type: string, addr: string) => `(*${type})(${set ? addr : 'nil'})`;
  return new GoRepr(
    'policy.PodDisruptionBudgetSpec{' +
      `MinAvailable:${ptr(s.minAvailable !== undefined, 'intstr.IntOrString', '0xc000a10000')}, ` +
      `MaxUnavailable:${ptr(s.maxUnavailable !== undefined, 'intstr.IntOrString', '0xc000a10020')}, ` +
      `Selector:${ptr(s.selector !== undefined, 'v1.LabelSelector', '0xc000a10040')}, ` +
      `UnhealthyPodEvictionPolicy:${ptr(s.unhealthyPodEvictionPolicy !== undefined, 'policy.UnhealthyPodEvictionPolicyType', '0xc000a10060')}}`,
  );
}

/** Returns the field errors of a PDB spec (upstream ValidatePodDisruptionBudgetSpec). */
export function validatePodDisruptionBudgetSpec(s: PodDisruptionBudgetSpec, field: string, errs: FieldError[]): void {
  if (s.minAvailable !== undefined && s.maxUnavailable !== undefined)
    errs.push(invalidValue(field, specRepr(s), 'minAvailable and maxUnavailable cannot be both set'));
  for (const k of ['minAvailable', 'maxUnavailable'] as const) {
    validatePositiveIntOrPercent(s[k], `${field}.${k}`, errs);
    notMoreThan100Percent(s[k], `${field}.${k}`, errs);
  }
  validateLabelSelector(s.selector, `${field}.selector`, errs);
  const policy = s.unhealthyPodEvictionPolicy;
  if (policy !== undefined && !(UNHEALTHY_POD_EVICTION_POLICIES as readonly string[]).includes(policy))
    errs.push(notSupported(`${field}.unhealthyPodEvictionPolicy`, policy, UNHEALTHY_POD_EVICTION_POLICIES));
}

/**
 * Returns the field errors of a PDB. Upstream's strategy checks only the spec; the generic registry then
 * checks metadata with names as path segments, and reports those only when the spec passed.
 */
export function validatePodDisruptionBudget(pdb: PodDisruptionBudget): FieldError[] {
  const errs: FieldError[] = [];
  validatePodDisruptionBudgetSpec(pdb.spec ?? {}, 'spec', errs);
  if (errs.length === 0) validateObjectMeta(pdb.metadata, { nameFn: nameIsPathSegment, namespaced: true }, errs);
  return errs;
}

/**
 * Returns the update-only field errors of a PDB: the spec is mutable (since v1.15), so metadata rules, and the
 * status counts must not be negative (upstream ValidatePodDisruptionBudgetStatusUpdate; a main-resource write keeps the stored status).
 */
export function validatePodDisruptionBudgetUpdate(pdb: PodDisruptionBudget, old: PodDisruptionBudget): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(pdb.metadata, old.metadata, errs);
  const st = pdb.status ?? {};
  for (const k of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'] as const) nonNegative(st[k], `status.${k}`, errs);
  return errs;
}

/** Returns whether the status's DisruptionAllowed condition matches its counts (upstream ConditionsAreUpToDate). */
export function pdbConditionsUpToDate(pdb: PodDisruptionBudget): boolean {
  const st = pdb.status ?? {};
  const cond = st.conditions?.find((c) => c.type === DISRUPTION_ALLOWED);
  if (!cond || (st.observedGeneration ?? 0) !== (pdb.metadata.generation ?? 0)) return false;
  return (st.disruptionsAllowed ?? 0) > 0
    ? cond.status === 'True' && cond.reason === SUFFICIENT_PODS
    : cond.status === 'False' && cond.reason === INSUFFICIENT_PODS;
}

/** Sets a condition as apimachinery's SetStatusCondition: lastTransitionTime changes only with the status. */
export function setStatusCondition(conds: Condition[], next: Condition, now: string): Condition[] {
  const cur = conds.find((c) => c.type === next.type);
  if (!cur) return [...conds, { ...next, lastTransitionTime: next.lastTransitionTime ?? now }];
  const lastTransitionTime = cur.status === next.status ? cur.lastTransitionTime : (next.lastTransitionTime ?? now);
  return conds.map((c) => (c === cur ? { ...next, lastTransitionTime } : c));
}

/** Returns the status with DisruptionAllowed set from disruptionsAllowed (upstream UpdateDisruptionAllowedCondition). */
export function withDisruptionAllowedCondition(st: PodDisruptionBudgetStatus, now: string): PodDisruptionBudgetStatus {
  const allowed = (st.disruptionsAllowed ?? 0) > 0;
  const cond: Condition = {
    type: DISRUPTION_ALLOWED,
    status: allowed ? 'True' : 'False',
    reason: allowed ? SUFFICIENT_PODS : INSUFFICIENT_PODS,
    message: '',
    observedGeneration: st.observedGeneration ?? 0,
  };
  return { ...st, conditions: setStatusCondition(st.conditions ?? [], cond, now) };
}

/** Returns whether a budget selects a pod with these labels (policy/v1): a nil or malformed selector selects none, an empty one every pod. */
export function pdbSelects(pdb: PodDisruptionBudget, labels: Labels): boolean {
  try {
    return labelSelectorMatcher(pdb.spec?.selector)(labels);
  } catch {
    return false;
  }
}
