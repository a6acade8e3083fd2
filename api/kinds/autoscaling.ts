// autoscaling/v2 HorizontalPodAutoscaler: stored and validated (no controller yet); defaults and validation as
// upstream pkg/apis/autoscaling/v2/defaults.go and pkg/apis/autoscaling/validation.
import { Type, type Static } from '@sinclair/typebox';
import { LabelSelector, objectSchema } from '../meta.ts';
import { parseQuantity } from '../quantity.ts';
import { child, forbiddenField, index, invalidValue, notSupported, required, type FieldError } from '../validation/field.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsDNSSubdomain, nameIsPathSegment } from '../validation/strings.ts';
import { ensureObj, isObj, obj, opt, QuantitySchema, type Kube } from './common.ts';

const Target = obj({ type: opt(Type.String()), value: opt(QuantitySchema), averageValue: opt(QuantitySchema), averageUtilization: opt(Type.Integer()) });
const Identifier = obj({ name: opt(Type.String()), selector: opt(LabelSelector) });
const CrossVersionRef = obj({ kind: opt(Type.String()), name: opt(Type.String()), apiVersion: opt(Type.String()) });
const Metric = obj({
  type: opt(Type.String()),
  resource: opt(obj({ name: opt(Type.String()), target: opt(Target) })),
  containerResource: opt(obj({ name: opt(Type.String()), container: opt(Type.String()), target: opt(Target) })),
  pods: opt(obj({ metric: opt(Identifier), target: opt(Target) })),
  object: opt(obj({ describedObject: opt(CrossVersionRef), metric: opt(Identifier), target: opt(Target) })),
  external: opt(obj({ metric: opt(Identifier), target: opt(Target) })),
});
const Policy = obj({ type: opt(Type.String()), value: opt(Type.Integer()), periodSeconds: opt(Type.Integer()) });
const Rules = obj({ stabilizationWindowSeconds: opt(Type.Integer()), selectPolicy: opt(Type.String()), policies: opt(Type.Array(Policy)) });

// Go value fields are optional here: an absent one is its zero value, and upstream's checks word the error.
export const HPASpec = obj({
  scaleTargetRef: opt(CrossVersionRef),
  minReplicas: opt(Type.Integer()),
  maxReplicas: opt(Type.Integer()),
  metrics: opt(Type.Array(Metric)),
  behavior: opt(obj({ scaleUp: opt(Rules), scaleDown: opt(Rules) })),
});
export type HPASpec = Static<typeof HPASpec>;
export const HorizontalPodAutoscalerSchema = objectSchema({ spec: opt(HPASpec), status: opt(Type.Unknown()) });
export type HorizontalPodAutoscaler = Kube<{ spec?: HPASpec; status?: Record<string, unknown> }>;
type Target = Static<typeof Target>;

const SOURCES = ['Object', 'Pods', 'Resource', 'External', 'ContainerResource'] as const;
const FIELD_OF: Record<string, string> = { Object: 'object', Pods: 'pods', Resource: 'resource', External: 'external', ContainerResource: 'containerResource' };

/** Fills an HPA's defaults: minReplicas 1, a CPU 80% metric, and upstream's scaling rules where behavior is given. */
export function defaultHPA(hpa: HorizontalPodAutoscaler): void {
  if (!isObj(hpa)) return;
  const spec = ensureObj(hpa as Record<string, unknown>, 'spec');
  if (!spec) return;
  spec.minReplicas ??= 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0)
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  if (!isObj(spec.behavior)) return;
  const b = spec.behavior as Record<string, unknown>;
  const up = ensureObj(b, 'scaleUp');
  if (up) {
    up.stabilizationWindowSeconds ??= 0;
    up.selectPolicy ??= 'Max';
    up.policies ??= [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }];
  }
  const down = ensureObj(b, 'scaleDown');
  if (down) {
    down.stabilizationWindowSeconds ??= 300;
    down.selectPolicy ??= 'Max';
    down.policies ??= [{ type: 'Percent', value: 100, periodSeconds: 15 }];
  }
}

