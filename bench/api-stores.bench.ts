// API create latency per store backend, in one run (issue 13): for each backend the API server(s)
// open it as `kubus control-plane --store` does (parseStoreSpec + openStore), serve over the bench's
// own nats-server, and take pod creates at concurrency 1 and 64; the figures print beside the file
// backend's as ratios (p50, p99, ops/s) and the DESIGN §8 budgets. Every run starts its servers fresh.
// Backends: memory | file (temp dir) | jetstream (R1, nats-server -js with a temp store dir) |
// jetstream-x3 (3 API servers in this process on one stream, requests spread by the queue group) |
// etcd (a temp one-member etcd, when etcd is on PATH).
// Run: npm run bench -- api-stores [--stores file,jetstream,jetstream-x3,etcd] [--runs N] [--ops N]
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { openStore, parseStoreSpec } from '../actors/apiserver/store/open.ts';
import type { Store } from '../actors/apiserver/store/store.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { cryptoRng } from '../bus/random.ts';
import { silentLogger, type Bus } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { hasEtcd, natsWithJetStream, tempEtcd, type BenchServer } from './bench-servers.ts';
import { benchPod, measure, type Latency } from './latency.ts';
import { arg, median, report, type Figure } from './report.ts';

const BACKENDS = ['memory', 'file', 'jetstream', 'jetstream-x3', 'etcd'] as const;
type Backend = (typeof BACKENDS)[number];
const RUNS = arg('runs', 3);
const OPS = arg('ops', 2000);
const WARMUP = 300;
const log = (m: string) => console.log(`[api-stores bench] ${m}`);

const stores = arg('stores', 'file,jetstream,jetstream-x3,etcd')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean) as Backend[];
for (const s of stores) if (!BACKENDS.includes(s)) throw new Error(`--stores: unknown backend "${s}"; use ${BACKENDS.join(', ')}`);
if (!stores.includes('file')) stores.unshift('file'); // the ratios are to the file backend
if (stores.includes('etcd') && !hasEtcd()) {
  log('etcd is not on PATH (apt-get install -y etcd-server): skipping the etcd backend');
  stores.splice(stores.indexOf('etcd'), 1);
}

/** What is started for one backend in one run, in the order it must be stopped (last first). */
class Teardown {
  private readonly steps: Array<[string, () => Promise<unknown>]> = [];
  private running: Promise<void> | undefined;
  add(what: string, step: () => Promise<unknown>): void {
    // Started while the teardown runs (a signal came during a start): stopped right after it.
    if (this.running) this.running = this.running.then(() => attempt(what, step));
    else this.steps.push([what, step]);
  }
  /** Runs the steps once; a second caller (a signal and the run's own finally) waits for the same. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const [what, step] of this.steps.reverse()) await attempt(what, step);
    })();
    return this.running;
  }
}
/** Runs one cleanup step; its failure is logged, and the next steps still run. */
const attempt = (what: string, step: () => Promise<unknown>) =>
  step().then(
    () => undefined,
    (err) => log(`cleanup: ${what} failed: ${(err as Error).message}`),
  );
let current: Teardown | undefined;
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    // The backend under way fails once its servers are gone; the loop below then starts no other and ends.
    interrupted = true;
    log(`${sig}: stopping what the bench started`);
    void current?.run();
    setTimeout(() => process.exit(130), 15_000).unref();
  });

/** The `--store` value of a backend (file: a fresh temp dir, etcd: a fresh temp etcd). */
async function storeSpecOf(backend: Backend, td: Teardown): Promise<string> {
  switch (backend) {
    case 'memory':
      return 'memory';
    case 'file': {
      const dir = await mkdtemp(join(tmpdir(), 'kubus-bench-file-'));
      td.add('file store dir', () => rm(dir, { recursive: true, force: true }));
      return `file:${dir}`;
    }
    case 'jetstream':
    case 'jetstream-x3':
      return 'jetstream';
    case 'etcd': {
      const etcd: BenchServer = await tempEtcd();
      td.add('etcd', () => etcd.stop());
      return `etcd:${etcd.url}`;
    }
  }
}

