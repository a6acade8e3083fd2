// What the workload kinds (ReplicaSet, Deployment, DaemonSet, StatefulSet, Job) share: selector and template checks,
// int-or-percent rules, template defaults, and the status reset on create.
import type { LabelSelector } from '../meta.ts';
import { isEmptySelector, labelSelectorMatcher } from '../selectors.ts';
import { child, forbiddenField, goStringMap, GoRepr, invalidValue, nonNegative, notSupported, required, type FieldError } from '../validation/field.ts';
import { labelSelectorRepr, validateLabelSelector } from '../validation/meta.ts';
import { isValidPercent } from '../validation/strings.ts';
import { ensureObj, isObj, type IntOrString } from './common.ts';
import { defaultPodSpec, type PodTemplateSpec } from './pod.ts';
import { validatePodTemplateSpec } from './pod-validation.ts';

/** Applies the pod-spec defaults to a workload's spec.template.spec (templates do not get the pod-only defaults). */
export function defaultTemplateOf(spec: Record<string, unknown> | undefined): void {
  if (!spec) return;
  const t = ensureObj(spec, 'template');
  const ps = t && ensureObj(t, 'spec');
  if (ps) defaultPodSpec(ps, false);
}

/** Returns the object's spec as a plain object (created when absent), or undefined for malformed input. */
export const specObj = (o: unknown): Record<string, unknown> | undefined => (isObj(o) ? ensureObj(o, 'spec') : undefined);

/** Resets status on create, as the workload strategies do. */
export function resetStatus(o: unknown): void {
  if (isObj(o)) o.status = {};
}

/** Returns whether a LabelSelector selects a label set; false when the selector cannot be converted. */
function selectorMatches(sel: LabelSelector, labels: Record<string, string> | undefined): boolean | undefined {
  try {
    return labelSelectorMatcher(sel)(labels ?? {});
  } catch {
    return undefined;
  }
}

/** Validates a required, non-empty selector (`what` names the kind in upstream's "empty selector is invalid for <what>"). */
export function validateWorkloadSelector(sel: LabelSelector | undefined, what: string, field: string, errs: FieldError[]): void {
  if (!sel) {
    errs.push(required(field));
    return;
  }
  validateLabelSelector(sel, field, errs);
  if (isEmptySelector(sel))
    errs.push(invalidValue(field, labelSelectorRepr(sel), `empty selector is invalid for ${what}`));
}

/** Validates that a template's labels satisfy the selector; `field` is the template path. An absent selector selects nothing (so it fails too, as upstream). */
export function validateSelectorMatchesTemplate(sel: LabelSelector | undefined, template: PodTemplateSpec, field: string, errs: FieldError[]): void {
  const labels = template.metadata?.labels;
  const ok = sel ? selectorMatches(sel, labels) : false;
  if (ok === undefined) errs.push(invalidValue(field.replace(/template$/, 'selector'), labelSelectorRepr(sel), 'invalid label selector'));
  else if (!ok) errs.push(invalidValue(child(child(field, 'metadata'), 'labels'), new GoRepr(goStringMap(labels)), '`selector` does not match template `labels`'));
}

/** Validates a controller's pod template: the full pod-template rules, restartPolicy Always, no activeDeadlineSeconds. */
export function validateControllerTemplate(template: PodTemplateSpec, kindName: string, field: string, errs: FieldError[], full = true): void {
  if (full) validatePodTemplateSpec(template, field, errs);
  const rp = template.spec.restartPolicy ?? '';
  if (rp !== 'Always') errs.push(notSupported(child(child(field, 'spec'), 'restartPolicy'), rp, ['Always']));
  if (template.spec.activeDeadlineSeconds !== undefined)
    errs.push(forbiddenField(child(child(field, 'spec'), 'activeDeadlineSeconds'), `activeDeadlineSeconds in ${kindName} is not Supported`));
}

function percentValue(v: IntOrString): number | undefined {
  if (typeof v !== 'string' || isValidPercent(v).length) return undefined;
  return Number(v.slice(0, -1));
}

/** Returns the numeric value of an int-or-percent ("25%" → 25), as upstream getIntOrPercentValue. */
export const intOrPercentValue = (v: IntOrString | undefined): number =>
  v === undefined ? 0 : (percentValue(v) ?? (typeof v === 'number' ? v : 0));

/** Returns an int-or-string rendered as Go's %#v of intstr.IntOrString. */
export const intOrStringRepr = (v: IntOrString): GoRepr =>
  new GoRepr(
    typeof v === 'number'
      ? `intstr.IntOrString{Type:0, IntVal:${v}, StrVal:""}`
      : `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(v)}}`,
  );

/** Validates a non-negative integer or a percentage (upstream ValidatePositiveIntOrPercent). */
export function validatePositiveIntOrPercent(v: IntOrString | undefined, field: string, errs: FieldError[]): void {
  if (v === undefined) return;
  if (typeof v === 'string') for (const m of isValidPercent(v)) errs.push(invalidValue(field, intOrStringRepr(v), m));
  else nonNegative(v, field, errs);
}

/** Validates that a percentage is at most 100% (upstream IsNotMoreThan100Percent). */
export function notMoreThan100Percent(v: IntOrString | undefined, field: string, errs: FieldError[]): void {
  const p = v === undefined ? undefined : percentValue(v);
  if (p !== undefined && p > 100) errs.push(invalidValue(field, intOrStringRepr(v!), 'must not be greater than 100%'));
}
