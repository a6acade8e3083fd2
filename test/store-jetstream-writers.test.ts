// Several jetstream stores on one stream, as several API servers are: concurrent compare-and-set
// decided as etcd would, caches that converge, watchers that see every write once and in order,
// sync() as a consistent read's barrier, compaction from two replicas at once, reopening after others
// wrote, foreign bytes on a key's subject, NATS going away for a while, and a replica cut off past a
// compaction reloading.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { JetStreamStore } from '../actors/apiserver/store/jetstream-store.ts';
import type { JetStreamStoreOptions } from '../actors/apiserver/store/jetstream-store.ts';
import { StoreUnavailableError } from '../actors/apiserver/store/errors.ts';
import { CompactedError } from '../actors/apiserver/store/store.ts';
import type { StoreEvent, TxnOp, TxnResult } from '../actors/apiserver/store/store.ts';
import type { LogFeed } from '../bus/jetstream-log.ts';
import { encodeRecord } from '../actors/apiserver/store/wal.ts';
import { storeKeySubject } from '../bus/subjects.ts';
import { seededRng } from '../bus/random.ts';
import { startNatsServer } from '../runtime/nats-server.ts';
import { freshStream, jetstreamUrl, stopJetStreamServer } from './fixtures/store-helpers.ts';
import { waitFor } from './helpers/wait.ts';

test.after.always(stopJetStreamServer);

/** Opens `n` stores on one stream of the file's server (closed at teardown); each one's warnings land in its own list. */
async function replicas(t: ExecutionContext, n: number, stream = freshStream(), opts: Partial<JetStreamStoreOptions> = {}) {
  const servers = opts.servers ?? (await jetstreamUrl());
  const stores: JetStreamStore[] = [];
  const warnings: string[][] = [];
  for (let i = 0; i < n; i++) {
    const w: string[] = [];
    const s = await JetStreamStore.open({ servers, stream, onWarn: (m) => w.push(m), ...opts });
    t.teardown(() => s.close());
    stores.push(s);
    warnings.push(w);
  }
  return { stores, warnings, stream, servers };
}

/** Records every event a store's watch from 0 delivers. */
function recordAll(s: JetStreamStore): StoreEvent[] {
  const got: StoreEvent[] = [];
  s.watch('', 0, (ev) => got.push(ev));
  return got;
}

const strip = (evs: StoreEvent[]) => evs.map(({ cause: _cause, ...ev }) => ev);