/** API servers on `backend` (3 on one stream for jetstream-x3), then creates at c=1 and c=64. */
async function oneBackend(backend: Backend, run: number): Promise<Record<'c1' | 'c64', Latency>> {
  const td = new Teardown();
  current = td;
  try {
    const nats = await natsWithJetStream();
    td.add('nats-server', () => nats.stop());
    const spec = parseStoreSpec(await storeSpecOf(backend, td));
    const replicas = backend === 'jetstream-x3' ? 3 : 1;
    const opened: Store[] = [];
    const writes = Array.from({ length: replicas }, () => 0);
    const connect = async (name: string): Promise<Bus> => {
      const b = await NatsBus.connect({ servers: nats.url, name });
      td.add(`bus ${name}`, () => b.close());
      return b;
    };
    for (let i = 0; i < replicas; i++) {
      // One store per API server, as each `kubus control-plane` process opens its own.
      const own = await openStore(spec, { nats: nats.url, onWarn: (m) => log(`${backend} replica ${i}: store: ${m}`) });
      td.add(`store ${i}`, () => own.close());
      opened.push(own);
      const store = countingTxns(own, writes, i);
      const bus = await connect(`control-plane-${i}`);
      const host = new Host({ bus, clock: realClock, rng: cryptoRng(), log: silentLogger });
      td.add(`host ${i}`, () => host.stopAll());
      await serving(host.start(apiserverActor, 'apiserver', { store, serverId: `apiserver-${i}` }));
      await bus.flush();
    }
    const client = new ApiClient(await connect('client'));
    await measure(WARMUP, 1, (i) => client.create('pods', benchPod(`warm-${i}`)));
    const c1 = await measure(OPS, 1, (i) => client.create('pods', benchPod(`a-${i}`)));
    const c64 = await measure(OPS * 4, 64, (i) => client.create('pods', benchPod(`b-${i}`)));
    await expectPods(opened, WARMUP + OPS * 5, backend);
    if (replicas > 1) log(`run ${run} ${backend}: store writes made by each API server: ${writes.join(' / ')} (the queue group spreads requests)`);
    return { c1, c64 };
  } finally {
    await td.run();
    current = undefined;
  }
}

