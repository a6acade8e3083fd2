// The scheduler actor against an API server on the virtual clock: placements that respect every
// constraint, the upstream unschedulable condition and events, retries when the cluster changes,
// priority order, no over-commit while the watch lags, binding conflicts, explain.
import test from 'ava';
import type { Event } from '../api/kinds/event.ts';
import type { Node } from '../api/kinds/node.ts';
import type { Pod } from '../api/kinds/pod.ts';
import { nodeSelectorTermMatches, toleratesTaint } from '../api/kinds/scheduling.ts';
import { podRequests, nodeAllocatable } from '../api/kinds/pod-helpers.ts';
import { labelSelectorMatcher } from '../api/selectors.ts';
import type { ExplainReply } from '../actors/scheduler/explain.ts';
import { apiSubject, SCHEDULER_EXPLAIN, watchInbox } from '../bus/subjects.ts';
import { mkNode, mkPod, schedEnv, until, type SchedEnv } from './helpers/scheduler.ts';

/** Returns every constraint the placement breaks (checked independently of the scheduler's code). */
function violations(nodes: Node[], pods: Pod[]): string[] {
  const out: string[] = [];
  const byName = new Map(nodes.map((n) => [n.metadata.name!, n]));
  const bound = pods.filter((p) => p.spec.nodeName);
  const used = new Map<string, Record<string, number>>();
  const ports = new Set<string>();
  for (const p of bound) {
    const n = byName.get(p.spec.nodeName!)!;
    const labels = n.metadata.labels ?? {};
    const name = p.metadata.name;
    for (const [k, v] of Object.entries(p.spec.nodeSelector ?? {})) if (labels[k] !== v) out.push(`${name}: nodeSelector ${k}=${v}`);
    const req = p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (req && !req.nodeSelectorTerms.some((t) => nodeSelectorTermMatches(t, labels, n.metadata.name!))) out.push(`${name}: node affinity`);
    for (const t of n.spec?.taints ?? []) if (t.effect !== 'PreferNoSchedule' && !toleratesTaint(p.spec.tolerations, t)) out.push(`${name}: taint ${t.key}`);
    const u = used.get(n.metadata.name!) ?? {};
    for (const [k, v] of Object.entries(podRequests(p))) u[k] = (u[k] ?? 0) + v;
    u.pods = (u.pods ?? 0) + 1;
    used.set(n.metadata.name!, u);
    for (const c of p.spec.containers)
      for (const port of c.ports ?? []) {
        const key = `${n.metadata.name}/${port.hostPort}`;
        if (port.hostPort && ports.has(key)) out.push(`${name}: host port ${key}`);
        ports.add(key);
      }
    const domainOf = (q: Pod, key: string) => byName.get(q.spec.nodeName!)?.metadata.labels?.[key];
    for (const t of p.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      const sel = labelSelectorMatcher(t.labelSelector);
      for (const q of bound) if (q !== p && sel(q.metadata.labels) && domainOf(q, t.topologyKey) === labels[t.topologyKey]) out.push(`${name}: anti-affinity with ${q.metadata.name}`);
    }
    for (const t of p.spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      const sel = labelSelectorMatcher(t.labelSelector);
      if (!bound.some((q) => q !== p && sel(q.metadata.labels) && domainOf(q, t.topologyKey) === labels[t.topologyKey])) out.push(`${name}: affinity`);
    }
  }
  for (const [node, u] of used) {
    const a = nodeAllocatable(byName.get(node)!);
    for (const [k, v] of Object.entries(u)) if (v > (a[k] ?? 0)) out.push(`${node}: ${k} over-committed (${v} > ${a[k] ?? 0})`);
  }
  return out;
}

const boundCount = (pods: Pod[]) => pods.filter((p) => p.spec.nodeName).length;


const events = async (s: SchedEnv, pod: string) =>
  (await s.run(s.env.client.list<Event & { involvedObject: { name: string } }>('events', { namespace: 'default' }))).items.filter((e) => e.involvedObject.name === pod);

const explainOf = async (s: SchedEnv, name: string) => (await s.run(s.env.client.bus.request<ExplainReply>(SCHEDULER_EXPLAIN, { namespace: 'default', name }))).data;

