// The jetstream store beyond the shared contract: the stream layout, history past KV's 64 per key,
// compaction purging the stream, keys any subject could not hold, --store parsing, unreachable or
// JetStream-less NATS, and R3 on a 3-server cluster losing a server. Several stores on one stream
// (several API servers): test/store-jetstream-writers.test.ts.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { JetStreamStore } from '../actors/apiserver/store/jetstream-store.ts';
import { StoreSpecError, StoreUnavailableError } from '../actors/apiserver/store/errors.ts';
import type { TxnResult } from '../actors/apiserver/store/store.ts';
import { openStore, parseStoreSpec } from '../actors/apiserver/store/open.ts';
import { startControlPlane } from '../runtime/control-plane.ts';
import { silentLogger } from '../bus/types.ts';
import { collect, freshStream, jetstreamUrl, stopJetStreamServer } from './fixtures/store-helpers.ts';
import { natsServer } from './helpers/nats.ts';
import { seededRng } from '../bus/random.ts';
import { freePort } from './helpers/containerd-node.ts';
import { jetstreamCluster } from './helpers/jetstream-cluster.ts';
import { waitFor } from './helpers/wait.ts';

test.after.always(stopJetStreamServer);

/** Opens a store on a fresh stream of the file's server (closed at teardown). */
async function open(t: ExecutionContext, stream = freshStream(), warnings: string[] = []) {
  const store = await JetStreamStore.open({ servers: await jetstreamUrl(), stream, onWarn: (m) => warnings.push(m) });
  t.teardown(() => store.close());
  return store;
}

/** Returns the stream's state (messages, first and last sequence) as the server reports it. */
async function streamState(stream: string) {
  const nc = await connect({ servers: await jetstreamUrl() });
  try {
    const { state } = await (await jetstreamManager(nc)).streams.info(stream);
    return { messages: state.messages, first: state.first_seq, last: state.last_seq };
  } finally {
    await nc.close();
  }
}

test('jetstream store - one message per write, the stream sequence is the revision, state comes back on reopen', async (t) => {
  const stream = freshStream();
  const s = await open(t, stream);
  await s.txn({ op: 'create', key: '/registry/pods/default/a', value: { n: 1 } });
  await s.txn({ op: 'create', key: '/registry/pods/default/b', value: { n: 1 } });
  await s.txn({ op: 'update', key: '/registry/pods/default/a', value: { n: 2 } });
  await s.txn({ op: 'delete', key: '/registry/pods/default/b' });
  t.deepEqual(await streamState(stream), { messages: 4, first: 1, last: 4 });
  await s.close();
  const again = await open(t, stream);
  t.is(again.revision, 4);
  t.deepEqual(again.range('/registry/').kvs, [{ key: '/registry/pods/default/a', value: { n: 2 }, createRevision: 1, modRevision: 3, version: 2 }]);
  t.deepEqual(again.history('', 0, 4).map((e) => [e.type, e.revision]), [['put', 1], ['put', 2], ['put', 3], ['delete', 4]]);
  t.like(await again.txn({ op: 'create', key: '/registry/pods/default/b', value: { n: 3 } }), { ok: true, revision: 5, kv: { createRevision: 5, version: 1 } });
});

test('jetstream store - a key keeps more than 64 versions (a KV bucket would not), reads at any revision', async (t) => {
  const stream = freshStream();
  const s = await open(t, stream);
  await s.txn({ op: 'create', key: '/k', value: 0 });
  for (let i = 1; i < 100; i++) await s.txn({ op: 'update', key: '/k', value: i });
  await s.close();
  const again = await open(t, stream);
  t.like(again.range('/k', { revision: 5 }).kvs[0], { value: 4, version: 5 });
  t.like(again.get('/k'), { value: 99, version: 100 });
  t.is(again.history('/k', 0, 100).length, 100);
});

