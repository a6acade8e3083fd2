// What the HPA reads besides its caches: the target's scale (spec.replicas and selector of a
// Deployment, ReplicaSet, StatefulSet or ReplicationController) and the pods' resource metrics
// from the metrics server (metrics.k8s.io, over the bus), summed per pod as upstream's metrics client does.
import type { KubeObject, LabelSelector } from '../../../api/meta.ts';
import type { MetricsReply, MetricsQuery, PodMetrics } from '../../../api/metrics.ts';
import { parseRfc3339 } from '../../../api/names.ts';
import { parseGoDuration } from '../../../api/duration.ts';
import { parseQuantity } from '../../../api/quantity.ts';
import { labelSelectorRequirements, selectorToString } from '../../../api/selectors.ts';
import { isStatus, StatusError } from '../../../api/status.ts';
import type { ApiClient } from '../../../bus/client.ts';
import { METRICS_QUERY } from '../../../bus/subjects.ts';
import type { Bus } from '../../../bus/types.ts';
import type { PodMetric } from './hpa.replicas.ts';

/** The scalable kinds and their resources (what the scale subresource serves). */
export const SCALABLE_KINDS: Record<string, string> = { Deployment: 'deployments', ReplicaSet: 'replicasets', StatefulSet: 'statefulsets', ReplicationController: 'replicationcontrollers' };

type Scalable = KubeObject & { spec?: { replicas?: number; selector?: LabelSelector | Record<string, string> } };

/** A target's scale: its object, spec.replicas and label selector string ('' when it has none). */
export interface TargetScale {
  resource: string;
  obj: Scalable;
  replicas: number;
  selector: string;
}

/** Reads the target's scale; throws a Status as the API would for an unknown kind or a missing object. */
export async function getScale(client: ApiClient, namespace: string, ref: { kind?: string; name?: string }): Promise<TargetScale> {
  const resource = SCALABLE_KINDS[ref.kind ?? ''];
  if (!resource) throw new StatusError(404, 'NotFound', `no matches for kind "${ref.kind}"`);
  const obj = await client.get<Scalable>(resource, ref.name ?? '', { namespace });
  const sel = obj.spec?.selector;
  const ls = !sel ? undefined : resource === 'replicationcontrollers' ? { matchLabels: sel as Record<string, string> } : (sel as LabelSelector);
  return { resource, obj, replicas: obj.spec?.replicas ?? 1, selector: ls ? selectorToString(labelSelectorRequirements(ls)) : '' };
}

/** Writes the target's new replicas through its scale subresource. */
export async function updateScale(client: ApiClient, s: TargetScale, replicas: number): Promise<void> {
  const body = { ...s.obj, spec: { ...s.obj.spec, replicas } };
  await client.call(s.resource, 'update', { namespace: s.obj.metadata.namespace, name: s.obj.metadata.name, body, subresource: 'scale' });
}

/** Milli-units of a quantity (cpu millicores, memory millibytes), as upstream's MilliValue. */
const milli = (q: string) => Number(parseQuantity(q).nanos / 1_000_000n);

/**
 * Returns each selected pod's summed usage of a resource (upstream's resource metrics client): a
 * pod missing the resource in a container is left out; no pods at all is upstream's error.
 */
export async function podResourceMetrics(bus: Bus, namespace: string, selector: string, resource: string, timeoutMs = 10_000): Promise<Map<string, PodMetric>> {
  let reply: MetricsReply;
  try {
    const q: MetricsQuery = { resource: 'pods', namespace, labelSelector: selector };
    const msg = await bus.request<MetricsReply>(METRICS_QUERY, q, { timeoutMs });
    if (isStatus(msg.data)) throw new Error((msg.data as { message?: string }).message);
    reply = msg.data;
  } catch (err) {
    throw new Error(`unable to fetch metrics from resource metrics API: ${(err as Error).message}`);
  }
  const items = 'items' in reply ? (reply.items as PodMetrics[]) : [];
  if (items.length === 0) throw new Error('no metrics returned from resource metrics API');
  const out = new Map<string, PodMetric>();
  for (const m of items) {
    let sum = 0;
    let complete = m.containers.length > 0;
    for (const c of m.containers) {
      const v = (c.usage as unknown as Record<string, string | undefined>)[resource];
      if (v === undefined) complete = false;
      else sum += milli(v);
    }
    if (complete) out.set(m.metadata.name, { value: sum, timestamp: parseRfc3339(m.timestamp), windowMs: parseGoDuration(m.window) });
  }
  return out;
}
