// Scale-out: N nodes join, then Deployments ask for P pods, all at once or at a steady rate; reports
// the time until all of them run, pod startup latency (created → seen Running) p50/p99 in cluster and
// in real time, and what the run cost: resident memory (peak, at the end) and CPU seconds.
// `kubus scenario run scenarios/scale-out.scenario.ts --param nodes=5000 --param pods=150000 [--param rate=50]`;
// the default is 1,000 nodes and 30,000 pods at once; tests run `scaleOut(100, 3000)`.
// With --real, the cluster runs on the wall clock at upstream's periods; beyond 100 nodes its nodes run
// in `kubus node --count` processes of up to 500 (scenarios/runner/node-groups.ts).
// In simulated mode the components' computing takes no cluster time: cluster-time figures show the
// modelled delays only (watch batching, status writes); real time is what the simulation cost. With a
// rate, pods come as upstream's load tests make them: a Deployment scaled up step by step (every 100 ms
// of cluster time at most), so the startup latency is that of a steady load, not of a queue.
import { getHeapStatistics } from 'node:v8';
import type { Pod } from '../api/kinds/pod.ts';
import { param, scenario, withParams } from './dsl.ts';
import { formatDuration } from './duration.ts';
import { Latencies } from './latency.ts';
import { deployment } from './objects.ts';
import type { ScenarioApi } from './api.types.ts';
import type { ScenarioDefinition } from './types.ts';
import { memoryNow, ProcessUsage } from './usage.ts';
import { scaleObject } from './workloads.ts';

/** Pods per Deployment. */
const PER_DEPLOYMENT = 1000;
/** The parameters of the scale-out scenario (`--param name=value`). */
export const SCALE_OUT_PARAMS = {
  nodes: param.integer(1000, 'nodes that join', { min: 1 }),
  pods: param.integer(30_000, 'pods to create, in Deployments of at most 1,000', { min: 1 }),
  rate: param.number(0, 'pods created per second of cluster time (0: all at once)', { min: 0 }),
  duration: param.duration(0, 'with a rate: create pods for this long of cluster time, rate × duration of them, instead of `pods` (0: `pods`)'),
};

export interface ScaleOutOptions {
  /** Pods created per second of cluster time (default 0: all at once). */
  rate?: number;
  /** With a rate: create pods for this long (ms of cluster time) instead of `pods` of them. */
  durationMs?: number;
}

const replicasOf = (i: number, asked: number) => Math.max(0, Math.min(PER_DEPLOYMENT, asked - i * PER_DEPLOYMENT));
const app = (i: number, replicas: number) => deployment(`app-${i}`, replicas, { image: 'registry.k8s.io/pause:3.10' });

/** Heap a simulated pod costs at the peak, whole cluster included: 5,000 nodes and 150,000 pods peaked at 8.1 GB resident (Dec 6). */
const HEAP_PER_POD = 56 * 1024;

/** Says, before a simulated run, when its pods likely need more heap than Node allows here, and how to give it. */
function warnOfHeap(s: ScenarioApi, pods: number): void {
  const need = pods * HEAP_PER_POD;
  const limit = getHeapStatistics().heap_size_limit;
  if (s.mode !== 'simulated' || need < 0.8 * limit) return;
  const gb = (b: number) => (b / 2 ** 30).toFixed(1);
  const mb = Math.ceil((1.5 * need) / 2 ** 30) * 1024;
  // `kubus scenario run` sets the limit to three quarters of the machine's memory, at most 12 GiB (scripts/v8-flags.mjs), unless NODE_OPTIONS gives one.
  s.log(`warning: ${pods} pods need about ${gb(need)} GB of heap and this Node allows ${gb(limit)} GB; if the run dies out of memory, run it on a machine with more memory, or with NODE_OPTIONS=--max-old-space-size=${mb} if this one has it`);
}

/** Asks for `total` pods at `rate` per second of cluster time: scales Deployments up in steps, creating each on first use. */
async function createAtRate(s: ScenarioApi, total: number, rate: number, running: () => number): Promise<void> {
  const tickMs = Math.min(1000, Math.max(100, 1000 / rate));
  const t0 = s.now();
  let asked = 0;
  let said = t0;
  while (asked < total) {
    const want = Math.min(total, Math.ceil((rate * (s.now() - t0)) / 1000));
    for (let i = Math.floor(asked / PER_DEPLOYMENT); i * PER_DEPLOYMENT < want; i++) {
      const [before, after] = [replicasOf(i, asked), replicasOf(i, want)];
      if (after === before) continue;
      // A Deployment's first step creates it; the next ones scale it (quietly: one line per step would flood the log).
      if (before === 0) await s.apply(app(i, after));
      else await scaleObject(s.api, 'deployments', `app-${i}`, after);
    }
    asked = Math.max(asked, want);
    if (s.now() - said >= 10_000) {
      said = s.now();
      s.log(`${asked} pods asked for, ${running()} Running, after ${formatDuration(s.now() - t0)}`);
    }
    if (asked < total) await s.advance(tickMs, { quiet: true });
  }
}

