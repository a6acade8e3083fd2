// Prometheus metrics of a simulated cluster (virtual clock, MemoryBus): each component's exposition
// parses, and its counters move by exactly what happened: API requests by verb, resource and code,
// schedule attempts by result, work queue adds and their takes, kubelets' running pods and starts.
// Serial: the components of every test here share this process's registries (same ids), as one process would.
import test from 'ava';
import type { Pod } from '../api/kinds/pod.ts';
import { VirtualClock } from '../bus/clock.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { seededRng } from '../bus/random.ts';
import { silentLogger } from '../bus/types.ts';
import { serveKubeletMetrics } from '../actors/kubelet/metrics.ts';
import type { ContainerRuntime } from '../actors/kubelet/runtimes/runtime.ts';
import { nodeProm, promSubject } from '../bus/subjects.ts';
import { exposition, processExposition } from '../actors/lib/metrics-registry.ts';
import { WorkQueue } from '../actors/lib/workqueue.ts';
import { LeanHistogram } from '../actors/lib/lean-histogram.ts';
import { Histogram, Registry } from 'prom-client';
import { workQueueMetrics } from '../actors/lib/workqueue-metrics.ts';
import { startSimCluster, type SimCluster } from './helpers/cluster.ts';
import { mkPod } from './helpers/scheduler.ts';
import { parseExposition, valueOf, hasSample, type Sample } from './helpers/prom-text.ts';

/** Scrapes a component over the bus and returns its parsed samples. */
async function scrape(c: SimCluster, subject: string): Promise<Sample[]> {
  const reply = await c.run(c.client.bus.request<string>(subject, {}, { timeoutMs: 5_000 }));
  if (typeof reply.data !== 'string') throw new Error(`${subject} answered ${JSON.stringify(reply.data)}`);
  return parseExposition(reply.data).samples;
}

const pod = (name: string, o: Parameters<typeof mkPod>[1] = {}): Pod => {
  const p = mkPod(name, o);
  delete p.metadata.uid;
  return p;
};

test.serial('prom - the API server counts each request by verb, resource, scope and code; store writes; objects by resource; process metrics', async (t) => {
  const c = await startSimCluster(t, { nodes: 1 });
  const before = await scrape(c, promSubject('apiserver'));
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'prom-a', namespace: 'default' }, data: { a: '1' } };
  await c.run(c.client.create('configmaps', cm as never));
  await c.run(c.client.get('configmaps', 'prom-missing', { namespace: 'default' }).catch(() => undefined));
  await c.run(c.client.get('configmaps', 'prom-missing', { namespace: 'default' }).catch(() => undefined));
  const after = await scrape(c, promSubject('apiserver'));
  const delta = (labels: Record<string, string>) => valueOf(after, 'apiserver_request_total', labels) - valueOf(before, 'apiserver_request_total', labels);
  t.is(delta({ verb: 'POST', resource: 'configmaps', code: '201', scope: 'namespace', version: 'v1', group: '', component: 'apiserver' }), 1);
  t.is(delta({ verb: 'GET', resource: 'configmaps', code: '404', scope: 'resource' }), 2);
  t.true(hasSample(after, 'apiserver_request_duration_seconds_bucket', { verb: 'POST', resource: 'configmaps', le: '+Inf' }));
  t.is(valueOf(after, 'apiserver_storage_objects', { resource: 'configmaps' }), (await c.list('configmaps')).length);
  t.is(valueOf(after, 'apiserver_storage_objects', { resource: 'nodes' }), 1);
  t.true(hasSample(after, 'apiserver_current_inflight_requests', { request_kind: 'mutating' }));
  const writes = (x: Sample[]) => valueOf(x, 'etcd_request_duration_seconds_count', { operation: 'create', group: '', resource: 'configmaps' });
  t.is(writes(after) - writes(before), 1, 'one store write for the one create');
  t.true(hasSample(after, 'process_cpu_seconds_total'));
  t.true(hasSample(after, 'nodejs_heap_size_used_bytes'));
  // Each replica's samples say which it is: the gateway's /metrics reaches any one, and Prometheus must not see one series reset.
  const own = after.filter((x) => /^(apiserver|etcd)_/.test(x.name));
  t.true(own.length > 0 && own.every((x) => x.labels.server === 'apiserver'), 'every API server sample has server="apiserver"');
  t.false(after.some((x) => x.name.startsWith('process_') && 'server' in x.labels), 'the process metrics are the process’s');
});

