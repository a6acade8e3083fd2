// PriorityClasses (scheduling.k8s.io/v1): schema, defaults and validation as upstream's scheduling
// validation, and the system classes every cluster has (upstream pkg/apis/scheduling/helpers.go).
import { Type } from '@sinclair/typebox';
import { objectSchema } from '../meta.ts';
import { forbiddenField, immutable, type FieldError } from '../validation/field.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsDNSSubdomain } from '../validation/strings.ts';
import { isObj, opt, type Kube } from './common.ts';
import { validateEnum } from './pod-validation.ts';

/** Upstream HighestUserDefinablePriority: user classes may not go above one billion. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** Upstream SystemCriticalPriority: twice the highest user priority. */
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
/** Names starting with this are reserved for the system classes. */
export const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';
/** The priority a pod gets when it names no class and no class is the global default. */
export const DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS = 0;
/** The two preemption policies (upstream core.PreemptLowerPriority, core.PreemptNever). */
export const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never'];

export const PriorityClassSchema = objectSchema({
  value: Type.Integer(),
  globalDefault: opt(Type.Boolean()),
  description: opt(Type.String()),
  preemptionPolicy: opt(Type.String()),
});
export type PriorityClass = Kube<{ value: number; globalDefault?: boolean; description?: string; preemptionPolicy?: string }>;

/** The classes created at API server start (upstream systemPriorityClasses). */
export const SYSTEM_PRIORITY_CLASSES: ReadonlyArray<{ name: string; value: number; description: string }> = [
  { name: 'system-node-critical', value: SYSTEM_CRITICAL_PRIORITY + 1000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: SYSTEM_CRITICAL_PRIORITY, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
];

/** Returns a system class as the API server creates it at start. */
export const systemPriorityClass = (c: (typeof SYSTEM_PRIORITY_CLASSES)[number]): PriorityClass => ({
  apiVersion: 'scheduling.k8s.io/v1',
  kind: 'PriorityClass',
  metadata: { name: c.name },
  value: c.value,
  description: c.description,
});

/** Upstream SetDefaults_PriorityClass: preemptionPolicy PreemptLowerPriority. */
export function defaultPriorityClass(pc: PriorityClass): void {
  if (!isObj(pc)) return;
  pc.preemptionPolicy ??= 'PreemptLowerPriority';
}

/** Returns why a system-prefixed class is not a known system class, or undefined (upstream IsKnownSystemPriorityClass). */
function unknownSystemClass(pc: PriorityClass): string | undefined {
  const known = SYSTEM_PRIORITY_CLASSES.find((s) => s.name === pc.metadata.name);
  if (!known) return `${pc.metadata.name} is not a known system priority class`;
  if (known.value !== pc.value) return `value of ${known.name} PriorityClass must be ${known.value}`;
  if ((pc.globalDefault ?? false) !== false) return `globalDefault of ${known.name} PriorityClass must be false`;
  return undefined;
}

/** Returns the field errors of a priority class (upstream ValidatePriorityClass). */
export function validatePriorityClass(pc: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(pc.metadata, { nameFn: nameIsDNSSubdomain, namespaced: false }, errs);
  if ((pc.metadata.name ?? '').startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const why = unknownSystemClass(pc);
    if (why)
      errs.push(forbiddenField('metadata.name', `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${why}`));
  } else if (pc.value > HIGHEST_USER_DEFINABLE_PRIORITY)
    errs.push(forbiddenField('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  if (pc.preemptionPolicy !== undefined) validateEnum(pc.preemptionPolicy, PREEMPTION_POLICIES, 'preemptionPolicy', errs);
  return errs;
}

/** Returns the update-only field errors: value and preemptionPolicy are immutable (upstream ValidatePriorityClassUpdate). */
export function validatePriorityClassUpdate(pc: PriorityClass, old: PriorityClass): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(pc.metadata, old.metadata, errs);
  if (pc.value !== old.value) errs.push(forbiddenField('value', 'may not be changed in an update.'));
  immutable(pc.preemptionPolicy, old.preemptionPolicy, 'preemptionPolicy', errs);
  return errs;
}
