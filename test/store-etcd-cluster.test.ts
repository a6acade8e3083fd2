// Several EtcdStores (several API servers) on one 3-member etcd: concurrent CAS writers converge,
// every replica's watchers see every write once and in order, compaction from all at once is
// harmless, and writes come back after the etcd leader is killed with nothing acknowledged lost.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import type { ExecutionContext } from 'ava';
import { EtcdStore } from '../actors/apiserver/store/etcd-store.ts';
import type { StoreEvent } from '../actors/apiserver/store/store.ts';
import { ETCD_INSTALL_HINT, hasEtcd, startEtcd, type EtcdCluster } from './helpers/etcd.ts';
import { waitFor } from './helpers/wait.ts';

const etcdTest = hasEtcd() ? test.serial : test.skip;
if (!hasEtcd()) console.warn(ETCD_INSTALL_HINT);

const PREFIX = '/registry/configmaps/default/';
const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4'].map((k) => PREFIX + k);

async function stores(t: ExecutionContext, etcd: EtcdCluster, n: number, warnings: string[]) {
  const out: EtcdStore[] = [];
  for (let i = 0; i < n; i++) {
    const s = await EtcdStore.open(etcd.endpoints, { onWarn: (m) => warnings.push(`store ${i}: ${m}`) });
    t.teardown(() => s.close());
    out.push(s);
  }
  return out;
}

/** A watcher of PREFIX on each store from `from`: the events each got. */
function watchAll(ss: EtcdStore[], from: number): StoreEvent[][] {
  return ss.map((s) => {
    const evs: StoreEvent[] = [];
    s.watch(PREFIX, from, (ev) => evs.push(ev));
    return evs;
  });
}

type Counter = { n: number };

/**
 * One compare-and-set increment of `key` through `s` (create at 1 when absent), retried on
 * conflict after a sync; returns the revision it was acknowledged at. Throws what the store throws.
 */
async function increment(s: EtcdStore, key: string): Promise<number> {
  for (;;) {
    const cur = s.get(key);
    const r = cur
      ? await s.txn({ op: 'update', key, value: { n: (cur.value as Counter).n + 1 }, ifModRevision: cur.modRevision })
      : await s.txn({ op: 'create', key, value: { n: 1 } });
    if (r.ok) return r.revision;
    await s.sync();
  }
}

/** Checks each watcher's events: strictly increasing revisions, each key's n counting up by one, every acknowledged revision there. */
function checkWatchers(t: ExecutionContext, watched: StoreEvent[][], acked: number[]) {
  const want = new Set(acked);
  watched.forEach((evs, i) => {
    const revs = evs.map((e) => e.revision);
    t.true(revs.every((r, j) => j === 0 || r > revs[j - 1]), `watcher ${i}: revisions not strictly increasing`);
    const last = new Map<string, number>();
    for (const e of evs) {
      const n = (e.kv.value as Counter).n;
      t.is(n, (last.get(e.kv.key) ?? 0) + 1, `watcher ${i}: ${e.kv.key} at revision ${e.revision}`);
      last.set(e.kv.key, n);
    }
    const got = new Set(revs);
    const missing = [...want].filter((r) => !got.has(r));
    t.deepEqual(missing, [], `watcher ${i}: acknowledged writes it never saw`);
  });
}

/** A 3-member etcd with a store on it per member, each watched from the latest revision; `acked` and `okPerKey` are for the test's writes. */
async function threeWriting(t: ExecutionContext) {
  const etcd = await startEtcd(t, 3);
  const warnings: string[] = [];
  const ss = await stores(t, etcd, 3, warnings);
  const watched = watchAll(ss, Math.max(...ss.map((s) => s.revision)));
  return { etcd, warnings, ss, watched, acked: [] as number[], okPerKey: new Map<string, number>() };
}

