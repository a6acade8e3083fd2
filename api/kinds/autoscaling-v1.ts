// autoscaling/v1 HorizontalPodAutoscaler: served beside v2 (the storage version) and converted as upstream
// pkg/apis/autoscaling/v1/conversion.go does. v1 carries one CPU utilization target; what it cannot hold
// (other metrics and current metrics in their v1 forms, conditions, behavior) rides in annotations so a v1
// round trip loses nothing.
import { Type } from '@sinclair/typebox';
import type { KubeObject } from '../meta.ts';
import { objectSchema } from '../meta.ts';
import { metricFromV1, metricStatusFromV1, metricStatusToV1, metricToV1 } from './autoscaling-v1-metrics.ts';
import { isObj, obj, opt } from './common.ts';

export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ANNOTATIONS = [METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

const V1 = 'autoscaling/v1';
const V2 = 'autoscaling/v2';

const CrossVersionRef = obj({ kind: opt(Type.String()), name: opt(Type.String()), apiVersion: opt(Type.String()) });
export const HPASpecV1 = obj({
  scaleTargetRef: opt(CrossVersionRef),
  minReplicas: opt(Type.Integer()),
  maxReplicas: opt(Type.Integer()),
  targetCPUUtilizationPercentage: opt(Type.Integer()),
});
export const HPAStatusV1 = obj({
  observedGeneration: opt(Type.Integer()),
  lastScaleTime: opt(Type.String()),
  currentReplicas: opt(Type.Integer()),
  desiredReplicas: opt(Type.Integer()),
  currentCPUUtilizationPercentage: opt(Type.Integer()),
});
export const HorizontalPodAutoscalerV1Schema = objectSchema({ spec: opt(HPASpecV1), status: opt(HPAStatusV1) });

/** The nested types by upstream's names (autoscaling/v1), for strict field validation and the OpenAPI documents. */
export const AUTOSCALING_V1_TYPES = { HorizontalPodAutoscalerSpec: HPASpecV1, HorizontalPodAutoscalerStatus: HPAStatusV1, CrossVersionObjectReference: CrossVersionRef };

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (isObj(v) ? (v as Rec) : {});
const isCPU = (m: unknown) => rec(m).type === 'Resource' && rec(rec(m).resource).name === 'cpu';

/** Copies the fields both versions share, by name, leaving out undefined ones. */
function pick(from: Rec, keys: readonly string[]): Rec {
  const out: Rec = {};
  for (const k of keys) if (from[k] !== undefined) out[k] = from[k];
  return out;
}

function parseAnnotation(annotations: Record<string, string>, key: string): unknown {
  const raw = annotations[key];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** Returns a stored (autoscaling/v2) HPA as autoscaling/v1; anything else unchanged. */
export function hpaToV1(o: KubeObject): KubeObject {
  if (o.apiVersion !== V2 || o.kind !== 'HorizontalPodAutoscaler') return o;
  const x = o as unknown as Rec;
  const spec = rec(x.spec);
  const status = rec(x.status);
  const metrics = Array.isArray(spec.metrics) ? spec.metrics : [];
  const current = Array.isArray(status.currentMetrics) ? status.currentMetrics : [];
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  const cpu = metrics.find(isCPU);
  const target = rec(rec(rec(cpu).resource).target);
  const cpuPercent = target.type === 'Utilization' ? target.averageUtilization : undefined;
  // Every metric but the CPU utilization one v1 holds itself.
  const others = metrics.filter((m) => !(isCPU(m) && rec(rec(rec(m).resource).target).averageUtilization !== undefined));
  const annotations: Record<string, string> = { ...(o.metadata.annotations ?? {}) };
  if (others.length) annotations[METRICS_ANNOTATION] = JSON.stringify(others.map(metricToV1));
  if (current.length) annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(current.map(metricStatusToV1));
  if (conditions.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(conditions);
  if (spec.behavior !== undefined) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(spec.behavior);
  const metadata = { ...o.metadata };
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  const v1Spec = pick(spec, ['scaleTargetRef', 'minReplicas', 'maxReplicas']);
  if (cpuPercent !== undefined) v1Spec.targetCPUUtilizationPercentage = cpuPercent;
  const out: Rec = { ...x, apiVersion: V1, metadata, spec: v1Spec };
  if (x.status !== undefined) {
    const v1Status = pick(status, ['observedGeneration', 'lastScaleTime', 'currentReplicas', 'desiredReplicas']);
    const cpuNow = rec(rec(rec(current.find(isCPU)).resource).current).averageUtilization;
    if (cpuNow !== undefined) v1Status.currentCPUUtilizationPercentage = cpuNow;
    out.status = v1Status;
  }
  return out as unknown as KubeObject;
}

/** Returns an autoscaling/v1 HPA as the stored autoscaling/v2 one (its annotations folded back in); anything else unchanged. */
export function hpaFromV1(o: KubeObject): KubeObject {
  if (o.apiVersion !== V1 || o.kind !== 'HorizontalPodAutoscaler') return o;
  const x = o as unknown as Rec;
  const spec = rec(x.spec);
  const status = rec(x.status);
  const given = o.metadata?.annotations ?? {};
  const annotations = Object.fromEntries(Object.entries(given).filter(([k]) => !ANNOTATIONS.includes(k)));
  const metadata = { ...o.metadata };
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  else delete metadata.annotations;
  const v2Spec = pick(spec, ['scaleTargetRef', 'minReplicas', 'maxReplicas']);
  // The annotation's metrics first, then the CPU target, as upstream orders them.
  const others = parseAnnotation(given, METRICS_ANNOTATION);
  const metrics: unknown[] = Array.isArray(others) ? others.map(metricFromV1) : [];
  if (spec.targetCPUUtilizationPercentage !== undefined)
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  // v1's implicit default (80% CPU) is filled by the v2 defaults when no metric is left.
  if (metrics.length) v2Spec.metrics = metrics;
  const behavior = parseAnnotation(given, BEHAVIOR_ANNOTATION);
  if (isObj(behavior)) v2Spec.behavior = behavior;
  const out: Rec = { ...x, apiVersion: V2, metadata };
  if (x.spec !== undefined) out.spec = v2Spec;
  if (x.status !== undefined) {
    const v2Status = pick(status, ['observedGeneration', 'lastScaleTime', 'currentReplicas', 'desiredReplicas']);
    const current = parseAnnotation(given, CURRENT_METRICS_ANNOTATION);
    // The annotation has more than the one percentage (the raw value too): upstream prefers it.
    if (Array.isArray(current)) v2Status.currentMetrics = current.map(metricStatusFromV1);
    else if (status.currentCPUUtilizationPercentage !== undefined)
      v2Status.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }];
    const conditions = parseAnnotation(given, CONDITIONS_ANNOTATION);
    if (Array.isArray(conditions)) v2Status.conditions = conditions;
    out.status = v2Status;
  }
  return out as unknown as KubeObject;
}
