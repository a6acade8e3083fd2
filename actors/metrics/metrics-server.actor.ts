// The metrics server (upstream metrics-server): every metric resolution (15 s on the cluster's
// clock) it asks each Ready node's kubelet for its resource stats, keeps the last two samples, and
// answers metrics.k8s.io reads (NodeMetrics, PodMetrics) on the bus for the gateway and the HPA.
import type { Node } from '../../api/kinds/node.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import { METRICS_GROUP, METRICS_VERSION, type MetricsQuery, type MetricsReply, type NodeMetrics, type NodeStats, type PodMetrics } from '../../api/metrics.ts';
import { rfc3339 } from '../../api/names.ts';
import { fieldSelectorMatcher, selectorMatcher } from '../../api/selectors.ts';
import { badRequest, isAlreadyExists, isStatus, notFound, StatusError } from '../../api/status.ts';
import type { KubeObject } from '../../api/meta.ts';
import { METRICS_QUERY, nodeStats } from '../../bus/subjects.ts';
import { defineController, type ControllerContext } from '../lib/controller.ts';
import { MetricsStore } from './metrics.store.ts';

export interface MetricsServerInput {
  /** How often nodes are scraped (upstream --metric-resolution, 15 s). */
  resolutionMs?: number;
  /** How long a kubelet has to answer (upstream --kubelet-request-timeout, 10 s). */
  timeoutMs?: number;
}

