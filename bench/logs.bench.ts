// Cluster logging benchmark (issue 16): lines/s through the kubelet's LogShipper into the JetStream log
// stream (CPU of the shipper's process and of nats-server), and the query time of `kubus logs -l` over
// one hour of logs from 100 pods. A real nats-server with JetStream on a free port; median of --runs.
// Run: npm run bench -- logs [--lines 200000] [--containers 100] [--runs 3] [--pods 100] [--hour-s 3600] [--rate 1]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterLogBatch } from '../api/cluster-logs.ts';
import { LogShipper } from '../actors/kubelet/log-shipper.ts';
import type { ContainerRuntime, LogLine } from '../actors/kubelet/runtimes/runtime.ts';
import { realClock } from '../bus/clock.ts';
import { jetstreamManager, NatsBus, type NatsConnection } from '../bus/nats-bus.ts';
import { clusterLogSubject } from '../bus/subjects.ts';
import { silentLogger } from '../bus/types.ts';
import { connectLogs, ensureLogStream } from '../runtime/cluster-logs.ts';
import { readClusterLogs } from '../runtime/cluster-logs-read.ts';
import { startNatsServer, type NatsServer } from '../runtime/nats-server.ts';
import { usage } from './real-nodes.ts';
import { arg, median, report } from './report.ts';

const LINES = arg('lines', 200_000);
const CONTAINERS = arg('containers', 100);
const RUNS = arg('runs', 3);
const PODS = arg('pods', 100);
const HOUR_S = arg('hour-s', 3600);
const RATE = arg('rate', 1);
const say = (m: string) => console.log(`[logs bench] ${m}`);
const tick = () => new Promise<void>((r) => setImmediate(r));

