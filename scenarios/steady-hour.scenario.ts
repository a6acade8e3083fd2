// An hour of a steady cluster: 100 nodes renewing their leases every 10 s and reporting status,
// 300 pods with readiness probes, nothing failing. What it shows: simulated time is cheap (an
// hour takes seconds), and nothing drifts (no node goes Unknown, no pod restarts or moves).
import { scenario } from './dsl.ts';
import { deployment } from './objects.ts';

export default scenario('steady hour', { nodes: 100, tags: ['scale'], modes: ['simulated'], description: '100 nodes and 300 pods for an hour of cluster time: nothing drifts' }, async (s) => {
  s.step('deploy 300 pods');
  await s.apply(deployment('web', 300));
  await s.until('300 web pods Ready', () => s.pods({ labels: 'app=web' }).ready().count() === 300, { within: '2m' });
  const placed = new Map(s.pods({ labels: 'app=web' }).items().map((p) => [p.metadata.name!, p.spec.nodeName]));
  s.always('every node stays Ready', () => s.nodes().ready().count() === 100);
  s.always('every web pod stays Ready', () => s.pods({ labels: 'app=web' }).ready().count() === 300);

  s.step('an hour passes');
  const real0 = s.realElapsed();
  await s.advance('1h');
  s.metric('real time for 1 h of cluster time', (s.realElapsed() - real0) / 1000, 's');
  await s.expect('no pod restarted or moved', () => {
    const pods = s.pods({ labels: 'app=web' });
    const moved = pods.items().filter((p) => placed.get(p.metadata.name!) !== p.spec.nodeName).length;
    return { ok: pods.restarts() === 0 && moved === 0, seen: `${pods.restarts()} restarts, ${moved} moved or replaced` };
  });
});