for (const n of [2, 3]) {
  test(`jetstream writers - ${n} stores racing on one key: CAS decided as etcd would, once`, async (t) => {
    const { stores } = await replicas(t, n);
    // Creates of one key: one wins; the others get 'exists' with the winner's value.
    const created = await Promise.all(stores.map((s, i) => s.txn({ op: 'create', key: '/race', value: i })));
    const winners = created.filter((r) => r.ok);
    t.is(winners.length, 1);
    const won = winners[0] as Extract<TxnResult, { ok: true }>;
    for (const r of created.filter((r) => !r.ok)) t.deepEqual(r, { ok: false, reason: 'exists', current: won.kv });
    // Updates conditional on that revision: one wins, the others get 'conflict' with its value.
    const updated = await Promise.all(stores.map((s, i) => s.txn({ op: 'update', key: '/race', value: `u${i}`, ifModRevision: won.revision })));
    const next = updated.filter((r) => r.ok) as Extract<TxnResult, { ok: true }>[];
    t.is(next.length, 1);
    t.like(next[0], { kv: { version: 2, createRevision: won.revision }, prev: won.kv });
    for (const r of updated.filter((r) => !r.ok)) t.deepEqual(r, { ok: false, reason: 'conflict', current: next[0].kv });
    // Unconditional updates all land, one after another, each on the one before it.
    const blind = (await Promise.all(stores.map((s, i) => s.txn({ op: 'update', key: '/race', value: `b${i}` })))) as Extract<TxnResult, { ok: true }>[];
    t.true(blind.every((r) => r.ok));
    const byRev = [...blind].sort((a, b) => a.revision - b.revision);
    t.deepEqual(byRev.map((r) => r.kv!.version), Array.from({ length: n }, (_, i) => 3 + i));
    for (let i = 1; i < n; i++) t.deepEqual(byRev[i].prev, byRev[i - 1].kv);
    // Deletes: one wins, the others find nothing.
    const deleted = await Promise.all(stores.map((s) => s.txn({ op: 'delete', key: '/race' })));
    t.is(deleted.filter((r) => r.ok).length, 1);
    for (const r of deleted.filter((r) => !r.ok)) t.deepEqual(r, { ok: false, reason: 'not-found' });
  });

  test(`jetstream writers - ${n} stores writing at once converge, and each one's watcher sees every write once, in order`, async (t) => {
    const { stores, warnings } = await replicas(t, n);
    const seen = stores.map(recordAll);
    const rng = seededRng(n);
    const acked: number[] = [];
    await Promise.all(
      stores.map(async (s) => {
        const pending: Promise<TxnResult>[] = [];
        for (let i = 0; i < 200; i++) {
          const key = `/w/${rng.int(12)}`;
          const cur = s.get(key);
          const op: TxnOp = !cur ? { op: 'create', key, value: i } : rng.int(4) === 0 ? { op: 'delete', key } : { op: 'update', key, value: i, ifModRevision: rng.int(2) ? cur.modRevision : undefined };
          pending.push(s.txn(op));
          if (i % 8 === 7) for (const r of await Promise.all(pending.splice(0))) if (r.ok) acked.push(r.revision);
        }
        for (const r of await Promise.all(pending)) if (r.ok) acked.push(r.revision);
      }),
    );
    t.true(acked.length > 200, `${acked.length} writes acknowledged`);
    await Promise.all(stores.map((s) => s.sync()));
    const [a, ...others] = stores;
    const top = Math.max(...acked);
    t.is(a.revision, top);
    const history = a.history('', 0, a.revision);
    // One event per acknowledged write, no other.
    t.deepEqual(history.map((e) => e.revision), [...acked].sort((x, y) => x - y));
    for (const s of others) {
      t.is(s.revision, a.revision);
      t.deepEqual(s.range(''), a.range(''));
      t.deepEqual(strip(s.history('', 0, s.revision)), strip(history));
    }
    await waitFor(() => seen.every((evs) => evs.length === history.length), 'every watcher to see every write');
    for (const evs of seen) t.deepEqual(strip(evs), strip(history));
    t.deepEqual(warnings.flat(), []);
  });
}

test('jetstream writers - sync() makes a read on one store see what another acknowledged', async (t) => {
  const { stores } = await replicas(t, 2);
  const [a, b] = stores;
  for (let i = 0; i < 50; i++) {
    const r = await a.txn(i === 0 ? { op: 'create', key: '/s', value: i } : { op: 'update', key: '/s', value: i });
    await b.sync();
    t.deepEqual(b.get('/s'), a.get('/s'), `write ${i}`);
    t.true(b.revision >= (r as { revision: number }).revision);
  }
});

test('jetstream writers - a store opened after others wrote loads it all, and a reopened one catches up', async (t) => {
  const stream = freshStream();
  const { stores: [a] } = await replicas(t, 1, stream);
  for (let i = 0; i < 20; i++) await a.txn({ op: 'create', key: `/o/${i}`, value: i });
  const { stores: [b] } = await replicas(t, 1, stream);
  t.deepEqual(b.range('/o/'), a.range('/o/'));
  for (let i = 0; i < 20; i += 2) await b.txn({ op: 'delete', key: `/o/${i}` });
  await a.close();
  for (let i = 1; i < 20; i += 2) await b.txn({ op: 'update', key: `/o/${i}`, value: -i });
  const { stores: [again] } = await replicas(t, 1, stream);
  t.deepEqual(again.range('/o/'), b.range('/o/'));
  t.deepEqual(strip(again.history('', 0, again.revision)), strip(b.history('', 0, b.revision)));
  t.like(await again.txn({ op: 'update', key: '/o/1', value: 'x', ifModRevision: b.get('/o/1')!.modRevision }), { ok: true, kv: { version: 3 } });
});

