// Store benchmark: memory and file backend writes/s, range over 150,000 keys, watch fan-out (DESIGN §8).
// Run: node --import tsx bench/store.bench.ts   (or: npm run bench -- store)
// Other backends: npm run bench -- store --store jetstream[:REPLICAS] [--nats URL] [--keys N]
//                 npm run bench -- store --store etcd:URL[,URL...] [--keys N]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../actors/apiserver/store/memory-store.ts';
import { FileStore } from '../actors/apiserver/store/file-store.ts';
import type { Store } from '../actors/apiserver/store/store.ts';
import { parseStoreSpec } from '../actors/apiserver/store/open.ts';
import { etcdFigures } from './store-etcd.ts';
import { jetstreamFigures } from './store-jetstream.ts';
import { median, report } from './report.ts';
import type { Figure } from './report.ts';

const RUNS = 5;
const ETCD = 'etcd (SSD) ~10-50k writes/s, docs';

/** Returns a pod-like object of about 1 KB. */
function object(name: string, n: number) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: 'bench', tier: 'web' }, generation: n },
    spec: {
      nodeName: `node-${n % 100}`,
      containers: [{ name: 'main', image: 'registry.example/bench/app:1.0', args: ['--serve', '--port=8080'], env: PAD_ENV }],
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], podIP: `10.0.${n % 250}.${n % 200}` },
  };
}
const PAD_ENV = Array.from({ length: 12 }, (_, i) => ({ name: `VAR_${i}`, value: 'v'.repeat(40) }));

const log = (msg: string) => console.log(`[store bench] ${msg}`);
const rate = (n: number, ms: number) => (n * 1000) / ms;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Times `writes` sequential awaited writes: creates of `keys` keys, then updates round-robin; returns writes/s. */
async function sequentialWrites(store: Store, keys: number, writes: number, compactEvery = 10_000): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < writes; i++) {
    const k = i % keys;
    const key = `/registry/pods/default/pod-${k}`;
    const r = await store.txn(i < keys ? { op: 'create', key, value: object(key, i) } : { op: 'update', key, value: object(key, i) });
    if (!r.ok) throw new Error(`write ${i} failed: ${r.reason}`);
    // Keep history bounded the way the API server's compactor would.
    if (i % compactEvery === compactEvery - 1) store.compact(store.revision - compactEvery);
  }
  return rate(writes, performance.now() - start);
}

/** Times `writes` updates of 1,000 keys from `conc` concurrent writers on a fresh file store; returns writes/s. */
async function fileWrites(conc: number, writes: number): Promise<{ perSec: number; batch: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'kubus-store-bench-'));
  const store = await FileStore.open(dir);
  try {
    const keys = 1000;
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let k = w; k < keys; k += 8) await store.txn({ op: 'create', key: `/registry/pods/default/pod-${k}`, value: object('x', k) });
      }),
    );
    const before = { ...store.stats };
    let issued = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: conc }, async () => {
        while (issued < writes) {
          const n = issued++;
          const key = `/registry/pods/default/pod-${n % keys}`;
          const r = await store.txn({ op: 'update', key, value: object(key, n) });
          if (!r.ok) throw new Error(`update failed: ${r.reason}`);
        }
      }),
    );
    const perSec = rate(writes, performance.now() - start);
    const batch = (store.stats.records - before.records) / Math.max(1, store.stats.syncs - before.syncs);
    return { perSec, batch };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs fn RUNS times, logging each result; returns the median. */
async function repeat(label: string, unit: string, fn: () => Promise<number> | number): Promise<number> {
  const xs: number[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const x = await fn();
    xs.push(x);
    log(`${label} run ${i}/${RUNS}: ${x >= 100 ? fmt(x) : x.toFixed(2)} ${unit}`);
  }
  return median(xs);
}

