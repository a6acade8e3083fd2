// DefaultPreemption as upstream: victims (all lower-priority pods out, then reprieved most
// important first, PDB-violating ones first), the node choice, eligibility, nominated pods'
// reserved room, and the whole flow on the virtual clock (nomination, DisruptionTarget, graceful
// deletion, Preempted event, binding to the nominated node).
import test from 'ava';
import type { Event } from '../api/kinds/event.ts';
import type { Pod } from '../api/kinds/pod.ts';
import type { PodDisruptionBudget } from '../api/kinds/poddisruptionbudget.ts';
import { prepareFilters } from '../actors/scheduler/filtering.ts';
import { Nominator } from '../actors/scheduler/nominator.ts';
import { NOT_ELIGIBLE_NEVER, NOT_ELIGIBLE_TERMINATING, pickOneNodeForPreemption, preempt, type Candidate } from '../actors/scheduler/preemption.ts';
import { SchedulingAlgorithm } from '../actors/scheduler/scheduler.logic.ts';
import type { PodInfo } from '../actors/scheduler/types.ts';
import { pdbInfos, selectVictimsOnNode } from '../actors/scheduler/victims.ts';
import { seededRng } from '../bus/random.ts';
import { clusterOf, info, mkNode, mkPod, schedEnv, until } from './helpers/scheduler.ts';

const NOW = Date.UTC(2026, 0, 1);
const started = (p: Pod, minutesAgo: number): Pod => ({ ...p, status: { ...p.status, startTime: new Date(NOW - minutesAgo * 60_000).toISOString() } });
const names = (ps: readonly PodInfo[]) => ps.map((p) => p.pod.metadata.name);
const pdb = (app: string, allowed: number): PodDisruptionBudget => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name: `pdb-${app}`, namespace: 'default' },
  spec: { selector: { matchLabels: { app } } },
  status: { disruptionsAllowed: allowed },
});

function victimsOf(pods: Pod[], preemptor: Pod, pdbs: PodDisruptionBudget[] = []) {
  const view = clusterOf([mkNode('n', { cpu: '4' })], pods);
  const pod = info(preemptor);
  return selectVictimsOnNode(pod, view.get('n')!, { view, prepared: prepareFilters(pod, view), pdbs: pdbInfos(pdbs), now: NOW });
}

test('preemption - victims: every lower-priority pod out, then the most important reprieved while the pod still fits', (t) => {
  const r = victimsOf(
    [mkPod('p0', { cpu: '1', priority: 0, nodeName: 'n' }), mkPod('p5', { cpu: '1', priority: 5, nodeName: 'n' }), mkPod('p10', { cpu: '1', priority: 10, nodeName: 'n' }), mkPod('p100', { cpu: '1', priority: 100, nodeName: 'n' })],
    mkPod('new', { cpu: '2', priority: 50 }),
  );
  if ('plugin' in r) return t.fail(r.reasons.join());
  t.deepEqual(names(r.pods), ['p5', 'p0'], 'p10 is reprieved, p100 is never a candidate');
  t.is(r.pdbViolations, 0);
});

test('preemption - victims: equal priority, the later-started pod goes first', (t) => {
  const r = victimsOf([started(mkPod('old', { cpu: '2', priority: 1, nodeName: 'n' }), 60), started(mkPod('young', { cpu: '2', priority: 1, nodeName: 'n' }), 1)], mkPod('new', { cpu: '2', priority: 9 }));
  if ('plugin' in r) return t.fail();
  t.deepEqual(names(r.pods), ['young']);
});

test('preemption - victims: a pod whose eviction breaks its PDB is reprieved first and counted when it still has to go', (t) => {
  const a = started(mkPod('guarded', { cpu: '2', priority: 1, nodeName: 'n', labels: { app: 'db' } }), 1);
  const b = started(mkPod('free', { cpu: '2', priority: 1, nodeName: 'n', labels: { app: 'web' } }), 60);
  // Without a budget the younger "guarded" pod would go; its budget allows no disruption, so "free" goes instead.
  const noPdb = victimsOf([a, b], mkPod('new', { cpu: '2', priority: 9 }));
  const withPdb = victimsOf([a, b], mkPod('new', { cpu: '2', priority: 9 }), [pdb('db', 0)]);
  if ('plugin' in noPdb || 'plugin' in withPdb) return t.fail();
  t.deepEqual(names(noPdb.pods), ['guarded']);
  t.deepEqual(names(withPdb.pods), ['free']);
  t.is(withPdb.pdbViolations, 0);
  const both = victimsOf([a, b], mkPod('new', { cpu: '4', priority: 9 }), [pdb('db', 0)]);
  if ('plugin' in both) return t.fail();
  t.deepEqual(names(both.pods), ['free', 'guarded'], 'sorted by importance again');
  t.is(both.pdbViolations, 1);
  const allowed = victimsOf([a, b], mkPod('new', { cpu: '4', priority: 9 }), [pdb('db', 1)]);
  if ('plugin' in allowed) return t.fail();
  t.is(allowed.pdbViolations, 0, 'a budget with a disruption left is not violated');
});