etcdTest('etcd cluster - three stores writing CAS increments at once converge, conflicts decided right, every watcher sees every write once in order', async (t) => {
  const { etcd, warnings, ss, watched, acked, okPerKey } = await threeWriting(t);
  // Four writers per store, 15 increments each, over 5 keys: most rounds conflict with another store.
  await Promise.all(
    ss.flatMap((s, i) =>
      [0, 1, 2, 3].map(async (w) => {
        for (let j = 0; j < 15; j++) {
          const key = KEYS[(i + w + j) % KEYS.length];
          acked.push(await increment(s, key));
          okPerKey.set(key, (okPerKey.get(key) ?? 0) + 1);
        }
      }),
    ),
  );
  t.is(acked.length, 180);
  t.is(new Set(acked).size, 180, 'two acknowledged writes share a revision');
  await Promise.all(ss.map((s) => s.sync()));
  const [a, ...rest] = ss;
  for (const s of rest) {
    t.is(s.revision, a.revision);
    t.deepEqual(s.range(PREFIX).kvs, a.range(PREFIX).kvs);
  }
  // No lost update: each counter equals the increments acknowledged on it.
  for (const key of KEYS) t.is((a.get(key)?.value as Counter).n, okPerKey.get(key) ?? 0, key);
  await waitFor(() => watched.every((evs) => evs.length === 180), 'every watcher to see 180 events');
  checkWatchers(t, watched, acked);
  t.deepEqual(warnings, []);
});

etcdTest('etcd cluster - compaction from three stores at once, at the same and at different revisions, is harmless', async (t) => {
  const etcd = await startEtcd(t, 3);
  const warnings: string[] = [];
  const ss = await stores(t, etcd, 3, warnings);
  const revs: number[] = [];
  for (let j = 0; j < 30; j++) revs.push(await increment(ss[j % 3], KEYS[j % KEYS.length]));
  await Promise.all(ss.map((s) => s.sync()));
  ss.forEach((s) => s.compact(revs[10]));
  ss.forEach((s, i) => s.compact(revs[12 + i]));
  await waitFor(() => {
    try {
      etcd.etcdctl('get', `--rev=${revs[13]}`, KEYS[0]);
      return false;
    } catch (err) {
      return /compacted/.test((err as Error).message);
    }
  }, 'etcd to be compacted', 10_000, 50);
  // Each replica's history starts at its own compaction; current state and writes are untouched.
  ss.forEach((s, i) => {
    t.is(s.compactedRevision, revs[12 + i]);
    t.deepEqual(s.range(PREFIX).kvs, ss[0].range(PREFIX).kvs);
    t.is(s.history(PREFIX, s.compactedRevision, s.revision).length, revs.filter((r) => r > revs[12 + i]).length);
  });
  await increment(ss[1], KEYS[0]);
  await Promise.all(ss.map((s) => s.sync()));
  t.is((ss[2].get(KEYS[0])?.value as Counter).n, 7);
  t.deepEqual(warnings, []);
});

/** Returns the index of the member etcdctl reports as leader. */
function leaderIndex(etcd: EtcdCluster): number {
  const rows = etcd.etcdctl('endpoint', 'status', '-w', 'table').split('\n');
  for (const row of rows) {
    const cells = row.split('|').map((c) => c.trim());
    const i = etcd.endpoints.indexOf(cells[1]);
    if (i >= 0 && cells[5] === 'true') return i;
  }
  throw new Error(`no leader in:\n${rows.join('\n')}`);
}

