// The store contract, run on every backend (memory, file, jetstream, etcd).
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { CompactedError } from '../actors/apiserver/store/store.ts';
import type { Store } from '../actors/apiserver/store/store.ts';
import { FutureRevisionError } from '../actors/apiserver/store/errors.ts';
import { MemoryStore, prefixEnd } from '../actors/apiserver/store/memory-store.ts';
import { JetStreamStore } from '../actors/apiserver/store/jetstream-store.ts';
import { seededRng } from '../bus/random.ts';
import { collect, fileBackend, jetstreamBackend, memoryBackend, settle, stopJetStreamServer } from './fixtures/store-helpers.ts';
import type { Backend } from './fixtures/store-helpers.ts';
import { etcdBackend } from './fixtures/etcd-backend.ts';
import { sharedMemoryBackend } from './fixtures/shared-memory-backend.ts';

const put = (s: Store, key: string, value: unknown) => s.txn({ op: 'create', key, value });
const keysOf = (r: { kvs: { key: string }[] }) => r.kvs.map((kv) => kv.key);

type Body = (t: ExecutionContext, s: Store, warnings: string[]) => Promise<void>;

const contract = test.macro({
  exec: async (t: ExecutionContext, backend: Backend, body: Body) => {
    const warnings: string[] = [];
    await body(t, await backend.make(t, warnings), warnings);
  },
  title: (behaviour, backend: Backend) => `store - ${behaviour} (${backend.name})`,
});

