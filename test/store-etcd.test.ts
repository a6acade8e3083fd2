// The etcd backend on a real etcd: upstream's key layout, revisions, CAS against other writers,
// unreadable values, replicas following each other's writes, compaction in etcd, a 3-member cluster.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { runHandling } from '../bus/trace.ts';
import { EtcdStore } from '../actors/apiserver/store/etcd-store.ts';
import { CompactedError } from '../actors/apiserver/store/store.ts';
import type { EtcdStoreOptions } from '../actors/apiserver/store/etcd-store.ts';
import { collect, settle } from './fixtures/store-helpers.ts';
import { ETCD_INSTALL_HINT, hasEtcd, startEtcd } from './helpers/etcd.ts';
import { waitFor } from './helpers/wait.ts';

const etcdTest = hasEtcd() ? test.serial : test.skip;
if (!hasEtcd()) console.warn(ETCD_INSTALL_HINT);

async function open(t: ExecutionContext, endpoints: string[], warnings: string[] = [], opts: EtcdStoreOptions = {}) {
  const s = await EtcdStore.open(endpoints, { onWarn: (m) => warnings.push(m), ...opts });
  t.teardown(() => s.close());
  return s;
}

const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' } });
/** The etcd revision etcd itself reports. */
const etcdRevision = (json: string) => Number((JSON.parse(json) as { header: { revision: number } }).header.revision);

etcdTest('etcd store - objects sit under /registry/<resource>/<namespace>/<name> as JSON and the store revision is etcd\'s', async (t) => {
  const etcd = await startEtcd(t);
  const s = await open(t, etcd.endpoints);
  const r = await s.txn({ op: 'create', key: '/registry/pods/default/web', value: pod('web') });
  await s.txn({ op: 'create', key: '/registry/namespaces/default', value: { kind: 'Namespace', metadata: { name: 'default' } } });
  t.deepEqual(etcd.etcdctl('get', '--prefix', '/registry/pods').trim().split('\n'), ['/registry/pods/default/web', JSON.stringify(pod('web'))]);
  t.is(etcd.etcdctl('get', '--print-value-only', '/registry/namespaces/default').trim(), '{"kind":"Namespace","metadata":{"name":"default"}}');
  const got = JSON.parse(etcd.etcdctl('get', '/registry/pods/default/web', '-w', 'json')) as { kvs: { mod_revision: number }[] };
  t.true(r.ok && r.revision === got.kvs[0].mod_revision);
  t.is(s.revision, etcdRevision(etcd.etcdctl('get', '/x', '-w', 'json')));
});

etcdTest('etcd store - reads see a write once its txn resolves (etcd orders it first), with the store at its revision', async (t) => {
  const etcd = await startEtcd(t);
  const s = await open(t, etcd.endpoints);
  const key = '/registry/pods/default/p';
  const pending = s.txn({ op: 'create', key, value: pod('p') });
  t.is(s.get(key), undefined);
  const r = await pending;
  if (!r.ok) return t.fail('create failed');
  t.like(s.get(key), { modRevision: r.revision, version: 1 });
  t.true(s.revision >= r.revision);
});

etcdTest('etcd store - CAS is decided by etcd: a write by another client makes an update at the old revision conflict', async (t) => {
  const etcd = await startEtcd(t);
  const s = await open(t, etcd.endpoints);
  const key = '/registry/pods/default/a';
  const r = await s.txn({ op: 'create', key, value: pod('a') });
  if (!r.ok) return t.fail('create failed');
  etcd.etcdctl('put', key, JSON.stringify({ ...pod('a'), by: 'etcdctl' }));
  const res = await s.txn({ op: 'update', key, value: pod('a'), ifModRevision: r.revision });
  t.like(res, { ok: false, reason: 'conflict', current: { value: { by: 'etcdctl' }, modRevision: r.revision + 1, version: 2 } });
  t.like(await s.txn({ op: 'create', key, value: pod('a') }), { ok: false, reason: 'exists' });
  t.like(await s.txn({ op: 'delete', key: '/registry/pods/default/none' }), { ok: false, reason: 'not-found' });
  // etcd's mod_revision of an absent key is 0: an update "at 0" must still not create it.
  t.like(await s.txn({ op: 'update', key: '/registry/pods/default/none', value: pod('none'), ifModRevision: 0 }), { ok: false, reason: 'not-found' });
  t.is(etcd.etcdctl('get', '/registry/pods/default/none').trim(), '');
  // The replica followed etcdctl's write, so a retry at the current revision succeeds.
  await waitFor(() => s.get(key)?.modRevision === r.revision + 1, 'the replica to see etcdctl\'s write');
  t.like(await s.txn({ op: 'update', key, value: pod('a'), ifModRevision: r.revision + 1 }), { ok: true, kv: { version: 3, createRevision: r.revision } });
  t.like(await s.txn({ op: 'delete', key }), { ok: true, prev: { version: 3 } });
  t.is(s.get(key), undefined);
  t.is(etcd.etcdctl('get', '--prefix', '/registry/pods').trim(), '');
});

