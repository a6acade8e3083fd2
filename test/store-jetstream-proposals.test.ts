// The jetstream store's compare-and-set decided on apply: proposals published straight onto a key's
// subject (as two API servers racing would, or a server that stored both of two publishes with one
// expectation, nats-io/nats-server#4320) are decided alike by every replica, by a reopen (the load
// path), and after a compaction; messages of the earlier format (no op header) are still accepted.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { JetStreamStore } from '../actors/apiserver/store/jetstream-store.ts';
import { CREATED, EXPECT, OP, VERSION } from '../actors/apiserver/store/jetstream-recovery.ts';
import type { KeyValue } from '../actors/apiserver/store/store.ts';
import { encodeRecord } from '../actors/apiserver/store/wal.ts';
import { JetStreamLog } from '../bus/jetstream-log.ts';
import { storeKeySubject, storeSubjects } from '../bus/subjects.ts';
import { freshStream, jetstreamUrl, stopJetStreamServer } from './fixtures/store-helpers.ts';
import { waitFor } from './helpers/wait.ts';

test.after.always(stopJetStreamServer);

/** Opens a store on the stream, its warnings into `warnings` (closed at teardown). */
async function open(t: ExecutionContext, servers: string, stream: string, warnings: string[]) {
  const s = await JetStreamStore.open({ servers, stream, onWarn: (m) => warnings.push(m) });
  t.teardown(() => s.close());
  return s;
}

/** The raw log of the stream, which publishes what no store checked. */
async function rawLog(t: ExecutionContext, servers: string, stream: string) {
  const log = await JetStreamLog.open({ servers, name: 'test-raw', stream, prefix: storeSubjects(stream), replicas: 1 });
  t.teardown(() => log.close());
  let n = 0;
  /** Publishes a put (or, value undefined, a delete) record for `key` with these headers; returns its sequence. */
  const propose = (key: string, value: unknown, headers: Record<string, string>) =>
    log.append(storeKeySubject(stream, key), encodeRecord(value === undefined ? { t: 'del', rev: 0, key } : { t: 'put', rev: 0, key, value }), { headers, msgID: `raw-${stream}-${++n}`, giveUpAt: Date.now() + 10_000 });
  return { log, propose };
}

/** What replicas must agree on: keys, values, versions and revisions. */
const view = (s: JetStreamStore) => ({ revision: s.revision, kvs: s.range('/p/').kvs.map((kv: KeyValue) => [kv.key, kv.value, kv.createRevision, kv.modRevision, kv.version]) });