const Z = 'topology.kubernetes.io/zone';
const H = 'kubernetes.io/hostname';

test('scheduler - ten pods with requests, selectors, taints, affinity and anti-affinity each land where they may', async (t) => {
  const s = await schedEnv(t);
  const nodes = [
    mkNode('node-0', { cpu: '8', memory: '16Gi', labels: { [Z]: 'a', disk: 'ssd' } }),
    mkNode('node-1', { cpu: '4', memory: '8Gi', labels: { [Z]: 'b' }, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
    mkNode('node-2', { cpu: '4', memory: '8Gi', labels: { [Z]: 'c' } }),
  ];
  for (const n of nodes) await s.createNode(n);
  const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: H }] } };
  const pods = [
    // cache wants to be in db's zone and is created first: it must wait for db, then follow it.
    mkPod('cache', { cpu: '250m', labels: { app: 'cache' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: Z }] } } }),
    ...[1, 2, 3].map((i) => mkPod(`web-${i}`, { cpu: '500m', labels: { app: 'web' }, affinity: anti, tolerations: [{ key: 'dedicated', operator: 'Exists' }] })),
    mkPod('db', { cpu: '2', memory: '2Gi', labels: { app: 'db' }, nodeSelector: { disk: 'ssd' } }),
    mkPod('gpu', {
      cpu: '1',
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: Z, operator: 'In', values: ['b'] }] }] } } },
    }),
    mkPod('batch-1', { cpu: '3' }),
    mkPod('batch-2', { cpu: '3' }),
    mkPod('proxy-1', { cpu: '100m', hostPorts: [{ port: 8080 }] }),
    mkPod('proxy-2', { cpu: '100m', hostPorts: [{ port: 8080 }] }),
  ];
  for (const p of pods) await s.createPod(p);
  s.startScheduler();
  await until(s, async () => boundCount(await s.listPods()) === 10);
  const placed = await s.listPods();
  t.deepEqual(violations(nodes, placed), []);
  const where = Object.fromEntries(placed.map((p) => [p.metadata.name, p.spec.nodeName]));
  t.is(where.db, 'node-0');
  t.is(where.cache, 'node-0');
  t.is(where.gpu, 'node-1');
  t.deepEqual(new Set([where['web-1'], where['web-2'], where['web-3']]).size, 3);
  t.not(where['proxy-1'], where['proxy-2']);
  for (const p of placed) t.like(p.status?.conditions?.find((c) => c.type === 'PodScheduled'), { status: 'True' });
});

test('scheduler - a pod that fits nowhere stays Pending with the upstream message, and is placed as soon as a node that fits joins', async (t) => {
  const s = await schedEnv(t);
  await s.createNode(mkNode('cp', { taints: [{ key: 'node-role.kubernetes.io/control-plane', value: '', effect: 'NoSchedule' }] }));
  await s.createNode(mkNode('w1', { cpu: '1' }));
  await s.createNode(mkNode('w2', { cpu: '1' }));
  s.startScheduler();
  await s.createPod(mkPod('big', { cpu: '2' }));
  const message =
    '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. ' +
    'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.';
  await until(s, async () => !!(await s.getPod('big')).status?.conditions?.some((c) => c.type === 'PodScheduled'));
  const pending = await s.getPod('big');
  t.is(pending.spec.nodeName, undefined);
  t.is(pending.status?.phase, 'Pending');
  t.like(pending.status?.conditions?.find((c) => c.type === 'PodScheduled'), { status: 'False', reason: 'Unschedulable', message });
  // Nothing changes for a minute: still pending, and no busy retrying (one attempt).
  await s.clock.advance(60_000);
  t.is((await s.getPod('big')).spec.nodeName, undefined);
  t.like(await explainOf(s, 'big'), { last: { result: 'unschedulable', at: '2026-11-23T10:00:00Z' } });
  const joined = s.clock.now();
  await s.createNode(mkNode('w3', { cpu: '4' }));
  await until(s, async () => !!(await s.getPod('big')).spec.nodeName, 5_000);
  t.is((await s.getPod('big')).spec.nodeName, 'w3');
  t.true(s.clock.now() - joined <= 1_500, `placed ${s.clock.now() - joined} ms after the node joined`);
});

