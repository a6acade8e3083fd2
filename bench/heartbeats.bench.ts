// Heartbeat benchmark: CPU and messages/s of N sim nodes renewing their leases at the default
// period (10 s), with the API server and the node lifecycle controller consuming them (DESIGN §8).
// Run: npm run bench -- heartbeats [--nodes 1000,5000] [--mode memory,nats] [--window 60] [--windows 3]
//   [--profile DIR]: CPU profiles of the control plane and the node process over the windows (NATS mode);
//   with --heap-profile also their sampled allocations (.heapprofile: where the garbage comes from).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { nodeLifecycleController } from '../actors/controllers/node-lifecycle/node-lifecycle.controller.ts';
import { kubeletActor } from '../actors/kubelet/kubelet.actor.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { cryptoRng } from '../bus/random.ts';
import { silentLogger, type Bus } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { startNatsServer } from '../runtime/nats-server.ts';
import { launchFlags } from '../scripts/v8-flags.mjs';
import { arg, median, report, type Figure } from './report.ts';

const SIZES = arg('nodes', '1000,5000').split(',').map(Number);
const MODES = arg('mode', 'memory,nats').split(',');
// Windows are whole renew periods (10 s) and whole watch bookmark periods (60 s: the API server
// bookmarks every watch, 2 per kubelet, at once each minute; 20 s windows saw 10,000 of them in one
// window of three, ~1,500 msgs/s against ~1,000), so periodic bursts don't make them uneven.
const WINDOW_S = Number(arg('window', '60'));
const WINDOWS = Number(arg('windows', '3'));
const PROFILE = arg('profile', '');
const HEAP_PROFILE = process.argv.includes('--heap-profile');
const ROOT = join(import.meta.dirname, '..');
const log = (m: string) => console.log(`[heartbeats bench] ${m}`);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Returns CPU seconds (user + system) a process has used, from /proc. */
function procCpu(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(parts[11]) + Number(parts[12])) / 100; // utime, stime in clock ticks (100/s)
}
const pct = (cpuS: number, wallS: number) => `${((cpuS / wallS) * 100).toFixed(1)}%`;
const selfCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Starts the API server and the node lifecycle controller on a bus. */
async function controlPlane(bus: Bus): Promise<Host> {
  const host = new Host({ bus, clock: realClock, rng: cryptoRng(), log: silentLogger });
  await serving(host.start(apiserverActor, 'apiserver', { store: new MemoryStore() }));
  host.start(nodeLifecycleController, 'controller/node-lifecycle', undefined);
  await bus.flush();
  return host;
}