const cases: Record<string, Body> = {
  'revisions and versions follow etcd': async (t, s) => {
    t.is(s.revision, 0);
    t.like(await put(s, '/a', { n: 1 }), { ok: true, revision: 1, kv: { createRevision: 1, modRevision: 1, version: 1 } });
    t.like(await s.txn({ op: 'update', key: '/a', value: { n: 2 } }), {
      ok: true,
      revision: 2,
      kv: { value: { n: 2 }, createRevision: 1, modRevision: 2, version: 2 },
      prev: { modRevision: 1, version: 1 },
    });
    t.like(await s.txn({ op: 'delete', key: '/a' }), { ok: true, revision: 3, prev: { modRevision: 2 } });
    t.is(s.get('/a'), undefined);
    t.like(await put(s, '/a', { n: 3 }), { ok: true, revision: 4, kv: { createRevision: 4, modRevision: 4, version: 1 } });
    t.is(s.revision, 4);
  },

  'compare-and-swap failures name the reason and do not bump the revision': async (t, s) => {
    await put(s, '/a', 1);
    await s.txn({ op: 'update', key: '/a', value: 2 });
    const current = s.get('/a');
    t.deepEqual(await put(s, '/a', 9), { ok: false, reason: 'exists', current });
    t.deepEqual(await s.txn({ op: 'update', key: '/b', value: 1 }), { ok: false, reason: 'not-found' });
    t.deepEqual(await s.txn({ op: 'delete', key: '/b' }), { ok: false, reason: 'not-found' });
    t.deepEqual(await s.txn({ op: 'update', key: '/a', value: 3, ifModRevision: 1 }), { ok: false, reason: 'conflict', current });
    t.deepEqual(await s.txn({ op: 'delete', key: '/a', ifModRevision: 1 }), { ok: false, reason: 'conflict', current });
    t.is(s.revision, 2);
    // jetstream confirms a refusal with a read barrier, a message of the stream: the store's revision stays,
    // but the next write's revision (its stream sequence) is past the barriers'.
    const updated = await s.txn({ op: 'update', key: '/a', value: 3, ifModRevision: 2 });
    t.like(updated, { ok: true });
    const rev = updated.ok ? updated.revision : 0;
    if (s instanceof JetStreamStore) t.true(rev > 2, `revision ${rev}`);
    else t.is(rev, 3);
    t.like(await s.txn({ op: 'delete', key: '/a', ifModRevision: rev }), { ok: true, revision: rev + 1 });
  },

  'reads see a write as soon as txn is called': async (t, s) => {
    const p = put(s, '/a', 1);
    t.is(s.get('/a')?.modRevision, 1);
    t.is(s.revision, 1);
    await p;
  },

  'range walks a prefix in key order with limit, startAfter and more': async (t, s) => {
    for (const k of ['/r/b', '/r/a', '/r/c', '/r0', '/q/z', '/r/d', '/r/e']) await put(s, k, k);
    t.deepEqual(keysOf(s.range('/r/')), ['/r/a', '/r/b', '/r/c', '/r/d', '/r/e']);
    t.deepEqual(s.range('/r/').more, false);
    const p1 = s.range('/r/', { limit: 2 });
    t.deepEqual([keysOf(p1), p1.more, p1.revision], [['/r/a', '/r/b'], true, 7]);
    const p2 = s.range('/r/', { limit: 2, startAfter: '/r/b' });
    t.deepEqual([keysOf(p2), p2.more], [['/r/c', '/r/d'], true]);
    const p3 = s.range('/r/', { limit: 2, startAfter: '/r/d' });
    t.deepEqual([keysOf(p3), p3.more], [['/r/e'], false]);
    t.deepEqual(keysOf(s.range('/r/', { limit: 5 })), ['/r/a', '/r/b', '/r/c', '/r/d', '/r/e']);
    t.false(s.range('/r/', { limit: 5 }).more);
    t.deepEqual(keysOf(s.range('')), ['/q/z', '/r/a', '/r/b', '/r/c', '/r/d', '/r/e', '/r0']);
    t.deepEqual(keysOf(s.range('/r/c')), ['/r/c']);
    t.deepEqual(keysOf(s.range('/s/')), []);
  },

  'range at a revision returns the state then (paging at a stable revision)': async (t, s) => {
    for (const k of ['/p/1', '/p/2', '/p/3']) await put(s, k, 'v1');
    const at = s.revision;
    await s.txn({ op: 'update', key: '/p/1', value: 'v2' });
    await s.txn({ op: 'delete', key: '/p/2' });
    await put(s, '/p/0', 'new');
    t.deepEqual(keysOf(s.range('/p/')), ['/p/0', '/p/1', '/p/3']);
    const page1 = s.range('/p/', { revision: at, limit: 2 });
    t.deepEqual([keysOf(page1), page1.more, page1.revision], [['/p/1', '/p/2'], true, at]);
    t.is(page1.kvs[0].value, 'v1');
    const page2 = s.range('/p/', { revision: at, limit: 2, startAfter: '/p/2' });
    t.deepEqual([keysOf(page2), page2.more], [['/p/3'], false]);
    t.deepEqual(keysOf(s.range('/p/', { revision: 1 })), ['/p/1']);
    t.throws(() => s.range('/p/', { revision: s.revision + 1 }), { instanceOf: FutureRevisionError });
  },

  'watch replays history after fromRevision, then goes on live, in revision order': async (t, s) => {
    await put(s, '/w/a', 1);
    await put(s, '/x/a', 1);
    await s.txn({ op: 'update', key: '/w/a', value: 2 });
    const w = collect(s, '/w/', 1);
    const all = collect(s, '', 0);
    await s.txn({ op: 'delete', key: '/w/a' });
    await put(s, '/w/b', 1);
    const evs = await w.until(3);
    t.deepEqual(evs.map((e) => [e.type, e.revision, e.kv.key]), [
      ['put', 3, '/w/a'],
      ['delete', 4, '/w/a'],
      ['put', 5, '/w/b'],
    ]);
    t.like(evs[1], { kv: { modRevision: 4, value: 2, createRevision: 1 }, prev: { modRevision: 3 } });
    t.like(evs[0], { prev: { modRevision: 1 } });
    t.deepEqual((await all.until(5)).map((e) => e.revision), [1, 2, 3, 4, 5]);
    w.cancel();
    await put(s, '/w/c', 1);
    await settle();
    t.is(w.events.length, 3);
  },

  'watch delivers asynchronously, never inside txn': async (t, s) => {
    const w = collect(s, '/', 0);
    // Awaited at the end: etcd's watch may deliver before the txn returns, and a store closed under it rejects the txn.
    const p = put(s, '/a', 1);
    t.is(w.events.length, 0);
    await w.until(1);
    t.like(await p, { ok: true });
  },

  'a throwing watch callback is reported and does not stop others': async (t, s, warnings) => {
    let thrown = 0;
    s.watch('/', 0, () => {
      thrown++;
      throw new Error('boom');
    });
    const w = collect(s, '/', 0);
    await put(s, '/a', 1);
    await put(s, '/b', 1);
    await w.until(2);
    t.is(thrown, 2);
    t.is(warnings.length, 2);
    t.regex(warnings[0], /watch callback .* threw at revision 1/);
  },

  'compaction keeps the state at the compacted revision and expires older reads and watches': async (t, s) => {
    await put(s, '/c/a', 1);
    await put(s, '/c/b', 1);
    await s.txn({ op: 'update', key: '/c/a', value: 2 });
    await s.txn({ op: 'delete', key: '/c/b' });
    const at = s.revision; // 4: /c/a=2
    await s.txn({ op: 'update', key: '/c/a', value: 3 });
    s.compact(at);
    t.is(s.compactedRevision, at);
    t.deepEqual(s.range('/c/', { revision: at }).kvs.map((kv) => [kv.key, kv.value]), [['/c/a', 2]]);
    t.deepEqual(s.range('/c/').kvs.map((kv) => kv.value), [3]);
    t.throws(() => s.range('/c/', { revision: at - 1 }), { instanceOf: CompactedError });
    const err = t.throws(() => s.watch('/c/', at - 1, () => {}), { instanceOf: CompactedError });
    t.like(err, { requested: at - 1, compacted: at });
    t.throws(() => s.history('/c/', at - 1, s.revision), { instanceOf: CompactedError });
    const w = collect(s, '/c/', at);
    t.deepEqual((await w.until(1)).map((e) => e.revision), [5]);
    t.deepEqual(s.history('/c/', at, s.revision).map((e) => e.revision), [5]);
    s.compact(2); // older than the compacted revision: no-op
    t.is(s.compactedRevision, at);
    t.throws(() => s.compact(s.revision + 1), { instanceOf: FutureRevisionError });
  },

  're-created keys and deleted keys survive compaction correctly': async (t, s) => {
    await put(s, '/d/a', 1);
    await s.txn({ op: 'delete', key: '/d/a' });
    await put(s, '/d/a', 2);
    await put(s, '/d/b', 1);
    await s.txn({ op: 'delete', key: '/d/b' });
    s.compact(s.revision);
    t.deepEqual(s.range('/d/').kvs.map((kv) => [kv.key, kv.version, kv.createRevision]), [['/d/a', 1, 3]]);
    t.like(await put(s, '/d/b', 3), { ok: true, kv: { version: 1, createRevision: 6 } });
  },

  'watch from a future revision starts after it': async (t, s) => {
    await put(s, '/f/a', 1);
    const w = collect(s, '/f/', 3);
    for (const k of ['/f/b', '/f/c', '/f/d']) await put(s, k, 1);
    t.deepEqual((await w.until(1)).map((e) => e.revision), [4]);
  },

  'history returns the events in a revision window': async (t, s) => {
    for (let i = 0; i < 6; i++) await put(s, i % 2 ? `/h/${i}` : `/g/${i}`, i);
    t.deepEqual(s.history('/h/', 1, 5).map((e) => e.revision), [2, 4]);
    t.deepEqual(s.history('', 4, 99).map((e) => e.revision), [5, 6]);
  },
};

