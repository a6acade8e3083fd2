// StatefulSets (apps/v1): schema, defaults (SetDefaults_StatefulSet), validation and the update whitelist.
import { Type, type Static } from '@sinclair/typebox';
import { LabelSelector, objectSchema } from '../meta.ts';
import { deepEqual, forbiddenField, invalidValue, nonNegative, notSupported, required, type FieldError } from '../validation/field.ts';
import { validateAnnotations, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsDNSLabel } from '../validation/strings.ts';
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

export const StatefulSetSpec = obj({
  replicas: opt(Type.Integer()),
  selector: opt(LabelSelector),
  template: PodTemplateSpec,
  serviceName: opt(Type.String()),
  podManagementPolicy: opt(Type.String()),
  updateStrategy: opt(obj({ type: opt(Type.String()), rollingUpdate: opt(obj({ partition: opt(Type.Integer()), maxUnavailable: opt(IntOrString) })) })),
  revisionHistoryLimit: opt(Type.Integer()),
  minReadySeconds: opt(Type.Integer()),
  volumeClaimTemplates: opt(Type.Array(obj({}))),
  persistentVolumeClaimRetentionPolicy: opt(obj({ whenDeleted: opt(Type.String()), whenScaled: opt(Type.String()) })),
  ordinals: opt(obj({ start: opt(Type.Integer()) })),
});
export type StatefulSetSpec = Static<typeof StatefulSetSpec>;

export const StatefulSetStatus = obj({
  observedGeneration: opt(Type.Integer()),
  replicas: opt(Type.Integer()),
  readyReplicas: opt(Type.Integer()),
  currentReplicas: opt(Type.Integer()),
  updatedReplicas: opt(Type.Integer()),
  availableReplicas: opt(Type.Integer()),
  currentRevision: opt(Type.String()),
  updateRevision: opt(Type.String()),
  collisionCount: opt(Type.Integer()),
  conditions: opt(Type.Array(Condition)),
});
export type StatefulSetStatus = Static<typeof StatefulSetStatus>;

export const StatefulSetSchema = objectSchema({ spec: StatefulSetSpec, status: opt(StatefulSetStatus) });
export type StatefulSet = Kube<{ spec: StatefulSetSpec; status?: StatefulSetStatus }>;

/** Fills stateful set defaults in place: OrderedReady, RollingUpdate partition 0, replicas 1, revisionHistoryLimit 10, Retain PVCs. */
export function defaultStatefulSet(ss: StatefulSet): void {
  const spec = specObj(ss);
  if (!spec) return;
  spec.podManagementPolicy ||= 'OrderedReady';
  const st = ensureObj(spec, 'updateStrategy');
  if (st) {
    if (!st.type) {
      st.type = 'RollingUpdate';
      if (st.rollingUpdate == null) st.rollingUpdate = {};
    }
    const ru = st.type === 'RollingUpdate' ? st.rollingUpdate : undefined;
    if (ru && typeof ru === 'object' && (ru as Record<string, unknown>).partition == null) (ru as Record<string, unknown>).partition = 0;
  }
  const pvc = ensureObj(spec, 'persistentVolumeClaimRetentionPolicy');
  if (pvc) {
    pvc.whenDeleted ||= 'Retain';
    pvc.whenScaled ||= 'Retain';
  }
  if (spec.replicas == null) spec.replicas = 1;
  if (spec.revisionHistoryLimit == null) spec.revisionHistoryLimit = 10;
  defaultTemplateOf(spec);
}

/** Returns the field errors of a stateful set (upstream ValidateStatefulSet; like upstream, the pod spec itself is not validated). */
export function validateStatefulSet(ss: StatefulSet): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(ss.metadata, { nameFn: nameIsDNSLabel, namespaced: true }, errs);
  const s = ss.spec;
  const pmp = s.podManagementPolicy ?? '';
  if (!pmp) errs.push(required('spec.podManagementPolicy'));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(invalidValue('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  const st = s.updateStrategy ?? {};
  const type = st.type ?? '';
  if (!type) errs.push(required('spec.updateStrategy'));
  else if (type === 'OnDelete') {
    if (st.rollingUpdate) errs.push(invalidValue('spec.updateStrategy.rollingUpdate', st.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (type === 'RollingUpdate') {
    const ru = st.rollingUpdate;
    if (ru) {
      nonNegative(ru.partition, 'spec.updateStrategy.rollingUpdate.partition', errs);
      if (ru.maxUnavailable !== undefined) {
        const p = 'spec.updateStrategy.rollingUpdate.maxUnavailable';
        validatePositiveIntOrPercent(ru.maxUnavailable, p, errs);
        if (intOrPercentValue(ru.maxUnavailable) === 0) errs.push(invalidValue(p, intOrStringRepr(ru.maxUnavailable), 'cannot be 0'));
        notMoreThan100Percent(ru.maxUnavailable, p, errs);
      }
    }
  } else errs.push(invalidValue('spec.updateStrategy', st, "must be 'RollingUpdate' or 'OnDelete'"));
  for (const k of ['whenDeleted', 'whenScaled'] as const) {
    const v = s.persistentVolumeClaimRetentionPolicy?.[k];
    if (v !== undefined && v !== 'Retain' && v !== 'Delete')
      errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, v, ['Retain', 'Delete']));
  }
  nonNegative(s.replicas, 'spec.replicas', errs);
  nonNegative(s.minReadySeconds, 'spec.minReadySeconds', errs);
  nonNegative(s.ordinals?.start, 'spec.ordinals.start', errs);
  validateWorkloadSelector(s.selector, 'statefulset', 'spec.selector', errs);
  validateSelectorMatchesTemplate(s.selector, s.template, 'spec.template', errs);
  validateLabels(s.template.metadata?.labels, 'spec.template.labels', errs);
  validateAnnotations(s.template.metadata?.annotations, 'spec.template.annotations', errs);
  validateControllerTemplate(s.template, 'StatefulSet', 'spec.template', errs, false);
  return errs;
}

/** Upstream's message for a forbidden stateful set spec change. */
export const STATEFULSET_UPDATE_FORBIDDEN =
  "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

/** Returns the update-only field errors of a stateful set: only replicas, ordinals, template, updateStrategy, PVC policy and minReadySeconds may change. */
export function validateStatefulSetUpdate(ss: StatefulSet, old: StatefulSet): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(ss.metadata, old.metadata, errs);
  const o = old.spec;
  const munged = {
    ...ss.spec,
    replicas: o.replicas,
    template: o.template,
    updateStrategy: o.updateStrategy,
    minReadySeconds: o.minReadySeconds,
    ordinals: o.ordinals,
    persistentVolumeClaimRetentionPolicy: o.persistentVolumeClaimRetentionPolicy,
  };
  if (!deepEqual(munged, o)) errs.push(forbiddenField('spec', STATEFULSET_UPDATE_FORBIDDEN));
  return errs;
}