/** Resolves when `n` nodes are registered and Ready. */
async function allReady(client: ApiClient, n: number): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const nodes = await client.list('nodes').then((l) => l.items, () => []); // a loaded machine: asked again
    const ready = nodes.filter((x) => (x.status as { conditions?: Array<{ type: string; status: string }> })?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    if (ready >= n) return log(`  ${n} nodes Ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (Date.now() - t0 > 600_000) throw new Error(`only ${ready}/${n} nodes Ready after 10 minutes`);
    await wait(1000);
  }
}

interface Window {
  cpu: number; // share of one core
  msgs: number; // messages/s
  /** Shares of one core per component (NATS mode): control plane, node process, nats-server. */
  parts?: number[];
}

/** Measures windows of CPU (all processes of the cluster, and each of `parts`) and messages/s. */
async function windows(parts: () => number[], msgs: () => number, done?: (i: number, s: number) => void): Promise<Window[]> {
  const out: Window[] = [];
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  for (let i = 0; i < WINDOWS; i++) {
    const p0 = parts();
    const m0 = msgs();
    const t0 = performance.now();
    await wait(WINDOW_S * 1000);
    const s = (performance.now() - t0) / 1000;
    const p = parts().map((x, j) => (x - p0[j]) / s);
    out.push({ cpu: sum(p), msgs: (msgs() - m0) / s, parts: p.length > 1 ? p : undefined });
    const split = p.length > 1 ? ` (control plane ${pct(p[0], 1)}, nodes ${pct(p[1], 1)}, nats-server ${pct(p[2], 1)})` : '';
    log(`  window ${i + 1}/${WINDOWS}: ${(out[i].cpu * 100).toFixed(1)}% of a core${split}, ${Math.round(out[i].msgs)} msgs/s`);
    done?.(i, s);
  }
  return out;
}

/**
 * Resolves when every node has its Lease and the control plane has had 5 s with no API request but
 * lease renewals (`startup` counts the others): the windows see steady renewals, not start-up.
 */
async function leasesSettled(client: ApiClient, n: number, startup: () => number): Promise<void> {
  const t0 = Date.now();
  // A list may time out while 5,000 kubelets start on a loaded machine: asked again.
  const count = () => client.list('leases', { namespace: 'kube-node-lease' }).then((l) => l.items.length, () => 0);
  while ((await count()) < n) {
    if (Date.now() - t0 > 600_000) throw new Error(`not every node has a Lease after 10 minutes`);
    await wait(1000);
  }
  log(`  ${n} Leases after ${((Date.now() - t0) / 1000).toFixed(1)} s more; waiting for start-up requests to end`);
  for (let before = -1; before !== startup() && Date.now() - t0 < 600_000; ) {
    before = startup();
    await wait(5000);
  }
  log(`  quiet after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** A CPU profile of this process (the control plane) over `fn`, written to PROFILE/control-plane.cpuprofile. */
async function profiled<T>(name: string, post: (method: string, params?: object) => Promise<unknown>, fn: () => Promise<T>): Promise<T> {
  if (!PROFILE) return fn();
  await post('Profiler.enable');
  await post('Profiler.start');
  if (HEAP_PROFILE) await post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const r = await fn();
  const { profile } = (await post('Profiler.stop')) as { profile: unknown };
  mkdirSync(PROFILE, { recursive: true });
  writeFileSync(join(PROFILE, `${name}.cpuprofile`), JSON.stringify(profile));
  log(`  profile: ${join(PROFILE, `${name}.cpuprofile`)}`);
  if (HEAP_PROFILE) {
    const { profile: heap } = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
    writeFileSync(join(PROFILE, `${name}.heapprofile`), JSON.stringify(heap));
    log(`  allocations: ${join(PROFILE, `${name}.heapprofile`)}`);
  }
  return r;
}

/** Returns a post() to the inspector of the child started with --inspect=0 (its address read from stderr). */
async function childInspector(child: ChildProcess): Promise<(method: string, params?: object) => Promise<unknown>> {
  const url = await new Promise<string>((resolve) => {
    let buf = '';
    child.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /ws:\/\/[^\s]+/.exec(buf);
      if (m) resolve(m[0]);
    });
  });
  const ws = new WebSocket(url);
  await new Promise((r) => ws.once('open', r));
  let id = 0;
  const waiting = new Map<number, (v: unknown) => void>();
  ws.on('message', (d: Buffer) => {
    const m = JSON.parse(d.toString()) as { id?: number; result?: unknown };
    if (m.id !== undefined) waiting.get(m.id)?.(m.result);
  });
  return (method, params) => new Promise((r) => {
    waiting.set(++id, r);
    ws.send(JSON.stringify({ id, method, params }));
  });
}

async function memoryRun(n: number): Promise<Window[]> {
  log(`memory bus, ${n} nodes: starting`);
  const broker = new MemoryBroker();
  let delivered = 0;
  broker.tap = { sent: () => {}, delivered: () => delivered++ };
  const cp = await controlPlane(broker.connect('control-plane'));
  const nodes = new Host({ bus: broker.connect('nodes'), clock: realClock, rng: cryptoRng(), log: silentLogger });
  for (let i = 0; i < n; i++) nodes.start(kubeletActor, `kubelet/node-${i}`, { nodeName: `node-${i}`, events: false });
  await allReady(new ApiClient(broker.connect('bench')), n);
  await wait(10_000); // registration settles
  const w = await windows(() => [selfCpu()], () => delivered);
  await nodes.stopAll();
  await cp.stopAll();
  return w;
}

