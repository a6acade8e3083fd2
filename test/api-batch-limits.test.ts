// What a batch may carry and how large its reply may grow (api/batch.ts, actors/apiserver/batch.ts,
// bus/batch-client.ts): only lease updates, refused whole before any item is served; a reply held to
// MAX_BATCH_REPLY_BYTES, items past it not served (413) and sent again alone by the coalescer; item
// actors checked; and a server that does not know batches makes the coalescer send its requests alone.
import test from 'ava';
import { BATCH_ITEM_SLACK, isUnservedItem, MAX_BATCH_REPLY_BYTES, unservedItem, type ApiBatchReply } from '../api/batch.ts';
import type { Lease } from '../api/kinds/lease.ts';
import type { KubeObject } from '../api/meta.ts';
import type { ApiRequest } from '../api/protocol.ts';
import type { Status } from '../api/status.ts';
import { serveBatch, type Track } from '../actors/apiserver/batch.ts';
import { Coalescer, coalescer, gathered } from '../bus/batch-client.ts';
import { ApiClient } from '../bus/client.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { apiSubject } from '../bus/subjects.ts';
import { ACTOR_HEADER, runAsRoot } from '../bus/trace.ts';
import type { BusMessage } from '../bus/types.ts';
import { startApi } from './helpers/api.ts';

const lease = (name: string, annotation = 0) =>
  ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease', ...(annotation ? { annotations: { big: 'x'.repeat(annotation) } } : {}) }, spec: { holderIdentity: name } }) as KubeObject;
const renewed = (l: Lease, at: string): Lease => ({ ...l, spec: { ...l.spec, renewTime: at } });
const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));
/**
 * The requests' timeout (real clock): what these tests check is what is sent and answered, never how
 * fast. 2 s timed out two of them in a CI run (the file took 7.8 s of wall time for 1 s of CPU at load
 * ~20): a slow answer is no failure here, a missing one still is.
 */
const TIMEOUT_MS = 30_000;

/** A server for serveBatch that answers each item with `answer` (default: its body) and records what it served and sent. */
function fakeServer(answer: (m: BusMessage) => unknown = (m) => (m.data as ApiRequest).body ?? {}) {
  const served: BusMessage[] = [];
  const sent: unknown[] = [];
  const server = { serve: async (m: BusMessage) => (served.push(m), answer(m)), send: (_: BusMessage, r: unknown) => void sent.push(r) };
  const track: Track = async (_, serve) => void (await serve());
  return { served, sent, batch: (subject: string, data: unknown) => serveBatch({ subject, data, headers: {} }, server, track) };
}

test('api batch limits - anything but lease updates is refused whole (400, naming what is allowed) before any item is served', async (t) => {
  const { served, batch } = fakeServer();
  for (const [subject, verb] of [['kubus.api.configmaps.batch', 'get'], ['kubus.api.nodes.batch.tok', 'patch'], ['kubus.api.leases.batch', 'get'], ['kubus.api.leases.batch', 'delete'], ['kubus.api.configmaps.batch', 'update']]) {
    const s = (await batch(subject, { verb, items: Array.from({ length: 500 }, () => ({ namespace: 'default', name: 'big' })) })) as Status;
    t.is(s.code, 400, `${verb} ${subject}`);
    t.is(s.reason, 'BadRequest');
    t.regex(s.message, /batches are allowed only for update of leases \(coordination\.k8s\.io\)/);
  }
  t.is(served.length, 0, 'no item served');
  // Over the bus, to the real server: a batch of gets of a ConfigMap gets the one 400.
  const env = await startApi(t);
  await env.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big', namespace: 'default' }, data: { x: 'y'.repeat(100_000) } } as KubeObject);
  const s = (await env.client.bus.request<Status>(apiSubject('configmaps', 'batch'), { verb: 'get', items: Array.from({ length: 500 }, () => ({ namespace: 'default', name: 'big' })) }, { timeoutMs: TIMEOUT_MS })).data;
  t.like(s, { kind: 'Status', code: 400, reason: 'BadRequest' });
});

