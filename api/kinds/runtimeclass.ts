// node.k8s.io/v1 RuntimeClass: stored and validated, as upstream pkg/apis/node/validation.
import { Type } from '@sinclair/typebox';
import { objectSchema } from '../meta.ts';
import { immutable, invalidValue, type FieldError } from '../validation/field.ts';
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsDNSLabel, nameIsDNSSubdomain } from '../validation/strings.ts';
import { obj, opt, ResourceList, StringMap, type Kube } from './common.ts';
import { validateResourceList } from './container-validation.ts';
import { Toleration } from './scheduling.ts';
import { validateTolerations } from './scheduling-validation.ts';

export const RuntimeClassSchema = objectSchema({
  handler: opt(Type.String()),
  overhead: opt(obj({ podFixed: opt(ResourceList) })),
  scheduling: opt(obj({ nodeSelector: opt(StringMap), tolerations: opt(Type.Array(Toleration)) })),
});
export type RuntimeClass = Kube<{
  handler?: string;
  overhead?: { podFixed?: ResourceList };
  scheduling?: { nodeSelector?: Record<string, string>; tolerations?: Toleration[] };
}>;

/** Returns the field errors of a RuntimeClass: its handler a DNS label, overhead and scheduling well formed. */
export function validateRuntimeClass(rc: RuntimeClass): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(rc.metadata, { nameFn: nameIsDNSSubdomain, namespaced: false }, errs);
  for (const m of nameIsDNSLabel(rc.handler ?? '', false)) errs.push(invalidValue('handler', rc.handler ?? '', m));
  validateResourceList(rc.overhead?.podFixed, 'overhead.podFixed', errs);
  validateLabels(rc.scheduling?.nodeSelector, 'scheduling.nodeSelector', errs);
  validateTolerations(rc.scheduling?.tolerations, 'scheduling.tolerations', errs);
  return errs;
}

/** Returns the update-only field errors of a RuntimeClass: the handler is immutable. */
export function validateRuntimeClassUpdate(rc: RuntimeClass, old: RuntimeClass): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(rc.metadata, old.metadata, errs);
  immutable(rc.handler ?? '', old.handler ?? '', 'handler', errs);
  return errs;
}
