// The headline: a node dies. Its lease stops, the node lifecycle controller marks it Unknown and
// taints it unreachable:NoExecute, taint eviction deletes its pods when their tolerations run out,
// the ReplicaSet makes replacements and the scheduler binds them to the nodes that are left.
import { scenario } from './dsl.ts';
import { deployment, tolerateNodeLoss } from './objects.ts';

export default scenario(
  'node failure',
  { nodes: 3, timeScale: 20, tags: ['faults', 'nodes'], description: 'a node dies: Unknown, tainted, pods evicted and rescheduled elsewhere' },
  async (s) => {
    s.step('deploy 6 web pods');
    await s.apply(deployment('web', 6, { tolerations: tolerateNodeLoss(s.seconds(60)) }));
    await s.until('6 web pods Running', () => s.pods({ labels: 'app=web' }).running().count() === 6, { within: '1m' });
    s.always('never more than 6 web pods alive', () => s.pods({ labels: 'app=web' }).alive().count() <= 6);
    await s.advance('20s'); // a steady cluster: every kubelet renews its lease every 10 s (the trace shows node-1's stop)

    s.step('kill node-1');
    const victim = 'node-1';
    const lost = s.pods({ labels: 'app=web', node: victim }).names();
    await s.expect('node-1 runs some web pods', () => lost.length > 0);
    await s.killNode(victim);
    const killedAt = s.now();

    s.step('node-1 goes Unknown and is tainted');
    await s.until('node-1 Ready=Unknown', () => s.nodeReady(victim) === 'Unknown', { within: '2m' });
    // Grace 50 s from the last renewal, renewals every 10 s: never sooner than 40 s after the kill.
    // In real mode a cluster second is 50 ms of wall time, so a renewal the loaded machine ran late
    // (before the kill) moves the last one back by whole cluster seconds: 10 s of slack there.
    const notBefore = s.mode === 'real' ? 30_000 : 40_000;
    await s.expect('not before the grace period', () => s.now() - killedAt >= notBefore);
    await s.until('node-1 tainted unreachable:NoExecute', () => s.nodeTaints(victim).includes('node.kubernetes.io/unreachable:NoExecute'), { within: '30s' });

    s.step('its pods are evicted and replaced');
    await s.until('the lost pods are gone', () => s.pods({ labels: 'app=web' }).alive().where('lost', (p) => lost.includes(p.metadata.name!)).count() === 0, { within: '3m' });
    await s.until('6 web pods Running on the other nodes', () => s.pods({ labels: 'app=web' }).running().notOn(victim).count() === 6, { within: '2m' });
    await s.eventually('the taint manager recorded the evictions', () => s.events({ reason: 'TaintManagerEviction' }).where('of pods', (e) => e.involvedObject?.kind === 'Pod').count() === lost.length, { within: '30s' });
    await s.eventually('the scheduler recorded binding the replacements', () => s.events({ reason: 'Scheduled' }).count() === 6 + lost.length, { within: '30s' });
  },
);