test('scheduler - higher priority first, then older; a freed node takes the next pending pod', async (t) => {
  const s = await schedEnv(t);
  await s.createNode(mkNode('only', { cpu: '2' }));
  for (const [name, priority] of [['low', 1], ['high', 100], ['mid-old', 50], ['mid-new', 50]] as const) {
    await s.createPod(mkPod(name, { cpu: '800m', priority }));
    await s.clock.advance(1_000); // creation times one second apart
  }
  s.startScheduler();
  await until(s, async () => boundCount(await s.listPods()) === 2);
  await s.clock.advance(2_000);
  const names = (ps: Pod[]) => ps.filter((p) => p.spec.nodeName).map((p) => p.metadata.name).sort();
  t.deepEqual(names(await s.listPods()), ['high', 'mid-old']);
  await s.run(s.env.client.delete('pods', 'high', { namespace: 'default', gracePeriodSeconds: 0 }));
  await until(s, async () => names(await s.listPods()).includes('mid-new'), 5_000);
  t.deepEqual(names(await s.listPods()), ['mid-new', 'mid-old']);
});

test('scheduler - a burst onto small nodes never over-commits, even while the watch lags behind the bindings', async (t) => {
  const s = await schedEnv(t, 3);
  // Watch events reach the scheduler 2 s late: it must count what it assumed, not what it has seen.
  s.env.broker.faults = { delayMs: (env, to) => (to === 'scheduler' && env.subject.startsWith(watchInbox('')) && !env.subject.endsWith('.hb') ? 2_000 : 0) };
  const nodes = Array.from({ length: 10 }, (_, i) => mkNode(`n${i}`, { cpu: '1', memory: '2Gi', pods: '4' }));
  for (const n of nodes) await s.createNode(n);
  s.startScheduler();
  await s.clock.advance(5_000);
  await s.run(Promise.all(Array.from({ length: 45 }, (_, i) => s.env.client.create('pods', mkPod(`burst-${i}`, { cpu: '300m', memory: '100Mi' }) as never))));
  await until(s, async () => boundCount(await s.listPods()) >= 30);
  await s.clock.advance(10_000);
  const pods = await s.listPods();
  t.is(boundCount(pods), 30, '3 pods of 300m per 1-cpu node');
  t.deepEqual(violations(nodes, pods), []);
  const pending = pods.find((p) => !p.spec.nodeName)!;
  t.like(pending.status?.conditions?.find((c) => c.type === 'PodScheduled'), {
    reason: 'Unschedulable',
    message: '0/10 nodes are available: 10 Insufficient cpu. preemption: 0/10 nodes are available: 10 No preemption victims found for incoming pod.',
  });
});