test('store - prefixEnd bounds every key with the prefix', (t) => {
  t.is(prefixEnd('/registry/pods/'), '/registry/pods0');
  t.is(prefixEnd(''), undefined);
  t.is(prefixEnd('a\uffff'), 'b');
  t.is(prefixEnd('\uffff\uffff'), undefined);
});

test('memory store - stored values are deeply frozen, and an update shares the unchanged parts of the last version', async (t) => {
  const s = new MemoryStore();
  await s.txn({ op: 'create', key: '/k', value: { spec: { a: [1] }, status: { n: 1 } } });
  const first = s.get('/k')!.value as { spec: { a: number[] }; status: { n: number } };
  t.true(Object.isFrozen(first) && Object.isFrozen(first.spec.a) && Object.isFrozen(first.status));
  t.throws(() => first.spec.a.push(2), { instanceOf: TypeError });
  await s.txn({ op: 'update', key: '/k', value: { spec: { a: [1] }, status: { n: 2 } } });
  const second = s.get('/k')!.value as typeof first;
  t.true(Object.isFrozen(second) && Object.isFrozen(second.status));
  t.is(second.spec, first.spec);
  t.is(first.status.n, 1);
});

/** Every backend the contract runs on. */
const backends: Backend[] = [memoryBackend, fileBackend, jetstreamBackend, etcdBackend, sharedMemoryBackend];
test.after.always(stopJetStreamServer);

for (const backend of backends) {
  for (const [behaviour, body] of Object.entries(cases)) {
    // etcd and jetstream order writes remotely: reads see one once its txn resolves (store-etcd.test.ts, store-jetstream.test.ts).
    if ((backend === etcdBackend || backend === sharedMemoryBackend || backend === jetstreamBackend) && behaviour === 'reads see a write as soon as txn is called') continue;
    test(behaviour, contract, backend, body);
  }
}

test('store - history of one resource (indexed by /registry/<resource>/) equals a scan of everything, across compactions', async (t) => {
  const s = new MemoryStore();
  const rng = seededRng(7);
  const keys = ['/registry/pods/default/a', '/registry/pods/kube-system/b', '/registry/leases/kube-node-lease/n1', '/registry/pods/default/c', '/registry/nodes/n1', '/x/y'];
  const exists = new Set<string>();
  const prefixes = ['/registry/pods/', '/registry/pods/default/', '/registry/leases/', '/registry/nodes/', '/registry/nodes/n1', '/registry/secrets/'];
  const scan = (prefix: string, after: number) => s.history('', after, s.revision).filter((e) => e.kv.key.startsWith(prefix));
  for (let i = 0; i < 400; i++) {
    const key = keys[rng.int(keys.length)];
    if (exists.has(key) && rng.int(4) === 0) {
      await s.txn({ op: 'delete', key });
      exists.delete(key);
    } else {
      await s.txn(exists.has(key) ? { op: 'update', key, value: i } : { op: 'create', key, value: i });
      exists.add(key);
    }
    if (i % 97 === 96) s.compact(s.revision - 20);
    if (i % 10 === 9)
      for (const prefix of prefixes) {
        const after = s.compactedRevision + rng.int(s.revision - s.compactedRevision + 1);
        t.deepEqual(s.history(prefix, after, s.revision), scan(prefix, after), `${prefix} after ${after}`);
      }
  }
});
