// Several API servers at once on one shared store (issue 13): each replica serves from its own
// cache, fed late (feedDelayMs) by the store's change feed; reads, writes and watches keep upstream's
// resourceVersion semantics across them. Requests reach the replicas round-robin (the MemoryBroker's
// queue groups), so three requests in a row on one subject reach all three.
import test from 'ava';
import type { KubeList, KubeObject } from '../api/meta.ts';
import type { ApiServerStarted } from '../api/protocol.ts';
import { APISERVER_STARTED } from '../bus/subjects.ts';
import { BUILTIN_NAMESPACES } from '../actors/apiserver/server.ts';
import type { TxnOp } from '../actors/apiserver/store/store.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { ApiClient } from '../bus/client.ts';
import { realClock } from '../bus/clock.ts';
import { Informer } from '../bus/informer.ts';
import { pod, statusOf } from './helpers/api.ts';
import { recordingLogger } from './helpers/log.ts';
import { startReplicas, type ReplicaSet } from './helpers/replicas.ts';
import { waitFor } from './helpers/wait.ts';

const ns = { namespace: 'default' };
const cm = (name: string, data: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });
const dataOf = (o: KubeObject) => (o.data ?? {}) as Record<string, string>;
const names = (l: KubeList) => l.items.map((o) => o.metadata.name);
const three = <T>(f: () => Promise<T>) => Promise.all([f(), f(), f()]);

async function cluster(t: Parameters<typeof startReplicas>[0], feedDelayMs: number, log = recordingLogger()) {
  const broker = new MemoryBroker({ clock: realClock });
  const set = await startReplicas(t, { feedDelayMs, log, connect: (name) => broker.connect(name) });
  const clientBus = broker.connect('client');
  t.teardown(() => clientBus.close());
  return { ...set, broker, log, clientBus, client: new ApiClient(clientBus, { clock: realClock }) };
}

/** The stored form of a ConfigMap as an API server writes it. */
const stored = (name: string, data: Record<string, string> = {}, namespace = 'default'): KubeObject => ({
  ...cm(name, data),
  metadata: { name, namespace, uid: `uid-${name}`, creationTimestamp: '2026-12-05T00:00:00Z', generation: 1 },
});
const key = (name: string, namespace = 'default') => `/registry/configmaps/${namespace}/${name}`;

/**
 * A write that another API server got acknowledged: in the shared store at once, in every replica's
 * cache only after the feed's lag (a write through one of ours would return only once its own cache,
 * fed with the same lag, has it: by then every cache has).
 */
async function elsewhere(backend: ReplicaSet['backend'], op: TxnOp): Promise<number> {
  const r = await backend.data.txn(op);
  if (!r.ok) throw new Error(`the shared store refused ${op.op} ${op.key}: ${r.reason}`);
  return r.revision;
}

test('apiserver replicas - an empty-resourceVersion list or get on any replica sees a write acknowledged elsewhere; resourceVersion=0 serves the cache as it is', async (t) => {
  const { client, backend } = await cluster(t, 200);
  for (let i = 0; i < 3; i++) {
    const rv = await elsewhere(backend, { op: 'create', key: key(`c${i}`), value: stored(`c${i}`) });
    // Each replica's cache as it is: none has heard of the write yet.
    for (const l of await three(() => client.list('configmaps', { ...ns, resourceVersion: '0' }))) t.false(names(l).includes(`c${i}`));
    for (const l of await three(() => client.list('configmaps', ns))) {
      t.true(names(l).includes(`c${i}`), `an empty-rv list missed c${i}`);
      t.true(Number(l.metadata.resourceVersion) >= rv);
    }
    await elsewhere(backend, { op: 'update', key: key(`c${i}`), value: stored(`c${i}`, { v: '2' }) });
    for (const g of await three(() => client.get('configmaps', `c${i}`, ns))) t.deepEqual(g.data, { v: '2' });
  }
});

test("apiserver replicas - a list at a resourceVersion above a replica's cache waits for it, then answers; too large is a 504 after 3 s", async (t) => {
  const { client, backend } = await cluster(t, 300);
  const rv = String(await elsewhere(backend, { op: 'create', key: key('a'), value: stored('a') }));
  for (const l of await three(() => client.list('configmaps', { ...ns, resourceVersion: rv }))) t.true(names(l).includes('a'));
  await elsewhere(backend, { op: 'update', key: key('a'), value: stored('a', { x: '1' }) });
  for (const l of await three(() => client.list('configmaps', { ...ns, resourceVersion: rv, resourceVersionMatch: 'Exact' }))) {
    t.is(l.metadata.resourceVersion, rv);
    t.deepEqual(l.items.find((o) => o.metadata.name === 'a')?.data, {});
  }
  const far = String(Number(rv) + 1000);
  const began = Date.now();
  const err = await statusOf(client.list('configmaps', { ...ns, resourceVersion: far }));
  const waited = Date.now() - began;
  t.is(err.code, 504);
  t.is(err.reason, 'Timeout');
  t.deepEqual(err.status.details?.causes, [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }]);
  t.true(waited >= 2_900 && waited < 5_000, `answered after ${waited} ms`);
});

