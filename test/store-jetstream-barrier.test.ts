// The jetstream store's consistent-read barrier (jetstream-barrier.ts): a read waits for a message a
// quorum acknowledged, not for what a stream leader says its last sequence is; concurrent reads share
// one barrier; barrier messages are no writes (not in ranges, history, watches or a reload), and
// compaction purges them.
import test from 'ava';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { JetStreamStore } from '../actors/apiserver/store/jetstream-store.ts';
import { barrierSubject } from '../actors/apiserver/store/jetstream-recovery.ts';
import { StoreClosedError } from '../actors/apiserver/store/errors.ts';
import type { StoreEvent } from '../actors/apiserver/store/store.ts';
import { storeSubjects } from '../bus/subjects.ts';
import { freshStream, jetstreamUrl, stopJetStreamServer } from './fixtures/store-helpers.ts';
import { waitFor } from './helpers/wait.ts';

test.after.always(stopJetStreamServer);

const barriersOf = (s: JetStreamStore) => (s as unknown as { barrier: { published: number } }).barrier.published;

/** How many barrier messages the stream holds. */
async function barriersInStream(servers: string, stream: string): Promise<number> {
  const nc = await connect({ servers: servers.split(',') });
  try {
    const info = await (await jetstreamManager(nc)).streams.info(stream, { subjects_filter: barrierSubject(storeSubjects(stream)) });
    return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
  } finally {
    await nc.close();
  }
}

test('jetstream barrier - a read on one store after a write on another sees it; concurrent reads share barriers; barriers are no writes', async (t) => {
  const servers = await jetstreamUrl();
  const stream = freshStream();
  const warnings: string[] = [];
  const open = async () => {
    const s = await JetStreamStore.open({ servers, stream, onWarn: (m) => warnings.push(m) });
    t.teardown(() => s.close());
    return s;
  };
  const [a, b] = [await open(), await open()];
  const seen: StoreEvent[] = [];
  b.watch('', 0, (ev) => seen.push(ev));
  for (let i = 0; i < 20; i++) {
    const w = await a.txn({ op: 'create', key: `/k/${i}`, value: i });
    t.true(w.ok);
    await b.sync();
    // The barrier followed the write in the stream: b's cache has it once sync resolves.
    t.is(b.get(`/k/${i}`)?.value, i);
  }
  t.is(barriersOf(b), 20);
  // 50 reads at once: the first starts a barrier, the rest share the one after it.
  const before = barriersOf(b);
  await Promise.all(Array.from({ length: 50 }, () => b.sync()));
  t.true(barriersOf(b) - before <= 2, `${barriersOf(b) - before} barriers for 50 concurrent reads`);
  // Barriers took sequences, but no revision of a write: ranges, history and watches hold the 20 creates alone.
  t.is(b.range('/k/').kvs.length, 20);
  t.deepEqual(b.history('', 0, b.revision).map((e) => e.kv.key), Array.from({ length: 20 }, (_, i) => `/k/${i}`));
  await waitFor(() => seen.length >= 20, 'the watch to see 20 events');
  t.is(seen.length, 20);
  t.true(b.revision > 20, 'revisions are stream sequences, barriers included');
  // A store opened now loads the same, without warnings about the barrier messages.
  const c = await open();
  t.deepEqual(c.range('').kvs, b.range('').kvs);
  t.deepEqual(warnings, []);
  // Compaction purges the barriers below its point (in the background; close waits for it).
  t.true((await barriersInStream(servers, stream)) >= 21);
  const last = await a.txn({ op: 'create', key: '/k/last', value: 0 });
  t.true(last.ok);
  a.compact(a.revision);
  await a.close();
  t.is(await barriersInStream(servers, stream), 0);
  t.deepEqual(warnings, []);
});

test('jetstream barrier - compaction at revision 1 purges no barrier above it (nats-server reads a purge up to 1 as all)', async (t) => {
  const servers = await jetstreamUrl();
  const stream = freshStream();
  const warnings: string[] = [];
  const a = await JetStreamStore.open({ servers, stream, onWarn: (m) => warnings.push(m) });
  t.like(await a.txn({ op: 'create', key: '/one', value: 1 }), { ok: true, revision: 1 });
  await a.sync(); // a barrier at 2
  t.like(await a.txn({ op: 'create', key: '/two', value: 2 }), { ok: true, revision: 3 });
  a.compact(1);
  await a.close();
  t.is(await barriersInStream(servers, stream), 1);
  // A hole at 2 would read as compaction up to it on load.
  const b = await JetStreamStore.open({ servers, stream, onWarn: (m) => warnings.push(m) });
  t.teardown(() => b.close());
  t.is(b.compactedRevision, 1);
  t.is(b.range('').kvs.length, 2);
  t.deepEqual(warnings, []);
});

test('jetstream barrier - reads pending when the store closes fail at once with StoreClosedError, and close does not wait for them', async (t) => {
  const servers = await jetstreamUrl();
  const s = await JetStreamStore.open({ servers, stream: freshStream(), onWarn: () => undefined });
  const started = Date.now();
  const reads = [s.sync(), s.sync(), s.sync()].map((p) => p.then(() => 'ok', (err: Error) => err));
  await s.close();
  const got = await Promise.all(reads);
  // Each either finished before the close or failed as closed; none waits out the store's 30 s deadline.
  for (const r of got) t.true(r === 'ok' || r instanceof StoreClosedError, String(r));
  t.true(got.some((r) => r instanceof StoreClosedError), 'a read after the close began fails as closed');
  t.true(Date.now() - started < 5000, `${Date.now() - started} ms`);
  await t.throwsAsync(s.sync(), { instanceOf: StoreClosedError });
});
