// Batches of API requests (api/batch.ts, bus/batch-client.ts, actors/apiserver/batch.ts): the lease
// renewals of one slot leave as one request and come back as one reply, each item served, authorized,
// admitted and answered on its own; a malformed or oversized batch gets one Status for the batch.
import test from 'ava';
import { MAX_BATCH_ITEMS, type ApiBatchReply } from '../api/batch.ts';
import type { Lease } from '../api/kinds/lease.ts';
import type { KubeObject } from '../api/meta.ts';
import type { Status } from '../api/status.ts';
import { gathered, Coalescer, coalescer } from '../bus/batch-client.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { apiSubject } from '../bus/subjects.ts';
import type { Bus } from '../bus/types.ts';
import { silentLogger } from '../bus/types.ts';
import { seededRng } from '../bus/random.ts';
import { realClock } from '../bus/clock.ts';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { summarize } from '../actors/tracer/summary.ts';
import { serveBatch, type Track } from '../actors/apiserver/batch.ts';
import { ACTOR_HEADER } from '../bus/trace.ts';
import type { BusMessage } from '../bus/types.ts';
import { startApi, statusOf } from './helpers/api.ts';
import { natsServer } from './helpers/nats.ts';

const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name } }) as KubeObject;
const nodeUser = (n: string) => ({ username: `system:node:${n}`, groups: ['system:nodes'] });
const renewed = (l: Lease, at: string): Lease => ({ ...l, spec: { ...l.spec, renewTime: at } });

/** Node clients on one connection whose lease updates go through one coalescer, and the leases n1..n3 created. */
async function nodes(admin: ApiClient, bus: Bus) {
  const c = coalescer(bus, 'leases', 'update', 5000);
  const as = (n: string) => new ApiClient(bus, { user: nodeUser(n), coalesce: c });
  const leases: Record<string, Lease> = {};
  for (const n of ['n1', 'n2', 'n3']) {
    await admin.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: n } } as KubeObject);
    leases[n] = await as(n).create<Lease>('leases', lease(n));
  }
  return { c, as, leases };
}

/** One slot's renewals: n1 its own (fresh), n2 its own with a stale resourceVersion, n3 n1's; all in one batch. */
async function mixedBatch(t: import('ava').ExecutionContext, admin: ApiClient, bus: Bus) {
  const { c, as, leases } = await nodes(admin, bus);
  const stale = { ...leases.n2, metadata: { ...leases.n2.metadata, resourceVersion: '1' } };
  const before = c.stats.batches;
  const [ok, conflict, forbidden] = gathered(() => [
    as('n1').update<Lease>('leases', renewed(leases.n1, '2026-01-01T00:00:01.000000Z')),
    as('n2').update<Lease>('leases', renewed(stale, '2026-01-01T00:00:01.000000Z')),
    as('n3').update<Lease>('leases', renewed(leases.n1, '2026-01-01T00:00:02.000000Z')),
  ]);
  t.is(c.stats.batches, before + 1, 'the three renewals left as one batch');
  const got = await ok;
  t.is(got.spec?.renewTime, '2026-01-01T00:00:01.000000Z');
  t.true(Number(got.metadata.resourceVersion) > Number(leases.n1.metadata.resourceVersion));
  const c409 = await statusOf(conflict);
  t.is(c409.code, 409);
  t.is(c409.reason, 'Conflict');
  const c403 = await statusOf(forbidden);
  t.is(c403.code, 403);
  t.is(c403.message, 'leases.coordination.k8s.io "n1" is forbidden: User "system:node:n3" cannot update resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node');
  // Only n1's own renewal was stored; n2's lease is as it was.
  t.is((await admin.get<Lease>('leases', 'n1', { namespace: 'kube-node-lease' })).spec?.renewTime, '2026-01-01T00:00:01.000000Z');
  t.is((await admin.get<Lease>('leases', 'n2', { namespace: 'kube-node-lease' })).metadata.resourceVersion, leases.n2.metadata.resourceVersion);
}

