// The unschedulable message, exactly as upstream v1.32 words it: FitError ("0/N nodes are
// available: ...") followed by DefaultPreemption's post-filter message.
import test from 'ava';
import type { Node } from '../api/kinds/node.ts';
import type { Pod } from '../api/kinds/pod.ts';
import { seededRng } from '../bus/random.ts';
import { SchedulingAlgorithm } from '../actors/scheduler/scheduler.logic.ts';
import { truncateMessage } from '../actors/scheduler/scheduler.runtime.ts';
import { clusterOf, info, mkNode, mkPod } from './helpers/scheduler.ts';

const messageMacro = test.macro({
  exec(t, nodes: Node[], existing: Pod[], pod: Pod, want: string) {
    const r = new SchedulingAlgorithm({ percentageOfNodesToScore: 0 }).schedule(info(pod), clusterOf(nodes, existing), seededRng(1));
    t.like(r, { kind: 'unschedulable', message: want });
  },
  title: (title = '') => `scheduler message - ${title}`,
});

const cp = mkNode('cp', { taints: [{ key: 'node-role.kubernetes.io/control-plane', value: '', effect: 'NoSchedule' }] });
const w = (name: string, cpu = '1') => mkNode(name, { cpu });

test(
  'taint + insufficient cpu: preemption finds no victims on the resource-short nodes',
  messageMacro,
  [cp, w('w1'), w('w2')],
  [],
  mkPod('big', { cpu: '2' }),
  '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
);
test(
  'only unresolvable reasons: preemption is not helpful anywhere',
  messageMacro,
  [w('w1'), w('w2'), w('w3')],
  [],
  mkPod('p', { nodeSelector: { disk: 'ssd' } }),
  "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
);
test(
  'a node can give several reasons; each is counted',
  messageMacro,
  [mkNode('a', { cpu: '1', memory: '1Gi' }), mkNode('b', { cpu: '1', memory: '1Gi' })],
  [],
  mkPod('p', { cpu: '2', memory: '2Gi' }),
  '0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.',
);
test(
  'reasons sort as strings (upstream sort.Strings): "10 …" before "2 …"',
  messageMacro,
  [...Array.from({ length: 10 }, (_, i) => mkNode(`s${i}`, { unschedulable: true })), w('w1', '100m'), w('w2', '100m')],
  [],
  mkPod('p', { cpu: '1' }),
  '0/12 nodes are available: 10 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/12 nodes are available: 10 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
);
test(
  'preemptionPolicy Never',
  messageMacro,
  [w('w1')],
  [],
  mkPod('p', { cpu: '2', preemptionPolicy: 'Never' }),
  '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.',
);
test(
  'lower-priority pods that would not make enough room: the dry run reports the filter again',
  messageMacro,
  [w('w1'), w('w2')],
  [mkPod('low1', { cpu: '500m', priority: 0, nodeName: 'w1' }), mkPod('high', { cpu: '500m', priority: 100, nodeName: 'w2' })],
  mkPod('p', { cpu: '1500m', priority: 10 }),
  '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 1 Insufficient cpu, 1 No preemption victims found for incoming pod.',
);
test(
  'when evicting lower-priority pods would help, upstream preempts and prints no post-filter part',
  messageMacro,
  [w('w1')],
  [mkPod('low', { cpu: '800m', priority: 0, nodeName: 'w1' })],
  mkPod('p', { cpu: '500m', priority: 10 }),
  '0/1 nodes are available: 1 Insufficient cpu.',
);
test(
  'anti-affinity is Unschedulable (resolvable): its victims are looked for too',
  messageMacro,
  [mkNode('h1'), mkNode('h2')],
  [mkPod('a', { labels: { app: 'x' }, nodeName: 'h1', priority: 5 }), mkPod('b', { labels: { app: 'x' }, nodeName: 'h2', priority: 5 })],
  mkPod('p', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'x' } }, topologyKey: 'kubernetes.io/hostname' }] } } as never }),
  "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
);

test('scheduler message - no nodes at all: upstream ErrNoNodesAvailable, unschedulable with no plugin to blame', (t) => {
  const r = new SchedulingAlgorithm({ percentageOfNodesToScore: 0 }).schedule(info(mkPod('p')), clusterOf([]), seededRng(1));
  t.deepEqual(r, { kind: 'unschedulable', message: 'no nodes available to schedule pods', rejectedBy: new Set() });
});

test('scheduler message - event notes are cut at 1 KiB with " ..." (upstream truncateMessage)', (t) => {
  t.is(truncateMessage('short'), 'short');
  const long = 'x'.repeat(2000);
  t.is(truncateMessage(long).length, 1024);
  t.true(truncateMessage(long).endsWith('x ...'));
});