test.serial('prom - the process exposition (--metrics-port) keeps process_start_time_seconds', async (t) => {
  t.true(hasSample(parseExposition(await processExposition()).samples, 'process_start_time_seconds'));
});

test.serial('prom - the scheduler counts scheduled and unschedulable attempts and its pending pods by queue', async (t) => {
  const c = await startSimCluster(t, { nodes: 2 });
  const before = await scrape(c, promSubject('scheduler'));
  for (const name of ['fits-1', 'fits-2']) await c.run(c.client.create('pods', pod(name)));
  await c.run(c.client.create('pods', pod('nowhere', { nodeSelector: { disk: 'none' } })));
  await c.until(async () => (await c.list<Pod>('pods')).filter((p) => p.spec.nodeName).length === 2, 30_000, 'two pods bound');
  await c.until(async () => valueOf(await scrape(c, promSubject('scheduler')), 'scheduler_pending_pods', { queue: 'unschedulable' }) === 1, 30_000, 'one pod unschedulable');
  const after = await scrape(c, promSubject('scheduler'));
  const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
  t.is(delta('scheduler_schedule_attempts_total', { result: 'scheduled', profile: 'default-scheduler' }), 2);
  t.is(delta('scheduler_schedule_attempts_total', { result: 'unschedulable' }), 1);
  t.is(delta('scheduler_schedule_attempts_total', { result: 'error' }), 0);
  t.is(delta('scheduler_scheduling_attempt_duration_seconds_count', { result: 'scheduled' }), 2);
  t.is(valueOf(after, 'scheduler_pending_pods', { queue: 'active' }), 0);
});

test.serial('prom - a work queue counts adds once per dirty key, its depth, retries, and time queued and worked on the virtual clock', async (t) => {
  const clock = new VirtualClock(0);
  const id = { component: 'test-workqueue' };
  const q = new WorkQueue(clock, undefined, workQueueMetrics('q', clock, id));
  t.teardown(() => q.close());
  const read = async () => parseExposition(await exposition(id)).samples;
  const v = async (name: string) => valueOf(await read(), name, { name: 'q' });
  t.is(await v('workqueue_depth'), 0, 'the queue shows before its first add');
  q.add('a');
  q.add('a'); // already waiting: not an add
  q.add('b');
  t.is(await v('workqueue_adds_total'), 2);
  t.is(await v('workqueue_depth'), 2);
  await clock.advance(1_000);
  let got = '';
  q.next((k) => (got = k));
  t.is(got, 'a');
  t.is(await v('workqueue_depth'), 1);
  t.is(await v('workqueue_queue_duration_seconds_sum'), 1);
  q.add('a'); // changed while being worked on: queued again when done
  t.is(await v('workqueue_adds_total'), 3);
  await clock.advance(500);
  q.done('a');
  t.is(await v('workqueue_adds_total'), 3, 'done() requeues without counting another add');
  t.is(await v('workqueue_depth'), 2);
  t.is(await v('workqueue_work_duration_seconds_sum'), 0.5);
  t.is(await v('workqueue_work_duration_seconds_count'), 1);
  q.addRateLimited('c');
  t.is(await v('workqueue_retries_total'), 1);
});