const positive = (q: string | number) => {
  try {
    return parseQuantity(q).nanos > 0n;
  } catch {
    return false;
  }
};

function validateTarget(t: Target, field: string, errs: FieldError[]): void {
  if (!t.type) return void errs.push(required(child(field, 'type'), 'must specify a metric target type'));
  if (!['Utilization', 'Value', 'AverageValue'].includes(t.type)) errs.push(invalidValue(child(field, 'type'), t.type, 'must be either Utilization, Value, or AverageValue'));
  if (t.value !== undefined && !positive(t.value)) errs.push(invalidValue(child(field, 'value'), t.value, 'must be positive'));
  if (t.averageValue !== undefined && !positive(t.averageValue)) errs.push(invalidValue(child(field, 'averageValue'), t.averageValue, 'must be positive'));
  if (t.averageUtilization !== undefined && t.averageUtilization < 1) errs.push(invalidValue(child(field, 'averageUtilization'), t.averageUtilization, 'must be greater than 0'));
}

function validateRef(ref: Static<typeof CrossVersionRef>, field: string, errs: FieldError[]): void {
  for (const k of ['kind', 'name'] as const) {
    const v = ref[k] ?? '';
    if (!v) errs.push(required(child(field, k)));
    else for (const m of nameIsPathSegment(v, false)) errs.push(invalidValue(child(field, k), v, m));
  }
}

function validateIdentifier(id: Static<typeof Identifier>, field: string, errs: FieldError[]): void {
  if (!id.name) errs.push(required(child(field, 'name'), 'must specify a metric name'));
  else for (const m of nameIsPathSegment(id.name, false)) errs.push(invalidValue(child(field, 'name'), id.name, m));
}

function validateResourceTarget(t: Target, field: string, errs: FieldError[]): void {
  validateTarget(t, field, errs);
  if (t.averageUtilization === undefined && t.averageValue === undefined)
    errs.push(required(child(field, 'averageUtilization'), 'must set either a target raw value or a target utilization'));
  if (t.averageUtilization !== undefined && t.averageValue !== undefined)
    errs.push(forbiddenField(child(field, 'averageValue'), 'may not set both a target raw value and a target utilization'));
}

function validateMetric(m: Static<typeof Metric>, field: string, errs: FieldError[]): void {
  const type = m.type ?? '';
  if (!type) errs.push(required(child(field, 'type'), 'must specify a metric source type'));
  const expected = FIELD_OF[type];
  if (!expected) errs.push(notSupported(child(field, 'type'), type, SOURCES));
  else if (m[expected as keyof typeof m] === undefined) errs.push(required(child(field, expected), 'must populate information for the given metric source'));
  const present = Object.values(FIELD_OF).filter((f) => m[f as keyof typeof m] !== undefined);
  if (present.length !== 1)
    for (const f of present.filter((f) => f !== expected).sort()) errs.push(forbiddenField(child(field, f), 'must populate the given metric source only'));
  if (m.type === 'Resource' && m.resource) {
    if (!m.resource.name) errs.push(required(child(field, 'resource.name'), 'must specify a resource name'));
    validateResourceTarget(m.resource.target ?? {}, child(field, 'resource.target'), errs);
  } else if (m.type === 'ContainerResource' && m.containerResource) {
    const c = m.containerResource;
    if (!c.name) errs.push(required(child(field, 'containerResource.name'), 'must specify a resource name'));
    if (!c.container) errs.push(required(child(field, 'containerResource.container'), 'must specify a container'));
    validateResourceTarget(c.target ?? {}, child(field, 'containerResource.target'), errs);
  } else if (m.type === 'Pods' && m.pods) {
    validateIdentifier(m.pods.metric ?? {}, child(field, 'pods.metric'), errs);
    validateTarget(m.pods.target ?? {}, child(field, 'pods.target'), errs);
  } else if (m.type === 'Object' && m.object) {
    validateRef(m.object.describedObject ?? {}, child(field, 'object.describedObject'), errs);
    validateIdentifier(m.object.metric ?? {}, child(field, 'object.metric'), errs);
    validateTarget(m.object.target ?? {}, child(field, 'object.target'), errs);
  } else if (m.type === 'External' && m.external) {
    validateIdentifier(m.external.metric ?? {}, child(field, 'external.metric'), errs);
    validateTarget(m.external.target ?? {}, child(field, 'external.target'), errs);
  }
}