test('jetstream proposals - two with one precondition: every replica, a reopen, and a compacted reopen accept only the first', async (t) => {
  const servers = await jetstreamUrl();
  const stream = freshStream();
  const warnings: string[] = [];
  const stores = [await open(t, servers, stream, warnings), await open(t, servers, stream, warnings), await open(t, servers, stream, warnings)];
  const [a, b, c] = stores;
  const created = await a.txn({ op: 'create', key: '/p/k', value: 0 });
  t.like(created, { ok: true, revision: 1 });
  const { log, propose } = await rawLog(t, servers, stream);
  // As the store's writer sends them: the version headers are what a load trusts once earlier messages are purged.
  const onFirst = { [OP]: 'update', [EXPECT]: '1', [CREATED]: '1', [VERSION]: '2' };
  const first = await propose('/p/k', 'first', onFirst);
  const second = await propose('/p/k', 'second', onFirst);
  const staleDelete = await propose('/p/k', undefined, { [OP]: 'delete', [EXPECT]: '1' });
  const staleCreate = await propose('/p/k', 'again', { [OP]: 'create' });
  // A delete, and a stale update after it, on another key: the key stays gone.
  await a.txn({ op: 'create', key: '/p/gone', value: 1 });
  const gone = await propose('/p/gone', undefined, { [OP]: 'delete', [EXPECT]: String(staleCreate + 1) });
  const lateUpdate = await propose('/p/gone', 'late', { [OP]: 'update', [EXPECT]: String(staleCreate + 1) });
  // The earlier format (no op header, one writer) is accepted as it is.
  const legacy = await propose('/p/old', 'legacy', {});
  t.deepEqual([first, second, staleDelete, staleCreate, gone, lateUpdate, legacy], [2, 3, 4, 5, 7, 8, 9]);
  for (const s of stores) await s.sync();
  const want = { revision: 9, kvs: [['/p/k', 'first', 1, 2, 2], ['/p/old', 'legacy', 9, 9, 1]] };
  for (const s of stores) t.deepEqual(view(s), want);
  // Only accepted proposals are events: the watchers' history has no rejected one.
  t.deepEqual(b.history('/p/', 0, 9).map((e) => [e.type, e.kv.key, e.revision]), [['put', '/p/k', 1], ['put', '/p/k', 2], ['put', '/p/gone', 6], ['delete', '/p/gone', 7], ['put', '/p/old', 9]]);
  // The load path decides the same.
  const reopened = await open(t, servers, stream, warnings);
  t.deepEqual(view(reopened), want);
  // The store's own writes go on from the accepted version (the rejected ones are the subject's last messages).
  t.like(await c.txn({ op: 'update', key: '/p/k', value: 'third', ifModRevision: 1 }), { ok: false, reason: 'conflict', current: { value: 'first', modRevision: 2 } });
  // The reads' barriers (jetstream-barrier.ts) took sequences since 9: the next writes' revisions are past them.
  const third = await c.txn({ op: 'update', key: '/p/k', value: 'third', ifModRevision: 2 });
  t.like(third, { ok: true, kv: { value: 'third', version: 3, createRevision: 1 } });
  const r3 = third.ok ? third.revision : 0;
  t.true(r3 > 9, `revision ${r3}`);
  const recreated = await b.txn({ op: 'create', key: '/p/gone', value: 2 });
  const r4 = recreated.ok ? recreated.revision : 0;
  t.like(recreated, { ok: true, kv: { version: 1, createRevision: r4 } });
  t.true(r4 > r3, `revision ${r4}`);
  // Compaction purges what a load must not take on trust (it takes a key's first retained message as its
  // visible version): a deleted key's tombstone and the rejected proposals after it; below a live version.
  await a.sync();
  const after = { revision: r4, kvs: [['/p/gone', 2, r4, r4, 1], ['/p/k', 'third', 1, r3, 3], ['/p/old', 'legacy', 9, 9, 1]] };
  const present = async (seqs: number[]) => Promise.all(seqs.map(async (seq) => (await log.get(seq)) !== undefined));
  a.compact(9);
  await waitFor(async () => (await present([gone, lateUpdate])).every((p) => !p), 'the compaction at 9 purges');
  // /p/k's version at 9 (2) stays with the rejected proposals after it, which a load decides again.
  t.deepEqual(await present([1, first, second, staleDelete, staleCreate, legacy]), [false, true, true, true, true, true]);
  const compacted = await open(t, servers, stream, warnings);
  t.deepEqual(view(compacted), after);
  a.compact(r4);
  await waitFor(async () => (await present([first, second, staleDelete, staleCreate])).every((p) => !p), `the compaction at ${r4} purges`);
  const compactedAgain = await open(t, servers, stream, warnings);
  for (const s of [...stores, reopened, compacted, compactedAgain]) {
    await s.sync();
    t.deepEqual(view(s), after);
  }
  t.deepEqual(warnings, []);
});

test('jetstream proposals - an unconditional update that lost a race is proposed again on the value that won', async (t) => {
  const servers = await jetstreamUrl();
  const stream = freshStream();
  const warnings: string[] = [];
  const [a, b] = [await open(t, servers, stream, warnings), await open(t, servers, stream, warnings)];
  await a.txn({ op: 'create', key: '/p/u', value: 0 });
  await b.sync();
  // Many unconditional updates at once from two replicas: each expects what its cache holds, and the losers propose again.
  const n = 20;
  const results = await Promise.all(Array.from({ length: n }, (_, i) => (i % 2 ? a : b).txn({ op: 'update', key: '/p/u', value: i })));
  t.true(results.every((r) => r.ok), JSON.stringify(results.filter((r) => !r.ok)));
  const revisions = results.map((r) => (r.ok ? r.revision : 0)).sort((x, y) => x - y);
  // Concurrent updates of one store all expect the same version: most lose at least once (revision gaps).
  t.true(revisions.at(-1)! > n + 1, `last revision ${revisions.at(-1)}`);
  await a.sync();
  await b.sync();
  // Every update is one version: n + 1 versions, the last one at the highest accepted revision.
  t.like(a.get('/p/u'), { version: n + 1, modRevision: revisions.at(-1) });
  t.deepEqual(view(a), view(b));
  t.deepEqual(a.history('/p/u', 0, a.revision).map((e) => e.revision), [1, ...revisions]);
  t.deepEqual(warnings, []);
});
