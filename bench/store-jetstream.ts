// The jetstream backend's figures for bench/store.bench.ts (`--store jetstream[:REPLICAS]`): writes/s
// through JetStreamStore at concurrency 1, 64 and 256 beside raw JetStream publishes through the same
// client (the floor JetStream itself sets), two stores writing one stream (two API servers), opening (rebuilding from the stream) and ranging a big
// keyspace, and a watch fan-out to 100 watchers. Each run uses a stream of its own, deleted after.
// Without --nats a nats-server with JetStream is started on a free port with a temp store dir.
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { JetStreamStore } from '../actors/apiserver/store/jetstream-store.ts';
import { natsWithJetStream } from './bench-servers.ts';
import { pool } from './pool.ts';
import { median } from './report.ts';
import type { Figure } from './report.ts';

const RUNS = 3;
const UPSTREAM = 'kube-apiserver on etcd';

export interface JetStreamBenchOptions {
  /** NATS URLs with JetStream; unset: a nats-server -js of the bench's own. */
  servers?: string;
  replicas: number;
  /** Keys for the open/range phase (default 150,000). */
  keys?: number;
  /** An object like the bench's others (about 1 KB). */
  object: (name: string, n: number) => unknown;
  log: (msg: string) => void;
}

const rate = (n: number, ms: number) => (n * 1000) / ms;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
let streamSeq = 0;
const freshStream = () => `BENCH_${process.pid}_${streamSeq++}`;

/** Opens a store on a fresh stream, runs fn, then closes it and deletes the stream and its meta bucket. */
async function withStore<T>(o: JetStreamBenchOptions & { servers: string }, fn: (s: JetStreamStore, stream: string) => Promise<T>): Promise<T> {
  const stream = freshStream();
  const store = await JetStreamStore.open({ servers: o.servers, stream, replicas: o.replicas });
  try {
    return await fn(store, stream);
  } finally {
    await store.close();
    await dropStreams(o.servers, [stream, `KV_${stream}_META`]);
  }
}

async function dropStreams(servers: string, names: string[]): Promise<void> {
  const nc = await connect({ servers: servers.split(',') });
  try {
    const jsm = await jetstreamManager(nc);
    for (const n of names) await jsm.streams.delete(n).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** Creates 1,000 keys, then times `writes` updates from `conc` writers; returns writes/s. */
async function storeWrites(o: JetStreamBenchOptions & { servers: string }, conc: number, writes: number): Promise<number> {
  return withStore(o, async (s) => {
    const keys = 1000;
    await pool(64, keys, async (k) => {
      const key = `/registry/pods/default/pod-${k}`;
      const r = await s.txn({ op: 'create', key, value: o.object(key, k) });
      if (!r.ok) throw new Error(`create failed: ${r.reason}`);
    });
    return pool(conc, writes, async (n) => {
      const key = `/registry/pods/default/pod-${n % keys}`;
      const r = await s.txn({ op: 'update', key, value: o.object(key, n) });
      if (!r.ok) throw new Error(`update failed: ${r.reason}`);
    });
  });
}

/** Creates 1,000 keys, then times `writes` updates from `conc` writers spread over `n` stores on one stream (n API servers); returns writes/s. */
async function sharedWrites(o: JetStreamBenchOptions & { servers: string }, n: number, conc: number, writes: number): Promise<number> {
  return withStore(o, async (first, stream) => {
    const stores = [first];
    for (let i = 1; i < n; i++) stores.push(await JetStreamStore.open({ servers: o.servers, stream, replicas: o.replicas }));
    try {
      const keys = 1000;
      await pool(64, keys, async (k) => {
        const key = `/registry/pods/default/pod-${k}`;
        const r = await first.txn({ op: 'create', key, value: o.object(key, k) });
        if (!r.ok) throw new Error(`create failed: ${r.reason}`);
      });
      await Promise.all(stores.map((s) => s.sync()));
      // Unconditional updates: writers on different stores race on the same keys, as API servers do.
      return await pool(conc, writes, async (w) => {
        const key = `/registry/pods/default/pod-${w % keys}`;
        const r = await stores[w % n].txn({ op: 'update', key, value: o.object(key, w) });
        if (!r.ok) throw new Error(`update failed: ${r.reason}`);
      });
    } finally {
      for (const s of stores.slice(1)) await s.close();
    }
  });
}

/** Times `writes` plain JetStream publishes (no expectations) of the same payload size from `conc` writers. */
async function rawPublishes(o: JetStreamBenchOptions & { servers: string }, conc: number, writes: number): Promise<number> {
  const stream = freshStream();
  // The same connection options as the store's own.
  const nc = await connect({ servers: o.servers.split(','), noAsyncTraces: true });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`bench.raw.${stream}.>`], num_replicas: o.replicas });
    const js = jetstream(nc);
    const payload = new TextEncoder().encode(JSON.stringify(o.object('raw', 0)));
    return await pool(conc, writes, async (n) => {
      await js.publish(`bench.raw.${stream}.k${n % 1000}`, payload);
    });
  } finally {
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
    await nc.close();
  }
}

