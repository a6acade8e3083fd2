// ReplicationControllers (core/v1): the ReplicaSet's predecessor with an equality-based selector (a
// label map); defaults and validation as upstream SetDefaults_ReplicationController / ValidateReplicationController.
import { Type, type Static } from '@sinclair/typebox';
import { objectSchema } from '../meta.ts';
import { child, goStringMap, GoRepr, invalidValue, nonNegative, required, type FieldError } from '../validation/field.ts';
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsDNSSubdomain } from '../validation/strings.ts';
import { Condition, isObj, obj, opt, StringMap, type Kube } from './common.ts';
import { PodTemplateSpec } from './pod.ts';
import { defaultTemplateOf, specObj, validateControllerTemplate } from './workload-common.ts';

export const ReplicationControllerSpec = obj({
  replicas: opt(Type.Integer()),
  minReadySeconds: opt(Type.Integer()),
  selector: opt(StringMap),
  template: opt(PodTemplateSpec),
});
export type ReplicationControllerSpec = Static<typeof ReplicationControllerSpec>;

export const ReplicationControllerStatus = obj({
  replicas: opt(Type.Integer()),
  fullyLabeledReplicas: opt(Type.Integer()),
  readyReplicas: opt(Type.Integer()),
  availableReplicas: opt(Type.Integer()),
  observedGeneration: opt(Type.Integer()),
  conditions: opt(Type.Array(Condition)),
});

export const ReplicationControllerSchema = objectSchema({ spec: opt(ReplicationControllerSpec), status: opt(ReplicationControllerStatus) });
export type ReplicationController = Kube<{ spec: ReplicationControllerSpec; status?: Static<typeof ReplicationControllerStatus> }>;

/** Fills defaults in place: selector and labels from the template's labels when empty, replicas 1, template pod-spec defaults. */
export function defaultReplicationController(rc: ReplicationController): void {
  const spec = specObj(rc);
  if (!spec) return;
  const t = isObj(spec.template) ? spec.template : undefined;
  const labels = t && isObj(t.metadata) && isObj(t.metadata.labels) ? (t.metadata.labels as Record<string, string>) : undefined;
  if (labels) {
    if (!isObj(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    if (isObj(rc.metadata) && Object.keys(rc.metadata.labels ?? {}).length === 0) rc.metadata.labels = { ...labels };
  }
  if (spec.replicas == null) spec.replicas = 1;
  if (t) defaultTemplateOf(spec);
}

function validateSpec(s: ReplicationControllerSpec, errs: FieldError[]): void {
  nonNegative(s.minReadySeconds, 'spec.minReadySeconds', errs);
  const selector = s.selector ?? {};
  // ValidateNonEmptySelector: the map must select something.
  if (Object.keys(selector).length === 0) errs.push(required('spec.selector'));
  else validateLabels(selector, 'spec.selector', errs);
  nonNegative(s.replicas, 'spec.replicas', errs);
  // ValidatePodTemplateSpecForRC.
  if (!s.template) {
    errs.push(required('spec.template'));
    return;
  }
  const labels = s.template.metadata?.labels ?? {};
  if (Object.keys(selector).length && !Object.entries(selector).every(([k, v]) => labels[k] === v))
    errs.push(invalidValue(child('spec.template', 'metadata.labels'), new GoRepr(goStringMap(s.template.metadata?.labels)), '`selector` does not match template `labels`'));
  validateControllerTemplate(s.template, 'ReplicationController', 'spec.template', errs);
}

/** Returns the field errors of a replication controller (upstream ValidateReplicationController). */
export function validateReplicationController(rc: ReplicationController): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(rc.metadata, { nameFn: nameIsDNSSubdomain, namespaced: true }, errs);
  validateSpec(rc.spec ?? {}, errs);
  return errs;
}

/** Returns the update-only field errors: metadata rules (the selector of an RC may change, unlike a ReplicaSet's). */
export function validateReplicationControllerUpdate(rc: ReplicationController, old: ReplicationController): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(rc.metadata, old.metadata, errs);
  return errs;
}