/** Returns the scale-out scenario: `nodes` nodes, then `pods` pods (with a rate: at that rate). */
export function scaleOut(nodes: number, pods: number, o: ScaleOutOptions = {}): ScenarioDefinition {
  const rate = o.rate ?? 0;
  const total = rate > 0 && o.durationMs ? Math.max(1, Math.round((rate * o.durationMs) / 1000)) : pods;
  const deployments = Math.max(1, Math.ceil(total / PER_DEPLOYMENT));
  const how = rate > 0 ? `at ${rate} pods/s` : 'at once';
  return scenario(
    rate > 0 ? `scale-out to ${nodes} nodes and ${total} pods at ${rate}/s` : `scale-out to ${nodes} nodes and ${total} pods`,
    {
      nodes: [{ prefix: 'node', count: nodes, capacity: { cpu: '32', memory: '128Gi', pods: '110' } }],
      kubelet: { events: false },
      // Real mode runs on upstream's periods (cluster time is real time).
      modes: ['simulated', 'real'],
      timeScale: 1,
      tags: ['scale', 'benchmark'],
      description: `${nodes} nodes, ${total} pods ${how} in ${deployments} Deployment(s): time to all Running, pod startup p50/p99, memory and CPU`,
    },
    async (s) => {
      // Per pod: cluster and real time it was seen created, and whether it was seen bound.
      const created = new Map<string, [number, number, boolean]>();
      const cluster = new Latencies();
      const real = new Latencies();
      const bound = new Latencies();
      let running = 0;
      warnOfHeap(s, total);
      s.on<Pod>('pods', {
        add: (p) => created.set(p.metadata.name!, [s.now(), s.realElapsed(), false]),
        update: (_, p) => {
          const t = created.get(p.metadata.name!);
          if (t && !t[2] && p.spec.nodeName) {
            t[2] = true;
            bound.record(s.now() - t[0]);
          }
          if (!t || p.status?.phase !== 'Running') return;
          created.delete(p.metadata.name!);
          cluster.record(s.now() - t[0]);
          real.record(s.realElapsed() - t[1]);
          running++;
        },
      });
      const t0 = [s.now(), s.realElapsed()];
      const usage = new ProcessUsage(s.mode);
      if (rate > 0) {
        s.step(`create ${total} pods at ${rate}/s in ${deployments} Deployment(s)`);
        await createAtRate(s, total, rate, () => running);
        s.metric('pods asked for per second (cluster)', total / ((s.now() - t0[0]) / 1000 || 1), 'pods/s');
      } else {
        s.step(`create ${deployments} Deployment(s)`);
        for (let i = 0; i < deployments; i++) {
          await s.apply(app(i, Math.floor(total / deployments) + (i < total % deployments ? 1 : 0)));
        }
      }
      s.step(`wait for ${total} pods Running`);
      await s.until(`${total} pods Running`, () => running >= total || { ok: false, seen: `${running} Running` }, { within: '30m' });
      const clusterMs = s.now() - t0[0];
      const realMs = s.realElapsed() - t0[1];
      const cost = usage.figures('to all Running');
      // What is live once all run (after a full collection): RSS follows where V8's last collection fell.
      // Simulated only: in real mode this process is the driver, not the cluster.
      const live = s.mode === 'simulated' ? memoryNow(s.now(), { collect: true }).heapUsedMB : undefined;
      await s.expect('every node Ready', () => s.nodes().ready().count() === nodes);
      // Spread holds for every node only with pods to spare: the scheduler scores a sample of the nodes
      // (percentageOfNodesToScore), so 6,000 pods on 5,000 nodes leave some without one.
      if (total >= 2 * nodes) await s.expect('every node runs pods', () => Object.keys(s.pods().running().perNode()).length === nodes);
      s.metric('time to all Running (cluster)', clusterMs / 1000, 's');
      s.metric('time to all Running (real)', realMs / 1000, 's');
      s.metric('pods Running per second (real time)', total / (realMs / 1000), 'pods/s');
      s.metric('pod startup p50 (cluster)', cluster.percentile(50), 'ms');
      s.metric('pod startup p99 (cluster)', cluster.percentile(99), 'ms');
      s.metric('pod startup p50 (real)', real.percentile(50), 'ms');
      s.metric('pod startup p99 (real)', real.percentile(99), 'ms');
      // Where startup goes: the scheduler's share (created → seen bound), the rest is the kubelet's and the watch's.
      s.metric('pod created → bound p50 (cluster)', bound.percentile(50), 'ms');
      s.metric('pod created → bound p99 (cluster)', bound.percentile(99), 'ms');
      for (const f of cost) s.metric(f.name, f.value, f.unit);
      if (live !== undefined) s.metric('live heap at all Running (after a full collection)', Math.round(live), 'MB');
    },
  );
}

export default withParams(SCALE_OUT_PARAMS, (p) => scaleOut(p.nodes, p.pods, { rate: p.rate, durationMs: p.duration }));
