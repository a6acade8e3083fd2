// A pod that fits no node stays Pending with the scheduler's reason, until a node big enough joins.
import { scenario } from './dsl.ts';
import { pod } from './objects.ts';
import type { Pod } from '../api/kinds/pod.ts';

export default scenario(
  'unschedulable until a node joins',
  { nodes: 2, tags: ['scheduling', 'nodes'], description: 'a 6-cpu pod on 4-cpu nodes is Unschedulable; a node with 8 cpus joins and runs it' },
  async (s) => {
    const scheduled = () => s.get<Pod>('pod', 'big')?.status?.conditions?.find((c) => c.type === 'PodScheduled');
    s.step('a pod too big for every node');
    await s.apply(pod('big', { requests: { cpu: '6' } }));
    await s.until('big is Unschedulable', () => scheduled()?.reason === 'Unschedulable', { within: '30s' });
    await s.expect('with the upstream message', () => ({ ok: /^0\/2 nodes are available: 2 Insufficient cpu\./.test(scheduled()?.message ?? ''), seen: scheduled()?.message }));
    await s.advance('5m');
    await s.expect('still Pending after 5 minutes', () => s.pods({ name: 'big' }).pending().unscheduled().count() === 1);

    s.step('a bigger node joins');
    await s.addNode('node-big', { capacity: { cpu: '8', memory: '32Gi', pods: '110' } });
    await s.until('node-big Ready', () => s.nodeReady('node-big') === 'True', { within: '1m' });
    await s.until('big Running on node-big', () => s.pods({ name: 'big', node: 'node-big' }).running().count() === 1, { within: '1m' });
  },
);
