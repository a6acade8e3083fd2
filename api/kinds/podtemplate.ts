// PodTemplates (core/v1): a stored pod template; validation as upstream ValidatePodTemplate.
import { objectSchema } from '../meta.ts';
import type { FieldError } from '../validation/field.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsDNSSubdomain } from '../validation/strings.ts';
import { isObj, opt, type Kube } from './common.ts';
import { PodTemplateSpec } from './pod.ts';
import { validatePodTemplateSpec } from './pod-validation.ts';
import { defaultTemplateOf } from './workload-common.ts';

export const PodTemplateSchema = objectSchema({ template: opt(PodTemplateSpec) });
export type PodTemplate = Kube<{ template?: PodTemplateSpec }>;

/** Fills the pod-spec defaults of the template (templates do not get the pod-only defaults). */
export function defaultPodTemplate(pt: PodTemplate): void {
  if (isObj(pt) && isObj(pt.template)) defaultTemplateOf(pt as unknown as Record<string, unknown>);
}

/** Returns the field errors of a pod template. */
export function validatePodTemplate(pt: PodTemplate): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(pt.metadata, { nameFn: nameIsDNSSubdomain, namespaced: true }, errs);
  validatePodTemplateSpec(pt.template ?? { spec: { containers: [] } }, 'template', errs);
  return errs;
}

/** Returns the update-only field errors of a pod template (its template stays mutable). */
export function validatePodTemplateUpdate(pt: PodTemplate, old: PodTemplate): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(pt.metadata, old.metadata, errs);
  return errs;
}