test('api batch limits - items past the reply budget are not served (413 each); a reply larger than its room is a 500 for that item alone', async (t) => {
  const { served, sent, batch } = fakeServer();
  const items = Array.from({ length: 100 }, (_, i) => ({ namespace: 'kube-node-lease', name: `n${i}`, body: lease(`n${i}`, 8000) }));
  const need = bytes(items[0]) + BATCH_ITEM_SLACK;
  const fit = Math.floor(MAX_BATCH_REPLY_BYTES / need);
  const reply = (await batch('kubus.api.leases.batch', { verb: 'update', items })) as ApiBatchReply;
  t.is(reply.kind, 'BatchReply');
  t.is(served.length, fit, `${fit} of 100 items served`);
  t.true(reply.items.slice(0, fit).every((r) => !isUnservedItem(r)));
  t.true(reply.items.slice(fit).every(isUnservedItem), 'the others each a 413 NotServedInBatch');
  t.like(reply.items[fit] as Status, { code: 413, reason: 'RequestEntityTooLarge' });
  t.true(bytes(sent[0]) <= MAX_BATCH_REPLY_BYTES + 100 * 400, `reply ${bytes(sent[0])} bytes`);
  // A server whose replies outgrow their requests: the item that finds no room left is a 500, the others as they are.
  const grown = fakeServer((m) => ({ ...(m.data as ApiRequest).body, pad: (m.data as ApiRequest).name === 'a' ? 'p'.repeat(MAX_BATCH_REPLY_BYTES) : '' }));
  const r2 = (await grown.batch('kubus.api.leases.batch', { verb: 'update', items: ['a', 'b'].map((n) => ({ namespace: 'kube-node-lease', name: n, body: lease(n) })) })) as ApiBatchReply;
  t.is((r2.items[0] as Status).code, 500);
  t.is((r2.items[1] as Lease).metadata.name, 'b');
});

test('api batch limits - large leases: the server does not write what does not fit, and the coalescer splits by size', async (t) => {
  const env = await startApi(t);
  const big = 200_000; // a Lease's annotations may reach 256 KiB
  const leases: Record<string, Lease> = {};
  for (const n of ['n1', 'n2', 'n3']) leases[n] = await env.client.create<Lease>('leases', lease(n, big));
  // Sent raw: the third item does not fit (3 x ~201 KB > 512 KiB), gets 413 and is not written.
  const items = ['n1', 'n2', 'n3'].map((n) => ({ namespace: 'kube-node-lease', name: n, body: renewed(leases[n], '2026-01-01T00:00:01.000000Z') }));
  const raw = (await env.client.bus.request<ApiBatchReply>(apiSubject('leases', 'batch'), { verb: 'update', items }, { timeoutMs: TIMEOUT_MS })).data;
  t.is(raw.kind, 'BatchReply');
  t.is((raw.items[1] as Lease).spec?.renewTime, '2026-01-01T00:00:01.000000Z');
  t.true(isUnservedItem(raw.items[2]));
  const n3 = await env.client.get<Lease>('leases', 'n3', { namespace: 'kube-node-lease' });
  t.is(n3.metadata.resourceVersion, leases.n3.metadata.resourceVersion, 'n3 not written');
  // Through the coalescer: n1 and n2 (already renewed) in one batch, n3 alone; all renewed.
  const bus = env.broker.connect('nodes');
  t.teardown(() => bus.close());
  const c = coalescer(bus, 'leases', 'update', TIMEOUT_MS);
  const client = new ApiClient(bus, { coalesce: c });
  const subjects: string[] = [];
  env.broker.tap = { sent: (r) => subjects.push(r.subject), delivered: () => {} };
  const fresh = { n1: raw.items[0] as Lease, n2: raw.items[1] as Lease, n3 };
  const done = await Promise.all(gathered(() => (['n1', 'n2', 'n3'] as const).map((n) => client.update<Lease>('leases', renewed(fresh[n], '2026-01-01T00:00:02.000000Z')))));
  t.deepEqual(done.map((l) => l.spec?.renewTime), Array(3).fill('2026-01-01T00:00:02.000000Z'));
  t.is(c.stats.batches, 1);
  t.is(c.stats.items, 2);
  t.deepEqual(subjects.filter((s) => s.startsWith('kubus.api.leases.')), ['kubus.api.leases.batch', 'kubus.api.leases.update']);
});