test('jetstream writers - two stores compacting at once while both write: one purge, history right, nothing current lost', async (t) => {
  const { stores, warnings, stream, servers } = await replicas(t, 2);
  const [a, b] = stores;
  const rng = seededRng(5);
  const burst = async (s: JetStreamStore, n: number) => {
    for (let i = 0; i < n; i++) {
      const key = `/k/${rng.int(10)}`;
      await s.txn(s.get(key) ? (rng.int(3) ? { op: 'update', key, value: i } : { op: 'delete', key }) : { op: 'create', key, value: i });
    }
  };
  await Promise.all([burst(a, 100), burst(b, 100)]);
  await Promise.all([a.sync(), b.sync()]);
  const at = a.revision;
  const stateAt = a.range('');
  // Both compact at the same point (each API server on its own timer) while writes go on.
  const writing = Promise.all([burst(a, 60), burst(b, 60)]);
  a.compact(at);
  b.compact(at);
  await writing;
  await Promise.all([a.sync(), b.sync()]);
  for (const s of stores) {
    t.is(s.compactedRevision, at);
    t.deepEqual(s.range('', { revision: at }), stateAt);
  }
  t.deepEqual(b.range(''), a.range(''));
  t.deepEqual(strip(b.history('', at, b.revision)), strip(a.history('', at, a.revision)));
  const after = a.history('', at, a.revision);
  await a.close();
  await b.close();
  const c = await JetStreamStore.open({ servers, stream, onWarn: (m) => warnings[0].push(m) });
  t.teardown(() => c.close());
  t.is(c.compactedRevision, at);
  t.deepEqual(c.range('', { revision: at }), stateAt);
  t.deepEqual(strip(c.history('', at, c.revision)), strip(after));
  // Nothing was left for a reopen to finish: the purge happened (once), no warning.
  t.deepEqual(warnings.flat(), []);
});

test('jetstream writers - foreign bytes on a key subject are skipped with a warning naming the key, live and on load', async (t) => {
  const { stores, warnings, stream, servers } = await replicas(t, 2);
  const [a, b] = stores;
  await a.txn({ op: 'create', key: '/g/good', value: 1 });
  await a.txn({ op: 'create', key: '/g/bad', value: 1 });
  // The issue's `nats kv put` onto a key's subject: there is no nats CLI here, so a raw client publishes there.
  const nc = await connect({ servers });
  t.teardown(() => nc.close());
  await nc.request(storeKeySubject(stream, '/g/bad'), new TextEncoder().encode('not a record'));
  await nc.request(storeKeySubject(stream, '/g/good'), encodeRecord({ t: 'put', rev: 0, key: '/g/other', value: 'x' }));
  await a.txn({ op: 'create', key: '/g/after', value: 1 });
  await b.sync();
  for (const [i, s] of stores.entries()) {
    t.regex(warnings[i].join('\n'), /key "\/g\/bad" is not a store record, skipped/);
    t.regex(warnings[i].join('\n'), /key "\/g\/good" holds a record for key "\/g\/other", skipped/);
    t.deepEqual(s.range('/g/').kvs.map((kv) => [kv.key, kv.value]), [['/g/after', 1], ['/g/bad', 1], ['/g/good', 1]]);
  }
  // The keys stay writable (the CAS learns the subject's last sequence from the server).
  t.like(await b.txn({ op: 'update', key: '/g/bad', value: 2, ifModRevision: 2 }), { ok: true, kv: { version: 2 } });
  t.like(await a.txn({ op: 'delete', key: '/g/good' }), { ok: true });
  const loadWarnings: string[] = [];
  const c = await JetStreamStore.open({ servers, stream, onWarn: (m) => loadWarnings.push(m) });
  t.teardown(() => c.close());
  t.regex(loadWarnings.join('\n'), /key "\/g\/bad" is not a store record, skipped/);
  t.regex(loadWarnings.join('\n'), /key "\/g\/good" holds a record for key "\/g\/other", skipped/);
  t.deepEqual(c.range('/g/').kvs.map((kv) => [kv.key, kv.value]), [['/g/after', 1], ['/g/bad', 2]]);
});