test('scheduler - a binding conflict (409: bound meanwhile by someone else) drops the assumption and the pod is not retried', async (t) => {
  const s = await schedEnv(t);
  await s.createNode(mkNode('big', { cpu: '4' }));
  await s.createNode(mkNode('small', { cpu: '1' }));
  s.startScheduler();
  await s.clock.advance(2_000);
  // The scheduler's bind requests arrive 3 s late; meanwhile another binder places the pod.
  const bind = apiSubject('pods', 'bind');
  s.env.broker.faults = { delayMs: (env, to) => (env.subject === bind && to === 'control-plane' && env.from === 'scheduler' ? 3_000 : 0) };
  await s.createPod(mkPod('contested', { cpu: '500m' }));
  await s.clock.advance(500);
  await s.run(s.env.client.bind('default', 'contested', 'small'));
  await s.clock.advance(5_000);
  s.env.broker.faults = {};
  const p = await s.getPod('contested');
  t.is(p.spec.nodeName, 'small');
  t.false(!!p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False'), 'no Unschedulable condition for a conflict');
  // The scheduler counted the pod on "big" while it was assumed; now "big" must be entirely free again.
  await s.createPod(mkPod('whole', { cpu: '4' }));
  await until(s, async () => !!(await s.getPod('whole')).spec.nodeName, 5_000);
  t.is((await s.getPod('whole')).spec.nodeName, 'big');
});

test('scheduler - explain: per-node filter verdicts, per-plugin scores and the last decision', async (t) => {
  const s = await schedEnv(t);
  await s.createNode(mkNode('tainted', { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] }));
  await s.createNode(mkNode('busy', { cpu: '4' }));
  await s.createNode(mkNode('free', { cpu: '4' }));
  await s.createPod(mkPod('filler', { cpu: '3', nodeName: 'busy' }));
  s.startScheduler();
  await s.createPod(mkPod('web', { cpu: '500m', memory: '1Gi' }));
  await until(s, async () => !!(await s.getPod('web')).spec.nodeName);
  const ask = (name: string) => explainOf(s, name);
  const r = await ask('web');
  t.is(r.nodeName, 'free');
  t.like(r.last, { result: 'scheduled', node: 'free', feasibleNodes: 2 });
  t.deepEqual(r.nodes.map((n) => n.node), ['free', 'busy', 'tainted']);
  t.deepEqual(r.nodes[2].rejected, { plugin: 'TaintToleration', reasons: ['node(s) had untolerated taint {dedicated: x}'] });
  t.true(r.nodes[0].total! > r.nodes[1].total!);
  t.deepEqual(Object.keys(r.nodes[0].scores!).sort(), ['NodeResourcesBalancedAllocation', 'NodeResourcesFit', 'TaintToleration']);
  t.is(r.nodes[0].scores!.TaintToleration, 300);
  t.deepEqual(r.plugins.filter((p) => p.skipped).map((p) => p.name), ['NodeAffinity', 'PodTopologySpread', 'InterPodAffinity']);
  // A pod nothing fits gets the message it would get now.
  await s.createPod(mkPod('huge', { cpu: '16' }));
  await until(s, async () => (await ask('huge')).last?.result === 'unschedulable');
  const h = await ask('huge');
  t.regex(h.message!, /^0\/3 nodes are available: 1 node\(s\) had untolerated taint \{dedicated: x\}, 2 Insufficient cpu\./);
  t.is(h.last?.message, h.message);
  t.false((await ask('nope')).found);
});

test('scheduler - deleting a bound pod frees its room for a pending one; deleting a pending pod drops it', async (t) => {
  const s = await schedEnv(t);
  await s.createNode(mkNode('n', { cpu: '1' }));
  s.startScheduler();
  await s.createPod(mkPod('first', { cpu: '700m' }));
  await until(s, async () => !!(await s.getPod('first')).spec.nodeName);
  await s.createPod(mkPod('second', { cpu: '700m' }));
  await s.createPod(mkPod('doomed', { cpu: '700m' }));
  await s.clock.advance(3_000);
  await s.run(s.env.client.delete('pods', 'doomed', { namespace: 'default' }));
  await s.run(s.env.client.delete('pods', 'first', { namespace: 'default', gracePeriodSeconds: 0 }));
  await until(s, async () => !!(await s.getPod('second')).spec.nodeName, 5_000);
  t.is((await s.getPod('second')).spec.nodeName, 'n');
  t.deepEqual((await s.listPods()).map((p) => p.metadata.name), ['second']);
});

test('scheduler - records Normal Scheduled and Warning FailedScheduling events, counted on repeats', async (t) => {
  const s = await schedEnv(t);
  await s.createNode(mkNode('n1', { cpu: '1' }));
  s.startScheduler();
  await s.createPod(mkPod('ok', { cpu: '500m' }));
  await s.createPod(mkPod('big', { cpu: '2' }));
  await s.clock.advance(5_000);
  t.like((await events(s, 'ok')).find((e) => e.reason === 'Scheduled'), { type: 'Normal', message: 'Successfully assigned default/ok to n1' });
  const message = '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';
  t.like((await events(s, 'big')).find((e) => e.reason === 'FailedScheduling'), { type: 'Warning', message });
  await s.run(s.env.client.delete('pods', 'ok', { namespace: 'default', gracePeriodSeconds: 0 }));
  await s.clock.advance(5_000);
  t.like((await events(s, 'big')).find((e) => e.reason === 'FailedScheduling'), { count: 2 });
});