test('jetstream store - compaction purges superseded versions and tombstones from the stream, and a reopen keeps the compacted revision', async (t) => {
  const stream = freshStream();
  const warnings: string[] = [];
  const s = await open(t, stream, warnings);
  await s.txn({ op: 'create', key: '/c/a', value: 1 });
  await s.txn({ op: 'update', key: '/c/a', value: 2 });
  await s.txn({ op: 'create', key: '/c/b', value: 1 });
  await s.txn({ op: 'delete', key: '/c/b' });
  await s.txn({ op: 'create', key: '/c/c', value: 1 });
  s.compact(4);
  // A create after the purged tombstone is decided on the cache's state (the key absent), not on the stream's messages.
  t.like(await s.txn({ op: 'create', key: '/c/b', value: 2 }), { ok: true, revision: 6 });
  await s.close();
  // Left: /c/a@2, /c/c@5, /c/b@6.
  t.deepEqual(await streamState(stream), { messages: 3, first: 2, last: 6 });
  const again = await open(t, stream, warnings);
  t.is(again.compactedRevision, 4);
  t.deepEqual(again.range('/c/').kvs.map((kv) => [kv.key, kv.value, kv.modRevision]), [['/c/a', 2, 2], ['/c/b', 2, 6], ['/c/c', 1, 5]]);
  const w = collect(again, '/c/', 4);
  t.deepEqual((await w.until(2)).map((e) => e.revision), [5, 6]);
  t.deepEqual(warnings, []);
});

test('jetstream store - reopens when compaction purged the last messages of the stream', async (t) => {
  const stream = freshStream();
  const s = await open(t, stream);
  await s.txn({ op: 'create', key: '/keep', value: 1 });
  await s.txn({ op: 'create', key: '/gone', value: 1 });
  await s.txn({ op: 'delete', key: '/gone' });
  s.compact(3);
  await s.close();
  t.deepEqual(await streamState(stream), { messages: 1, first: 1, last: 3 });
  const again = await open(t, stream);
  t.deepEqual([again.revision, again.compactedRevision, again.range('').kvs.map((kv) => kv.key)], [3, 3, ['/keep']]);
  t.like(await again.txn({ op: 'create', key: '/gone', value: 2 }), { ok: true, revision: 4 });
});

test('jetstream store - concurrent writes across compactions that purge tombstones all succeed, and a reopen agrees', async (t) => {
  const stream = freshStream();
  const warnings: string[] = [];
  const s = await open(t, stream, warnings);
  const rng = seededRng(11);
  for (let round = 0; round < 6; round++) {
    // Writes to different keys go at once; each key's next op is decided once its last one resolved.
    const chains = new Map<string, Promise<TxnResult>>();
    const results: Promise<TxnResult>[] = [];
    for (let i = 0; i < 150; i++) {
      const key = `/p/${rng.int(15)}`;
      const flip = rng.int(2);
      const next = (chains.get(key) ?? Promise.resolve(undefined)).then(() =>
        s.txn(s.get(key) ? (flip ? { op: 'delete', key } : { op: 'update', key, value: i }) : { op: 'create', key, value: i }),
      );
      chains.set(key, next);
      results.push(next);
      // Compact mid-burst, with writes in flight.
      if (i === 75) s.compact(s.revision - 5);
    }
    for (const r of await Promise.all(results)) t.like(r, { ok: true });
  }
  const state = s.range('/p/');
  await s.close();
  const again = await open(t, stream, warnings);
  t.deepEqual(again.range('/p/'), state);
  t.deepEqual(warnings, []);
});

test('jetstream store - keys with dots, spaces, wildcards and non-ASCII round-trip (subjects carry them base64url)', async (t) => {
  const stream = freshStream();
  const s = await open(t, stream);
  const keys = ['/registry/configmaps/default/kube-root-ca.crt', '/a b/*/>', '/ünï/cödé', '/x..y.'];
  for (const key of keys) await s.txn({ op: 'create', key, value: key });
  await s.close();
  const again = await open(t, stream);
  t.deepEqual(again.range('').kvs.map((kv) => kv.value), [...keys].sort());
});

test('jetstream store - --store values parse, bad ones say what to write', (t) => {
  t.deepEqual(parseStoreSpec('memory'), { kind: 'memory' });
  t.deepEqual(parseStoreSpec('file:/var/lib/kubus'), { kind: 'file', dir: '/var/lib/kubus' });
  t.deepEqual(parseStoreSpec('jetstream'), { kind: 'jetstream', replicas: 1 });
  t.deepEqual(parseStoreSpec('jetstream:3'), { kind: 'jetstream', replicas: 3 });
  t.deepEqual(parseStoreSpec('etcd:http://10.0.0.1:2379,http://10.0.0.2:2379'), { kind: 'etcd', endpoints: ['http://10.0.0.1:2379', 'http://10.0.0.2:2379'] });
  const forms = /use memory, file:DIR, jetstream\[:REPLICAS\] or etcd:URL\[,URL\.\.\.\]$/;
  for (const bad of ['', 'mem', 'file:', 'jetstream:0', 'jetstream:x', 'jetstream:9', 'etcd:', 'etcd:10.0.0.1:2379', 'memory:x']) {
    const err = t.throws(() => parseStoreSpec(bad), { instanceOf: StoreSpecError }, bad);
    t.regex(err!.message, forms);
    t.false(err!.message.includes('\n'));
  }
});

