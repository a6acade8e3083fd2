// ReplicaSet controller benchmark: one ReplicaSet scaled from 0 to --pods pods on MemoryBus (real
// clock), with the API server and the ReplicaSet controller alone in this process (no scheduler, no
// kubelets: the pods stay Pending). Measured from the scale-up write to the last pod seen created
// through a watch; each run does 1 worker, then 5 workers, on fresh API servers; medians of --runs.
// With one ReplicaSet the queue never hands its key to two workers at once, so workers can only help
// across ReplicaSets: --sets K splits the pods over K ReplicaSets to show that.
// Run: npm run bench -- replicaset [--runs 3] [--pods 10000] [--workers 1,5] [--sets 1]
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { replicaSetController } from '../actors/controllers/replicaset/replicaset.controller.ts';
import type { KubeObject } from '../api/meta.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { cryptoRng } from '../bus/random.ts';
import { silentLogger, type Bus } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { countPods } from './pod-counter.ts';
import { arg, median, report, type Figure } from './report.ts';

const RUNS = Number(arg('runs', '3'));
const PODS = Number(arg('pods', '10000'));
const WORKERS = arg('workers', '1,5').split(',').map(Number);
const SETS = Number(arg('sets', '1'));
const log = (m: string) => console.log(`[replicaset bench] ${m}`);

const replicaSet = (i: number, replicas: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: `bench-${i}`, namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: `bench-${i}` } },
    template: { metadata: { labels: { app: `bench-${i}` } }, spec: { containers: [{ name: 'main', image: 'registry.example/app:1.0' }] } },
  },
});

interface RunResult {
  rate: number;
  cpuPerPod: number;
}

/** One measurement on a fresh API server: `sets` ReplicaSets at 0 scaled to `pods` pods in all, `workers` workers. */
async function oneRun(workers: number, pods: number, sets: number, run: number): Promise<RunResult> {
  const broker = new MemoryBroker({ clock: realClock });
  const buses: Bus[] = [];
  const hosts: Host[] = [];
  const host = (name: string) => {
    const bus = broker.connect(name);
    buses.push(bus);
    const h = new Host({ bus, clock: realClock, rng: cryptoRng(), log: silentLogger });
    hosts.push(h);
    return h;
  };
  try {
    await serving(host('control-plane').start(apiserverActor, 'apiserver', { store: new MemoryStore() }));
    const bus = broker.connect('bench');
    buses.push(bus);
    const client = new ApiClient(bus, { timeoutMs: 60_000 });
    for (let i = 0; i < sets; i++) await client.create('replicasets', replicaSet(i, 0));
    const rs = host('controller-manager').start(replicaSetController, 'controller/replicaset', { workers });
    await rs.waitFor((s) => s.matches?.('running'));
    const watcher = await countPods(client, pods, (ev) => ev.type === 'ADDED', log);
    const progress = setInterval(() => log(`  ... ${watcher.count}/${pods} created`), 2_000);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const share = (i: number) => Math.floor(pods / sets) + (i < pods % sets ? 1 : 0);
    await Promise.all(Array.from({ length: sets }, (_, i) => client.patch('replicasets', `bench-${i}`, { spec: { replicas: share(i) } }, { namespace: 'default' })));
    await watcher.all;
    clearInterval(progress);
    watcher.stop();
    const rate = (pods * 1000) / (watcher.last - t0);
    const cpu = process.cpuUsage(cpu0);
    const cpuPerPod = (cpu.user + cpu.system) / 1000 / pods;
    log(`${workers} worker(s), run ${run}: ${Math.round(rate)} pods/s (all created after ${Math.round(watcher.last - t0)} ms; ${cpuPerPod.toFixed(2)} ms CPU per pod)`);
    return { rate, cpuPerPod };
  } finally {
    for (const h of hosts.reverse()) await h.stopAll();
    for (const b of buses) await b.close();
  }
}

const results = new Map<number, RunResult[]>(WORKERS.map((w) => [w, []]));
log(`${PODS.toLocaleString('en-US')} pods in ${SETS} ReplicaSet(s), workers ${WORKERS.join(' vs ')}, ${RUNS} runs`);
// A first run that is not counted: the JIT warms up on it, not on whichever worker count goes first.
log('warm-up run (not counted)');
await oneRun(WORKERS[0], Math.min(PODS, 2_000), SETS, 0);
// Interleaved, the order alternating (1, 5, 5, 1, ...), so a slow spell of a shared machine hits both alike.
for (let r = 1; r <= RUNS; r++) for (const w of r % 2 ? WORKERS : [...WORKERS].reverse()) results.get(w)!.push(await oneRun(w, PODS, SETS, r));

const rateOf = (w: number) => median(results.get(w)!.map((x) => x.rate));
const where = `${SETS} ReplicaSet${SETS > 1 ? 's' : ''}, 0 → ${PODS.toLocaleString('en-US')} pods (MemoryBus)`;
const figures: Figure[] = WORKERS.flatMap((w) => [
  { name: `pods created/s, ${w} worker${w > 1 ? 's' : ''}`, value: rateOf(w), unit: 'pods/s', higherIsBetter: true, anchor: where },
  { name: `  CPU per pod, ${w} worker${w > 1 ? 's' : ''}`, value: median(results.get(w)!.map((x) => x.cpuPerPod)), unit: 'ms', higherIsBetter: false, anchor: 'API server + controller + bench watch, one process' },
]);
const [a, b] = [WORKERS[0], WORKERS[WORKERS.length - 1]];
if (a !== b) figures.push({ name: `ratio ${b} workers / ${a}`, value: rateOf(b) / rateOf(a), unit: 'x', higherIsBetter: true, anchor: SETS === 1 ? 'one key is never in two workers at once' : `${SETS} keys share the workers` });
report(`ReplicaSet controller throughput (medians of ${RUNS} runs)`, figures);
process.exit(0);
