// The history checker (test/helpers/history.ts) over three EtcdStores on a 3-member etcd whose
// leader is killed mid-run: no acknowledged write lost, every watcher sees every change once and in
// order, and each key's history is linearizable, through the election and etcd3's retries.
import test from 'ava';
import { EtcdStore } from '../actors/apiserver/store/etcd-store.ts';
import type { TxnOp } from '../actors/apiserver/store/store.ts';
import { seededRng, type Rng } from '../bus/random.ts';
import { History, check } from './helpers/history.ts';
import { ETCD_INSTALL_HINT, hasEtcd, startEtcd, type EtcdCluster } from './helpers/etcd.ts';
import { waitFor } from './helpers/wait.ts';

const etcdTest = hasEtcd() ? test.serial : test.skip;
if (!hasEtcd()) console.warn(ETCD_INSTALL_HINT);

const PREFIX = '/registry/things/default/';
const KEYS = Array.from({ length: 8 }, (_, i) => `${PREFIX}k${i}`);

/** Returns the index of the member etcdctl reports as leader. */
function leaderIndex(etcd: EtcdCluster): number {
  for (const row of etcd.etcdctl('endpoint', 'status', '-w', 'table').split('\n')) {
    const cells = row.split('|').map((c) => c.trim());
    const i = etcd.endpoints.indexOf(cells[1]);
    if (i >= 0 && cells[5] === 'true') return i;
  }
  throw new Error('no leader');
}

/** One writer until `stop()`: consistent gets, creates, blind and CAS updates, deletes; values unique. Returns its ops' count. */
async function writer(h: History, s: EtcdStore, name: string, rng: Rng, stop: () => boolean): Promise<number> {
  const seen = new Map<string, number>();
  let i = 0;
  for (; !stop(); i++) {
    const key = KEYS[rng.int(KEYS.length)];
    const x = rng.float();
    const rev = seen.get(key);
    if (x < 0.2) {
      const r = await h.call(name, { op: 'get', key }, async () => (await s.sync(), s.get(key)));
      if (r.ok && r.value) seen.set(key, r.value.modRevision);
      continue;
    }
    const value = { by: name, i };
    const cas = rev !== undefined ? { ifModRevision: rev } : {};
    const op: TxnOp = x < 0.4 ? { op: 'create', key, value } : x < 0.5 ? { op: 'update', key, value } : x < 0.85 ? { op: 'update', key, value, ...cas } : { op: 'delete', key, ...cas };
    const r = await h.call(name, op, () => s.txn(op));
    if (!r.ok && !r.definite) await new Promise((res) => setTimeout(res, 20));
    const res = r.value;
    if (res?.ok && op.op !== 'delete') seen.set(key, res.revision);
    else if (res && !res.ok && res.current) seen.set(key, res.current.modRevision);
    else seen.delete(key);
  }
  return i;
}

etcdTest('etcd history - three stores on 3 members, the leader killed mid-run: the history checker passes', async (t) => {
  t.timeout(180_000);
  const etcd = await startEtcd(t, 3);
  const warnings: string[] = [];
  const stores: EtcdStore[] = [];
  for (let i = 0; i < 3; i++) {
    const s = await EtcdStore.open(etcd.endpoints, { onWarn: (m) => warnings.push(`store ${i}: ${m}`) });
    t.teardown(() => s.close());
    stores.push(s);
  }
  const h = new History();
  const start = Math.max(...stores.map((s) => s.revision));
  const lastSeen = stores.map(() => start);
  stores.forEach((s, i) => {
    h.watchStart(`s${i}`, { fromRevision: start, keys: PREFIX });
    s.watch(PREFIX, start, (ev) => {
      h.watched(`s${i}`, ev.kv.key, ev.type, ev.revision, ev.type === 'put' ? ev.kv.value : undefined);
      lastSeen[i] = ev.revision;
    });
  });
  const rng = seededRng(7);
  let stopped = false;
  const running = Array.from({ length: 6 }, (_, w) => writer(h, stores[w % 3], `w${w}`, rng.fork(`w${w}`), () => stopped));
  await waitFor(() => h.ops.length >= 300, '300 ops before the kill', 30_000);
  const leader = leaderIndex(etcd);
  const killedAt = h.ops.length;
  etcd.kill(leader);
  // Run on until well past the election: 600 more completed ops.
  await waitFor(() => h.ops.filter((o) => o.outcome).length >= killedAt + 600, '600 ops after the kill', 90_000, 20);
  stopped = true;
  const counts = await Promise.all(running);
  await Promise.all(stores.map((s) => s.sync()));
  const end = Math.max(...stores.map((s) => s.revision));
  const last = stores[0].history(PREFIX, start, end).at(-1)?.revision ?? start;
  await waitFor(() => lastSeen.every((r) => r >= last), `every watcher at revision ${last}`);
  stores.forEach((_, i) => h.watchEnd(`s${i}`, end));
  h.finalRange(PREFIX, stores[0].range(PREFIX).kvs);
  for (const s of stores.slice(1)) t.deepEqual(s.range(PREFIX).kvs, stores[0].range(PREFIX).kvs);
  const report = check(h);
  t.log(`killed m${leader} after ${killedAt} ops; ${counts.reduce((a, b) => a + b, 0)} ops in all`);
  t.log(report.text);
  t.true(report.ok, report.text);
});
