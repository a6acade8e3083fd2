// Real mode's node processes (scenarios/runner/node-groups.ts): which nodes share a `kubus node --count`
// process, and the command line each process gets (the scale-nats bench starts its processes the same way).
import test from 'ava';
import { resolveNodes } from '../scenarios/nodes.ts';
import { seededRng } from '../bus/random.ts';
import { FaultPlan } from '../scenarios/faults.ts';
import { groupNodes, NODES_PER_PROCESS, PROCESS_PER_NODE_MAX, processGroups, refuseSharedFault } from '../scenarios/runner/node-groups.ts';
import { nodeArgs } from '../scenarios/runner/real-args.ts';

test('node groups - one process per node up to 100 nodes, shared processes of up to 500 beyond, or as many as asked', (t) => {
  t.is(processGroups(resolveNodes(PROCESS_PER_NODE_MAX)).length, PROCESS_PER_NODE_MAX);
  const big = processGroups(resolveNodes(1001));
  t.deepEqual(big.map((g) => g.nodes.length), [NODES_PER_PROCESS, NODES_PER_PROCESS, 1]);
  t.deepEqual(big.map((g) => g.name), ['node-0…node-499', 'node-500…node-999', 'node-1000']);
  t.deepEqual(processGroups(resolveNodes(20), 10).map((g) => [g.prefix, g.from, g.nodes.length]), [['node', 0, 10], ['node', 10, 10]]);
  t.is(processGroups(resolveNodes(20), 1).length, 20);
});

test('node groups - a group holds consecutive nodes of one prefix and one spec', (t) => {
  const nodes = resolveNodes([
    { prefix: 'a', count: 3, capacity: { cpu: '4' } },
    { prefix: 'a', count: 2, capacity: { cpu: '8' } },
    { name: 'edge' },
    { prefix: 'b', count: 2, taints: ['x=y:NoSchedule'] },
  ]);
  t.deepEqual(groupNodes(nodes, 100).map((g) => g.name), ['a-0…a-2', 'a-3…a-4', 'edge', 'b-0…b-1']);
});

test('node groups - the command line of a shared process names its nodes and numbers them from its first', (t) => {
  const [, second] = groupNodes(resolveNodes([{ prefix: 'node', count: 20, capacity: { pods: '110' }, labels: { zone: 'a' } }]), 10);
  t.deepEqual(nodeArgs(second!, { trace: false }), ['node', '--name', 'node', '--count', '10', '--name-from', '10', '--first-index', '10', '--log-level', 'warn', '--capacity', 'pods=110', '--labels', 'zone=a']);
  const [solo] = processGroups(resolveNodes(1));
  t.deepEqual(nodeArgs(solo!, { trace: true }), ['node', '--name', 'node-0', '--first-index', '0', '--log-level', 'warn', '--trace']);
});

test('node groups - a message fault that would miss the nodes of a shared process is refused, with what to do', (t) => {
  const shared = new Map([['node-7', {}]]);
  t.throws(() => refuseSharedFault({ pattern: '>', action: 'drop', fraction: 1, to: 'node-7' }, shared), { message: /node node-7 runs in a shared process .*can't be dropped or delayed/ });
  t.throws(() => refuseSharedFault({ pattern: '>', action: 'delay', delayMs: 5, from: 'node-7' }, shared), { message: /node node-7 runs in a shared process/ });
  t.throws(() => refuseSharedFault({ pattern: 'kubus.watch.>', action: 'delay', delayMs: 5 }, shared), { message: /without from\/to .*--nodes-per-process 1/ });
  t.notThrows(() => refuseSharedFault({ pattern: '>', action: 'drop', fraction: 1, from: 'scheduler' }, shared));
  t.notThrows(() => refuseSharedFault({ pattern: '>', action: 'drop', fraction: 1 }, new Map()));
  const plan = new FaultPlan(seededRng(1), (r) => refuseSharedFault(r, shared));
  t.throws(() => plan.add({ pattern: '>', action: 'drop', fraction: 1 }));
  t.true(plan.empty, 'a refused rule is not added');
});
