// Gateway at scale (DESIGN §8): N concurrent HTTP watches on pods while the bus writes 100 pod
// updates/s (delivery lag p50/p99, the gateway's own CPU), and the real `kubectl get pods -A`
// over 10,000 pods (Table, pages of 500). The gateway runs as its own `kubus control-plane
// --actors gateway` process, so its CPU is read from /proc; the HTTP watch clients run in a
// process of their own (bench/watch-clients.ts); the API server and the writer share this one.
// Run: npm run bench -- gateway-scale [--watches N] [--writes-per-sec N] [--seconds N] [--pods N]
import { execFile, fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import hdr from 'hdr-histogram-js';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { cryptoRng } from '../bus/random.ts';
import { silentLogger, type Bus } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { writeKubeconfig } from '../runtime/kubeconfig.ts';
import { startNatsServer } from '../runtime/nats-server.ts';
import { benchPod, measure } from './latency.ts';
import { arg, median, report } from './report.ts';

const WATCHES = arg('watches', 1000);
const RATE = arg('writes-per-sec', 100);
const SECONDS = arg('seconds', 10);
const PODS = arg('pods', 10_000);
const WATCHED_PODS = 100; // the writes go round-robin over these, in namespace `watch`
const SENT = 'bench.kubus.io/sent'; // annotation carrying the write's time (epoch ms, sub-millisecond; read in the clients' process)
const ROOT = join(import.meta.dirname, '..');
const log = (m: string) => console.log(`[gateway-scale bench] ${m}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (Linux). */
function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after "pid (comm) "
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** Starts `kubus control-plane --actors gateway` as a child on a free port; resolves with its URL. */
function startGatewayProcess(natsUrl: string, home: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'kubus'), '--nats', natsUrl, 'control-plane', '--actors', 'gateway', '--insecure-http', '--http-address', '127.0.0.1:0', '--log-level', 'warn'], {
    cwd: ROOT,
    env: { ...process.env, KUBUS_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (c: Buffer) => {
      out += c.toString('utf8');
      const m = /Kubernetes API at (http:\/\/[^;\s]+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`gateway process exited (${code}) before serving:\n${out}`)));
  });
}

/** The watch clients' process (bench/watch-clients.ts): opens the watches, then answers over IPC. */
async function startClients(url: string) {
  const child = fork(join(import.meta.dirname, 'watch-clients.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  process.on('exit', () => child.kill('SIGKILL'));
  const ask = <T>(msg: unknown, key: string) =>
    new Promise<T>((resolve, reject) => {
      const on = (m: Record<string, unknown>) => {
        if (m.error) reject(new Error(String(m.error)));
        else if (key in m) resolve(m[key] as T);
        else return;
        child.off('message', on);
      };
      child.on('message', on);
      child.send(msg as never);
    });
  await ask({ open: { url, count: WATCHES } }, 'opened');
  return { ask, send: (msg: unknown) => child.send(msg as never) };
}

interface WatchResult {
  lagP50: number;
  lagP99: number;
  lagMax: number;
  delivered: number;
  expected: number;
  gatewayCpu: number; // % of one core
  benchCpu: number; // % of one core
  clientsCpu: number; // % of one core
  natsCpu: number; // % of one core
  writeP99: number;
  failed: number;
  gatewayCpuSec: number;
  benchCpuSec: number;
}

/** Opens WATCHES streams, writes RATE updates/s for SECONDS and measures write-to-arrival lag on every stream. */
async function watchScale(client: ApiClient, url: string, gatewayPid: number, natsPid: number | undefined): Promise<WatchResult> {
  await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'watch' } });
  await measure(WATCHED_PODS, 16, (i) => client.create('pods', { ...benchPod(`w-${i}`), metadata: { ...benchPod(`w-${i}`).metadata, namespace: 'watch' } }));
  const rv = (await client.list('pods', { namespace: 'watch', limit: 1 })).metadata.resourceVersion!;

  log(`opening ${WATCHES} watches (in their own process) ...`);
  const clients = await startClients(`${url}/api/v1/namespaces/watch/pods?watch=true&resourceVersion=${rv}`);
  let failed = 0;
  log(`${WATCHES} watches open; writing ${RATE}/s for 1 s of warm-up, then ${SECONDS} s measured ...`);

  const writeLat = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  const writeFor = async (count: number, record: boolean) => {
    const start = performance.now();
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      await sleep(start + (i * 1000) / RATE - performance.now()); // pacing the writer, open loop
      const sent = performance.now();
      const patch = { metadata: { annotations: { [SENT]: String(performance.timeOrigin + sent) } } };
      writes.push(
        client.patch('pods', `w-${i % WATCHED_PODS}`, patch, { namespace: 'watch' }).then(
          () => record && writeLat.recordValue(Math.max(1, Math.round((performance.now() - sent) * 1000))),
          () => record && failed++, // an overloaded run reports its failed writes rather than dying
        ),
      );
    }
    await Promise.all(writes);
  };
  await writeFor(RATE, false); // one second of warm-up (JIT, buffers), not measured
  const total = RATE * SECONDS;
  const cpu0 = process.cpuUsage();
  const gw0 = procCpuSeconds(gatewayPid);
  const nats0 = natsPid ? procCpuSeconds(natsPid) : 0;
  const t0 = performance.now();
  clients.send({ measureFrom: performance.timeOrigin + t0 });
  await writeFor(total, true);
  const expected = (total - failed) * WATCHES;
  const drainBy = performance.now() + 15_000; // then what has not arrived counts as undelivered
  while ((await clients.ask<number>({ count: true }, 'count')) < expected && performance.now() < drainBy) await sleep(50);
  const wallSec = (performance.now() - t0) / 1000; // CPU % is over the writes and the drain after them
  const cpu = process.cpuUsage(cpu0);
  const gatewayCpuSec = procCpuSeconds(gatewayPid) - gw0;
  const benchCpuSec = (cpu.user + cpu.system) / 1e6;
  const r = await clients.ask<{ p50: number; p99: number; max: number; delivered: number; cpuSec: number }>({ report: true }, 'result');
  const result: WatchResult = {
    lagP50: r.p50,
    lagP99: r.p99,
    lagMax: r.max,
    delivered: r.delivered,
    expected,
    gatewayCpu: (gatewayCpuSec / wallSec) * 100,
    benchCpu: (benchCpuSec / wallSec) * 100,
    clientsCpu: (r.cpuSec / wallSec) * 100,
    gatewayCpuSec,
    benchCpuSec,
    natsCpu: natsPid ? ((procCpuSeconds(natsPid) - nats0) / wallSec) * 100 : 0,
    writeP99: writeLat.getValueAtPercentile(99) / 1000,
    failed,
  };
  writeLat.destroy();
  return result;
}

/** Runs kubectl; resolves with its stdout and wall time in ms. */
function kubectl(args: string[]): Promise<{ out: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/kubectl', args, { maxBuffer: 256 * 1024 * 1024 }, (err, out, errOut) => {
      if (err) reject(new Error(`kubectl ${args.join(' ')}: ${err.message}\n${errOut}`));
      else resolve({ out, ms: performance.now() - t0 });
    });
  });
}

/** Fills the cluster up to PODS pods and times `kubectl get pods -A --chunk-size=500` (median of 3 after a warm-up). */
async function kubectlScale(client: ApiClient, url: string, dir: string): Promise<{ ms: number[]; lines: number; createPerSec: number }> {
  const toCreate = PODS - WATCHED_PODS;
  log(`creating ${toCreate} more pods (${PODS} in all) ...`);
  const created = await measure(toCreate, 64, (i) => client.create('pods', benchPod(`p-${i}`)));
  const kubeconfig = writeKubeconfig(url, join(dir, 'kubeconfig'));
  const args = ['get', 'pods', '-A', '--chunk-size=500', '--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache')];
  log('kubectl get pods -A: warm-up (fills the discovery cache) ...');
  await kubectl(args);
  const ms: number[] = [];
  let lines = 0;
  for (let r = 1; r <= 3; r++) {
    const { out, ms: t } = await kubectl(args);
    lines = out.split('\n').filter((l) => l.length > 0).length;
    if (lines !== PODS + 1) throw new Error(`kubectl printed ${lines} lines, expected ${PODS + 1} (header + ${PODS} pods)`);
    ms.push(t);
    log(`kubectl run ${r}: ${t.toFixed(0)} ms, ${lines} lines`);
  }
  return { ms, lines, createPerSec: created.perSec };
}

const load = loadavg()[0];
const dir = mkdtempSync(join(tmpdir(), 'kubus-gateway-scale-'));
const nats = await startNatsServer();
const buses: Bus[] = [];
const connect = async (name: string) => {
  const b = await NatsBus.connect({ servers: nats.url, name });
  buses.push(b);
  return b;
};
const host = new Host({ bus: await connect('control-plane'), clock: realClock, rng: cryptoRng(), log: silentLogger });
let gateway: ChildProcess | undefined;
let w: WatchResult;
let k: Awaited<ReturnType<typeof kubectlScale>>;
try {
  await serving(host.start(apiserverActor, 'apiserver', { store: new MemoryStore() }));
  const gw = await startGatewayProcess(nats.url, join(dir, 'home'));
  gateway = gw.child;
  log(`gateway process ${gw.child.pid} at ${gw.url}`);
  const client = new ApiClient(await connect('client'), { timeoutMs: 30_000 });
  w = await watchScale(client, gw.url, gw.child.pid!, nats.pid);
  k = await kubectlScale(client, gw.url, dir);
} finally {
  gateway?.kill('SIGTERM');
  await host.stopAll();
  for (const b of buses) await b.close();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\nmachine: ${availableParallelism()} cores, 1-minute load average ${load.toFixed(1)} at the start (a shared machine inflates lags)`);
report(`Gateway: ${WATCHES} concurrent HTTP watches on pods, ${RATE} writes/s for ${SECONDS} s (gateway, watch clients and the bench's API server + writer each in their own process)`, [
  { name: 'delivery lag p50', value: w.lagP50, unit: 'ms', higherIsBetter: false, anchor: 'bus write sent → event line read by the HTTP client' },
  { name: 'delivery lag p99', value: w.lagP99, unit: 'ms', budget: 50, higherIsBetter: false, anchor: 'DESIGN §8: ≤ 50 ms p99 at 1,000 watches, 100 writes/s' },
  { name: 'delivery lag max', value: w.lagMax, unit: 'ms', higherIsBetter: false },
  { name: 'events delivered', value: (w.delivered / w.expected) * 100, unit: `% of ${w.expected.toLocaleString('en-US')}`, higherIsBetter: true, anchor: 'by 15 s after the last write; lags count delivered events only' },
  { name: 'gateway CPU', value: w.gatewayCpu, unit: '% of a core', higherIsBetter: false, anchor: 'its own process, /proc/<pid>/stat' },
  { name: 'gateway CPU per 1,000 events', value: (w.gatewayCpuSec * 1e6) / Math.max(1, w.delivered), unit: 'ms', higherIsBetter: false, anchor: 'CPU time / events written to HTTP streams: what one core can carry, whatever the machine load' },
  { name: 'bench process CPU', value: w.benchCpu, unit: '% of a core', higherIsBetter: false, anchor: 'API server (one bus watch: the gateway shares it among watches from one resourceVersion) + writer' },
  { name: 'watch clients CPU', value: w.clientsCpu, unit: '% of a core', higherIsBetter: false, anchor: `the ${WATCHES} HTTP clients, their own process (bench/watch-clients.ts)` },
  { name: 'nats-server CPU', value: w.natsCpu, unit: '% of a core', higherIsBetter: false },
  { name: 'bus patch p99', value: w.writeP99, unit: 'ms', higherIsBetter: false, anchor: `the writes themselves, same run; ${w.failed} of ${RATE * SECONDS} failed` },
]);
report(`kubectl get pods -A --chunk-size=500 at ${PODS.toLocaleString('en-US')} pods (Table; real /usr/bin/kubectl; median of 3 after one warm-up)`, [
  { name: 'wall time', value: median(k.ms), unit: 'ms', higherIsBetter: false, anchor: `${k.lines.toLocaleString('en-US')} lines printed; runs ${k.ms.map((m) => m.toFixed(0)).join(', ')} ms` },
  { name: 'per pod', value: (median(k.ms) * 1000) / PODS, unit: 'µs', higherIsBetter: false },
  { name: 'bus create (fill), c64', value: k.createPerSec, unit: 'pods/s', higherIsBetter: true, anchor: 'how the pods were made, same run' },
]);
process.exit(0);