async function natsRun(n: number): Promise<Window[]> {
  log(`NATS, ${n} nodes: starting (nodes in a child process: kubus node --count ${n})`);
  const nats = await startNatsServer();
  const cpBus = await NatsBus.connect({ servers: nats.url, name: 'control-plane' });
  const cp = await controlPlane(cpBus);
  const inspect = PROFILE ? ['--inspect=127.0.0.1:0'] : [];
  // HB_NODE_FLAGS: extra node flags for the node process (experiments: --trace-gc, heap sizes); its stdout to HB_NODE_OUT.
  const flags = (process.env.HB_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const out = process.env.HB_NODE_OUT ? openSync(process.env.HB_NODE_OUT, 'w') : 'ignore';
  // HB_NODE_ENTRY: another build of the CLI for the node process (a bundle of an older commit, for before/after runs).
  const entry = process.env.HB_NODE_ENTRY ?? join(ROOT, 'bin', 'kubus');
  const args = ['--nats', nats.url, 'node', '--name', 'node', '--count', String(n), '--log-level', 'warn'];
  // What every launcher of `kubus node --count` passes (scripts/v8-flags.mjs), unless HB_NODE_FLAGS sets its own.
  const v8 = launchFlags(args, { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${flags.join(' ')}` });
  const child: ChildProcess = spawn(process.execPath, [...inspect, ...v8, ...flags, entry, ...args], { stdio: ['ignore', out, PROFILE ? 'pipe' : 'ignore'] });
  const childPost = PROFILE ? await childInspector(child) : undefined;
  const clientBus = await NatsBus.connect({ servers: nats.url, name: 'bench' });
  try {
    const client = new ApiClient(clientBus, { timeoutMs: 30_000 });
    // Messages: what the control plane's connection receives and sends is every heartbeat message but the node-side replies.
    // The node process's renewals of one slot are one batch (kubus.api.leases.batch) and one reply: two messages, not 2 per renewal.
    let msgs = 0;
    let startup = 0; // API requests but lease renewals
    const bySubject = new Map<string, number>();
    // The tap runs in the control plane's process and counts as its CPU: subjects are grouped only with HB_DEBUG
    // (the regular expressions were ~5% of the control plane's busy time in a profile).
    const bySubjectOn = !!process.env.HB_DEBUG;
    const count = (dir: string, s: string) => {
      msgs++;
      if (dir === 'got' && s !== 'kubus.api.leases.update' && s !== 'kubus.api.leases.batch' && s.startsWith('kubus.api.')) startup++;
      if (!bySubjectOn) return;
      const k = `${dir} ${s}`.replace(/\.[0-9a-f]{8,}(\.|$)/, '.<id>$1').replace(/_INBOX\..*/, '_INBOX').replace(/\.\d+$/, '.<n>');
      bySubject.set(k, (bySubject.get(k) ?? 0) + 1);
    };
    cpBus.tap = { sent: (r) => count('sent', r.subject), delivered: (r) => count('got', r.subject) };
    await allReady(client, n);
    await leasesSettled(client, n, () => startup);
    bySubject.clear();
    const parts = () => [selfCpu(), procCpu(child.pid!), procCpu(nats.pid!)];
    const session = new Session();
    session.connect();
    // HB_DEBUG: each window's messages by subject, per second (what makes one window busier than another).
    const subjects = (_: number, secs: number) => {
      if (process.env.HB_DEBUG) log(`    subjects (per s): ${[...bySubject].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${k}=${Math.round(v / secs)}`).join(', ')}`);
      bySubject.clear();
    };
    const measure = () => profiled('control-plane', (m, p) => session.post(m as 'Profiler.enable', p), () => windows(parts, () => msgs, subjects));
    const w = childPost ? await profiled('node-process', childPost, measure) : await measure();
    session.disconnect();
    const rss = (pid: number) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
    log(`  resident: node process ${rss(child.pid!)} MiB, this process (control plane) ${rss(process.pid)} MiB`);
    return w;
  } finally {
    child.kill('SIGTERM');
    // A node process draining towards a NATS server that is going away may hang: it must not outlive the bench.
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
    clearTimeout(killer);
    await clientBus.close();
    await cp.stopAll();
    await cpBus.close();
    await nats.stop();
  }
}

const figures: Figure[] = [];
for (const n of SIZES) {
  for (const mode of MODES) {
    const w = mode === 'nats' ? await natsRun(n) : await memoryRun(n);
    const cpu = median(w.map((x) => x.cpu)) * 100;
    const msgs = median(w.map((x) => x.msgs));
    const where = mode === 'nats' ? 'NATS, 3 processes' : 'MemoryBus, 1 process';
    figures.push({
      name: `CPU, ${n} nodes (${where})`,
      value: cpu,
      unit: '% core',
      budget: n === 5000 ? 10 : undefined,
      higherIsBetter: false,
      anchor: n === 5000 ? 'kubus budget: heartbeats ≤ 10% of a core at 5,000 nodes' : undefined,
    });
    figures.push({
      name: `messages/s, ${n} nodes (${where})`,
      value: msgs,
      unit: 'msg/s',
      higherIsBetter: false,
      anchor: `upstream: ~${Math.round(n / 10)} lease writes/s at ${n} nodes`,
    });
    if (mode !== 'nats') continue;
    const part = (i: number) => median(w.map((x) => x.parts![i])) * 100;
    const budgeted = n === 5000;
    figures.push(
      { name: `  control plane + nats-server, ${n} nodes`, value: median(w.map((x) => x.parts![0] + x.parts![2])) * 100, unit: '% core', budget: budgeted ? 10 : undefined, higherIsBetter: false, anchor: budgeted ? 'issue 14: control plane + nats-server ≤ 10% of a core' : undefined },
      { name: `  control plane (API server + node lifecycle), ${n} nodes`, value: part(0), unit: '% core', higherIsBetter: false },
      { name: `  nats-server, ${n} nodes`, value: part(2), unit: '% core', higherIsBetter: false },
      { name: `  node process (${n} kubelets), ${n} nodes`, value: part(1), unit: '% core', budget: budgeted ? 5 : undefined, higherIsBetter: false, anchor: budgeted ? 'issue 14: node processes ≤ 5% of a core' : undefined },
    );
  }
}
report(`Heartbeats at the default period (medians of ${WINDOWS} windows of ${WINDOW_S} s; Events off)`, figures);
process.exit(0);
