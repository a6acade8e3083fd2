// Heartbeat benchmark: CPU and messages/s of N sim nodes renewing their leases at the default
// period (10 s), with the API server and the node lifecycle controller consuming them (DESIGN §8).
// Run: npm run bench -- heartbeats [--nodes 1000,5000] [--mode memory,nats] [--window 20] [--windows 3]
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
import { arg, median, report, type Figure } from './report.ts';

const SIZES = arg('nodes', '1000,5000').split(',').map(Number);
const MODES = arg('mode', 'memory,nats').split(',');
// Windows are whole renew periods (10 s), so bursts of renewals don't make them uneven.
const WINDOW_S = Number(arg('window', '20'));
const WINDOWS = Number(arg('windows', '3'));
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
    const nodes = (await client.list('nodes')).items;
    const ready = nodes.filter((x) => (x.status as { conditions?: Array<{ type: string; status: string }> })?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    if (ready >= n) return log(`  ${n} nodes Ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (Date.now() - t0 > 300_000) throw new Error(`only ${ready}/${n} nodes Ready after 5 minutes`);
    await wait(1000);
  }
}

interface Window {
  cpu: number; // share of one core
  msgs: number; // messages/s
}

/** Measures windows of CPU (all processes of the cluster) and messages/s. */
async function windows(cpu: () => number, msgs: () => number): Promise<Window[]> {
  const out: Window[] = [];
  for (let i = 0; i < WINDOWS; i++) {
    const c0 = cpu();
    const m0 = msgs();
    const t0 = performance.now();
    await wait(WINDOW_S * 1000);
    const s = (performance.now() - t0) / 1000;
    out.push({ cpu: (cpu() - c0) / s, msgs: (msgs() - m0) / s });
    log(`  window ${i + 1}/${WINDOWS}: ${(out[i].cpu * 100).toFixed(1)}% of a core, ${Math.round(out[i].msgs)} msgs/s`);
  }
  return out;
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
  const w = await windows(selfCpu, () => delivered);
  await nodes.stopAll();
  await cp.stopAll();
  return w;
}

async function natsRun(n: number): Promise<Window[]> {
  log(`NATS, ${n} nodes: starting (nodes in a child process: kubus node --count ${n})`);
  const nats = await startNatsServer();
  const cpBus = await NatsBus.connect({ servers: nats.url, name: 'control-plane' });
  const cp = await controlPlane(cpBus);
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin', 'kubus'), '--nats', nats.url, 'node', '--name', 'node', '--count', String(n), '--log-level', 'warn'], { stdio: 'ignore' });
  const clientBus = await NatsBus.connect({ servers: nats.url, name: 'bench' });
  try {
    await allReady(new ApiClient(clientBus, { timeoutMs: 30_000 }), n);
    await wait(10_000);
    // Messages: what the control plane's connection receives and sends is every heartbeat message but the node-side replies.
    let msgs = 0;
    const bySubject = new Map<string, number>();
    const count = (s: string) => {
      msgs++;
      const k = s.replace(/\.[0-9a-f]{8,}(\.|$)/, '.<id>$1').replace(/_INBOX\..*/, '_INBOX');
      bySubject.set(k, (bySubject.get(k) ?? 0) + 1);
    };
    cpBus.tap = { sent: (r) => count(`sent ${r.subject}`), delivered: (r) => count(`got ${r.subject}`) };
    const cpu = () => selfCpu() + procCpu(child.pid!) + procCpu(nats.pid!);
    const parts = () => [selfCpu(), procCpu(child.pid!), procCpu(nats.pid!)];
    const p0 = parts();
    const w = await windows(cpu, () => msgs);
    const p1 = parts();
    const secs = WINDOW_S * WINDOWS;
    if (process.env.HB_DEBUG) log(`  subjects: ${[...bySubject].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${k}=${v}`).join(', ')}`);
    log(`  split: control plane ${pct(p1[0] - p0[0], secs)}, nodes ${pct(p1[1] - p0[1], secs)}, nats-server ${pct(p1[2] - p0[2], secs)}`);
    return w;
  } finally {
    child.kill('SIGTERM');
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
  }
}
report(`Heartbeats at the default period (medians of ${WINDOWS} windows of ${WINDOW_S} s; Events off)`, figures);
process.exit(0);