test.serial('prom - the controller manager: every work queue add is taken and worked once (exact), and the queue drains', async (t) => {
  const c = await startSimCluster(t, { nodes: 1 });
  const before = await scrape(c, promSubject('controller-manager'));
  const rs = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  };
  await c.run(c.client.create('replicasets', rs as never));
  await c.until(async () => (await c.list<Pod>('pods')).filter((p) => p.status?.phase === 'Running').length === 2, 60_000, 'two pods running');
  let after: Sample[] = [];
  await c.until(async () => valueOf((after = await scrape(c, promSubject('controller-manager'))), 'workqueue_depth', { name: 'replicaset' }) === 0, 30_000, 'replicaset queue drained');
  const delta = (name: string) => valueOf(after, name, { name: 'replicaset' }) - valueOf(before, name, { name: 'replicaset' });
  const adds = delta('workqueue_adds_total');
  t.true(adds >= 1, `replicaset adds moved (${adds})`);
  t.is(delta('workqueue_queue_duration_seconds_count'), adds, 'each add taken once');
  t.is(delta('workqueue_work_duration_seconds_count'), adds, 'each take worked once');
  t.true(hasSample(after, 'workqueue_depth', { name: 'deployment' }));
});

test.serial('prom - a kubelet reports its node, running pods and containers, and each pod start once', async (t) => {
  const c = await startSimCluster(t, { nodes: 1 });
  const before = await scrape(c, nodeProm('node-0'));
  for (const name of ['k-1', 'k-2', 'k-3']) await c.run(c.client.create('pods', pod(name)));
  await c.until(async () => (await c.list<Pod>('pods')).filter((p) => p.status?.phase === 'Running').length === 3, 60_000, 'three pods running');
  const after = await scrape(c, nodeProm('node-0'));
  t.is(valueOf(after, 'kubelet_node_name', { node: 'node-0' }), 1);
  t.is(valueOf(after, 'kubelet_running_pods'), 3);
  t.is(valueOf(after, 'kubelet_running_containers', { container_state: 'running' }), 3);
  t.is(valueOf(after, 'kubelet_pod_start_duration_seconds_count') - valueOf(before, 'kubelet_pod_start_duration_seconds_count'), 3);
  t.true(valueOf(after, 'kubelet_pod_start_duration_seconds_sum') > 0, 'starts take virtual time');
});

test('prom - the lean histogram exposes what prom-client\'s Histogram does for the same observations', async (t) => {
  const buckets = [0.005, 0.025, 0.1, 1];
  const a = new Registry();
  const b = new Registry();
  const reference = new Histogram({ name: 'x_seconds', help: 'x', labelNames: ['verb'], buckets, registers: [a] });
  const lean = new LeanHistogram('x_seconds', 'x', buckets, [b]);
  const get = { verb: 'GET' };
  const post = { verb: 'POST' };
  for (const [labels, v] of [[get, 0.001], [get, 0.005], [get, 0.02], [post, 0.5], [post, 3], [get, 0.1]] as const) {
    reference.observe({ ...labels }, v);
    lean.observe(labels, v);
  }
  const norm = (text: string) => parseExposition(text).samples.map((x) => `${x.name}${JSON.stringify(Object.entries(x.labels).sort())} ${x.value}`).sort();
  t.deepEqual(norm(await b.metrics()), norm(await a.metrics()));
  t.is(valueOf(parseExposition(await b.metrics()).samples, 'x_seconds_bucket', { verb: 'GET', le: '0.005' }), 2, 'a value on a bound counts in that bucket');
});

test.serial('prom - a stopped kubelet’s gauges no longer read its (closed) runtime', async (t) => {
  const broker = new MemoryBroker();
  let reads = 0;
  const runtime = { listContainers: async () => (reads++, []) } as unknown as ContainerRuntime;
  const stop = serveKubeletMetrics({ bus: broker.connect('k', seededRng(1)), clock: new VirtualClock(0), runtime, nodeName: 'prom-stopped', pods: { on: () => {}, off: () => {} }, log: silentLogger });
  const id = { component: 'kubelet', instance: { node: 'prom-stopped' } };
  await exposition(id);
  t.true(reads > 0, 'read while running');
  stop();
  reads = 0;
  await exposition(id);
  t.is(reads, 0, 'not read after stop');
});