etcdTest('etcd store - a value that is not JSON is skipped with an error naming its key, at load and live, never hiding the others', async (t) => {
  const etcd = await startEtcd(t);
  etcd.etcdctl('put', '/registry/pods/default/good', JSON.stringify(pod('good')));
  etcd.etcdctl('put', '/registry/pods/default/bad', 'not json {');
  const warnings: string[] = [];
  const s = await open(t, etcd.endpoints, warnings);
  t.deepEqual(
    s.range('/registry/pods/').kvs.map((kv) => kv.key),
    ['/registry/pods/default/good'],
  );
  t.true(warnings.some((w) => w.includes('/registry/pods/default/bad') && w.includes('not JSON')), warnings.join('\n'));

  // Live: a foreign write corrupts an object the store had; it disappears (as a delete), the rest stays.
  const w = collect(s, '/registry/pods/', s.revision);
  await s.txn({ op: 'create', key: '/registry/pods/default/later', value: pod('later') });
  etcd.etcdctl('put', '/registry/pods/default/later', '\x01garbage {');
  await s.txn({ op: 'create', key: '/registry/pods/default/after', value: pod('after') });
  const evs = await w.until(3);
  t.deepEqual(
    evs.map((e) => [e.type, e.kv.key]),
    [
      ['put', '/registry/pods/default/later'],
      ['delete', '/registry/pods/default/later'],
      ['put', '/registry/pods/default/after'],
    ],
  );
  t.deepEqual(
    s.range('/registry/pods/').kvs.map((kv) => kv.key),
    ['/registry/pods/default/after', '/registry/pods/default/good'],
  );
  t.true(warnings.some((w) => w.includes('/registry/pods/default/later') && w.includes('not JSON')), warnings.join('\n'));
  // History across the holes the skipped revisions left stays in order.
  t.deepEqual(
    s.history('/registry/', s.compactedRevision, s.revision).map((e) => e.kv.key),
    ['/registry/pods/default/later', '/registry/pods/default/later', '/registry/pods/default/after'],
  );
});

etcdTest('etcd store - open loads page by page (a page size of 2 over 5 keys and a foreign one) to the same state', async (t) => {
  const etcd = await startEtcd(t);
  for (const n of ['a', 'b', 'c', 'd', 'e']) etcd.etcdctl('put', `/registry/pods/default/${n}`, JSON.stringify(pod(n)));
  etcd.etcdctl('put', '/registry/pods/default/bb', 'foreign');
  const warnings: string[] = [];
  const paged = await open(t, etcd.endpoints, warnings, { pageSize: 2 });
  const whole = await open(t, etcd.endpoints, []);
  t.deepEqual(
    paged.range('/registry/').kvs.map((kv) => kv.key),
    ['a', 'b', 'c', 'd', 'e'].map((n) => `/registry/pods/default/${n}`),
  );
  t.deepEqual(paged.range('/registry/').kvs, whole.range('/registry/').kvs);
  t.is(paged.revision, whole.revision);
  t.is(warnings.length, 1);
});

etcdTest('etcd store - two stores on one etcd (two API servers) each see the other\'s writes, in etcd\'s order, from their watch', async (t) => {
  const etcd = await startEtcd(t);
  const a = await open(t, etcd.endpoints);
  const b = await open(t, etcd.endpoints);
  const wb = collect(b, '/registry/pods/', b.revision);
  const ra = await a.txn({ op: 'create', key: '/registry/pods/default/x', value: pod('x') });
  if (!ra.ok) return t.fail('create failed');
  const rb = await b.txn({ op: 'update', key: '/registry/pods/default/x', value: { ...pod('x'), v: 2 }, ifModRevision: ra.revision });
  t.like(rb, { ok: true, revision: ra.revision + 1, kv: { version: 2 } });
  const evs = await wb.until(2);
  t.deepEqual(evs.map((e) => e.revision), [ra.revision, ra.revision + 1]);
  await waitFor(() => a.revision === ra.revision + 1, 'store a to follow b');
  t.like(a.get('/registry/pods/default/x'), { value: { v: 2 }, version: 2 });
  // A third store opened now loads the same state at the same revision.
  const c = await open(t, etcd.endpoints);
  t.is(c.revision, a.revision);
  t.deepEqual(c.range('/registry/').kvs, a.range('/registry/').kvs);
});