test('jetstream writers - NATS down for a while: writes fail with StoreUnavailableError after the deadline, the feed resumes when it is back', async (t) => {
  t.timeout(60_000);
  const dir = await mkdtemp(join(tmpdir(), 'kubus-js-down-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const server = await startNatsServer({ config: [`jetstream { store_dir: ${JSON.stringify(dir)} }`] });
  t.teardown(() => server.stop('SIGKILL'));
  const { stores } = await replicas(t, 2, freshStream(), { servers: server.url, timeoutMs: 3000 });
  const [a, b] = stores;
  const seen = recordAll(b);
  await a.txn({ op: 'create', key: '/d/1', value: 1 });
  await server.stop('SIGKILL');
  const err = await t.throwsAsync(a.txn({ op: 'create', key: '/d/2', value: 2 }), { instanceOf: StoreUnavailableError });
  t.regex(err!.message, /jetstream store/);
  await t.throwsAsync(b.sync(), { instanceOf: StoreUnavailableError });
  await server.restart();
  // Writes go through again once the connection is back, and b's feed picks them up where it stopped.
  const r = await waitFor(() => a.txn({ op: 'create', key: '/d/3', value: 3 }).then((x) => (x.ok ? x : undefined)), 'a write once NATS is back', 30_000, 200);
  await waitFor(() => seen.some((ev) => ev.revision === r.revision), "b's watcher to see the write made after the restart", 30_000);
  await b.sync();
  // The write that timed out may have taken effect (its publish was retried once NATS was back), as an etcd request that times out may.
  t.deepEqual(strip(seen), strip(b.history('', 0, b.revision)));
  t.deepEqual(seen.map((ev) => ev.kv.key).filter((k) => k !== '/d/2'), ['/d/1', '/d/3']);
  t.deepEqual(b.range('/d/'), a.range('/d/'));
});

test('jetstream writers - a store cut off while another compacts past it reloads from the stream, and its watchers end as compacted', async (t) => {
  const { stores, warnings } = await replicas(t, 2);
  const [a, b] = stores;
  await a.txn({ op: 'create', key: '/c/keep', value: 1 });
  await a.txn({ op: 'create', key: '/c/gone', value: 1 });
  await b.sync();
  let ended: unknown;
  const got: StoreEvent[] = [];
  b.watch('/c/', b.revision, (ev) => got.push(ev), (err) => (ended = err));
  // b is cut off (as an API server partitioned away): its feed stops. A test-only reach into the store.
  const inside = (b as unknown as { cache: { feed: LogFeed; follow(): Promise<void> } }).cache;
  await inside.feed.stop();
  const del = await a.txn({ op: 'delete', key: '/c/gone' });
  const cut = del.ok ? del.revision : 0; // past b.sync()'s barrier
  await a.txn({ op: 'update', key: '/c/keep', value: 2 });
  await a.txn({ op: 'update', key: '/c/keep', value: 3 });
  a.compact(a.revision);
  const want = a.range('/c/');
  await a.close(); // waits for the purge
  // b comes back: what it missed is purged, so it reloads (with no reload it would still show /c/gone).
  await inside.follow();
  await waitFor(() => ended, "b's watch to end");
  t.true(ended instanceof CompactedError);
  t.deepEqual(b.range('/c/').kvs, want.kvs);
  t.deepEqual(got, []);
  t.true(warnings[1].join('\n').includes(`reloads from the stream (sequences ${cut}..${cut + 1} were compacted away`), warnings[1].join('\n'));
  t.like(await b.txn({ op: 'update', key: '/c/keep', value: 4, ifModRevision: want.kvs[0].modRevision }), { ok: true, kv: { version: 4 } });
});