test('jetstream store - unreachable NATS, or NATS without JetStream, is one line saying what to do', async (t) => {
  const port = await freePort();
  const e1 = await t.throwsAsync(openStore({ kind: 'jetstream', replicas: 1 }, { nats: `nats://127.0.0.1:${port}` }), { instanceOf: StoreUnavailableError });
  t.regex(e1!.message, /cannot reach NATS at .*; start nats-server with JetStream/);
  const plain = await natsServer(t);
  const e2 = await t.throwsAsync(openStore({ kind: 'jetstream', replicas: 1 }, { nats: plain.url }), { instanceOf: StoreUnavailableError });
  t.regex(e2!.message, /has no JetStream .*run nats-server with -js/);
  const e3 = await t.throwsAsync(JetStreamStore.open({ servers: await jetstreamUrl(), stream: freshStream(), replicas: 3 }), { instanceOf: StoreUnavailableError });
  t.regex(e3!.message, /could not be set up/);
});

/** Opens an R3 store, retrying while the cluster has no JetStream leader or peers yet (up to 60 s); closed at teardown. */
async function openWhenElected(t: ExecutionContext, servers: string, stream: string): Promise<JetStreamStore> {
  const store = await waitFor(() => JetStreamStore.open({ servers, stream, replicas: 3 }), 'an elected R3 stream', 60_000, 200);
  t.teardown(() => store.close());
  return store;
}

test('jetstream store - an existing stream that would drop history is refused, naming what is wrong', async (t) => {
  const stream = freshStream();
  const nc = await connect({ servers: await jetstreamUrl() });
  t.teardown(() => nc.close());
  await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: [`kubus.store.${stream.toLowerCase()}.>`], max_msgs_per_subject: 64 });
  const err = await t.throwsAsync(JetStreamStore.open({ servers: await jetstreamUrl(), stream }), { instanceOf: StoreUnavailableError });
  t.is(err!.message, `stream ${stream} exists with max_msgs_per_subject 64: it cannot hold the store's history; delete it or use another stream`);
});

test('jetstream store - R3 on a 3-server cluster keeps serving writes when one server dies, and the data is on the others', async (t) => {
  t.timeout(120_000); // JetStream elections: the cluster's, then the stream's after a server dies
  const servers = await jetstreamCluster(t, 'kubus-js');
  const urls = servers.map((s) => s.url).join(',');
  const stream = freshStream();
  const store = await openWhenElected(t, urls, stream);
  for (let i = 0; i < 10; i++) await store.txn({ op: 'create', key: `/r3/${i}`, value: i });
  await servers[0].stop('SIGKILL');
  // The write is retried until the stream has a leader among the two left (a new election if n0 led it).
  t.like(await store.txn({ op: 'create', key: '/r3/10', value: 10 }), { ok: true, revision: 11 });
  const other = await openWhenElected(t, servers.slice(1).map((s) => s.url).join(','), stream);
  t.is(other.revision, 11);
  t.deepEqual(other.range('/r3/').kvs.length, 11);
});

test('jetstream store - a control plane with store jetstream keeps its state in the stream across a restart', async (t) => {
  const nats = await jetstreamUrl();
  const start = () => startControlPlane({ nats, actors: ['apiserver'], store: { kind: 'jetstream', replicas: 1 }, log: silentLogger });
  const first = await start();
  t.teardown(() => first.stop());
  t.true(first.store instanceof JetStreamStore);
  const before = first.store!.range('/registry/namespaces/');
  t.true(before.kvs.some((kv) => kv.key.endsWith('/kube-system')));
  t.deepEqual((await streamState('KUBUS_STORE')).last, before.revision);
  await first.stop();
  const second = await start();
  t.teardown(() => second.stop());
  // The same objects at the same revisions, read back from the stream (nothing re-created).
  t.deepEqual(second.store!.range('/registry/namespaces/', { revision: before.revision }), before);
});