/** The store, with each txn it is given counted in counts[i] (how many requests the queue group sent this replica). */
function countingTxns(store: Store, counts: number[], i: number): Store {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'txn') return (op: Parameters<Store['txn']>[0]) => (counts[i]++, target.txn(op));
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** Fails the run unless every API server's store holds every created pod (within 10 s: replicas follow the stream). */
async function expectPods(opened: Store[], want: number, backend: Backend): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (const [i, s] of opened.entries()) {
    for (;;) {
      const n = s.range('/registry/pods/default/').kvs.length;
      if (n === want) break;
      if (Date.now() > deadline) throw new Error(`${backend}: replica ${i}'s store holds ${n} pods, ${want} were created`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

type Run = Partial<Record<Backend, Record<'c1' | 'c64', Latency>>>;
const runs: Run[] = [];
const failed = new Map<Backend, string>();
for (let r = 1; r <= RUNS && !interrupted; r++) {
  const out: Run = {};
  for (const b of stores) {
    if (failed.has(b) || interrupted) continue;
    const t0 = performance.now();
    try {
      out[b] = await oneBackend(b, r);
      const { c1, c64 } = out[b];
      log(
        `run ${r}/${RUNS} ${b}: c=1 p50 ${c1.p50.toFixed(2)} ms p99 ${c1.p99.toFixed(2)} ms ${Math.round(c1.perSec)}/s; ` +
          `c=64 p50 ${c64.p50.toFixed(2)} ms p99 ${c64.p99.toFixed(2)} ms ${Math.round(c64.perSec)}/s (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      );
    } catch (err) {
      const e = err as Error;
      failed.set(b, `${e.name}: ${e.message}`);
      log(`run ${r}/${RUNS} ${b}: FAILED: ${e.stack ?? e.message}`);
    }
  }
  runs.push(out);
}
if (interrupted) process.exit(130);

const med = (b: Backend, c: 'c1' | 'c64', f: keyof Latency) => median(runs.map((r) => r[b]![c][f]));
const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3));
const SLO = 'k8s API mutating-call SLO p99 ≤ 1 s';
const figures: Figure[] = [];
const ratios: string[][] = [];
for (const b of stores.filter((s) => !failed.has(s))) {
  // Without the file backend's figures (it failed) the ratios are NaN, and say so.
  const x = (c: 'c1' | 'c64', f: keyof Latency) => (failed.has('file') ? NaN : med(b, c, f) / med('file', c, f));
  const vsFile = (c: 'c1' | 'c64', f: keyof Latency) => (b === 'file' ? '' : `${x(c, f).toFixed(2)}× file; `);
  figures.push(
    { name: `${b}: create p50 (c=1)`, value: med(b, 'c1', 'p50'), unit: 'ms', budget: 0.5, higherIsBetter: false, anchor: `${vsFile('c1', 'p50')}§8 API over NATS p50 ≤ 0.5 ms` },
    { name: `${b}: create p99 (c=1)`, value: med(b, 'c1', 'p99'), unit: 'ms', budget: 5, higherIsBetter: false, anchor: `${vsFile('c1', 'p99')}§8 p99 ≤ 5 ms; ${SLO}` },
    { name: `${b}: create (c=1)`, value: med(b, 'c1', 'perSec'), unit: 'ops/s', higherIsBetter: true, anchor: vsFile('c1', 'perSec').replace(/; $/, '') },
    { name: `${b}: create p50 (c=64)`, value: med(b, 'c64', 'p50'), unit: 'ms', higherIsBetter: false, anchor: vsFile('c64', 'p50').replace(/; $/, '') },
    { name: `${b}: create p99 (c=64)`, value: med(b, 'c64', 'p99'), unit: 'ms', higherIsBetter: false, anchor: `${vsFile('c64', 'p99')}${SLO}` },
    { name: `${b}: create throughput (c=64)`, value: med(b, 'c64', 'perSec'), unit: 'ops/s', higherIsBetter: true, anchor: vsFile('c64', 'perSec').replace(/; $/, '') },
  );
  ratios.push([b, ...(['p50', 'p99', 'perSec'] as const).flatMap((f) => [fmt(med(b, 'c1', f)), `${x('c1', f).toFixed(2)}×`]), ...(['p50', 'p99', 'perSec'] as const).flatMap((f) => [fmt(med(b, 'c64', f)), `${x('c64', f).toFixed(2)}×`])]);
}
// The machine may be shared: p99s follow its load, so the table says what it was.
const load = `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs at the end`;
report(`API create per store backend (medians of ${RUNS} runs; ${OPS} creates at c=1, ${OPS * 4} at c=64; ratios to the file backend; ${load})`, figures);

const head = ['backend', 'c1 p50 ms', '/file', 'c1 p99 ms', '/file', 'c1 ops/s', '/file', 'c64 p50 ms', '/file', 'c64 p99 ms', '/file', 'c64 ops/s', '/file'];
const widths = head.map((h, i) => Math.max(h.length, ...ratios.map((r) => r[i].length)));
console.log('\nratio to file (latency: > 1 is slower; ops/s: > 1 is faster)');
for (const row of [head, ...ratios]) console.log(row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
for (const [b, why] of failed) console.log(`${b}: FAILED (no figures): ${why}`);
process.exitCode = failed.size ? 1 : 0;