async function main() {
  const t0 = performance.now();
  const figures: Figure[] = [];

  log('phase 1/6: memory store, 1,000 keys, 100,000 writes (1,000 creates + updates) per run');
  const mem1k = await repeat('memory 1k keys', 'writes/s', () => sequentialWrites(new MemoryStore(), 1000, 100_000));
  figures.push({ name: 'memory writes, 1,000 keys', value: mem1k, unit: 'writes/s', budget: 50_000, higherIsBetter: true, anchor: ETCD });

  figures.push(...(await bigStorePhase()));

  log('phase 3/6: memory store with 1,000 watchers elsewhere and 10 on the written prefix');
  const fanout = await repeat('memory + watchers', 'writes/s', async () => {
    const s = new MemoryStore();
    let delivered = 0;
    for (let i = 0; i < 1000; i++) s.watch(`/registry/other-${i}/`, 0, () => delivered++);
    for (let i = 0; i < 10; i++) s.watch('/registry/pods/', 0, () => delivered++);
    const r = await sequentialWrites(s, 1000, 50_000);
    if (delivered !== 500_000) throw new Error(`delivered ${delivered} events, expected 500,000`);
    return r;
  });
  figures.push({ name: 'memory writes, 1,010 watchers (10 match)', value: fanout, unit: 'writes/s', budget: 50_000, higherIsBetter: true });

  const conc1 = await fileRuns(1, 2_000);
  figures.push({ name: 'file writes, fsync, concurrency 1', value: conc1, unit: 'writes/s', higherIsBetter: true, anchor: ETCD });
  for (const conc of [64, 256]) {
    const v = await fileRuns(conc, 30_000);
    figures.push({ name: `file writes, fsync, concurrency ${conc}`, value: v, unit: 'writes/s', budget: 10_000, higherIsBetter: true, anchor: ETCD });
  }

  const ok = report('store (DESIGN §8: memory ≥ 50,000 writes/s; file with group commit ≥ 10,000 writes/s)', figures);
  log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${ok ? 'all within budget' : 'SOME FIGURES MISS THEIR BUDGET'}`);
  process.exitCode = ok ? 0 : 1;
}

/** Phase 2: writes into 150,000 keys, then ranges over them; the big store is garbage once this returns. */
async function bigStorePhase(): Promise<Figure[]> {
  const out: Figure[] = [];
  log('phase 2/6: memory store, 150,000 keys (150,000 creates + 50,000 updates per run), then range');
  let big: MemoryStore | undefined;
  const mem150k = await repeat('memory 150k keys', 'writes/s', () => {
    big = new MemoryStore();
    return sequentialWrites(big, 150_000, 200_000);
  });
  out.push({ name: 'memory writes, 150,000 keys', value: mem150k, unit: 'writes/s', budget: 50_000, higherIsBetter: true, anchor: ETCD });
  const store = big!;
  const rangeMs = await repeat('range 150k keys', 'ms', () => {
    const start = performance.now();
    const n = store.range('/registry/pods/').kvs.length;
    if (n !== 150_000) throw new Error(`range returned ${n} keys`);
    return performance.now() - start;
  });
  out.push({ name: 'range 150,000 keys (latest)', value: rangeMs, unit: 'ms', budget: 100, higherIsBetter: false, anchor: 'k8s threshold 150,000 pods' });
  const pagedMs = await repeat('paged range 150k keys (limit 500, stable revision)', 'ms', () => {
    const start = performance.now();
    const at = store.revision - 1000;
    let page = store.range('/registry/pods/', { revision: at, limit: 500 });
    let n = page.kvs.length;
    while (page.more) {
      page = store.range('/registry/pods/', { revision: at, limit: 500, startAfter: page.kvs[page.kvs.length - 1].key });
      n += page.kvs.length;
    }
    if (n !== 150_000) throw new Error(`paged range returned ${n} keys`);
    return performance.now() - start;
  });
  out.push({ name: 'paged range 150,000 keys (500/page, at a past revision)', value: pagedMs, unit: 'ms', budget: 100, higherIsBetter: false });

  return out;
}

let filePhase = 4;
/** Runs the file-store phase at one concurrency; returns the median writes/s. */
async function fileRuns(conc: number, writes: number): Promise<number> {
  log(`phase ${filePhase++}/6: file store (fdatasync, group commit), concurrency ${conc}, ${fmt(writes)} updates of 1,000 keys per run`);
  const batches: number[] = [];
  const v = await repeat(`file c=${conc}`, 'writes/s', async () => {
    const r = await fileWrites(conc, writes);
    batches.push(r.batch);
    return r.perSec;
  });
  log(`file c=${conc}: median ${fmt(v)} writes/s, ${median(batches).toFixed(1)} records per fsync`);
  return v;
}

/** The value of `--name VALUE` (or `--name=VALUE`) among the bench's arguments. */
function arg(name: string): string | undefined {
  const argv = process.argv.slice(2);
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return argv[i].includes('=') ? argv[i].slice(argv[i].indexOf('=') + 1) : argv[i + 1];
}

/** `--store jetstream…` or `--store etcd:…`: that backend's figures instead of the memory and file phases. */
async function remoteBackend(spec: string): Promise<void> {
  const store = parseStoreSpec(spec);
  const keys = arg('keys') === undefined ? undefined : Number(arg('keys'));
  const t0 = performance.now();
  let figures: Figure[];
  if (store.kind === 'jetstream') figures = await jetstreamFigures({ servers: arg('nats'), replicas: store.replicas, keys, object, log });
  else if (store.kind === 'etcd') figures = await etcdFigures({ endpoints: store.endpoints, keys, object, log });
  else return main();
  const ok = report(`store --store ${spec} (DESIGN §8)`, figures);
  log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${ok ? 'all within budget' : 'SOME FIGURES MISS THEIR BUDGET'}`);
  process.exitCode = ok ? 0 : 1;
}

const storeArg = arg('store');
await (storeArg ? remoteBackend(storeArg) : main());