const SCRAPE_KEY = 'scrape';
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}` as const;

type Ctx = ControllerContext<MetricsStore>;

const isReady = (n: Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** The body of a stats request: one frozen object, which the bus sends without a copy each time. */
const ASK = Object.freeze({});

/** Stats subjects by node name, made once each (100 nodes every 15 s otherwise build and hash a new string each). */
const statsSubjects = new Map<string, string>();
const statsSubject = (node: string) => {
  let s = statsSubjects.get(node);
  if (s === undefined) {
    if (statsSubjects.size >= 100_000) statsSubjects.clear();
    statsSubjects.set(node, (s = nodeStats(node)));
  }
  return s;
};

/** Asks every Ready node for its stats at once; a node that fails is left out of this batch (and logged). */
async function scrape(ctx: Ctx, timeoutMs: number): Promise<NodeStats[]> {
  const nodes = ctx.cache<Node>('nodes').list().filter(isReady);
  const got = await Promise.all(
    nodes.map((n) =>
      ctx.deps.bus.request<NodeStats>(statsSubject(n.metadata.name!), ASK, { timeoutMs }).then(
        (m) => (isStatus(m.data) ? (ctx.deps.log.warn({ node: n.metadata.name, err: m.data.message }, 'metrics-server: node stats failed'), undefined) : m.data),
        (err: Error) => (ctx.deps.log.warn({ node: n.metadata.name, err: err.message }, 'metrics-server: node not scraped'), undefined),
      ),
    ),
  );
  return got.filter((s): s is NodeStats => !!s);
}

/** Returns a matcher for the query's label and field selectors (400 when malformed). */
function matcher(q: MetricsQuery): (o: Node | Pod) => boolean {
  const labels = q.labelSelector ? selectorMatcher(q.labelSelector) : () => true;
  const fields = q.fieldSelector ? fieldSelectorMatcher(q.fieldSelector) : () => true;
  return (o) => labels(o.metadata.labels) && fields(o);
}

function nodeMetrics(ctx: Ctx, n: Node): NodeMetrics | undefined {
  const m = ctx.state.node(n.metadata.name!);
  if (!m) return undefined;
  const metadata = { name: n.metadata.name!, creationTimestamp: rfc3339(ctx.deps.clock.now()), ...(n.metadata.labels ? { labels: n.metadata.labels } : {}) };
  return { kind: 'NodeMetrics', apiVersion: API_VERSION, metadata, timestamp: m.timestamp, window: m.window, usage: m.value };
}

function podMetrics(ctx: Ctx, p: Pod): PodMetrics | undefined {
  const m = ctx.state.pod(p.metadata.namespace!, p.metadata.name!);
  if (!m) return undefined;
  const metadata = { name: p.metadata.name!, namespace: p.metadata.namespace!, creationTimestamp: rfc3339(ctx.deps.clock.now()), ...(p.metadata.labels ? { labels: p.metadata.labels } : {}) };
  return { kind: 'PodMetrics', apiVersion: API_VERSION, metadata, timestamp: m.timestamp, window: m.window, containers: m.value };
}

/** Answers one metrics.k8s.io read from the store and the informers' objects, as metrics-server's API does. */
export function answer(ctx: Ctx, q: MetricsQuery): MetricsReply {
  if (q?.resource !== 'nodes' && q?.resource !== 'pods') throw badRequest('want a query for nodes or pods');
  if (q.resource === 'nodes') {
    const nodes = ctx.cache<Node>('nodes');
    if (q.name !== undefined) {
      const n = nodes.get(q.name);
      const m = n && nodeMetrics(ctx, n);
      if (!m) throw notFound('nodemetrics.metrics.k8s.io', q.name);
      return m;
    }
    const match = matcher(q);
    const items = nodes.list().filter(match).map((n) => nodeMetrics(ctx, n)).filter((m): m is NodeMetrics => !!m);
    return { kind: 'NodeMetricsList', apiVersion: API_VERSION, metadata: {}, items: items.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1)) };
  }
  const pods = ctx.cache<Pod>('pods');
  if (q.name !== undefined) {
    const p = pods.get(`${q.namespace ?? ''}/${q.name}`);
    const m = p && podMetrics(ctx, p);
    if (!m) throw notFound('podmetrics.metrics.k8s.io', q.name);
    return m;
  }
  const match = matcher(q);
  const items = pods
    .list()
    .filter((p) => (q.namespace === undefined || p.metadata.namespace === q.namespace) && match(p))
    .map((p) => podMetrics(ctx, p))
    .filter((m): m is PodMetrics => !!m);
  const key = (m: PodMetrics) => `${m.metadata.namespace}/${m.metadata.name}`;
  return { kind: 'PodMetricsList', apiVersion: API_VERSION, metadata: {}, items: items.sort((a, b) => (key(a) < key(b) ? -1 : 1)) };
}

/**
 * The ClusterRole metrics-server's manifests install: reading metrics.k8s.io, aggregated into the
 * view, edit and admin roles (so whoever may read pods may `kubectl top` them). Made once; one that exists is kept.
 */
async function ensureReaderRole(ctx: Ctx): Promise<void> {
  const aggregate = Object.fromEntries(['view', 'edit', 'admin'].map((r) => [`rbac.authorization.k8s.io/aggregate-to-${r}`, 'true']));
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'system:aggregated-metrics-reader', labels: { 'k8s-app': 'metrics-server', ...aggregate } },
    rules: [{ apiGroups: [METRICS_GROUP], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] }],
  };
  try {
    await ctx.deps.client.create('clusterroles', role as unknown as KubeObject);
  } catch (err) {
    if (!isAlreadyExists(err)) ctx.deps.log.warn({ err: (err as Error).message }, 'metrics-server: reader ClusterRole not made');
  }
}

/** The metrics server actor (kind `controller/metrics-server`), run with the controller manager. */
export const metricsServer = defineController<MetricsServerInput | undefined, MetricsStore>({
  name: 'metrics-server',
  watches: [
    { resource: 'nodes', keys: () => [] },
    { resource: 'pods', keys: () => [] },
  ],
  init(base) {
    const ctx: Ctx = { ...base, state: new MetricsStore() };
    const sub = base.deps.bus.subscribe<MetricsQuery>(
      METRICS_QUERY,
      (msg) => {
        try {
          base.deps.bus.respond(msg, answer(ctx, msg.data));
        } catch (err) {
          const status = err instanceof StatusError ? err.status : new StatusError(500, 'InternalError', (err as Error).message).status;
          if (!(err instanceof StatusError)) base.deps.log.error({ err }, 'metrics-server: query failed');
          base.deps.bus.respond(msg, status);
        }
      },
      { queue: 'metrics-server' },
    );
    base.deps.onStop(() => sub.unsubscribe());
    return ctx.state;
  },
  started(ctx) {
    ctx.queue.add(SCRAPE_KEY);
    void ensureReaderRole(ctx);
  },
  async reconcile(_key, ctx, input) {
    const resolutionMs = input?.resolutionMs ?? 15_000;
    ctx.state.store(await scrape(ctx, input?.timeoutMs ?? 10_000));
    return { requeueAfterMs: resolutionMs };
  },
});
