// The HPA's metric step, pure (upstream computeReplicasForMetrics): each metric of the spec proposes
// a replica count from the pods' metrics a sync fetched; the largest proposal wins; a metric that
// cannot propose is an HpaMetricError with the condition reason upstream gives it.
import type { HorizontalPodAutoscaler } from '../../../api/kinds/autoscaling.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import { formatQuantity, parseQuantity } from '../../../api/quantity.ts';
import { resourceReplicas, type PodMetric } from './hpa.replicas.ts';

export type MetricSpec = NonNullable<NonNullable<HorizontalPodAutoscaler['spec']>['metrics']>[number];

/** Thrown (and collected) when one metric cannot propose a replica count; `reason` is upstream's condition and event reason. */
export class HpaMetricError extends Error {
  override name = 'HpaMetricError';
  constructor(
    message: string,
    readonly reason: 'InvalidMetricSourceType' | 'FailedGetResourceMetric',
  ) {
    super(message);
  }
}

/** One metric's proposal: replicas, the status entry, and the name used in reasons. */
export interface MetricResult {
  replicas: number;
  status: Record<string, unknown>;
  name: string;
}

/** What a sync fetched for its Resource metrics: per resource name, the pods' metrics or why there are none. */
export type FetchedMetrics = Map<string, Map<string, PodMetric> | Error>;

/** Returns one Resource metric's proposal (other metric types are not served: no custom/external metrics API). */
export function metricReplicas(m: MetricSpec, fetched: FetchedMetrics, pods: Pod[], current: number, now: number): MetricResult {
  const resource = m.resource?.name ?? '';
  if (m.type !== 'Resource' || !m.resource) throw new HpaMetricError(`unsupported metric source type "${m.type}"`, 'InvalidMetricSourceType');
  const t = m.resource.target ?? {};
  const byUtilization = t.type === 'Utilization';
  let proposal;
  try {
    const metrics = fetched.get(resource) ?? new Error(`unable to get metrics for resource ${resource}: not fetched`);
    if (metrics instanceof Error) throw metrics;
    const averageValue = t.averageValue !== undefined ? Number(parseQuantity(String(t.averageValue)).nanos / 1_000_000n) : undefined;
    proposal = resourceReplicas(current, byUtilization ? { utilization: t.averageUtilization ?? 80 } : { averageValue }, resource, pods, metrics, now);
  } catch (err) {
    const what = byUtilization ? `failed to get ${resource} utilization: ` : '';
    throw new HpaMetricError(`failed to get ${resource} resource metric value: ${what}${(err as Error).message}`, 'FailedGetResourceMetric');
  }
  const average = formatQuantity({ nanos: BigInt(proposal.average) * 1_000_000n, format: resource === 'memory' ? 'BinarySI' : 'DecimalSI' });
  const currentValue = byUtilization ? { averageUtilization: proposal.utilization, averageValue: average } : { averageValue: average };
  return {
    replicas: proposal.replicas,
    status: { type: 'Resource', resource: { name: resource, current: currentValue } },
    name: byUtilization ? `${resource} resource utilization (percentage of request)` : `${resource} resource`,
  };
}

/** The metric step's outcome: the largest proposal (none when every metric failed), the statuses, each metric's error. */
export interface MetricsComputation {
  best?: MetricResult;
  statuses: Array<Record<string, unknown>>;
  errors: HpaMetricError[];
}

/** Returns every metric's proposal and the largest one, as upstream computeReplicasForMetrics. */
export function computeReplicasForMetrics(metrics: MetricSpec[], fetched: FetchedMetrics, pods: Pod[], current: number, now: number): MetricsComputation {
  const out: MetricsComputation = { statuses: [], errors: [] };
  for (const m of metrics) {
    try {
      const r = metricReplicas(m, fetched, pods, current, now);
      out.statuses.push(r.status);
      if (!out.best || r.replicas > out.best.replicas) out.best = r;
    } catch (err) {
      if (!(err instanceof HpaMetricError)) throw err;
      out.errors.push(err);
    }
  }
  return out;
}
