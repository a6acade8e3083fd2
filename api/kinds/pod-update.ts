// Pod update rules as upstream ValidatePodUpdate: the spec is immutable except a few fields.
import { child, deepEqual, forbiddenField, goValue, index, invalidValue, type FieldError } from '../validation/field.ts';
import { validateObjectMetaUpdate } from '../validation/meta.ts';
import { inclusiveRangeError } from '../validation/strings.ts';
import type { Container } from './container.ts';
import type { Pod, PodSpec } from './pod.ts';
import { validateTolerations } from './scheduling-validation.ts';
import type { Toleration } from './scheduling.ts';

const MAX_INT32 = 2147483647;

/** Upstream's list of what a pod update may change, as it appears in the Forbidden message. */
export const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

// Image checks of upstream's ValidateContainerUpdates are left to validate(), which runs on every update too.
function containerUpdates(next: Container[], prev: Container[], field: string, errs: FieldError[]): boolean {
  if (next.length === prev.length) return false;
  errs.push(forbiddenField(field, 'pod updates may not add or remove containers'));
  return true;
}

function onlyAddedTolerations(next: Toleration[] = [], prev: Toleration[] = [], field: string, errs: FieldError[]): void {
  for (const o of prev) {
    const found = next.some((n) => deepEqual({ ...o, tolerationSeconds: n.tolerationSeconds }, n));
    if (!found) {
      errs.push(forbiddenField(field, 'existing toleration can not be modified except its tolerationSeconds'));
      return;
    }
  }
  validateTolerations(next, field, errs);
}

/** Returns a short `- path: old` / `+ path: new` listing of where two JSON values differ (stands in for cmp.Diff). */
export function diffLines(a: unknown, b: unknown, path: string, out: string[] = [], limit = 12): string[] {
  if (out.length >= limit || deepEqual(a, b)) return out;
  const isMap = (v: unknown) => typeof v === 'object' && v !== null;
  if (isMap(a) && isMap(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    for (const k of keys) {
      const p = Array.isArray(a) ? index(path, Number(k)) : child(path, k);
      diffLines((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], p, out, limit);
    }
    return out;
  }
  out.push(`  - ${path}: ${goValue(a)}`, `  + ${path}: ${goValue(b)}`);
  return out;
}

/** Returns the update-only field errors of a pod (metadata update rules, spec immutability); validate() covers the rest. */
export function validatePodUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(pod.metadata, old.metadata, errs);
  const spec = pod.spec;
  const prev = old.spec;
  if (containerUpdates(spec.containers, prev.containers, 'spec.containers', errs)) return errs;
  if (containerUpdates(spec.initContainers ?? [], prev.initContainers ?? [], 'spec.initContainers', errs)) return errs;
  const ads = spec.activeDeadlineSeconds;
  if (ads !== undefined) {
    if (ads < 0 || ads > MAX_INT32) {
      errs.push(invalidValue('spec.activeDeadlineSeconds', ads, inclusiveRangeError(0, MAX_INT32)));
      return errs;
    }
    if (prev.activeDeadlineSeconds !== undefined && prev.activeDeadlineSeconds < ads) {
      errs.push(invalidValue('spec.activeDeadlineSeconds', ads, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (prev.activeDeadlineSeconds !== undefined) {
    errs.push(invalidValue('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  onlyAddedTolerations(spec.tolerations, prev.tolerations, 'spec.tolerations', errs);
  if (deepEqual(spec, prev)) return errs;
  const munged: PodSpec = {
    ...spec,
    containers: spec.containers.map((c, i) => ({ ...c, image: prev.containers[i].image })),
    initContainers: spec.initContainers?.map((c, i) => ({ ...c, image: prev.initContainers![i].image })),
    activeDeadlineSeconds: prev.activeDeadlineSeconds,
    schedulingGates: prev.schedulingGates,
    tolerations: prev.tolerations,
  };
  if ((prev.terminationGracePeriodSeconds ?? 0) < 0 && munged.terminationGracePeriodSeconds === 1)
    munged.terminationGracePeriodSeconds = prev.terminationGracePeriodSeconds;
  if (!deepEqual(munged, prev)) {
    const diff = diffLines(prev, munged, 'spec').join('\n');
    errs.push(forbiddenField('spec', `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${diff}`));
  }
  return errs;
}
