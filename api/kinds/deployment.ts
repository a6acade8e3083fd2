// Deployments (apps/v1): schema, defaults (SetDefaults_Deployment), validation and selector immutability.
import { Type, type Static } from '@sinclair/typebox';
import { LabelSelector, objectSchema } from '../meta.ts';
import { forbiddenField, immutable, invalidValue, nonNegative, notSupported, required, type FieldError } from '../validation/field.ts';
import { labelSelectorRepr, validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsDNSSubdomain } from '../validation/strings.ts';
import { Condition, ensureObj, IntOrString, obj, opt, type Kube } from './common.ts';
import { PodTemplateSpec } from './pod.ts';
import {
  defaultTemplateOf,
  intOrPercentValue,
  intOrStringRepr,
  notMoreThan100Percent,
  specObj,
  validateControllerTemplate,
  validatePositiveIntOrPercent,
  validateSelectorMatchesTemplate,
  validateWorkloadSelector,
} from './workload-common.ts';

export const DeploymentStrategy = obj({
  type: opt(Type.String()),
  rollingUpdate: opt(obj({ maxUnavailable: opt(IntOrString), maxSurge: opt(IntOrString) })),
});
export type DeploymentStrategy = Static<typeof DeploymentStrategy>;

export const DeploymentSpec = obj({
  replicas: opt(Type.Integer()),
  selector: opt(LabelSelector),
  template: PodTemplateSpec,
  strategy: opt(DeploymentStrategy),
  minReadySeconds: opt(Type.Integer()),
  revisionHistoryLimit: opt(Type.Integer()),
  paused: opt(Type.Boolean()),
  progressDeadlineSeconds: opt(Type.Integer()),
});
export type DeploymentSpec = Static<typeof DeploymentSpec>;

export const DeploymentStatus = obj({
  observedGeneration: opt(Type.Integer()),
  replicas: opt(Type.Integer()),
  updatedReplicas: opt(Type.Integer()),
  readyReplicas: opt(Type.Integer()),
  availableReplicas: opt(Type.Integer()),
  unavailableReplicas: opt(Type.Integer()),
  terminatingReplicas: opt(Type.Integer()),
  conditions: opt(Type.Array(Condition)),
  collisionCount: opt(Type.Integer()),
});
export type DeploymentStatus = Static<typeof DeploymentStatus>;

export const DeploymentSchema = objectSchema({ spec: DeploymentSpec, status: opt(DeploymentStatus) });
export type Deployment = Kube<{ spec: DeploymentSpec; status?: DeploymentStatus }>;

/** Fills deployment defaults in place: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600. */
export function defaultDeployment(d: Deployment): void {
  const spec = specObj(d);
  if (!spec) return;
  if (spec.replicas == null) spec.replicas = 1;
  const strategy = ensureObj(spec, 'strategy');
  if (strategy) {
    strategy.type ||= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const ru = ensureObj(strategy, 'rollingUpdate');
      if (ru) {
        if (ru.maxUnavailable == null) ru.maxUnavailable = '25%';
        if (ru.maxSurge == null) ru.maxSurge = '25%';
      }
    }
  }
  if (spec.revisionHistoryLimit == null) spec.revisionHistoryLimit = 10;
  if (spec.progressDeadlineSeconds == null) spec.progressDeadlineSeconds = 600;
  defaultTemplateOf(spec);
}

function validateStrategy(st: DeploymentStrategy | undefined, errs: FieldError[]): void {
  const type = st?.type ?? '';
  if (type === 'Recreate') {
    if (st!.rollingUpdate) errs.push(forbiddenField('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  } else if (type === 'RollingUpdate') {
    const ru = st!.rollingUpdate;
    if (!ru) {
      errs.push(required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'));
      return;
    }
    const p = 'spec.strategy.rollingUpdate';
    validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`, errs);
    validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`, errs);
    if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0)
      errs.push(invalidValue(`${p}.maxUnavailable`, intOrStringRepr(ru.maxUnavailable ?? 0), 'may not be 0 when `maxSurge` is 0'));
    notMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`, errs);
  } else {
    errs.push(notSupported('spec.strategy', type, ['Recreate', 'RollingUpdate']));
  }
}

/** Returns the field errors of a deployment (upstream ValidateDeployment). */
export function validateDeployment(d: Deployment): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(d.metadata, { nameFn: nameIsDNSSubdomain, namespaced: true }, errs);
  const s = d.spec;
  nonNegative(s.replicas, 'spec.replicas', errs);
  validateWorkloadSelector(s.selector, 'deployment', 'spec.selector', errs);
  validateSelectorMatchesTemplate(s.selector, s.template, 'spec.template', errs);
  validateControllerTemplate(s.template, 'ReplicaSet', 'spec.template', errs);
  validateStrategy(s.strategy, errs);
  nonNegative(s.minReadySeconds, 'spec.minReadySeconds', errs);
  nonNegative(s.revisionHistoryLimit, 'spec.revisionHistoryLimit', errs);
  if (s.progressDeadlineSeconds !== undefined) {
    nonNegative(s.progressDeadlineSeconds, 'spec.progressDeadlineSeconds', errs);
    if (s.progressDeadlineSeconds <= (s.minReadySeconds ?? 0))
      errs.push(invalidValue('spec.progressDeadlineSeconds', s.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

/** Returns the update-only field errors of a deployment: the selector is immutable (apps/v1). */
export function validateDeploymentUpdate(d: Deployment, old: Deployment): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(d.metadata, old.metadata, errs);
  immutable(d.spec.selector, old.spec.selector, 'spec.selector', errs, labelSelectorRepr(d.spec.selector));
  return errs;
}
