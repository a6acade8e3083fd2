// An hour of a steady cluster: nodes renewing their leases every 10 s and reporting status, pods
// running, nothing failing. What it shows: simulated time is cheap (an hour takes seconds), nothing
// drifts (no node goes Unknown, no pod restarts or moves), and memory stays flat: resident memory is
// sampled every 5 minutes of cluster time and its growth over the last half of the run reported
// (goal ≤ 5 % after warm-up at 1,000 nodes and 30,000 pods: `--param nodes=1000 --param pods=30000`).
// Each sample follows a full garbage collection: without it, RSS follows V8's heap sawing between
// collections (heap used 80 → 290 MB and back at 100 nodes) and a growth figure measures where the
// last collection fell, not a leak. Heap used (live, after the collection) is logged beside it, and
// so is the young generation: V8 grows it in steps towards the 128 MB semi-spaces, so RSS can grow
// by it alone, and the growth without it is reported too.
import type { Node } from '../api/kinds/node.ts';
import type { Pod } from '../api/kinds/pod.ts';
import { isNodeReady, isPodReady } from '../api/kinds/pod-helpers.ts';
import { param, scenario, withParams } from './dsl.ts';
import { formatDuration } from './duration.ts';
import { deployment } from './objects.ts';
import { growthPercent, memoryNow, type MemorySample } from './usage.ts';

const SAMPLE_EVERY_MS = 5 * 60_000;

/** Counts the objects of a kind for which `test` holds, kept up to date from the runner's watch (an invariant checked after every event must not scan 30,000 pods). */
function counter<T extends { metadata: { name?: string; namespace?: string } }>(test: (o: T) => boolean) {
  const yes = new Set<string>();
  const key = (o: T) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  return {
    set: (o: T) => (test(o) ? yes.add(key(o)) : yes.delete(key(o))),
    delete: (o: T) => yes.delete(key(o)),
    get count() {
      return yes.size;
    },
  };
}

export default withParams(
  {
    nodes: param.integer(100, 'nodes', { min: 1 }),
    pods: param.integer(300, 'pods of one Deployment (web)', { min: 1 }),
    duration: param.duration('1h', 'cluster time the steady cluster runs', { min: 10 * 60_000 }),
  },
  (p) =>
    scenario(
      'steady hour',
      {
        nodes: p.nodes,
        tags: ['scale'],
        modes: ['simulated'],
        description: `${p.nodes} nodes and ${p.pods} pods for ${formatDuration(p.duration)} of cluster time: nothing drifts, memory stays flat`,
      },
      async (s) => {
        const ready = counter<Node>(isNodeReady);
        const web = counter<Pod>((pod) => pod.metadata.labels?.app === 'web' && isPodReady(pod));
        s.on<Node>('nodes', { add: ready.set, update: (_, n) => ready.set(n), delete: ready.delete });
        s.on<Pod>('pods', { add: web.set, update: (_, pod) => web.set(pod), delete: web.delete });
        for (const n of s.nodes().items()) ready.set(n);
        s.step(`deploy ${p.pods} pods`);
        await s.apply(deployment('web', p.pods));
        await s.until(`${p.pods} web pods Ready`, () => web.count === p.pods || { ok: false, seen: `${web.count} Ready` }, { within: p.pods > 1000 ? '15m' : '2m' });
        const placed = new Map(s.pods({ labels: 'app=web' }).items().map((pod) => [pod.metadata.name!, pod.spec.nodeName]));
        s.always('every node stays Ready', () => ready.count === p.nodes || { ok: false, seen: `${ready.count} Ready` });
        s.always('every web pod stays Ready', () => web.count === p.pods || { ok: false, seen: `${web.count} Ready` });

        s.step(`${formatDuration(p.duration)} passes`);
        const real0 = s.realElapsed();
        const cpu0 = process.cpuUsage();
        const t0 = s.now();
        const samples: MemorySample[] = [memoryNow(0, { collect: true })];
        // The full collections before each sample (~90 ms each at 100 nodes) are the measurement's, not the cluster's.
        let samplingMs = 0;
        let samplingCpuMs = 0;
        for (let at = SAMPLE_EVERY_MS; at <= p.duration; at += SAMPLE_EVERY_MS) {
          await s.advance(Math.max(0, t0 + at - s.now()), { quiet: true });
          const before = performance.now();
          const cpuBefore = process.cpuUsage();
          const m = memoryNow(s.now() - t0, { collect: true });
          samplingMs += performance.now() - before;
          const spent = process.cpuUsage(cpuBefore);
          samplingCpuMs += (spent.user + spent.system) / 1000;
          samples.push(m);
          s.log(`resident memory ${Math.round(m.rssMB)} MB (heap ${Math.round(m.heapUsedMB)} MB, young generation ${Math.round(m.youngMB)} MB) after ${formatDuration(m.at)}`);
        }
        if (s.now() - t0 < p.duration) await s.advance(t0 + p.duration - s.now());
        s.metric(`real time for ${formatDuration(p.duration)} of cluster time`, (s.realElapsed() - real0 - samplingMs) / 1000, 's');
        // CPU is the figure to compare on a loaded machine: real time there depends on what else runs.
        const cpu = process.cpuUsage(cpu0);
        s.metric(`CPU for ${formatDuration(p.duration)} of cluster time`, ((cpu.user + cpu.system) / 1000 - samplingCpuMs) / 1000, 's');
        await s.expect('no pod restarted or moved', () => {
          const pods = s.pods({ labels: 'app=web' });
          const moved = pods.items().filter((pod) => placed.get(pod.metadata.name!) !== pod.spec.nodeName).length;
          return { ok: pods.restarts() === 0 && moved === 0, seen: `${pods.restarts()} restarts, ${moved} moved or replaced` };
        });
        const first = samples[1] ?? samples[0];
        const last = samples[samples.length - 1];
        s.metric('resident memory after warm-up (first sample)', Math.round(first.rssMB), 'MB');
        s.metric('resident memory at end', Math.round(last.rssMB), 'MB');
        s.metric('resident memory peak of the samples', Math.round(Math.max(...samples.map((m) => m.rssMB))), 'MB');
        const growth = growthPercent(samples, p.duration / 2);
        if (growth === undefined) s.log('resident memory growth over the last half: not measured (fewer than two samples in it)');
        else {
          s.metric('resident memory growth over the last half', growth, '%');
          // V8 may grow its young generation late in a small run (100 nodes: +64 MB at ~40 min, +29 % RSS, heap flat).
          const lasting = growthPercent(samples, p.duration / 2, (m) => m.rssMB - m.youngMB);
          if (lasting !== undefined) s.metric('resident memory growth over the last half, young generation apart', lasting, '%');
        }
      },
    ),
);