/** Writes `keys` keys, then times reopening (rebuilding from the stream) and a range of them all. */
async function bigKeyspace(o: JetStreamBenchOptions & { servers: string }, keys: number) {
  return withStore(o, async (s, stream) => {
    const loadPerSec = await pool(256, keys, async (k) => {
      const key = `/registry/pods/default/pod-${k}`;
      const r = await s.txn({ op: 'create', key, value: o.object(key, k) });
      if (!r.ok) throw new Error(`create failed: ${r.reason}`);
    });
    const t0 = performance.now();
    const again = await JetStreamStore.open({ servers: o.servers, stream, replicas: o.replicas });
    const openMs = performance.now() - t0;
    try {
      const t1 = performance.now();
      const n = again.range('/registry/pods/').kvs.length;
      const rangeMs = performance.now() - t1;
      if (n !== keys) throw new Error(`range returned ${n} keys, expected ${keys}`);
      return { loadPerSec, openMs, rangeMs };
    } finally {
      await again.close();
    }
  });
}

/** 100 watchers on the written prefix; times `writes` updates at concurrency 64 until every watcher has every event. */
async function watchFanout(o: JetStreamBenchOptions & { servers: string }, watchers: number, writes: number): Promise<{ writesPerSec: number; eventsPerSec: number }> {
  return withStore(o, async (s) => {
    const keys = 1000;
    await pool(64, keys, async (k) => {
      const key = `/registry/pods/default/pod-${k}`;
      await s.txn({ op: 'create', key, value: o.object(key, k) });
    });
    const from = s.revision;
    let delivered = 0;
    const want = watchers * writes;
    let done = () => {};
    const all = new Promise<void>((resolve) => (done = resolve));
    for (let i = 0; i < watchers; i++)
      s.watch('/registry/pods/', from, () => {
        if (++delivered === want) done();
      });
    const start = performance.now();
    const writesPerSec = await pool(64, writes, async (n) => {
      const key = `/registry/pods/default/pod-${n % keys}`;
      const r = await s.txn({ op: 'update', key, value: o.object(key, n) });
      if (!r.ok) throw new Error(`update failed: ${r.reason}`);
    });
    await all;
    return { writesPerSec, eventsPerSec: rate(want, performance.now() - start) };
  });
}

/** Returns the jetstream backend's figures (medians of RUNS runs). */
export async function jetstreamFigures(opts: JetStreamBenchOptions): Promise<Figure[]> {
  const own = opts.servers ? undefined : await natsWithJetStream();
  const o = { ...opts, servers: opts.servers ?? own!.url };
  const log = opts.log;
  try {
    log(`jetstream store on ${o.servers}, R${o.replicas}${own ? ' (a nats-server -js of the bench, temp store dir)' : ''}`);
    const figures: Figure[] = [];
    for (const [conc, writes] of [[1, 2_000], [64, 20_000], [256, 20_000]] as const) {
      const raw: number[] = [];
      const store: number[] = [];
      for (let i = 1; i <= RUNS; i++) {
        raw.push(await rawPublishes(o, conc, writes));
        store.push(await storeWrites(o, conc, writes));
        log(`c=${conc} run ${i}/${RUNS}: raw publish ${fmt(raw.at(-1)!)}/s, store ${fmt(store.at(-1)!)} writes/s`);
      }
      figures.push({ name: `jetstream raw publish (floor), concurrency ${conc}`, value: median(raw), unit: 'writes/s', higherIsBetter: true, anchor: 'JetStream itself, same client' });
      figures.push({ name: `jetstream store writes, concurrency ${conc}`, value: median(store), unit: 'writes/s', higherIsBetter: true, anchor: UPSTREAM });
    }
    const shared: number[] = [];
    for (let i = 1; i <= RUNS; i++) {
      shared.push(await sharedWrites(o, 2, 64, 20_000));
      log(`2 stores on one stream, c=64 run ${i}/${RUNS}: ${fmt(shared.at(-1)!)} writes/s`);
    }
    figures.push({ name: 'jetstream store writes, 2 stores on one stream, concurrency 64', value: median(shared), unit: 'writes/s', higherIsBetter: true, anchor: UPSTREAM });
    const keys = opts.keys ?? 150_000;
    const big = [];
    for (let i = 1; i <= RUNS; i++) {
      const b = await bigKeyspace(o, keys);
      big.push(b);
      log(`${fmt(keys)} keys run ${i}/${RUNS}: load ${fmt(b.loadPerSec)} creates/s (c=256), reopen ${fmt(b.openMs)} ms, range ${b.rangeMs.toFixed(1)} ms`);
    }
    figures.push({ name: `jetstream store creates of ${fmt(keys)} keys, concurrency 256`, value: median(big.map((b) => b.loadPerSec)), unit: 'writes/s', higherIsBetter: true });
    figures.push({ name: `jetstream store open: rebuild ${fmt(keys)} keys from the stream`, value: median(big.map((b) => b.openMs)), unit: 'ms', higherIsBetter: false });
    figures.push({ name: `jetstream store range ${fmt(keys)} keys`, value: median(big.map((b) => b.rangeMs)), unit: 'ms', budget: 100, higherIsBetter: false, anchor: 'k8s threshold 150,000 pods' });
    const fan = [];
    for (let i = 1; i <= RUNS; i++) {
      const f = await watchFanout(o, 100, 10_000);
      fan.push(f);
      log(`fan-out run ${i}/${RUNS}: ${fmt(f.writesPerSec)} writes/s (c=64), ${fmt(f.eventsPerSec)} events/s delivered to 100 watchers`);
    }
    figures.push({ name: 'jetstream store writes with 100 watchers, concurrency 64', value: median(fan.map((f) => f.writesPerSec)), unit: 'writes/s', higherIsBetter: true });
    figures.push({ name: 'jetstream watch fan-out: events delivered to 100 watchers', value: median(fan.map((f) => f.eventsPerSec)), unit: 'events/s', higherIsBetter: true });
    return figures;
  } finally {
    await own?.stop();
  }
}
