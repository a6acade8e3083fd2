// metrics.k8s.io/v1beta1 over HTTP, as kube-apiserver's aggregator proxies it to metrics-server:
// /apis/metrics.k8s.io[/v1beta1] discovery, nodes[/name], pods (all namespaces) and
// namespaces/{ns}/pods[/name], with labelSelector and fieldSelector; answered by the metrics
// server actor over the bus. `kubectl top` reads these.
import type { KubeObject } from '../../api/meta.ts';
import { METRICS_GROUP, METRICS_VERSION, type MetricsQuery } from '../../api/metrics.ts';
import { forbidden, isStatus, StatusError, unavailable } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import { METRICS_QUERY } from '../../bus/subjects.ts';
import { methodNotAllowed, notServed } from './http.ts';

const PREFIX = `/apis/${METRICS_GROUP}`;
const GROUP_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

/** Returns true for a path under /apis/metrics.k8s.io. */
export const isMetricsPath = (path: string) => path === PREFIX || path.startsWith(`${PREFIX}/`);

/** The APIGroup entry of /apis (listed last: an aggregated group's priority is low). */
export const metricsApiGroup = () => ({ name: METRICS_GROUP, versions: [{ groupVersion: GROUP_VERSION, version: METRICS_VERSION }], preferredVersion: { groupVersion: GROUP_VERSION, version: METRICS_VERSION } });

const RESOURCES = [
  { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
  { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
];

/** The APIGroupDiscovery entry of aggregated /apis. */
export const metricsAggregatedGroup = () => ({
  metadata: { name: METRICS_GROUP, creationTimestamp: null },
  versions: [
    {
      version: METRICS_VERSION,
      resources: RESOURCES.map((r) => ({ resource: r.name, responseKind: { group: METRICS_GROUP, version: METRICS_VERSION, kind: r.kind }, scope: r.namespaced ? 'Namespaced' : 'Cluster', singularResource: r.kind === 'NodeMetrics' ? 'node' : 'pod', verbs: r.verbs })),
      freshness: 'Current',
    },
  ],
});

/** Returns the metrics query a path and its parameters ask for, or a fixed discovery document. */
function parse(path: string, query: URLSearchParams): { doc: unknown } | { q: MetricsQuery; verb: 'get' | 'list' } {
  const segs = path.slice(PREFIX.length).split('/').filter(Boolean).map(decodeURIComponent);
  if (segs.length === 0) return { doc: { kind: 'APIGroup', apiVersion: 'v1', ...metricsApiGroup() } };
  if (segs[0] !== METRICS_VERSION) throw notServed();
  if (segs.length === 1) return { doc: { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: GROUP_VERSION, resources: RESOURCES } };
  const sel = { labelSelector: query.get('labelSelector') || undefined, fieldSelector: query.get('fieldSelector') || undefined };
  const rest = segs.slice(1);
  if (rest[0] === 'nodes' && rest.length <= 2) return { q: { resource: 'nodes', name: rest[1], ...sel }, verb: rest[1] ? 'get' : 'list' };
  if (rest[0] === 'pods' && rest.length === 1) return { q: { resource: 'pods', ...sel }, verb: 'list' };
  if (rest[0] === 'namespaces' && rest[2] === 'pods' && rest.length <= 4) return { q: { resource: 'pods', namespace: rest[1], name: rest[3], ...sel }, verb: rest[3] ? 'get' : 'list' };
  throw notServed();
}

/** Refuses a caller RBAC does not allow to read the metrics (upstream's 403 text); the trusted caller is allowed. */
async function authorize(client: ApiClient, q: MetricsQuery, verb: string): Promise<void> {
  const user = client.user;
  if (!user) return;
  const review = await client.create<KubeObject & { status?: { allowed?: boolean } }>('selfsubjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: {},
    spec: { resourceAttributes: { group: METRICS_GROUP, version: METRICS_VERSION, resource: q.resource, verb, namespace: q.namespace, name: q.name } },
  } as KubeObject);
  if (review.status?.allowed) return;
  const where = q.resource === 'pods' ? (q.namespace ? ` in the namespace "${q.namespace}"` : ' at the cluster scope') : ' at the cluster scope';
  throw forbidden(`${q.resource}.${METRICS_GROUP}`, q.name ?? '', `User "${user.username}" cannot ${verb} resource "${q.resource}" in API group "${METRICS_GROUP}"${where}`);
}

/** Answers a metrics.k8s.io GET: a document, or what the metrics server said. Throws Status errors. */
export async function metricsRoute(client: ApiClient, path: string, query: URLSearchParams, method: string): Promise<unknown> {
  if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method);
  const p = parse(path, query);
  if ('doc' in p) return p.doc;
  await authorize(client, p.q, p.verb);
  let data: unknown;
  try {
    data = (await client.bus.request(METRICS_QUERY, p.q, { timeoutMs: 10_000 })).data;
  } catch (err) {
    throw unavailable(`the server is currently unable to handle the request (metrics-server: ${(err as Error).message})`);
  }
  if (isStatus(data)) throw StatusError.from(data);
  return data;
}
