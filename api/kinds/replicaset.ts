// ReplicaSets (apps/v1): schema, defaults (replicas 1), validation and selector immutability.
import { Type, type Static } from '@sinclair/typebox';
import { LabelSelector, objectSchema } from '../meta.ts';
import { immutable, nonNegative, type FieldError } from '../validation/field.ts';
import { labelSelectorRepr, validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsDNSSubdomain } from '../validation/strings.ts';
import { Condition, isObj, obj, opt, type Kube } from './common.ts';
import { PodTemplateSpec } from './pod.ts';
import { defaultTemplateOf, specObj, validateControllerTemplate, validateSelectorMatchesTemplate, validateWorkloadSelector } from './workload-common.ts';

export const ReplicaSetSpec = obj({
  replicas: opt(Type.Integer()),
  minReadySeconds: opt(Type.Integer()),
  selector: opt(LabelSelector),
  template: PodTemplateSpec,
});
export type ReplicaSetSpec = Static<typeof ReplicaSetSpec>;

export const ReplicaSetStatus = obj({
  replicas: opt(Type.Integer()),
  fullyLabeledReplicas: opt(Type.Integer()),
  readyReplicas: opt(Type.Integer()),
  availableReplicas: opt(Type.Integer()),
  terminatingReplicas: opt(Type.Integer()),
  observedGeneration: opt(Type.Integer()),
  conditions: opt(Type.Array(Condition)),
});
export type ReplicaSetStatus = Static<typeof ReplicaSetStatus>;

export const ReplicaSetSchema = objectSchema({ spec: ReplicaSetSpec, status: opt(ReplicaSetStatus) });
export type ReplicaSet = Kube<{ spec: ReplicaSetSpec; status?: ReplicaSetStatus }>;

/** Fills replica set defaults in place: replicas 1, pod-spec defaults on the template. */
export function defaultReplicaSet(rs: ReplicaSet): void {
  const spec = specObj(rs);
  if (!spec) return;
  if (spec.replicas == null) spec.replicas = 1;
  defaultTemplateOf(spec);
}

/** Returns the field errors of a replica set (upstream ValidateReplicaSet). */
export function validateReplicaSet(rs: ReplicaSet): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(rs.metadata, { nameFn: nameIsDNSSubdomain, namespaced: true }, errs);
  const s = rs.spec;
  nonNegative(s.replicas, 'spec.replicas', errs);
  nonNegative(s.minReadySeconds, 'spec.minReadySeconds', errs);
  // Upstream reuses the deployment wording here.
  validateWorkloadSelector(s.selector, 'deployment', 'spec.selector', errs);
  validateSelectorMatchesTemplate(s.selector, s.template, 'spec.template', errs);
  validateControllerTemplate(s.template, 'ReplicaSet', 'spec.template', errs);
  return errs;
}

/** Returns the update-only field errors of a replica set: the selector is immutable. */
export function validateReplicaSetUpdate(rs: ReplicaSet, old: ReplicaSet): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(rs.metadata, old.metadata, errs);
  immutable(rs.spec.selector, old.spec.selector, 'spec.selector', errs, labelSelectorRepr(rs.spec.selector));
  return errs;
}