test('preemption - victims: none lower, or not enough room even without them', (t) => {
  const none = victimsOf([mkPod('hi', { cpu: '4', priority: 100, nodeName: 'n' })], mkPod('new', { cpu: '1', priority: 9 }));
  t.like(none, { code: 'UnschedulableAndUnresolvable', reasons: ['No preemption victims found for incoming pod'] });
  const short = victimsOf([mkPod('hi', { cpu: '3', priority: 100, nodeName: 'n' }), mkPod('lo', { cpu: '1', priority: 0, nodeName: 'n' })], mkPod('new', { cpu: '2', priority: 9 }));
  t.like(short, { plugin: 'NodeResourcesFit', reasons: ['Insufficient cpu'] });
});

const cand = (node: string, prios: number[], pdbViolations = 0, startedMinutesAgo = 0): Candidate => ({
  node,
  victims: { pods: prios.map((p, i) => info(started(mkPod(`${node}-${i}`, { priority: p }), startedMinutesAgo))), pdbViolations },
});

test('preemption - node choice: fewest PDB violations, lowest top victim, smallest sum, fewest victims, latest start', (t) => {
  const pick = (cs: Candidate[]) => pickOneNodeForPreemption(cs, NOW)?.node;
  t.is(pick([cand('a', [1], 1), cand('b', [50], 0)]), 'b');
  t.is(pick([cand('a', [20, 1]), cand('b', [10, 10, 10])]), 'b');
  t.is(pick([cand('a', [10, 5, 5]), cand('b', [10, 8])]), 'b', 'same top victim: a sums to 20, b to 18');
  t.is(pick([cand('a', [-5, -5]), cand('b', [-5])]), 'b', 'negative priorities: more victims still sum higher');
  t.is(pick([cand('a', [10, 0, 0]), cand('b', [10, 0, 0])]), 'a', 'a full tie keeps dry-run order');
  t.is(pick([cand('a', [10], 0, 60), cand('b', [10], 0, 5)]), 'b', 'the victims that started latest');
  t.is(pick([]), undefined);
});

test('preemption - the cycle nominates the node with the cheapest victims and prints no post-filter part', (t) => {
  const view = clusterOf([mkNode('n1', { cpu: '2' }), mkNode('n2', { cpu: '2' })], [mkPod('a', { cpu: '2', priority: 10, nodeName: 'n1' }), mkPod('b', { cpu: '2', priority: 5, nodeName: 'n2' })]);
  const r = new SchedulingAlgorithm({ percentageOfNodesToScore: 0 }).schedule(info(mkPod('p', { cpu: '1', priority: 100 })), view, seededRng(1), { now: NOW });
  t.like(r, { kind: 'unschedulable', message: '0/2 nodes are available: 2 Insufficient cpu.' });
  if (r.kind !== 'unschedulable') return;
  t.is(r.nominate?.node, 'n2');
  t.deepEqual(names(r.nominate!.victims), ['b']);
});

test('preemption - eligibility: preemptionPolicy Never, and a victim still terminating on the nominated node', (t) => {
  const view = clusterOf([mkNode('n', { cpu: '1' })], [mkPod('lo', { cpu: '1', priority: 0, nodeName: 'n', terminating: true })]);
  const lo = view.get('n')!.pods.get('default/lo')!;
  lo.pod.status = { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }] };
  const ctx = (p: PodInfo) => ({ view, prepared: prepareFilters(p, view), pdbs: [], now: NOW });
  const never = info(mkPod('p', { cpu: '1', priority: 5, preemptionPolicy: 'Never' }));
  const failed = [{ node: view.get('n')!, status: { plugin: 'NodeResourcesFit', code: 'Unschedulable' as const, reasons: ['Insufficient cpu'] } }];
  t.deepEqual(preempt(never, failed, 1, ctx(never)), { kind: 'failed', message: `preemption: ${NOT_ELIGIBLE_NEVER}` });
  const nominated = info({ ...mkPod('p', { cpu: '1', priority: 5 }), status: { nominatedNodeName: 'n' } });
  t.deepEqual(preempt(nominated, failed, 1, ctx(nominated)), { kind: 'failed', message: `preemption: ${NOT_ELIGIBLE_TERMINATING}` });
});