etcdTest('etcd store - a write\'s event carries the trace context of the request that made it, as the other backends\' do', async (t) => {
  const etcd = await startEtcd(t);
  const s = await open(t, etcd.endpoints);
  const w = collect(s, '/registry/pods/', s.revision);
  const ctx = { actor: 'apiserver-test' };
  await runHandling(ctx, () => s.txn({ op: 'create', key: '/registry/pods/default/traced', value: pod('traced') }));
  etcd.etcdctl('put', '/registry/pods/default/foreign', JSON.stringify(pod('foreign')));
  const [mine, foreign] = await w.until(2);
  t.is(mine.cause, ctx);
  t.is(foreign.cause, undefined);
});

etcdTest('etcd store - compact compacts etcd too: etcd refuses reads below the revision', async (t) => {
  const etcd = await startEtcd(t);
  const s = await open(t, etcd.endpoints);
  const key = '/registry/configmaps/default/c';
  await s.txn({ op: 'create', key, value: { n: 1 } });
  const r2 = await s.txn({ op: 'update', key, value: { n: 2 } });
  await s.txn({ op: 'update', key, value: { n: 3 } });
  if (!r2.ok) return t.fail('update failed');
  t.is(etcd.etcdctl('get', '--print-value-only', `--rev=${r2.revision - 1}`, key).trim(), '{"n":1}');
  s.compact(r2.revision);
  t.is(s.compactedRevision, r2.revision);
  await waitFor(() => {
    try {
      etcd.etcdctl('get', `--rev=${r2.revision - 1}`, key);
      return false;
    } catch (err) {
      return /compacted/.test((err as Error).message);
    }
  }, 'etcd to be compacted', 10_000, 50);
  t.is(etcd.etcdctl('get', '--print-value-only', `--rev=${r2.revision}`, key).trim(), '{"n":2}');
  t.like(s.range('/registry/configmaps/', { revision: r2.revision }).kvs[0], { value: { n: 2 } });
});

etcdTest('etcd store - keyPrefix puts the store\'s keys under another root, and foreign keys outside it are not the store\'s', async (t) => {
  const etcd = await startEtcd(t);
  etcd.etcdctl('put', '/elsewhere', 'not ours');
  const s = await open(t, etcd.endpoints, [], { keyPrefix: '/kubus-a' });
  await s.txn({ op: 'create', key: '/registry/pods/default/p', value: pod('p') });
  t.deepEqual(s.range('').kvs.map((kv) => kv.key), ['/registry/pods/default/p']);
  t.is(etcd.etcdctl('get', '--keys-only', '--prefix', '/kubus-a/').trim(), '/kubus-a/registry/pods/default/p');
});

etcdTest('etcd store - opening on an etcd that is not there rejects (no hang, no crash)', async (t) => {
  const etcd = await startEtcd(t);
  etcd.kill(0);
  const started = Date.now();
  await t.throwsAsync(EtcdStore.open(etcd.endpoints, { onWarn: () => {} }));
  t.true(Date.now() - started < 30_000);
});

etcdTest('etcd store - when etcd restarts, the replica resumes from its last revision: no event lost or repeated', async (t) => {
  const etcd = await startEtcd(t);
  const warnings: string[] = [];
  const s = await open(t, etcd.endpoints, warnings);
  const w = collect(s, '/registry/pods/', s.revision);
  await s.txn({ op: 'create', key: '/registry/pods/default/before', value: pod('before') });
  await etcd.restart(0);
  // Written while the store's watch is still reconnecting.
  etcd.etcdctl('put', '/registry/pods/default/during', JSON.stringify(pod('during')));
  await waitFor(() => s.get('/registry/pods/default/during'), 'the replica to resume after the restart', 40_000, 20);
  const r = await s.txn({ op: 'create', key: '/registry/pods/default/after', value: pod('after') });
  t.like(r, { ok: true });
  const evs = await w.until(3);
  await settle();
  t.deepEqual(
    evs.map((e) => e.kv.key),
    ['/registry/pods/default/before', '/registry/pods/default/during', '/registry/pods/default/after'],
  );
  // The break is logged once; nothing was skipped or reloaded.
  t.true(warnings.length > 0 && warnings.every((w) => /etcd watch broke .*resuming/.test(w)), warnings.join('\n'));
});

etcdTest('etcd store - on a 3-member cluster writes go on when one member dies', async (t) => {
  const etcd = await startEtcd(t, 3);
  const s = await open(t, etcd.endpoints);
  await s.txn({ op: 'create', key: '/registry/pods/default/one', value: pod('one') });
  etcd.kill(2);
  t.like(await s.txn({ op: 'create', key: '/registry/pods/default/two', value: pod('two') }), { ok: true });
  t.deepEqual(s.range('/registry/pods/').kvs.map((kv) => kv.key), ['/registry/pods/default/one', '/registry/pods/default/two']);
});