etcdTest('etcd cluster - killing the etcd leader while three stores write: writes succeed again, nothing acknowledged is lost', async (t) => {
  t.timeout(120_000);
  const { etcd, warnings, ss, watched, acked, okPerKey } = await threeWriting(t);
  const failedPerKey = new Map<string, number>();
  let killedAt = 0;
  const firstAfterKill = [Infinity, Infinity, Infinity];
  let stop = false;
  const okAfterKill = [0, 0, 0];
  const writers = ss.map(async (s, i) => {
    for (let j = 0; !stop; j++) {
      const key = KEYS[(i + j) % KEYS.length];
      const invoked = Date.now();
      try {
        acked.push(await increment(s, key));
        okPerKey.set(key, (okPerKey.get(key) ?? 0) + 1);
        if (killedAt && invoked >= killedAt) {
          okAfterKill[i]++;
          firstAfterKill[i] = Math.min(firstAfterKill[i], Date.now() - killedAt);
        }
      } catch {
        // Outcome unknown: it may or may not have been applied.
        failedPerKey.set(key, (failedPerKey.get(key) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });
  await waitFor(() => acked.length >= 60, '60 writes before the kill', 30_000);
  const PROBE = '/registry/leases/default/probe';
  await ss[0].txn({ op: 'create', key: PROBE, value: { probe: 0 } });
  const leader = leaderIndex(etcd);
  killedAt = Date.now();
  etcd.kill(leader);
  // Writes in flight at the kill wait for etcd's request timeout (about 7 s); new ones go through
  // once a leader is elected. A fresh probe write every 50 ms, each on its own, finds that moment.
  let recovered = 0;
  const probes: Promise<void>[] = [];
  for (let p = 0; !recovered && Date.now() - killedAt < 30_000; p++) {
    const s = ss[p % 3];
    probes.push(
      s.txn({ op: 'update', key: PROBE, value: { probe: p } }).then(
        (r) => void (r.ok && (recovered ||= Date.now() - killedAt)),
        () => undefined,
      ),
    );
    await new Promise((r) => setTimeout(r, 50));
  }
  await waitFor(() => okAfterKill.every((n) => n >= 20), 'every store to make 20 writes after the kill', 60_000, 20);
  stop = true;
  await Promise.all(writers);
  const elapsed = Date.now() - killedAt;
  await Promise.all(probes);
  t.log(`killed member m${leader} (the leader); a fresh write succeeded again ${recovered} ms after the kill`);
  t.true(recovered > 0 && recovered < 5000, `${recovered} ms`);
  t.log(`each store's first acknowledged write invoked after the kill came ${firstAfterKill.join(' / ')} ms later; 20 writes each after ${elapsed} ms`);
  t.true(Math.max(...firstAfterKill) < 15_000, `${firstAfterKill.join(' / ')} ms`);
  await Promise.all(ss.map((s) => s.sync()));
  for (const s of ss.slice(1)) t.deepEqual(s.range(PREFIX).kvs, ss[0].range(PREFIX).kvs);
  for (const key of KEYS) {
    const n = (ss[0].get(key)?.value as Counter).n;
    const ok = okPerKey.get(key) ?? 0;
    t.true(n >= ok && n <= ok + (failedPerKey.get(key) ?? 0), `${key}: n=${n}, ok=${ok}, failed=${failedPerKey.get(key) ?? 0}`);
  }
  const last = Math.max(...acked);
  await waitFor(() => watched.every((evs) => evs.at(-1)?.revision === last), 'every watcher to reach the last write');
  checkWatchers(t, watched, acked);
  t.log(`${acked.length} writes acknowledged, ${[...failedPerKey.values()].reduce((a, b) => a + b, 0)} failed; warnings: ${warnings.length}`);
});

/** Returns the pid of the test's etcd member serving `endpoint` (its client URL is unique to this test). */
function memberPid(endpoint: string): number {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.includes('etcd --name=') && l.includes(`--listen-client-urls=${endpoint} `));
  if (!line) throw new Error(`no etcd member at ${endpoint}`);
  return Number(line.trim().split(/\s+/)[0]);
}

etcdTest('etcd cluster - a frozen member (SIGSTOP) does not hang sync(): the read and the watch move to a member that answers', async (t) => {
  t.timeout(120_000);
  const etcd = await startEtcd(t, 3);
  const warnings: string[] = [];
  const [s] = await stores(t, etcd, 1, warnings);
  const pids = etcd.endpoints.map(memberPid);
  let frozen: number | undefined;
  t.teardown(() => void (frozen !== undefined && process.kill(frozen, 'SIGCONT')));
  // Whichever member the store's watch is on, one of the three rounds freezes it.
  for (let i = 0; i < 3; i++) {
    frozen = pids[i];
    process.kill(frozen, 'SIGSTOP');
    const others = etcd.endpoints.filter((_, j) => j !== i);
    const key = `${PREFIX}frozen-${i}`;
    await waitFor(() => {
      try {
        etcd.etcdctl(`--endpoints=${others.join(',')}`, '--command-timeout=2s', 'put', key, JSON.stringify({ n: i }));
        return true;
      } catch {
        return false;
      }
    }, `a write with m${i} frozen`, 30_000, 200);
    const started = Date.now();
    await s.sync();
    const took = Date.now() - started;
    t.log(`m${i} frozen: sync took ${took} ms`);
    // One read try on the frozen member (2 s), then another member, and the watch moved there.
    t.true(took < 6000, `sync took ${took} ms with m${i} frozen`);
    t.deepEqual(s.get(key)?.value, { n: i });
    process.kill(frozen, 'SIGCONT');
    frozen = undefined;
    await waitFor(() => {
      try {
        etcd.etcdctl('endpoint', 'health');
        return true;
      } catch {
        return false;
      }
    }, `m${i} to answer again`, 30_000, 200);
  }
  // The watch left the frozen member: seen at a sync's progress request, or after a wait of 2 s with no progress.
  t.true(warnings.some((w) => /moving the watch to another member|reconnecting its watch/.test(w)), warnings.join('\n'));
});
