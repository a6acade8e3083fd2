// DaemonSets (apps/v1): schema, defaults (SetDefaults_DaemonSet), validation and selector immutability.
import { Type, type Static } from '@sinclair/typebox';
import { LabelSelector, objectSchema } from '../meta.ts';
import { GoRepr, goQuote, immutable, invalidValue, nonNegative, notSupported, required, type FieldError } from '../validation/field.ts';
import { labelSelectorRepr, validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsDNSSubdomain } from '../validation/strings.ts';
import { isEmptySelector } from '../selectors.ts';
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
} from './workload-common.ts';

export const DaemonSetUpdateStrategy = obj({
  type: opt(Type.String()),
  rollingUpdate: opt(obj({ maxUnavailable: opt(IntOrString), maxSurge: opt(IntOrString) })),
});
export type DaemonSetUpdateStrategy = Static<typeof DaemonSetUpdateStrategy>;

export const DaemonSetSpec = obj({
  selector: opt(LabelSelector),
  template: PodTemplateSpec,
  updateStrategy: opt(DaemonSetUpdateStrategy),
  minReadySeconds: opt(Type.Integer()),
  revisionHistoryLimit: opt(Type.Integer()),
});
export type DaemonSetSpec = Static<typeof DaemonSetSpec>;

export const DaemonSetStatus = obj({
  currentNumberScheduled: opt(Type.Integer()),
  numberMisscheduled: opt(Type.Integer()),
  desiredNumberScheduled: opt(Type.Integer()),
  numberReady: opt(Type.Integer()),
  observedGeneration: opt(Type.Integer()),
  updatedNumberScheduled: opt(Type.Integer()),
  numberAvailable: opt(Type.Integer()),
  numberUnavailable: opt(Type.Integer()),
  collisionCount: opt(Type.Integer()),
  conditions: opt(Type.Array(Condition)),
});
export type DaemonSetStatus = Static<typeof DaemonSetStatus>;

export const DaemonSetSchema = objectSchema({ spec: DaemonSetSpec, status: opt(DaemonSetStatus) });
export type DaemonSet = Kube<{ spec: DaemonSetSpec; status?: DaemonSetStatus }>;

/** Fills daemon set defaults in place: RollingUpdate maxUnavailable 1 / maxSurge 0, revisionHistoryLimit 10. */
export function defaultDaemonSet(ds: DaemonSet): void {
  const spec = specObj(ds);
  if (!spec) return;
  const st = ensureObj(spec, 'updateStrategy');
  if (st) {
    st.type ||= 'RollingUpdate';
    if (st.type === 'RollingUpdate') {
      const ru = ensureObj(st, 'rollingUpdate');
      if (ru) {
        if (ru.maxUnavailable == null) ru.maxUnavailable = 1;
        if (ru.maxSurge == null) ru.maxSurge = 0;
      }
    }
  }
  if (spec.revisionHistoryLimit == null) spec.revisionHistoryLimit = 10;
  defaultTemplateOf(spec);
}

function validateUpdateStrategy(st: DaemonSetUpdateStrategy | undefined, errs: FieldError[]): void {
  const p = 'spec.updateStrategy';
  const type = st?.type ?? '';
  if (type === 'OnDelete') return;
  if (type !== 'RollingUpdate') {
    errs.push(notSupported(p, new GoRepr(`apps.DaemonSetUpdateStrategy{Type:${goQuote(type)}, RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}`), ['RollingUpdate', 'OnDelete']));
    return;
  }
  const ru = st!.rollingUpdate;
  if (!ru) {
    errs.push(required(`${p}.rollingUpdate`));
    return;
  }
  const rp = `${p}.rollingUpdate`;
  validatePositiveIntOrPercent(ru.maxUnavailable, `${rp}.maxUnavailable`, errs);
  validatePositiveIntOrPercent(ru.maxSurge, `${rp}.maxSurge`, errs);
  notMoreThan100Percent(ru.maxUnavailable, `${rp}.maxUnavailable`, errs);
  notMoreThan100Percent(ru.maxSurge, `${rp}.maxSurge`, errs);
  const hasU = intOrPercentValue(ru.maxUnavailable) !== 0;
  const hasS = intOrPercentValue(ru.maxSurge) !== 0;
  if (hasU && hasS) errs.push(invalidValue(`${rp}.maxSurge`, intOrStringRepr(ru.maxSurge!), 'may not be set when maxUnavailable is non-zero'));
  else if (!hasU && !hasS) errs.push(required(`${rp}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
}

/** Returns the field errors of a daemon set (upstream ValidateDaemonSet). */
export function validateDaemonSet(ds: DaemonSet): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(ds.metadata, { nameFn: nameIsDNSSubdomain, namespaced: true }, errs);
  const s = ds.spec;
  validateLabelSelector(s.selector, 'spec.selector', errs);
  validateSelectorMatchesTemplate(s.selector, s.template, 'spec.template', errs);
  if (s.selector && isEmptySelector(s.selector))
    errs.push(invalidValue('spec.selector', labelSelectorRepr(s.selector), 'empty selector is invalid for daemonset'));
  validateControllerTemplate(s.template, 'DaemonSet', 'spec.template', errs);
  nonNegative(s.minReadySeconds, 'spec.minReadySeconds', errs);
  validateUpdateStrategy(s.updateStrategy, errs);
  nonNegative(s.revisionHistoryLimit, 'spec.revisionHistoryLimit', errs);
  return errs;
}

/** Returns the update-only field errors of a daemon set: the selector is immutable. */
export function validateDaemonSetUpdate(ds: DaemonSet, old: DaemonSet): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(ds.metadata, old.metadata, errs);
  immutable(ds.spec.selector, old.spec.selector, 'spec.selector', errs, labelSelectorRepr(ds.spec.selector));
  return errs;
}
