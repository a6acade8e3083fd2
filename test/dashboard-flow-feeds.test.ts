// The dashboard's live feeds: the bus view's rates per subject group and actor and actors' states
// (BusStats, answered by the tracer on TRACE_BUS), the flow diff, and the gateway's SSE streams
// /ui/api/flows and /ui/api/bus over a MemoryBus with a real trace recorder.
import test from 'ava';
import { createServer, request, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { BusStats, type BusSnapshot } from '../actors/tracer/bus-stats.ts';
import { tracerActor } from '../actors/tracer/tracer.actor.ts';
import { TRACER_ID, type FeedBatch, type SentSummary } from '../actors/tracer/types.ts';
import { FlowDiff, scopeSpan, type WireSpan } from '../actors/gateway/ui-flow-diff.ts';
import { flowTarget, serveUiFeed } from '../actors/gateway/ui-feeds.ts';
import { StatusError } from '../api/status.ts';
import { ApiClient } from '../bus/client.ts';
import { realClock } from '../bus/clock.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { seededRng } from '../bus/random.ts';
import { apiSubject, subjectGroup, TRACE_BUS, TRACE_SPANS } from '../bus/subjects.ts';
import { silentLogger } from '../bus/types.ts';
import { Host } from '../runtime/host.ts';
import { issue } from '../runtime/pki.ts';
import { secureGateway } from './helpers/secure-gateway.ts';
import { waitFor } from './helpers/wait.ts';

const sent = (i: number, from: string, subject: string, object?: string, parent?: string): SentSummary => ({
  t: 's',
  traceId: 'a'.repeat(32),
  spanId: i.toString(16).padStart(16, '0'),
  ...(parent ? { parentSpanId: parent } : {}),
  from,
  subject,
  kind: subject.split('.').slice(2, 4).reverse().join(' '),
  ...(object ? { object } : {}),
  at: 1_000 + i,
});
const batch = (records: FeedBatch['records'], notes: FeedBatch['notes'] = []): FeedBatch => ({ source: 'test', records, notes, dropped: 0 });

test('dashboard feeds - subject groups drop ids and identity tokens', (t) => {
  t.is(subjectGroup('kubus.api.pods.create.scheduler'), 'kubus.api.pods.create');
  t.is(subjectGroup('kubus.api.pods.bind'), 'kubus.api.pods.bind');
  t.is(subjectGroup('kubus.watch.gateway.c12.w7'), 'kubus.watch (events)');
  t.is(subjectGroup('kubus.watch.c12.hb'), 'kubus.watch.*.hb');
  t.is(subjectGroup('_INBOX.gateway.abc.1'), '_INBOX (replies)');
  t.is(subjectGroup('kubus.node.node-1.logs'), 'kubus.node.*.logs');
  t.is(subjectGroup('kubus.status.query'), 'kubus.status.query');
});

test('dashboard feeds - rates per subject group and actor over whole seconds; states from notes', (t) => {
  const stats = new BusStats(2);
  const s = 10_000; // ms of the recorder's clock
  // Second 10: 4 binds by the scheduler, 2 deliveries to the API server; second 11: 2 creates by the gateway.
  stats.ingest(batch([0, 1, 2, 3].map((i) => sent(i, 'scheduler', 'kubus.api.pods.bind.scheduler'))), s);
  stats.ingest(batch([{ t: 'd', traceId: 'a'.repeat(32), spanId: '0'.repeat(16), to: 'apiserver', subject: 'kubus.api.pods.bind.scheduler', at: 1 }, { t: 'd', traceId: 'a'.repeat(32), spanId: '1'.padStart(16, '0'), to: 'apiserver', subject: 'kubus.api.pods.bind.scheduler', at: 1 }]), s + 500);
  stats.ingest(batch([sent(5, 'gateway', 'kubus.api.pods.create.gateway'), sent(6, 'gateway', 'kubus.api.pods.create.gateway')]), s + 1_200);
  stats.note({ actor: 'scheduler', at: 5, state: 'running', event: 'xstate.init' });
  stats.note({ actor: 'scheduler', at: 9, state: 'running.lease.leading', value: 'running.lease.leading, running.queue.idle', event: 'lease.acquired' });
  stats.note({ actor: 'kubelet/node-1', child: 'pod-a', at: 9, state: 'Running', event: 'x' });
  stats.note({ actor: 'kubelet/node-1', child: 'pod-b', at: 9, state: 'Pending', event: 'x' });
  stats.note({ actor: 'kubelet/node-1', child: 'pod-b', at: 10, state: 'Running', event: 'x' });
  // At second 12 the window is seconds 10 and 11: 4 binds / 2 s, 2 creates / 2 s.
  const snap = stats.snapshot(s + 2_100);
  t.deepEqual(snap.subjects, [
    { name: 'kubus.api.pods.bind', rate: 2, total: 4 },
    { name: 'kubus.api.pods.create', rate: 1, total: 2 },
  ]);
  t.deepEqual(snap.actors.map((a) => [a.name, a.rate, a.received]), [
    ['scheduler', 2, 0],
    ['apiserver', 0, 1], // ties on rate and total go by name
    ['gateway', 1, 0],
  ]);
  t.deepEqual(snap.states, [
    { actor: 'kubelet/node-1', state: '', event: '', at: 0, children: { Running: 2 } },
    { actor: 'scheduler', state: 'running.lease.leading, running.queue.idle', event: 'lease.acquired', at: 9 },
  ]);
  // The current second is not counted until it is over; past the window, rates fall to 0 and totals stay.
  t.is(stats.snapshot(s + 500).subjects[0].rate, 0);
  const later = stats.snapshot(s + 60_000);
  t.deepEqual(later.subjects.map((r) => [r.rate, r.total]), [[0, 4], [0, 2]]);
});

test('dashboard feeds - an hour of messages with no snapshot keeps at most window + 1 buckets per counter', (t) => {
  const stats = new BusStats(5);
  for (let sec = 0; sec < 3_600; sec++) {
    stats.ingest(batch([sent(sec, 'scheduler', 'kubus.api.pods.bind.scheduler'), { t: 'd', traceId: 'a'.repeat(32), spanId: '0'.repeat(16), to: 'apiserver', subject: 'kubus.api.pods.bind.scheduler', at: 1 }]), sec * 1000 + 10);
  }
  t.true(stats.bucketCount <= 3 * 6, `${stats.bucketCount} buckets`);
  // The rates are the same as before: 1 message per second over the last whole seconds.
  t.is(stats.snapshot(3_600_000).subjects[0].rate, 1);
});

test('dashboard feeds - a stopped child is no longer counted in its actor\'s states', (t) => {
  const stats = new BusStats(2);
  stats.note({ actor: 'kubelet/node-1', child: 'pod-a', at: 9, state: 'Running', event: 'x' });
  stats.note({ actor: 'kubelet/node-1', child: 'pod-b', at: 9, state: 'Running', event: 'x' });
  stats.note({ actor: 'kubelet/node-1', child: 'pod-a', at: 10, state: 'stopped', event: 'xstate.stop', stopped: true });
  t.deepEqual(stats.snapshot(20_000).states, [{ actor: 'kubelet/node-1', state: '', event: '', at: 0, children: { Running: 1 } }]);
});

test('dashboard feeds - a client that does not read has its feed closed past the buffer bound', async (t) => {
  const { EventEmitter } = await import('node:events');
  let asked = 0;
  const client = { bus: { request: async () => ({ data: { at: ++asked, windowSeconds: 5, subjects: [], actors: [], states: [] } }) } } as unknown as ApiClient;
  const req = Object.assign(new EventEmitter(), { method: 'GET', url: '/ui/api/bus' });
  // Nothing written is ever sent: the buffered bytes only grow.
  const emitter = new EventEmitter();
  const res = Object.assign(emitter, {
    writableLength: 0,
    destroyed: false,
    writeHead() {
      return this;
    },
    write(text: string) {
      this.writableLength += Buffer.byteLength(text);
      return false;
    },
    destroy() {
      this.destroyed = true;
      emitter.emit('close');
      return this;
    },
  });
  await serveUiFeed({ client, clock: realClock, log: silentLogger, feedMaxBufferedBytes: 300 }, { user: undefined } as unknown as ApiClient, req as never, res as never, new URL('http://x/ui/api/bus'));
  await waitFor(() => res.destroyed, 'the slow feed closed', 15_000);
  // Closed at the first write past the bound, not after buffering on.
  t.true(res.writableLength > 300 && res.writableLength < 2_000, `${res.writableLength} bytes`);
  t.true(asked >= 2, 'the bus snapshots were written until the bound');
});

test('dashboard feeds - the flow diff sends new and changed spans only, notes once', (t) => {
  const diff = new FlowDiff();
  const a: WireSpan = { traceId: 't', spanId: '1', subject: 'kubus.api.pods.create', from: 'gateway', to: [], kind: 'create pods', sentAt: 1 };
  const b: WireSpan = { traceId: 't', spanId: '2', subject: 'kubus.api.pods.bind', from: 'scheduler', to: ['apiserver'], kind: 'bind pods', sentAt: 2 };
  const note = { actor: 'scheduler', at: 2, state: 'binding', event: 'pod.bind' };
  t.deepEqual(diff.update([a], []), { spans: [a], notes: [] });
  t.deepEqual(diff.update([a, b], [note]), { spans: [b], notes: [note] });
  const delivered = { ...a, to: ['apiserver'], deliveredAt: 3 };
  t.deepEqual(diff.update([delivered, b], [note]), { spans: [delivered], notes: [] });
  t.deepEqual(diff.update([delivered, b], [note]), { spans: [], notes: [] });
});

test('dashboard feeds - the flow diff remembers only the last answer\'s window', (t) => {
  const diff = new FlowDiff();
  const span = (i: number): WireSpan => ({ traceId: 't', spanId: String(i), subject: 'kubus.api.pods.get', from: 'kubelet', to: ['apiserver'], kind: 'get pods', sentAt: i });
  // The recorder's answer is its latest 100 spans: a stream of 10,000 remembers 100 keys, not 10,000.
  for (let i = 0; i < 10_000; i += 50) {
    const window = Array.from({ length: 100 }, (_, j) => span(Math.max(0, i - 99) + j));
    const notes = [{ actor: 'kubelet', at: i, state: `s${i}`, event: 'x' }];
    const change = diff.update(window, notes);
    t.true(change.spans.length <= 100);
  }
  t.true(diff.size <= 101, `${diff.size} keys`);
});

test('dashboard feeds - a flow\'s spans name only objects in the target\'s namespace', (t) => {
  const batch: WireSpan = { traceId: 't', spanId: '1', subject: 'kubus.watch.x', from: 'apiserver', to: ['kubelet'], kind: 'watch ADDED', sentAt: 1, object: 'pod/other/secret-job', objects: ['pod/other/secret-job', 'pod/default/web', 'pod/default/db', 'node/n1'], objectCount: 40 };
  const scoped = scopeSpan(batch, 'default');
  t.deepEqual([scoped.object, scoped.objects, scoped.objectCount], ['pod/default/web', ['pod/default/web', 'pod/default/db'], 2]);
  t.deepEqual([scopeSpan(batch, undefined).object, scopeSpan(batch, undefined).objects], ['node/n1', undefined], 'a cluster-scoped target: cluster-scoped objects');
  const one = scopeSpan({ ...batch, objects: ['pod/other/a', 'pod/default/web'], objectCount: 2 }, 'default');
  t.deepEqual([one.object, one.objects, one.objectCount], ['pod/default/web', undefined, undefined]);
  const own: WireSpan = { ...batch, object: 'pod/default/web', objects: undefined, objectCount: undefined };
  t.is(scopeSpan(own, 'default'), own, 'nothing to cut: the same span');
});

test('dashboard feeds - malformed flow queries are 400 with the field', (t) => {
  const fail = (q: string) => t.throws(() => flowTarget(new URLSearchParams(q)), { instanceOf: StatusError });
  t.is(fail('name=x&namespace=default').status.details?.causes?.[0].field, 'kind');
  t.regex(fail('kind=Gadget&name=x').message, /no resource of this Kind/);
  t.is(fail('kind=Pod&name=x').status.details?.causes?.[0].field, 'namespace');
  t.is(fail('kind=Node&name=n&namespace=default').status.details?.causes?.[0].field, 'namespace');
  t.is(fail('kind=Pod&namespace=default&name=a%20b').code, 400);
  t.deepEqual(flowTarget(new URLSearchParams('kind=pod&namespace=default&name=web-1')), { ref: 'pod/default/web-1', resource: 'pods', group: '', namespace: 'default', name: 'web-1' });
  t.is(flowTarget(new URLSearchParams('kind=Node&name=node-1')).ref, 'node/node-1');
});

/** A recorder on a MemoryBus, and an HTTP server that serves only the feeds (as the trusted caller). */
async function setup(t: import('ava').ExecutionContext) {
  const broker = new MemoryBroker({ rng: seededRng(1) });
  const host = new Host({ bus: broker.connect('control-plane'), clock: realClock, rng: seededRng(2), log: silentLogger });
  host.start(tracerActor, TRACER_ID, {});
  const feedBus = broker.connect('node/node-1');
  const client = new ApiClient(broker.connect('gateway'));
  const deps = { client, clock: realClock, log: silentLogger };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    serveUiFeed(deps, client, req, res, url).catch((err: StatusError) => res.writeHead(err.code ?? 500).end(JSON.stringify(err.status)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(async () => {
    server.closeAllConnections();
    server.close();
    await host.stopAll();
    await feedBus.close();
  });
  return { feedBus, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Opens an event stream and collects its events; destroyed in teardown. */
function events(t: import('ava').ExecutionContext, url: string) {
  const got: Array<{ event: string; data: any }> = [];
  let status = 0;
  let buf = '';
  const req = request(url, (res) => {
    status = res.statusCode!;
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const ev = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (ev && data) got.push({ event: ev, data: JSON.parse(data) });
      }
    });
  });
  req.on('error', () => {});
  req.end();
  t.teardown(() => void req.destroy());
  return { got, status: () => status };
}

test('dashboard feeds - a flow stream sends the object\'s spans as they are recorded, the bus stream its rates', async (t) => {
  const { feedBus, base } = await setup(t);
  const flow = events(t, `${base}/ui/api/flows?kind=Pod&namespace=default&name=web-1`);
  await waitFor(() => flow.got.some((e) => e.event === 'object'), 'the stream opens', 10_000);
  t.is(flow.status(), 200);
  t.deepEqual(flow.got[0].data, { ref: 'pod/default/web-1' });
  const create = sent(1, 'gateway', apiSubject('pods', 'create', 'gateway'), 'pod/default/web-1');
  feedBus.publish(TRACE_SPANS, batch([create, sent(9, 'kubelet/node-2', apiSubject('pods', 'update-status'), 'pod/default/other')]));
  const spans = () => flow.got.filter((e) => e.event === 'spans').flatMap((e) => e.data.spans as WireSpan[]);
  await waitFor(() => spans().length >= 1, 'the create in the flow', 10_000);
  // Later, the scheduler's bind (a child of the create's watch event) arrives and is appended.
  feedBus.publish(TRACE_SPANS, batch([sent(2, 'scheduler', apiSubject('pods', 'bind', 'scheduler'), 'pod/default/web-1', create.spanId)]));
  await waitFor(() => spans().some((s) => s.from === 'scheduler'), 'the bind in the flow', 10_000);
  t.deepEqual(spans().map((s) => [s.from, s.kind]), [['gateway', 'create pods'], ['scheduler', 'bind pods']]);
  t.false(spans().some((s) => JSON.stringify(s).includes('other')), 'another pod\'s spans stay out');

  const bus = events(t, `${base}/ui/api/bus`);
  const lastBus = () => bus.got.filter((e) => e.event === 'bus').at(-1)?.data as BusSnapshot | undefined;
  await waitFor(() => lastBus()?.subjects.some((s) => s.name === 'kubus.api.pods.create' && s.total === 1), 'the bus totals', 10_000);
  t.true(lastBus()!.actors.some((a) => a.name === 'scheduler' && a.total === 1));
  // Published within the current window, the binds' rate becomes non-zero once their second is over.
  for (let i = 0; i < 5; i++) feedBus.publish(TRACE_SPANS, batch([sent(20 + i, 'scheduler', apiSubject('pods', 'bind', 'scheduler'))]));
  await waitFor(() => (lastBus()?.subjects.find((s) => s.name === 'kubus.api.pods.bind')?.rate ?? 0) > 0, 'a non-zero bind rate', 15_000);
  t.pass();
});

test('dashboard feeds - no recorder: the stream says how to start one; a bad query is 400 before any stream', async (t) => {
  const broker = new MemoryBroker({ rng: seededRng(3) });
  const client = new ApiClient(broker.connect('gateway'));
  const deps = { client, clock: realClock, log: silentLogger };
  const server = createServer((req, res) => {
    serveUiFeed(deps, client, req, res, new URL(req.url!, 'http://x')).catch((err: StatusError) => res.writeHead(err.code).end(JSON.stringify(err.status)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const s = events(t, `${base}/ui/api/bus`);
  await waitFor(() => s.got.some((e) => e.event === 'problem'), 'the problem event', 10_000);
  t.regex(s.got.find((e) => e.event === 'problem')!.data.message, /no trace recorder answers: run `kubus up`/);
  const res = await fetch(`${base}/ui/api/flows?kind=Pod&name=x`);
  t.is(res.status, 400);
  t.is(((await res.json()) as { details: { causes: Array<{ field: string }> } }).details.causes[0].field, 'namespace');
  t.is((await fetch(`${base}/ui/api/nothing`)).status, 404);
  t.is(TRACE_BUS, 'kubus.trace.bus');
});

/** The status code of an HTTPS GET (a stream is cut once its head arrives). */
const statusOver = (url: string, ca: string, client: { cert: string; key: string }) =>
  new Promise<number>((resolve, reject) => {
    const req = httpsRequest(url, { ca, ...client }, (res) => {
      resolve(res.statusCode!);
      req.destroy();
    });
    req.on('error', reject).end();
  });

test('dashboard feeds - over HTTPS a flow needs get on the object, the bus view cluster-admin', async (t) => {
  const gw = await secureGateway(t);
  const RBAC = 'rbac.authorization.k8s.io';
  await gw.env.client.create('rolebindings', { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'viewer', namespace: 'default' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' }, subjects: [{ apiGroup: RBAC, kind: 'User', name: 'viewer' }] } as never);
  const user = (cn: string, orgs: string[] = []) => issue(gw.ca, { cn, orgs, usage: 'client' });
  const flow = `${gw.url}/ui/api/flows?kind=Pod&namespace=default&name=web-1`;
  const bus = `${gw.url}/ui/api/bus`;
  const nobody = await gw.get('/ui/api/flows?kind=Pod&namespace=default&name=web-1', { client: user('nobody') });
  t.is(nobody.code, 403);
  t.regex(nobody.body.message, /cannot get resource "pods"/);
  t.is(await statusOver(flow, gw.ca.cert, user('viewer')), 200, 'view in default: the flow of a pod there');
  t.is((await gw.get('/ui/api/flows?kind=Pod&namespace=kube-system&name=x', { client: user('viewer') })).code, 403, 'not in another namespace');
  t.is((await gw.get('/ui/api/bus', { client: user('viewer') })).code, 403, 'the bus view is cluster-admin\'s');
  t.is(await statusOver(bus, gw.ca.cert, user('root', ['system:masters'])), 200);
  await gw.env.client.create('clusterrolebindings', { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'boss' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ apiGroup: RBAC, kind: 'User', name: 'boss' }] } as never);
  t.is(await statusOver(bus, gw.ca.cert, user('boss')), 200, 'bound to cluster-admin (as the dashboard\'s service account is)');
  t.is((await gw.get('/ui/api/bus')).code, 401, 'no credentials: 401');
});