/** Resolves with `p`, or rejects after `ms` (a hang becomes a failure). */
const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms).unref())]);

etcdTest('etcd store - sync() brings a replica to etcd\'s revision: B reads A\'s write; it resolves on a quiet etcd and while only other prefixes are written', async (t) => {
  const etcd = await startEtcd(t);
  const a = await open(t, etcd.endpoints, [], { keyPrefix: '/kubus' });
  const b = await open(t, etcd.endpoints, [], { keyPrefix: '/kubus' });
  for (let i = 0; i < 20; i++) {
    const r = await a.txn({ op: 'create', key: `/registry/pods/default/p${i}`, value: pod(`p${i}`) });
    await b.sync();
    t.like(b.get(`/registry/pods/default/p${i}`), { modRevision: r.ok ? r.revision : -1 }, `write ${i}`);
  }
  // Quiet: nothing written since.
  await within(b.sync(), 2000, 'sync on a quiet etcd');
  // Idle prefix, busy etcd: writes outside the store's keys advance etcd's revision, never the replica's.
  for (let i = 0; i < 5; i++) etcd.etcdctl('put', `/other/k${i}`, 'x');
  const before = b.revision;
  await within(b.sync(), 2000, 'sync while only other keys are written');
  t.is(b.revision, before);
  // The same on a store that watches every key (no prefix): the other keys are its own then.
  const c = await open(t, etcd.endpoints, []);
  etcd.etcdctl('put', '/other/last', '"y"');
  await within(c.sync(), 2000, 'sync without a prefix');
  t.is(c.get('/other/last')?.value, 'y');
});

etcdTest('etcd store - when etcd compacted past the replica it reloads: watchers end as compacted, state and txns go on, a foreign value skipped', async (t) => {
  const etcd = await startEtcd(t, 3);
  const warnings: string[] = [];
  // The store talks to member 0 only, so its watch stops while member 0 is down and the others go on.
  const s = await open(t, [etcd.endpoints[0]], warnings);
  await s.txn({ op: 'create', key: '/registry/pods/default/kept', value: pod('kept') });
  await s.txn({ op: 'create', key: '/registry/pods/default/gone', value: pod('gone') });
  const ends: Error[] = [];
  const seen: string[] = [];
  s.watch('/registry/', s.revision, (ev) => seen.push(ev.kv.key), (err) => ends.push(err));
  const others = etcd.endpoints.slice(1);
  const etcdctlOthers = (...args: string[]) => etcd.etcdctl(`--endpoints=${others.join(',')}`, ...args);
  etcd.kill(0);
  await waitFor(() => {
    try {
      etcdctlOthers('put', '/registry/pods/default/while-away', JSON.stringify(pod('while-away')));
      return true;
    } catch {
      return false;
    }
  }, 'the other two members to take writes', 20_000, 200);
  etcdctlOthers('del', '/registry/pods/default/gone');
  etcdctlOthers('put', '/registry/pods/default/bad', 'not json');
  const r = JSON.parse(etcdctlOthers('put', '/registry/pods/default/last', JSON.stringify(pod('last')), '-w', 'json')) as { header: { revision: number } };
  etcdctlOthers('compact', String(r.header.revision));
  await etcd.restart(0);
  // A txn made now waits through the reload and reads its own write.
  const w = await s.txn({ op: 'create', key: '/registry/pods/default/after', value: pod('after') });
  t.like(w, { ok: true });
  t.like(s.get('/registry/pods/default/after'), { value: pod('after') });
  await waitFor(() => ends.length === 1, 'the watcher to end');
  t.true(ends[0] instanceof CompactedError);
  t.deepEqual(
    s.range('/registry/pods/').kvs.map((kv) => kv.key),
    ['after', 'kept', 'last', 'while-away'].map((n) => `/registry/pods/default/${n}`),
  );
  t.true(s.compactedRevision >= r.header.revision);
  t.true(warnings.some((m) => /reloading from etcd/.test(m)), warnings.join('\n'));
  t.true(warnings.some((m) => m.includes('/registry/pods/default/bad') && m.includes('not JSON')), warnings.join('\n'));
  // The ended watcher heard nothing of the outage; a new one follows from the reloaded revision.
  t.false(seen.includes('/registry/pods/default/while-away'));
  const again = collect(s, '/registry/', s.revision);
  await s.txn({ op: 'delete', key: '/registry/pods/default/kept' });
  t.deepEqual((await again.until(1)).map((e) => [e.type, e.kv.key]), [['delete', '/registry/pods/default/kept']]);
});
