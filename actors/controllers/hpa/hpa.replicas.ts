// The HPA's replica calculator (upstream pkg/controller/podautoscaler/replica_calculator.go) for
// resource metrics: pods grouped into ready, unready, missing and ignored; the usage ratio against
// the target; a tolerance of 10 %; missing pods assumed at their request (or at the target when it
// is above 100 %) when scaling down, at 0 when scaling up, and left out when usage is on target;
// unready pods at 0 when scaling up, and no change when that flips the direction. Pure: pods and metrics in, a proposal out. Values are milli-units (millicores, millibytes).
import type { Pod } from '../../../api/kinds/pod.ts';
import { parseRfc3339 } from '../../../api/names.ts';
import { parseQuantity } from '../../../api/quantity.ts';

/** Upstream's --horizontal-pod-autoscaler-tolerance. */
export const TOLERANCE = 0.1;
/** Upstream's --horizontal-pod-autoscaler-cpu-initialization-period (5 min) and initial-readiness-delay (30 s). */
export const CPU_INITIALIZATION_PERIOD_MS = 300_000;
export const INITIAL_READINESS_DELAY_MS = 30_000;

/** One pod's summed usage of a resource, with when and over which window it was measured. */
export interface PodMetric {
  value: number;
  timestamp: number;
  windowMs: number;
}

/** Thrown when no replica count can be computed; the message is upstream's. */
export class ReplicaCalculationError extends Error {
  override name = 'ReplicaCalculationError';
}

interface Grouped {
  readyCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

const podKey = (p: Pod) => p.metadata.name!;

/** Upstream groupPods: which pods count, which are unready (cpu: still starting), which have no metric. */
export function groupPods(pods: Pod[], metrics: Map<string, PodMetric>, resource: string, now: number): Grouped {
  const g: Grouped = { readyCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = podKey(pod);
    if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      const start = pod.status?.startTime ? parseRfc3339(pod.status.startTime) : undefined;
      let unready: boolean;
      if (!ready || start === undefined) unready = true;
      else {
        const changed = ready.lastTransitionTime ? parseRfc3339(ready.lastTransitionTime) : start;
        if (start + CPU_INITIALIZATION_PERIOD_MS > now) unready = ready.status !== 'True' || metric.timestamp < changed + metric.windowMs;
        else unready = ready.status !== 'True' && start + INITIAL_READINESS_DELAY_MS > changed;
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.readyCount++;
  }
  return g;
}

/** Returns each pod's summed container requests of a resource (milli); throws upstream's error for a container without one. */
export function podRequests(pods: Pod[], resource: string, container?: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of pod.spec.containers) {
      if (container && c.name !== container) continue;
      const req = c.resources?.requests?.[resource];
      // A zero request makes utilization meaningless: it counts as missing.
      if (req === undefined || parseQuantity(req).nanos === 0n) throw new ReplicaCalculationError(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name}`);
      sum += Number(parseQuantity(req).nanos / 1_000_000n);
    }
    out.set(podKey(pod), sum);
  }
  return out;
}

/** Returns the usage ratio, utilization (%) and average raw usage of the pods with metrics (upstream GetResourceUtilizationRatio). */
export function utilizationRatio(metrics: Map<string, number>, requests: Map<string, number>, target: number): { ratio: number; utilization: number; average: number } {
  let usage = 0;
  let request = 0;
  for (const [pod, v] of metrics) {
    const r = requests.get(pod);
    if (r === undefined) throw new ReplicaCalculationError(`missing request for pod ${pod}`);
    usage += v;
    request += r;
  }
  if (request === 0) throw new ReplicaCalculationError('no metrics returned matched known pods');
  const utilization = Math.trunc((usage * 100) / request);
  return { ratio: utilization / target, utilization, average: Math.trunc(usage / metrics.size) };
}

/** What a metric proposes: replicas, and the current value for status (utilization % and/or average milli-value). */
export interface Proposal {
  replicas: number;
  utilization?: number;
  average: number;
}

/**
 * Upstream GetResourceReplicas (target `{utilization}`) and GetRawResourceReplicas with
 * calcPlainMetricReplicas (target `{averageValue}` in milli-units).
 */
export function resourceReplicas(
  current: number,
  target: { utilization?: number; averageValue?: number },
  resource: string,
  pods: Pod[],
  podMetrics: Map<string, PodMetric>,
  now: number,
): Proposal {
  if (pods.length === 0) throw new ReplicaCalculationError('no pods returned by selector while calculating replica count');
  const g = groupPods(pods, podMetrics, resource, now);
  const metrics = new Map<string, number>();
  for (const [pod, m] of podMetrics) if (!g.ignored.has(pod) && !g.unready.has(pod) && pods.some((p) => podKey(p) === pod)) metrics.set(pod, m.value);
  if (metrics.size === 0) throw new ReplicaCalculationError('did not receive metrics for targeted pods (pods might be unready)');
  const byUtilization = target.utilization !== undefined;
  const requests = byUtilization ? podRequests(pods, resource) : new Map<string, number>();
  const measure = (m: Map<string, number>) => {
    if (byUtilization) return utilizationRatio(m, requests, target.utilization!);
    let sum = 0;
    for (const v of m.values()) sum += v;
    // Upstream GetMetricUsageRatio divides int64 milli-values: the average is truncated before the ratio.
    const average = Math.trunc(sum / m.size);
    return { ratio: average / target.averageValue!, utilization: undefined, average };
  };
  const first = measure(metrics);
  const result = (replicas: number): Proposal => ({ replicas, utilization: first.utilization, average: first.average });
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= TOLERANCE) return result(current);
    return result(Math.ceil(first.ratio * g.readyCount));
  }
  // On target (ratio exactly 1) missing pods stay out, so the re-run ratio is 1 and the count stays.
  const fallback = Math.max(100, target.utilization ?? 0);
  for (const pod of g.missing) {
    if (first.ratio < 1) metrics.set(pod, byUtilization ? Math.trunc((requests.get(pod)! * fallback) / 100) : target.averageValue!);
    else if (first.ratio > 1) metrics.set(pod, 0);
  }
  if (scaleUpWithUnready) for (const pod of g.unready) metrics.set(pod, 0);
  const next = measure(metrics).ratio;
  if (Math.abs(1 - next) <= TOLERANCE || (first.ratio < 1 && next > 1) || (first.ratio > 1 && next < 1)) return result(current);
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > current) || (next > 1 && replicas < current)) return result(current);
  return result(replicas);
}