test('preemption - a nominated pod keeps its room from lower-priority pods, not from higher ones', (t) => {
  const view = clusterOf([mkNode('n', { cpu: '4' })]);
  const nominator = new Nominator();
  nominator.add(info(mkPod('nominee', { cpu: '3', priority: 50 })), 'n');
  const algo = new SchedulingAlgorithm({ percentageOfNodesToScore: 0 });
  const low = algo.schedule(info(mkPod('low', { cpu: '2', priority: 10 })), view, seededRng(1), { nominator, now: NOW });
  t.like(low, { kind: 'unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.' });
  const high = algo.schedule(info(mkPod('high', { cpu: '2', priority: 90 })), view, seededRng(1), { nominator, now: NOW });
  t.like(high, { kind: 'scheduled', node: 'n' });
  t.like(algo.schedule(info(mkPod('nominee', { cpu: '3', priority: 50 })), view, seededRng(1), { nominator, now: NOW }), { kind: 'scheduled', node: 'n' }, 'a pod does not compete with its own nomination');
});


test('preemption - e2e on the virtual clock: nominated, victims marked and deleted gracefully with a Preempted event, then bound there', async (t) => {
  const s = await schedEnv(t);
  await s.createNode(mkNode('only', { cpu: '2' }));
  s.startScheduler();
  for (const name of ['low-a', 'low-b']) await s.createPod(mkPod(name, { cpu: '1', priority: 1 }));
  await until(s, async () => (await s.listPods()).every((p) => p.spec.nodeName));
  const high = await s.createPod(mkPod('high', { cpu: '1500m', priority: 1000 }));
  await until(s, async () => (await s.getPod('high')).status?.nominatedNodeName === 'only');
  t.like((await s.getPod('high')).status?.conditions?.find((c) => c.type === 'PodScheduled'), { status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu.' });
  // Both low pods must go (1.5 cpu on a 2-cpu node); with no kubelet they stay terminating.
  await until(s, async () => (await s.listPods()).filter((p) => p.metadata.deletionTimestamp).length === 2);
  for (const name of ['low-a', 'low-b']) {
    const v = await s.getPod(name);
    t.like(v.status?.conditions?.find((c) => c.type === 'DisruptionTarget'), { status: 'True', reason: 'PreemptionByScheduler', message: 'default-scheduler: preempting to accommodate a higher priority pod' });
  }
  const evs = (await s.run(s.env.client.list<Event>('events', { namespace: 'default' }))).items.filter((e) => e.reason === 'Preempted');
  t.deepEqual(evs.map((e) => [e.involvedObject.name, e.type, e.message]).sort(), [
    ['low-a', 'Normal', `Preempted by pod ${high.metadata.uid} on node only`],
    ['low-b', 'Normal', `Preempted by pod ${high.metadata.uid} on node only`],
  ]);
  t.falsy((await s.getPod('high')).spec.nodeName, 'not bound while the victims terminate');
  // A pod of lower priority than the nominee: the dry run counts the nominee, so evicting the low pods would not help it.
  await s.createPod(mkPod('sneaky', { cpu: '1', priority: 500 }));
  await until(s, async () => !!(await s.getPod('sneaky')).status?.conditions?.some((c) => c.type === 'PodScheduled'));
  const sneaky = await s.getPod('sneaky');
  t.is(sneaky.status?.nominatedNodeName, undefined);
  t.is(sneaky.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu.');
  // The kubelet's part: the victims' containers stop and the pods go.
  for (const name of ['low-a', 'low-b']) await s.run(s.env.client.delete('pods', name, { namespace: 'default', gracePeriodSeconds: 0 }));
  await until(s, async () => (await s.getPod('high')).spec.nodeName === 'only');
  t.is((await s.getPod('high')).status?.nominatedNodeName, 'only');
});

test('preemption - a pod preemption cannot help loses its earlier nomination', async (t) => {
  const s = await schedEnv(t);
  await s.createNode(mkNode('only', { cpu: '1' }));
  await s.createPod(mkPod('top', { cpu: '1', priority: 100, nodeName: 'only' }));
  await s.createPod(mkPod('p', { cpu: '1', priority: 5 }));
  await s.run(s.env.client.patch('pods', 'p', { status: { nominatedNodeName: 'only' } }, { namespace: 'default', status: true }));
  s.startScheduler();
  await until(s, async () => !!(await s.getPod('p')).status?.conditions?.some((c) => c.type === 'PodScheduled'));
  await until(s, async () => (await s.getPod('p')).status?.nominatedNodeName === undefined);
  t.is((await s.getPod('p')).status?.conditions?.find((c) => c.type === 'PodScheduled')?.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
});
