// Replicas of one shared backend (the simulation's stand-in for etcd or JetStream shared by several
// API servers): writes anywhere, caches that follow, read-your-writes, sync() for consistent reads.
import test from 'ava';
import { VirtualClock } from '../bus/clock.ts';
import { SharedMemoryBackend } from '../actors/apiserver/store/shared-memory.ts';
import { StoreClosedError } from '../actors/apiserver/store/errors.ts';
import type { StoreEvent } from '../actors/apiserver/store/store.ts';

test('shared memory - a write on one replica reaches the others through their feeds, once and in order', async (t) => {
  const clock = new VirtualClock(0);
  const backend = new SharedMemoryBackend({ feedDelayMs: 5, clock });
  const [a, b] = [backend.replica(), backend.replica()];
  const seen: StoreEvent[] = [];
  b.watch('/k/', 0, (ev) => seen.push(ev));
  const created = a.txn({ op: 'create', key: '/k/1', value: 1 });
  await clock.advance(5);
  t.like(await created, { ok: true, revision: 1 });
  t.is(a.get('/k/1')?.value, 1, 'the writer reads its own write once txn resolves');
  const updated = b.txn({ op: 'update', key: '/k/1', value: 2, ifModRevision: 1 });
  await clock.advance(5);
  t.like(await updated, { ok: true, revision: 2 });
  // A stale replica's CAS is decided by the shared data, not by its cache.
  t.like(await a.txn({ op: 'update', key: '/k/1', value: 3, ifModRevision: 1 }), { ok: false, reason: 'conflict', current: { modRevision: 2 } });
  await clock.advance(5);
  t.deepEqual(
    seen.map((e) => [e.type, e.revision]),
    [
      ['put', 1],
      ['put', 2],
    ],
  );
  t.is(a.get('/k/1')?.value, 2);
});

test('shared memory - sync() waits until the replica has every acknowledged write', async (t) => {
  const clock = new VirtualClock(0);
  const backend = new SharedMemoryBackend({ feedDelayMs: 100, clock });
  const [a, b] = [backend.replica(), backend.replica()];
  const w = a.txn({ op: 'create', key: '/k/1', value: 1 });
  await clock.advance(100);
  await w;
  const other = backend.data.txn({ op: 'create', key: '/k/2', value: 2 }); // a third writer
  await other;
  t.is(b.get('/k/2'), undefined, 'the cache lags behind the data');
  let synced = false;
  const s = b.sync().then(() => (synced = true));
  await clock.advance(99);
  t.false(synced);
  await clock.advance(1);
  await s;
  t.is(b.get('/k/2')?.value, 2);
});

test('shared memory - a replica opened later has the history the data still holds; a closed one refuses writes', async (t) => {
  const backend = new SharedMemoryBackend();
  const a = backend.replica();
  for (let i = 0; i < 5; i++) await a.txn({ op: 'create', key: `/k/${i}`, value: i });
  a.compact(2);
  const c = backend.replica();
  t.is(c.revision, 5);
  t.is(c.compactedRevision, 2);
  t.deepEqual(
    c.history('/k/', 2, 5).map((e) => e.revision),
    [3, 4, 5],
  );
  await c.close();
  await t.throwsAsync(c.txn({ op: 'create', key: '/k/9', value: 9 }), { instanceOf: StoreClosedError });
  t.is(backend.data.revision, 5);
});