test('api batch limits - item actors must be names: too long, spaces or control characters refuse the batch (400)', async (t) => {
  const { served, batch } = fakeServer();
  const items = [{ name: 'a' }, { name: 'b' }];
  for (const bad of ['x'.repeat(254), 'kubelet node', 'a\nb', 'a\u202eb', 7])
    t.is(((await batch('kubus.api.leases.batch', { verb: 'update', items, actors: [bad, ''] })) as Status).code, 400, JSON.stringify(bad));
  t.is(served.length, 0);
  const ok = (await batch('kubus.api.leases.batch', { verb: 'update', items, actors: ['kubelet/node-1.example.com', 'x'.repeat(253)] })) as ApiBatchReply;
  t.is(ok.kind, 'BatchReply');
  t.deepEqual(served.map((m) => m.headers[ACTOR_HEADER]), ['kubelet/node-1.example.com', 'x'.repeat(253)]);
});

/** A broker with a fake API server answering `kubus.api.leases.batch` with `batchReply` and updates with their body. */
function fakeBus(t: import('ava').ExecutionContext, batchReply: (data: { items: ApiRequest[]; actors?: string[] }) => unknown) {
  const broker = new MemoryBroker();
  const server = broker.connect('server');
  const client = broker.connect('nodes');
  const got = { batches: [] as { items: ApiRequest[]; actors?: string[] }[], alone: [] as string[] };
  server.subscribe<{ items: ApiRequest[] }>('kubus.api.leases.batch', (m) => (got.batches.push(m.data), server.respond(m, batchReply(m.data))));
  server.subscribe<ApiRequest>('kubus.api.leases.update', (m) => (got.alone.push(m.data.name!), server.respond(m, m.data.body)));
  t.teardown(async () => {
    await client.close();
    await server.close();
  });
  const c = new Coalescer(client, 'leases', 'update', TIMEOUT_MS);
  const api = new ApiClient(client, { coalesce: c });
  const renew = (names: string[]) => Promise.all(gathered(() => names.map((n) => runAsRoot(n === 'a' ? 'kubelet bad\nname' : `kubelet/${n}`, () => api.update<Lease>('leases', lease(n) as Lease)))));
  return { c, got, renew };
}

test('api batch limits - a server that does not know batches (405, 404, 403): the items go again alone, and later requests too', async (t) => {
  for (const code of [405, 404, 403]) {
    const { c, got, renew } = fakeBus(t, () => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'MethodNotAllowed', message: 'no batch', code }));
    t.deepEqual((await renew(['a', 'b'])).map((l) => l.metadata.name), ['a', 'b'], `${code}`);
    t.true(c.unbatched);
    t.deepEqual((await renew(['c', 'd'])).map((l) => l.metadata.name), ['c', 'd']);
    t.is(got.batches.length, 1, 'one batch tried');
    t.deepEqual(got.alone, ['a', 'b', 'c', 'd']);
  }
});

test('api batch limits - the coalescer sends an unserved item again alone, and an actor name the server would refuse as ""', async (t) => {
  const { c, got, renew } = fakeBus(t, (d) => ({ kind: 'BatchReply', items: d.items.map((it, i) => (i === 1 ? unservedItem(1) : it.body)) }));
  t.deepEqual((await renew(['a', 'b', 'c'])).map((l) => l.metadata.name), ['a', 'b', 'c']);
  t.false(c.unbatched);
  t.deepEqual(got.alone, ['b']);
  t.deepEqual(got.batches[0].actors, ['', 'kubelet/b', 'kubelet/c']);
});
