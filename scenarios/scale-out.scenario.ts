// Scale-out: N nodes join, then Deployments ask for P pods; reports the time until all of them
// run, and pod startup latency (created → seen Running) p50/p99 in cluster and in real time.
// The default export is the full size (1,000 nodes, 30,000 pods); tests run `scaleOut(100, 3000)`.
// In simulated mode the components' computing takes no cluster time: cluster-time figures show the
// modelled delays only (watch batching, status writes); real time is what the simulation cost.
import { scenario } from './dsl.ts';
import { Latencies } from './latency.ts';
import type { ScenarioDefinition } from './types.ts';
import type { Pod } from '../api/kinds/pod.ts';

/** Returns the scale-out scenario for `nodes` nodes and `pods` pods (in Deployments of at most 1,000). */
export function scaleOut(nodes: number, pods: number): ScenarioDefinition {
  const deployments = Math.max(1, Math.ceil(pods / 1000));
  return scenario(
    `scale-out to ${nodes} nodes and ${pods} pods`,
    {
      nodes: [{ prefix: 'node', count: nodes, capacity: { cpu: '32', memory: '128Gi', pods: '110' } }],
      kubelet: { events: false },
      modes: ['simulated'],
      tags: ['scale', 'benchmark'],
      description: `${nodes} nodes, ${pods} pods in ${deployments} Deployment(s): time to all Running, pod startup p50/p99`,
    },
    async (s) => {
      const created = new Map<string, [number, number]>();
      const cluster = new Latencies();
      const real = new Latencies();
      let running = 0;
      s.on<Pod>('pods', {
        add: (p) => created.set(p.metadata.name!, [s.now(), s.realElapsed()]),
        update: (_, p) => {
          const t = created.get(p.metadata.name!);
          if (!t || p.status?.phase !== 'Running') return;
          created.delete(p.metadata.name!);
          cluster.record(s.now() - t[0]);
          real.record(s.realElapsed() - t[1]);
          running++;
        },
      });
      s.step(`create ${deployments} Deployment(s)`);
      const t0 = [s.now(), s.realElapsed()];
      for (let i = 0; i < deployments; i++) {
        const replicas = Math.floor(pods / deployments) + (i < pods % deployments ? 1 : 0);
        await s.apply({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: `app-${i}`, namespace: 'default' },
          spec: {
            replicas,
            selector: { matchLabels: { app: `app-${i}` } },
            template: { metadata: { labels: { app: `app-${i}` } }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } },
          },
        });
      }
      s.step(`wait for ${pods} pods Running`);
      await s.until(`${pods} pods Running`, () => running >= pods || { ok: false, seen: `${running} Running` }, { within: '30m' });
      const clusterMs = s.now() - t0[0];
      const realMs = s.realElapsed() - t0[1];
      await s.expect('every node runs pods', () => s.nodes().ready().count() === nodes && Object.keys(s.pods().running().perNode()).length === nodes);
      s.metric('time to all Running (cluster)', clusterMs / 1000, 's');
      s.metric('time to all Running (real)', realMs / 1000, 's');
      s.metric('pods Running per second (real time)', pods / (realMs / 1000), 'pods/s');
      s.metric('pod startup p50 (cluster)', cluster.percentile(50), 'ms');
      s.metric('pod startup p99 (cluster)', cluster.percentile(99), 'ms');
      s.metric('pod startup p50 (real)', real.percentile(50), 'ms');
      s.metric('pod startup p99 (real)', real.percentile(99), 'ms');
    },
  );
}

export default scaleOut(1000, 30_000);