function validateRules(r: Static<typeof Rules> | undefined, field: string, errs: FieldError[]): void {
  if (!r) return;
  const w = r.stabilizationWindowSeconds;
  if (w !== undefined && w < 0) errs.push(invalidValue(child(field, 'stabilizationWindowSeconds'), w, 'must be greater than or equal to zero'));
  if (w !== undefined && w > 3600) errs.push(invalidValue(child(field, 'stabilizationWindowSeconds'), w, 'must be less than or equal to 3600'));
  if (r.selectPolicy !== undefined && !['Max', 'Min', 'Disabled'].includes(r.selectPolicy))
    errs.push(notSupported(child(field, 'selectPolicy'), r.selectPolicy, ['Disabled', 'Max', 'Min']));
  if (!r.policies?.length) errs.push(required(child(field, 'policies'), 'must specify at least one Policy'));
  (r.policies ?? []).forEach((p, i) => {
    const f = index(child(field, 'policies'), i);
    const value = p.value ?? 0;
    const period = p.periodSeconds ?? 0;
    if (p.type !== 'Pods' && p.type !== 'Percent') errs.push(notSupported(child(f, 'type'), p.type ?? '', ['Percent', 'Pods']));
    if (value <= 0) errs.push(invalidValue(child(f, 'value'), value, 'must be greater than zero'));
    if (period <= 0) errs.push(invalidValue(child(f, 'periodSeconds'), period, 'must be greater than zero'));
    if (period > 1800) errs.push(invalidValue(child(f, 'periodSeconds'), period, 'must be less than or equal to 1800'));
  });
}

/** Returns the field errors of an HPA (upstream ValidateHorizontalPodAutoscaler; scale-to-zero off, as by default). */
export function validateHPA(hpa: HorizontalPodAutoscaler): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(hpa.metadata, { nameFn: nameIsDNSSubdomain, namespaced: true }, errs);
  const s = hpa.spec ?? {};
  const max = s.maxReplicas ?? 0;
  if (s.minReplicas !== undefined && s.minReplicas < 1) errs.push(invalidValue('spec.minReplicas', s.minReplicas, 'must be greater than or equal to 1'));
  if (max < 1) errs.push(invalidValue('spec.maxReplicas', max, 'must be greater than 0'));
  if (s.minReplicas !== undefined && max < s.minReplicas) errs.push(invalidValue('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  validateRef(s.scaleTargetRef ?? {}, 'spec.scaleTargetRef', errs);
  (s.metrics ?? []).forEach((m, i) => validateMetric(m, index('spec.metrics', i), errs));
  validateRules(s.behavior?.scaleUp, 'spec.behavior.scaleUp', errs);
  validateRules(s.behavior?.scaleDown, 'spec.behavior.scaleDown', errs);
  return errs;
}

/** Resets an HPA's status on create, as upstream's strategy (desiredReplicas has no omitempty). */
export function prepareHPAForCreate(hpa: HorizontalPodAutoscaler): void {
  if (isObj(hpa)) hpa.status = { desiredReplicas: 0 };
}

/** Returns the update-only field errors of an HPA. */
export function validateHPAUpdate(hpa: HorizontalPodAutoscaler, old: HorizontalPodAutoscaler): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(hpa.metadata, old.metadata, errs);
  return errs;
}

/** The nested types by upstream's names (autoscaling/v2), for strict field validation and the OpenAPI documents. */
export const AUTOSCALING_TYPES = {
  HorizontalPodAutoscalerSpec: HPASpec,
  MetricSpec: Metric,
  MetricTarget: Target,
  MetricIdentifier: Identifier,
  CrossVersionObjectReference: CrossVersionRef,
  HPAScalingRules: Rules,
  HPAScalingPolicy: Policy,
};