test('apiserver replicas - unconditional updates, patches, deletes and binds succeed on a stale replica; a stale resourceVersion is still 409', async (t) => {
  const { client, backend, log } = await cluster(t, 300);
  // Not in any cache yet: each replica answers 404 from its cache, syncs, and patches the fresh object.
  await elsewhere(backend, { op: 'create', key: key('x'), value: stored('x', { v: '0' }) });
  await Promise.all([0, 1, 2].map((j) => client.patch('configmaps', 'x', { data: { [`p${j}`]: '1' } }, ns)));
  t.deepEqual((await client.get('configmaps', 'x', ns)).data, { v: '0', p0: '1', p1: '1', p2: '1' });
  // An older version in every cache: the write conflicts in the shared store, syncs and applies again.
  const current = (await client.get('configmaps', 'x', ns)).metadata.resourceVersion;
  await elsewhere(backend, { op: 'update', key: key('x'), value: stored('x', { v: 'elsewhere' }) });
  const patched = await three(() => client.patch('configmaps', 'x', { data: { q: '1' } }, ns));
  t.true(patched.every((o) => dataOf(o).v === 'elsewhere' && dataOf(o).q === '1'));
  await elsewhere(backend, { op: 'update', key: key('x'), value: stored('x', { v: 'elsewhere-2' }) });
  t.deepEqual((await client.update('configmaps', cm('x', { v: 'updated' }))).data, { v: 'updated' });
  // With the client's stale resourceVersion, every replica answers 409, fresh cache or not.
  for (const e of await three(() => statusOf(client.update('configmaps', { ...cm('x'), metadata: { name: 'x', namespace: 'default', resourceVersion: current } }))))
    t.is(e.code, 409);
  // A create in a namespace made elsewhere a moment ago; a delete of an object made elsewhere a moment ago.
  await elsewhere(backend, { op: 'create', key: '/registry/namespaces/fresh', value: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh', uid: 'uid-fresh', creationTimestamp: '2026-12-05T00:00:00Z', generation: 1 }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } } });
  await client.create('configmaps', { ...cm('in-fresh'), metadata: { name: 'in-fresh', namespace: 'fresh' } });
  await elsewhere(backend, { op: 'create', key: key('gone'), value: stored('gone') });
  await client.delete('configmaps', 'gone', ns);
  t.is((await statusOf(client.get('configmaps', 'gone', ns))).code, 404);
  // Bind a pod made a moment ago through the API (same-replica freshness) and bound elsewhere meanwhile: the stale replica answers 409.
  await client.create('pods', pod('p'));
  await client.bind('default', 'p', 'node-1');
  t.is((await client.get<KubeObject & { spec: { nodeName?: string } }>('pods', 'p', ns)).spec.nodeName, 'node-1');
  t.regex((await statusOf(client.bind('default', 'p', 'node-2'))).message, /already assigned to node "node-1"/);
  t.deepEqual(log.entries.filter((e) => e.level === 'error'), []);
});

test('apiserver replicas - concurrent unconditional updates of one object on every replica all succeed: a lost race is tried again though the cache already holds the winner', async (t) => {
  const { client } = await cluster(t, 0);
  await client.create('configmaps', cm('race'));
  // Every replica reads the same version; all but one lose the compare-and-set, and their caches have the winner by the time they answer.
  const results = await Promise.allSettled([...Array(4).keys()].map((j) => client.update('configmaps', cm('race', { w: String(j) }))));
  t.deepEqual(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.message), []);
});

test('apiserver replicas - three replicas bootstrapping at once leave one of each built-in object and log no error', async (t) => {
  const log = recordingLogger();
  const { client } = await cluster(t, 50, log);
  const namespaces = names(await client.list('namespaces'));
  for (const n of BUILTIN_NAMESPACES) t.is(namespaces.filter((x) => x === n).length, 1);
  t.deepEqual(names(await client.list('priorityclasses')).sort(), ['system-cluster-critical', 'system-node-critical']);
  t.deepEqual(names(await client.list('services', ns)), ['kubernetes']);
  t.deepEqual(
    log.entries.filter((e) => e.level === 'error' || e.level === 'warn').map((e) => `${e.msg} ${JSON.stringify(e.obj)}`),
    [],
  );
  t.true(log.entries.filter((e) => e.msg === 'API server ready').length === 3);
});

test('apiserver replicas - stats name each replica, its run and its store', async (t) => {
  const { stats, clientBus } = await cluster(t, 0);
  const all = await stats(clientBus);
  t.deepEqual(all.map((s) => s.server).sort(), ['api-0', 'api-1', 'api-2']);
  for (const s of all) {
    t.is(s.store, 'shared-memory');
    t.true(s.shared);
    t.regex(s.instance, /^[0-9a-f]{12}$/);
  }
});

test('apiserver replicas - a watch whose replica is killed resumes on another from its last revision: 200 writes, none lost or repeated', async (t) => {
  const { client, replicas, kill, stats, clientBus, broker } = await cluster(t, 20);
  await client.create('configmaps', cm('counter', { n: '-1' }));
  const seen: number[] = [];
  const informer = new Informer(client, 'configmaps', { namespace: 'default', clock: realClock });
  informer.on({ update: (_, o) => void seen.push(Number(dataOf(o).n)) });
  await informer.start();
  t.teardown(() => informer.stop());
  const writer = new ApiClient(broker.connect('writer'), { clock: realClock });
  const holder = async () => (await stats(clientBus)).find((s) => s.watches > 0)?.server;
  let downMs = 0;
  let holderId: string | undefined;
  for (let n = 0; n < 200; n++) {
    if (n === 60) {
      const victim = replicas.find((r) => r.id === holderId)!;
      const killedAt = Date.now();
      await kill(victim);
      // The next writes land on the others while the watch is down; it resumes from its last revision.
      void waitFor(() => informer.resumes > 0, 'the watch to resume', 10_000).then(() => (downMs = Date.now() - killedAt));
    }
    await writer.patch('configmaps', 'counter', { data: { n: String(n) } }, ns);
    if (n === 0) holderId = await holder();
  }
  await waitFor(() => seen.length >= 200 && informer.resumes > 0, 'every write to reach the informer', 15_000);
  t.deepEqual(seen, Array.from({ length: 200 }, (_, i) => i));
  t.is(informer.relists, 1, 'resumed from its revision, not listed again');
  t.true((await holder()) !== undefined, 'the watch lives on another replica');
  t.log(`watch down ${downMs} ms after its replica was killed (heartbeat 2 s on a shared store)`);
  t.true(downMs > 0 && downMs < 5_000);
});

test('apiserver replicas - a replica starting leaves the watches on the others alone; a restart of one ends only the watch it held', async (t) => {
  const { client, clientBus, add, kill, replicas, stats } = await cluster(t, 0);
  await client.create('configmaps', cm('w'));
  const started: ApiServerStarted[] = [];
  clientBus.subscribe(APISERVER_STARTED, (msg) => void started.push(msg.data as ApiServerStarted));
  await clientBus.flush();
  // Three watches at once: the queue group hands one to each replica.
  const watches = Array.from({ length: 3 }, () => ({ events: 0, ended: undefined as string | undefined }));
  await Promise.all(
    watches.map((w) =>
      client.watch('configmaps', { ...ns, resourceVersion: '0' }, { event: (ev) => void (ev.type === 'MODIFIED' && w.events++), end: (reason) => void (w.ended = reason) }),
    ),
  );
  t.deepEqual((await stats(clientBus)).map((s) => s.watches), [1, 1, 1]);
  await add('api-3');
  await waitFor(() => started.some((s) => s.server === 'api-3'), 'api-3 announced');
  t.true(started.find((s) => s.server === 'api-3')!.shared);
  await client.patch('configmaps', 'w', { data: { a: '1' } }, ns);
  await waitFor(() => watches.every((w) => w.events === 1), 'every watch to see the write');
  t.deepEqual(watches.map((w) => w.ended), [undefined, undefined, undefined]);
  // api-0 dies and comes back (same server id, a new run): its announcement ends the watch it held, at once.
  await kill(replicas.find((r) => r.id === 'api-0')!);
  const before = started.length;
  await add('api-0');
  await waitFor(() => started.length > before, 'api-0 announced');
  await waitFor(() => watches.some((w) => w.ended), 'the watch api-0 held to end', 1_000);
  t.deepEqual(watches.map((w) => w.ended).filter(Boolean), ['reconnect']);
});

test('apiserver replicas - a watch from a revision above a replica\'s cache starts once the cache gets there; one without a revision starts from a consistent state', async (t) => {
  const { client, backend } = await cluster(t, 300);
  const rv1 = await elsewhere(backend, { op: 'create', key: key('a'), value: stored('a') });
  await elsewhere(backend, { op: 'update', key: key('a'), value: stored('a', { v: '2' }) });
  const from = Array.from({ length: 3 }, () => [] as string[]);
  const initial = Array.from({ length: 3 }, () => [] as string[]);
  const ended: string[] = [];
  const describe = (ev: { type: string; object: unknown }) => `${ev.type} ${(ev.object as KubeObject).metadata.name} ${JSON.stringify((ev.object as KubeObject).data ?? {})}`;
  // One of each per replica (the queue group hands them round): none of the caches holds either write yet.
  await Promise.all([
    ...from.map((seen) => client.watch('configmaps', { ...ns, resourceVersion: String(rv1) }, { event: (ev) => void seen.push(describe(ev)), end: (r) => void ended.push(r) })),
    ...initial.map((seen) => client.watch('configmaps', ns, { event: (ev) => void seen.push(describe(ev)), end: (r) => void ended.push(r) })),
  ]);
  await waitFor(() => from.every((s) => s.length === 1) && initial.every((s) => s.length === 1), 'every watch to start', 5_000);
  t.deepEqual(from, Array(3).fill(['MODIFIED a {"v":"2"}']));
  t.deepEqual(initial, Array(3).fill(['ADDED a {"v":"2"}']));
  t.deepEqual(ended, []);
});
