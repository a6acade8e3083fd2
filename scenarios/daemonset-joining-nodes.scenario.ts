// A DaemonSet follows the nodes: one pod per node, a new pod on each node that joins (but not on
// a node with a taint it doesn't tolerate), and none left for a node that is removed.
import { scenario } from './dsl.ts';
import { daemonSet } from './objects.ts';

export default scenario('daemonset on joining nodes', { nodes: 2, tags: ['daemonsets', 'nodes'], description: 'one agent pod per node as nodes join and leave' }, async (s) => {
  const agents = () => s.pods({ labels: 'app=agent' });
  s.always('never two agents on one node', () => Object.values(agents().alive().scheduled().perNode()).every((n) => n <= 1));

  s.step('a DaemonSet on 2 nodes');
  await s.apply(daemonSet('agent', { image: 'fluent/fluent-bit:3.1' }));
  await s.until('an agent Running on each node', () => agents().running().count() === 2, { within: '1m' });

  s.step('three nodes join, one tainted');
  await s.addNode('node-2');
  await s.addNode('node-3', { labels: { 'topology.kubernetes.io/zone': 'b' } });
  await s.addNode('gpu-0', { taints: ['dedicated=gpu:NoSchedule'] });
  await s.until('4 agents Running', () => agents().running().count() === 4, { within: '1m' });
  await s.expect('one on each untainted node', () => agents().running().names().length === 4 && ['node-0', 'node-1', 'node-2', 'node-3'].every((n) => agents().on(n).count() === 1));
  await s.advance('1m');
  await s.expect('none on the tainted node', () => agents().on('gpu-0').count() === 0);
  await s.eventually('the DaemonSet status counts 4', () => (s.get('daemonset', 'agent')?.status as { numberReady?: number })?.numberReady === 4, { within: '1m' });

  s.step('a node is removed');
  await s.removeNode('node-3');
  await s.until('node-3 is gone', () => s.nodes({ name: 'node-3' }).count() === 0, { within: '30s' });
  await s.eventually('the DaemonSet wants 3', () => (s.get('daemonset', 'agent')?.status as { desiredNumberScheduled?: number })?.desiredNumberScheduled === 3, { within: '1m' });
});