/** A nats-server with JetStream in a temp dir, and the log stream (1 GiB, a day) on it. */
async function server(): Promise<{ nats: NatsServer; nc: NatsConnection; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'kubus-logs-bench-'));
  const nats = await startNatsServer({ config: [`jetstream { store_dir: ${JSON.stringify(dir)} }`] });
  const nc = await connectLogs(nats.url, null);
  await ensureLogStream(nc, { maxAgeMs: 86_400_000, maxBytes: 1 << 30 });
  return {
    nats,
    nc,
    async stop() {
      await nc.close();
      await nats.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the stream holds `n` messages; throws after `deadlineMs` (a lost batch must not hang the bench). */
async function stored(nc: NatsConnection, n: number, deadlineMs = 300_000): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const end = performance.now() + deadlineMs;
  for (;;) {
    const have = (await jsm.streams.info('KUBUS_LOGS')).state.messages;
    if (have >= n) return;
    if (performance.now() > end) throw new Error(`the log stream holds ${have} of ${n} batches after ${deadlineMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One ingest run: LINES lines over CONTAINERS containers as fast as the shipper takes them. */
async function ingest(): Promise<{ linesPerS: number; shipperCpu: number; natsCpu: number; batches: number }> {
  const s = await server();
  try {
    return await ingestOn(s);
  } finally {
    await s.stop();
  }
}

async function ingestOn(s: Awaited<ReturnType<typeof server>>): Promise<{ linesPerS: number; shipperCpu: number; natsCpu: number; batches: number }> {
  const bus = await NatsBus.connect({ servers: s.nats.url, name: 'node/bench', credentials: null });
  const shipper = new LogShipper({ bus, clock: realClock, node: 'bench', log: silentLogger, pod: () => undefined });
  // A runtime that only has followers: the bench writes each container's lines straight to them.
  const writers: Array<(l: LogLine) => void> = [];
  const enders: Array<() => void> = [];
  const runtime = { followLogs: (_id: string, line: (l: LogLine) => void, end: () => void) => (writers.push(line), enders.push(end), () => {}) } as unknown as ContainerRuntime;
  for (let c = 0; c < CONTAINERS; c++)
    shipper.track(runtime, `c${c}`, { podUid: `u${c}`, name: `web-${c}`, namespace: 'default', labels: { app: 'web' }, annotations: {} }, { name: 'app', init: false });
  const text = 'GET /api/v1/items?page=3 200 1532 bytes in 4.2 ms user-agent=bench/1.0 request-id=';
  const pid = s.nats.pid!;
  const n0 = usage(pid).cpuMs;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < LINES; i++) {
    writers[i % CONTAINERS]({ at: Date.now(), stream: 'stdout', text: text + i });
    if (i % 5000 === 4999) await tick();
  }
  for (const end of enders) end();
  await stored(s.nc, shipper.shipped.batches);
  const secs = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const natsCpu = (usage(pid).cpuMs - n0) / 1000 / secs;
  const out = { linesPerS: LINES / secs, shipperCpu: (c.user + c.system) / 1e6 / secs, natsCpu, batches: shipper.shipped.batches };
  await bus.close();
  return out;
}

/** One hour of logs from PODS pods at RATE lines/s each, as the shipper stores them (a batch per line at that rate). */
async function query(): Promise<{ allMs: number; oneMs: number; lines: number; batches: number }> {
  const s = await server();
  try {
    return await queryOn(s);
  } finally {
    await s.stop();
  }
}

async function queryOn(s: Awaited<ReturnType<typeof server>>): Promise<{ allMs: number; oneMs: number; lines: number; batches: number }> {
  const bus = await NatsBus.connect({ servers: s.nats.url, name: 'node/bench', credentials: null });
  const start = Date.now() - HOUR_S * 1000;
  let batches = 0;
  for (let sec = 0; sec < HOUR_S; sec++) {
    for (let p = 0; p < PODS; p++) {
      const lines = Array.from({ length: RATE }, (_, k) => ({ at: start + sec * 1000 + k, stream: 'stdout' as const, text: `pod ${p} second ${sec} line ${k}` }));
      const b: ClusterLogBatch = { node: `n${p % 10}`, namespace: 'default', pod: `web-${p}`, uid: `u${p}`, container: 'app', labels: { app: 'web', shard: String(p) }, default: true, lines };
      bus.publish(clusterLogSubject(`n${p % 10}`, 'default', `web-${p}`, 'app'), b);
      batches++;
    }
    if (sec % 20 === 19) {
      await bus.flush();
      await tick();
    }
  }
  await bus.flush();
  await stored(s.nc, batches);
  const time = async (selector: string) => {
    let n = 0;
    const t0 = performance.now();
    await readClusterLogs(s.nc, { namespace: 'default', selector, sinceMs: Date.now() - HOUR_S * 1000 - 60_000 }, () => n++);
    return { ms: performance.now() - t0, n };
  };
  const all = await time('app=web');
  const one = await time('shard=7');
  await bus.close();
  return { allMs: all.ms, oneMs: one.ms, lines: all.n, batches };
}

const runs: Awaited<ReturnType<typeof ingest>>[] = [];
for (let r = 0; r < RUNS; r++) {
  const x = await ingest();
  say(`ingest run ${r + 1}: ${Math.round(x.linesPerS).toLocaleString('en-US')} lines/s in ${x.batches} batches; shipper process ${(x.shipperCpu * 100).toFixed(0)}% of a core, nats-server ${(x.natsCpu * 100).toFixed(0)}%`);
  runs.push(x);
}
const q = await query();
say(`query: ${q.lines.toLocaleString('en-US')} lines (${q.batches.toLocaleString('en-US')} batches) of ${PODS} pods over ${HOUR_S} s`);
report(`Cluster logging: ${LINES.toLocaleString('en-US')} lines over ${CONTAINERS} containers into JetStream (median of ${RUNS}); a query over ${HOUR_S} s of ${PODS} pods`, [
  { name: 'ingest (shipper → JetStream)', value: median(runs.map((x) => x.linesPerS)), unit: 'lines/s', higherIsBetter: true, anchor: 'no upstream figure (fluent-bit/Loki class)' },
  { name: 'shipper process CPU while ingesting', value: median(runs.map((x) => x.shipperCpu * 100)), unit: '% core', higherIsBetter: false },
  { name: 'nats-server CPU while ingesting', value: median(runs.map((x) => x.natsCpu * 100)), unit: '% core', higherIsBetter: false },
  { name: `query: all ${PODS} pods, ${HOUR_S} s (-l app=web --since)`, value: q.allMs, unit: 'ms', higherIsBetter: false },
  { name: 'query: one pod by label, same window', value: q.oneMs, unit: 'ms', higherIsBetter: false },
]);
process.exit(0);
