// Resource metrics: what a kubelet reports (upstream's /metrics/resource: cumulative CPU and memory
// working set per node, pod and container), what the metrics server answers over the bus, and the
// metrics.k8s.io/v1beta1 objects (NodeMetrics, PodMetrics) it is served as.
import { formatGoDuration } from './duration.ts';
import { rfc3339 } from './names.ts';
import { formatQuantity } from './quantity.ts';

/** One container's sample: cumulative CPU in core-nanoseconds and memory working set in bytes, at `at` (ms). */
export interface ContainerStats {
  name: string;
  /** When this instance of the container started (ms); a later one means it restarted. */
  startedAt: number;
  cpuNs: number;
  memoryBytes: number;
}

/** A running pod's containers' samples. */
export interface PodStats {
  namespace: string;
  name: string;
  uid: string;
  containers: ContainerStats[];
}

/** What a kubelet answers on nodeStats(node): the node's and its running pods' usage, sampled at `at`. */
export interface NodeStats {
  node: string;
  at: number;
  cpuNs: number;
  memoryBytes: number;
  pods: PodStats[];
}

/** A metrics.k8s.io read: nodes or pods, one by name or a list filtered as the API's query says. */
export interface MetricsQuery {
  resource: 'nodes' | 'pods';
  /** Pods only; unset: all namespaces. */
  namespace?: string;
  name?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** Usage as metrics.k8s.io spells it: cpu a quantity of cores ("250m", "1234n"), memory of bytes ("65536Ki"). */
export interface Usage {
  cpu: string;
  memory: string;
}

export interface NodeMetrics {
  kind: 'NodeMetrics';
  apiVersion: 'metrics.k8s.io/v1beta1';
  metadata: { name: string; creationTimestamp: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  usage: Usage;
}

export interface PodMetrics {
  kind: 'PodMetrics';
  apiVersion: 'metrics.k8s.io/v1beta1';
  metadata: { name: string; namespace: string; creationTimestamp: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  containers: Array<{ name: string; usage: Usage }>;
}

/** The metrics server's answer: one object (a query with a name) or a list. */
export type MetricsReply = NodeMetrics | PodMetrics | { kind: 'NodeMetricsList' | 'PodMetricsList'; apiVersion: 'metrics.k8s.io/v1beta1'; metadata: Record<string, never>; items: Array<NodeMetrics | PodMetrics> };

/** The group and version served, as discovery names them. */
export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';

/** Returns usage quantities as metrics-server formats them: nanocores scaled down while exact, bytes in BinarySI. */
export const usageOf = (nanoCores: number, bytes: number): Usage => ({
  cpu: formatQuantity({ nanos: BigInt(Math.max(0, Math.round(nanoCores))), format: 'DecimalSI' }),
  memory: formatQuantity({ nanos: BigInt(Math.max(0, Math.round(bytes))) * 1_000_000_000n, format: 'BinarySI' }),
});

/** One sampled point of a metric: cumulative CPU, memory, and when the container started. */
export interface MetricPoint {
  at: number;
  startedAt: number;
  cpuNs: number;
  memoryBytes: number;
}

/**
 * Returns the CPU rate (nanocores) between two points, or undefined when it can't be told. As
 * metrics-server: a container that (re)started after the previous scrape (`since`) is measured from
 * its start, with no CPU before it.
 */
export function cpuRate(prev: MetricPoint | undefined, last: MetricPoint, since: number | undefined): { nanoCores: number; windowMs: number } | undefined {
  let from = prev;
  if (!from || from.startedAt !== last.startedAt || last.cpuNs < from.cpuNs) {
    if (since === undefined || last.startedAt <= since || last.startedAt >= last.at) return undefined;
    from = { at: last.startedAt, startedAt: last.startedAt, cpuNs: 0, memoryBytes: 0 };
  }
  const windowMs = last.at - from.at;
  if (windowMs <= 0) return undefined;
  return { nanoCores: ((last.cpuNs - from.cpuNs) * 1000) / windowMs, windowMs };
}

/** Returns the timestamp and window fields of a metrics object. */
export const sampleTimes = (at: number, windowMs: number) => ({ timestamp: rfc3339(at), window: formatGoDuration(windowMs) });
