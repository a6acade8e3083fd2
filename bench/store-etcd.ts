// The etcd backend's figures for bench/store.bench.ts (`--store etcd:URL[,URL...]`): writes/s through
// EtcdStore at concurrency 1, 64 and 256 beside raw etcd puts through the same client (the floor
// etcd itself sets), and loading/ranging a big keyspace. Every run writes under its own key prefix
// and deletes it afterwards, then compacts etcd's history up to then (as the API server's compactor
// would: an uncompacted history of a few 100,000 revisions makes etcd 3.4's Txn ~10x slower).
import { Etcd3 } from 'etcd3';
import { EtcdStore } from '../actors/apiserver/store/etcd-store.ts';
import { prefixEnd } from '../actors/apiserver/store/memory-store.ts';
import { pool } from './pool.ts';
import { median } from './report.ts';
import type { Figure } from './report.ts';

const RUNS = 3;
const UPSTREAM = 'kube-apiserver on etcd';

export interface EtcdBenchOptions {
  endpoints: string[];
  /** Writes per run at each concurrency (default 2,000 at 1, 20,000 at 64 and 256). */
  writes?: number;
  /** Keys for the load/range phase (default 150,000). */
  keys?: number;
  /** An object like the bench's others (about 1 KB). */
  object: (name: string, n: number) => unknown;
  log: (msg: string) => void;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
let runSeq = 0;
const runPrefix = () => `/kubus-bench-${process.pid}-${runSeq++}`;

/** Deletes the run's keys and compacts etcd's history to the current revision. */
async function cleanUp(client: Etcd3, keyPrefix: string): Promise<void> {
  const res = await client.kv.deleteRange({ key: Buffer.from(keyPrefix), range_end: Buffer.from(prefixEnd(keyPrefix)!) });
  await client.kv.compact({ revision: res.header.revision });
  client.close();
}

/** Updates of 1,000 keys through EtcdStore (CAS txn, then waits for its watch to deliver): writes/s. */
async function storeWrites(o: EtcdBenchOptions, conc: number, writes: number): Promise<number> {
  const keyPrefix = runPrefix();
  const store = await EtcdStore.open(o.endpoints, { keyPrefix });
  const client = new Etcd3({ hosts: o.endpoints });
  try {
    const keys = 1000;
    await pool(32, keys, async (k) => void (await store.txn({ op: 'create', key: `/registry/pods/default/pod-${k}`, value: o.object('x', k) })));
    return await pool(conc, writes, async (n) => {
      const key = `/registry/pods/default/pod-${n % keys}`;
      const r = await store.txn({ op: 'update', key, value: o.object(key, n) });
      if (!r.ok) throw new Error(`update failed: ${r.reason}`);
    });
  } finally {
    await store.close();
    await cleanUp(client, keyPrefix);
  }
}

/** Plain puts of the same values through the same client, no txn and no watch: etcd's own floor, writes/s. */
async function rawPuts(o: EtcdBenchOptions, conc: number, writes: number): Promise<number> {
  const keyPrefix = runPrefix();
  const client = new Etcd3({ hosts: o.endpoints });
  try {
    return await pool(conc, writes, async (n) => {
      await client.put(`${keyPrefix}/registry/pods/default/pod-${n % 1000}`).value(JSON.stringify(o.object('x', n)));
    });
  } finally {
    await cleanUp(client, keyPrefix);
  }
}

/** Writes `keys` objects, then times opening an EtcdStore on them (a paged range of all) and a range from its replica. */
async function bigKeyspace(o: EtcdBenchOptions, keys: number): Promise<{ openMs: number; rangeMs: number }[]> {
  const keyPrefix = runPrefix();
  const client = new Etcd3({ hosts: o.endpoints });
  try {
    const value = JSON.stringify(o.object('x', 0));
    const start = performance.now();
    await pool(256, keys, async (n) => void (await client.put(`${keyPrefix}/registry/pods/default/pod-${n}`).value(value)));
    o.log(`etcd: wrote ${fmt(keys)} keys in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    const out = [];
    for (let i = 1; i <= RUNS; i++) {
      const t0 = performance.now();
      const store = await EtcdStore.open(o.endpoints, { keyPrefix });
      const openMs = performance.now() - t0;
      const t1 = performance.now();
      const n = store.range('/registry/pods/').kvs.length;
      const rangeMs = performance.now() - t1;
      await store.close();
      if (n !== keys) throw new Error(`range returned ${n} keys, expected ${keys}`);
      o.log(`etcd ${fmt(keys)} keys run ${i}/${RUNS}: open (paged range from etcd) ${fmt(openMs)} ms, range from the replica ${rangeMs.toFixed(1)} ms`);
      out.push({ openMs, rangeMs });
    }
    return out;
  } finally {
    await cleanUp(client, keyPrefix);
  }
}

/**
 * sync() (a consistent read's barrier) on a replica whose keys are quiet while another prefix is
 * written: etcd's revision read plus confirmed progress requests; returns each call's ms.
 */
async function syncLatency(o: EtcdBenchOptions, calls: number): Promise<number[]> {
  const keyPrefix = runPrefix();
  // Not under keyPrefix: its writes never reach the store's watch.
  const other = `${runPrefix()}/k`;
  const store = await EtcdStore.open(o.endpoints, { keyPrefix });
  const client = new Etcd3({ hosts: o.endpoints });
  try {
    const out: number[] = [];
    for (let i = 0; i < calls; i++) {
      await client.put(other).value(String(i));
      const t0 = performance.now();
      await store.sync();
      out.push(performance.now() - t0);
    }
    return out.sort((a, b) => a - b);
  } finally {
    await store.close();
    await client.delete().key(other);
    await cleanUp(client, keyPrefix);
  }
}

/** Returns the etcd backend's figures. */
export async function etcdFigures(o: EtcdBenchOptions): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const conc of [1, 64, 256]) {
    const writes = o.writes ?? (conc === 1 ? 2_000 : 20_000);
    const store: number[] = [];
    const raw: number[] = [];
    for (let i = 1; i <= RUNS; i++) {
      raw.push(await rawPuts(o, conc, writes));
      store.push(await storeWrites(o, conc, writes));
      o.log(`etcd c=${conc} run ${i}/${RUNS}: store ${fmt(store[i - 1])} writes/s, raw etcd put ${fmt(raw[i - 1])} writes/s`);
    }
    figures.push({ name: `etcd raw put (floor), concurrency ${conc}`, value: median(raw), unit: 'writes/s', higherIsBetter: true, anchor: 'etcd itself, same client' });
    figures.push({ name: `etcd store writes, concurrency ${conc}`, value: median(store), unit: 'writes/s', higherIsBetter: true, anchor: UPSTREAM });
  }
  const syncs = await syncLatency(o, 200);
  o.log(`etcd sync() with the store's keys quiet, others written: p50 ${syncs[100].toFixed(2)} ms, p99 ${syncs[197].toFixed(2)} ms`);
  figures.push({ name: 'etcd store sync() (quiet keys, others written), p50', value: syncs[100], unit: 'ms', higherIsBetter: false });
  const keys = o.keys ?? 150_000;
  const big = await bigKeyspace(o, keys);
  figures.push({ name: `etcd store open: paged range of ${fmt(keys)} keys`, value: median(big.map((b) => b.openMs)), unit: 'ms', higherIsBetter: false });
  figures.push({ name: `etcd store range ${fmt(keys)} keys (replica)`, value: median(big.map((b) => b.rangeMs)), unit: 'ms', budget: 100, higherIsBetter: false, anchor: 'k8s threshold 150,000 pods' });
  return figures;
}