test('api batch - one slot\'s renewals in one batch: a conflict and a forbidden item fail alone (MemoryBus)', async (t) => {
  const env = await startApi(t);
  const bus = env.broker.connect('nodes');
  t.teardown(() => bus.close());
  const subjects: string[] = [];
  env.broker.tap = { sent: (r) => subjects.push(r.subject), delivered: () => {} };
  await mixedBatch(t, env.client, bus);
  t.true(subjects.includes('kubus.api.leases.batch'));
  t.false(subjects.includes('kubus.api.leases.update'), 'no renewal went alone');
});

test.serial('api batch - each item is its own request to watches, revisions and metrics', async (t) => {
  const env = await startApi(t);
  const bus = env.broker.connect('nodes');
  t.teardown(() => bus.close());
  const { as, leases } = await nodes(env.client, bus);
  const events: string[] = [];
  const w = await env.client.watch('leases', { namespace: 'kube-node-lease', resourceVersion: env.store.revision.toString() }, { event: (e) => events.push(`${e.type} ${(e.object as KubeObject).metadata.name} ${(e.object as KubeObject).metadata.resourceVersion}`), end: () => {} });
  t.teardown(() => w.stop());
  const rev = env.store.revision;
  const puts = await putsCounted(env.client);
  const done = await Promise.all(gathered(() => ['n1', 'n2', 'n3'].map((n) => as(n).update<Lease>('leases', renewed(leases[n], '2026-01-01T00:00:05.000000Z')))));
  t.deepEqual(done.map((l) => Number(l.metadata.resourceVersion)), [rev + 1, rev + 2, rev + 3], 'one store revision per item, in order');
  const deadline = Date.now() + 5000;
  while (events.length < 3 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  t.deepEqual(events, [`MODIFIED n1 ${rev + 1}`, `MODIFIED n2 ${rev + 2}`, `MODIFIED n3 ${rev + 3}`]);
  // The registry is the process's (this test runs alone, serial): counted from before.
  t.is((await putsCounted(env.client)) - puts, 3, 'renewals counted as 3 PUT leases');
});

/** Returns apiserver_request_total of PUT leases answered 200 (0 before the first). */
async function putsCounted(client: ApiClient): Promise<number> {
  const scrape = await client.bus.request<string>('kubus.prom.apiserver', {}, { timeoutMs: 5000 });
  const line = String(scrape.data).split('\n').find((l) => l.startsWith('apiserver_request_total{') && l.includes('verb="PUT"') && l.includes('resource="leases"') && l.includes('code="200"'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

test('api batch - a malformed batch gets 400, an oversized one 413, for the whole batch', async (t) => {
  const env = await startApi(t);
  const ask = async (data: unknown) => (await env.client.bus.request<Status>(apiSubject('leases', 'batch'), data, { timeoutMs: 5000 })).data;
  for (const bad of [42, 'x', [], {}, { verb: 'update' }, { verb: 'update', items: [] }, { verb: 'update', items: 'no' }, { verb: 'watch', items: [{}] }, { verb: 'batch', items: [{}] }]) {
    const s = await ask(bad);
    t.is(s.kind, 'Status', JSON.stringify(bad));
    t.is(s.code, 400, JSON.stringify(bad));
  }
  const big = await ask({ verb: 'update', items: Array.from({ length: MAX_BATCH_ITEMS + 1 }, () => ({})) });
  t.is(big.code, 413);
  t.is(big.reason, 'RequestEntityTooLarge');
  t.regex(big.message, /at most 500 items/);
  // Malformed items are each their own 400, the others served.
  const mixed = (await env.client.bus.request<ApiBatchReply>(apiSubject('leases', 'batch'), { verb: 'update', items: [7, { namespace: 'kube-node-lease', name: 'none', body: lease('none') }] }, { timeoutMs: 5000 })).data;
  t.is(mixed.kind, 'BatchReply');
  t.is((mixed.items[0] as Status).code, 400);
  t.is((mixed.items[1] as Status).code, 404);
});

test('api batch - with no API server each renewal fails on its own, as a lone request would (503)', async (t) => {
  const env = await startApi(t);
  const bus = env.broker.connect('nowhere');
  t.teardown(() => bus.close());
  const c = new Coalescer(bus, 'leases', 'update', 1000);
  const as = (n: string) => new ApiClient(bus, { user: nodeUser(n), coalesce: c });
  await env.host.stopAll();
  const all = gathered(() => ['n1', 'n2'].map((n) => as(n).update('leases', lease(n))));
  for (const p of all) t.is((await statusOf(p)).code, 503);
  t.is(c.stats.batches, 1);
});

test('api batch - a lone request outside a gathered() call leaves as it is', async (t) => {
  const env = await startApi(t);
  const bus = env.broker.connect('nodes');
  t.teardown(() => bus.close());
  const subjects: string[] = [];
  const { c, as, leases } = await nodes(env.client, bus);
  env.broker.tap = { sent: (r) => subjects.push(r.subject), delivered: () => {} };
  await as('n1').update('leases', renewed(leases.n1, '2026-01-01T00:00:09.000000Z'));
  await gathered(() => as('n2').update('leases', renewed(leases.n2, '2026-01-01T00:00:09.000000Z')));
  t.is(c.stats.batches, 0);
  t.is(subjects.filter((s) => s === 'kubus.api.leases.update').length, 2);
});

test('api batch - over a real nats-server', async (t) => {
  const nats = await natsServer(t);
  const cpBus = await NatsBus.connect({ servers: nats.url, name: 'control-plane' });
  const host = new Host({ bus: cpBus, clock: realClock, rng: seededRng(1), log: silentLogger });
  await serving(host.start(apiserverActor, 'apiserver', { store: new MemoryStore() }));
  const bus = await NatsBus.connect({ servers: nats.url, name: 'nodes' });
  t.teardown(async () => {
    await bus.close();
    await host.stopAll();
    await cpBus.close();
  });
  await mixedBatch(t, new ApiClient(bus), bus);
});

test('api batch - the trace describes a batch by its verb, item count and first names, and its reply by failures', (t) => {
  const items = ['node-1', 'node-2', 'node-3', 'node-4'].map((n) => ({ name: n, namespace: 'kube-node-lease', body: lease(n) }));
  t.like(summarize('kubus.api.leases.batch', { verb: 'update', items }), { kind: 'batch update leases', detail: '4 items: node-1, node-2, node-3, …' });
  const conflict = { kind: 'Status', status: 'Failure', code: 409 };
  t.like(summarize('_INBOX.x.1', { kind: 'BatchReply', items: [lease('node-1'), conflict] }), { kind: 'reply batch', detail: '2 items, 1 failed', reply: true });
});

test('api batch - the server serves each item on its own subject (identity kept), with its sender as the actor header', async (t) => {
  const served: BusMessage[] = [];
  const sent: unknown[] = [];
  const server = { serve: async (m: BusMessage) => (served.push(m), { ok: m.subject }), send: (_: BusMessage, r: unknown) => void sent.push(r) };
  const track: Track = async (_, serve) => void (await serve());
  const msg = (data: unknown): BusMessage => ({ subject: 'kubus.api.leases.batch.tok', data, headers: { [ACTOR_HEADER]: 'node/proc', traceparent: 'x' } });
  const reply = (await serveBatch(msg({ verb: 'update', items: [{ name: 'a' }, { name: 'b' }], actors: ['kubelet/a', ''] }), server, track)) as ApiBatchReply;
  t.deepEqual(served.map((m) => [m.subject, m.headers[ACTOR_HEADER], m.headers.traceparent]), [['kubus.api.leases.update.tok', 'kubelet/a', 'x'], ['kubus.api.leases.update.tok', 'node/proc', 'x']]);
  t.deepEqual(reply.items, [{ ok: 'kubus.api.leases.update.tok' }, { ok: 'kubus.api.leases.update.tok' }]);
  t.is(sent.length, 1);
  t.is(((await serveBatch(msg({ verb: 'update', items: [{}], actors: ['a', 'b'] }), server, track)) as Status).code, 400);
  t.is(served.length, 2, 'a malformed batch serves no item');
});
