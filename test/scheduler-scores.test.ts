// Scheduler score plugins (normalized 0..100 as upstream), node sampling and tie-breaking.
import test from 'ava';
import type { Node } from '../api/kinds/node.ts';
import type { Pod } from '../api/kinds/pod.ts';
import { seededRng } from '../bus/random.ts';
import { DEFAULT_SCORES } from '../actors/scheduler/plugins.ts';
import { numFeasibleNodesToFind, prioritize, selectHost } from '../actors/scheduler/scheduler.logic.ts';
import { balancedAllocationScore } from '../actors/scheduler/scores/balanced-allocation.ts';
import { interPodAffinityScore } from '../actors/scheduler/scores/inter-pod-affinity.ts';
import { leastAllocatedScore } from '../actors/scheduler/scores/least-allocated.ts';
import { nodeAffinityScore } from '../actors/scheduler/scores/node-affinity.ts';
import { defaultNormalizeScore } from '../actors/scheduler/scores/normalize.ts';
import { podTopologySpreadScore } from '../actors/scheduler/scores/pod-topology-spread.ts';
import { taintTolerationScore } from '../actors/scheduler/scores/taint-toleration.ts';
import type { ScorePlugin } from '../actors/scheduler/types.ts';
import { clusterOf, info, mkNode, mkPod } from './helpers/scheduler.ts';

interface Case {
  nodes: Node[];
  existing?: Pod[];
  pod: Pod;
  /** Normalized scores per node, or 'skip' when the plugin does not apply to the pod. */
  want: Record<string, number> | 'skip';
}

const scoreMacro = test.macro({
  exec(t, plugin: ScorePlugin<any>, c: Case) {
    const view = clusterOf(c.nodes, c.existing);
    const nodes = view.nodes();
    const { plugins } = prioritize(info(c.pod), nodes, view, true, [plugin]);
    const s = plugins[0].scores;
    if (c.want === 'skip') return t.is(s, undefined);
    t.deepEqual(Object.fromEntries(nodes.map((n, i) => [n.name, s?.[i]])), c.want);
  },
  title: (title = '', plugin: ScorePlugin<any>) => `scheduler score ${plugin.name} - ${title}`,
});

test('the default profile weights', (t) => {
  t.deepEqual(
    DEFAULT_SCORES.map((p) => `${p.name}=${p.weight}`),
    ['TaintToleration=3', 'NodeAffinity=2', 'NodeResourcesFit=1', 'PodTopologySpread=2', 'InterPodAffinity=2', 'NodeResourcesBalancedAllocation=1'],
  );
});

// LeastAllocated: ((capacity − requested) × 100 / capacity) per resource, averaged (integer maths).
test('least allocated: more free cpu and memory scores higher', scoreMacro, leastAllocatedScore, {
  nodes: [mkNode('n1', { cpu: '4', memory: '8Gi' }), mkNode('n2', { cpu: '4', memory: '8Gi' })],
  existing: [mkPod('e', { cpu: '2', memory: '2Gi', nodeName: 'n2' })],
  pod: mkPod('p', { cpu: '1', memory: '2Gi' }),
  want: { n1: 75, n2: 37 }, // n2: cpu (4000−3000)·100/4000 = 25, memory (8−4)·100/8 = 50 → (25+50)/2 = 37
});
test('least allocated: containers without requests count as 100m and 200Mi', scoreMacro, leastAllocatedScore, {
  nodes: [mkNode('n1', { cpu: '1', memory: '1000Mi' })],
  existing: [mkPod('e', { nodeName: 'n1' })],
  pod: mkPod('p'),
  want: { n1: 70 }, // cpu (1000−200)·100/1000 = 80, memory (1000−400)·100/1000 = 60
});
test('least allocated: over capacity scores 0 for that resource', scoreMacro, leastAllocatedScore, {
  nodes: [mkNode('n1', { cpu: '1', memory: '1Gi' })],
  pod: mkPod('p', { cpu: '2', memory: '512Mi' }),
  want: { n1: 25 },
});

test('balanced allocation: 1 − |cpu fraction − memory fraction| / 2', scoreMacro, balancedAllocationScore, {
  nodes: [mkNode('n1', { cpu: '4', memory: '8Gi' }), mkNode('n2', { cpu: '4', memory: '8Gi' })],
  existing: [mkPod('e', { cpu: '1', nodeName: 'n2' })],
  pod: mkPod('p', { cpu: '1', memory: '4Gi' }),
  want: { n1: 87, n2: 100 }, // n1: 0.25 vs 0.5 → 1 − 0.125; n2: 0.5 vs 0.5
});
test('balanced allocation: fractions are capped at 1', scoreMacro, balancedAllocationScore, {
  nodes: [mkNode('n1', { cpu: '1', memory: '8Gi' })],
  pod: mkPod('p', { cpu: '3', memory: '0' }),
  want: { n1: 50 },
});
test('balanced allocation: skipped for best-effort pods', scoreMacro, balancedAllocationScore, { nodes: [mkNode('n1')], pod: mkPod('p'), want: 'skip' });

const soft = (name: string, n: number) => mkNode(name, { taints: Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: 'v', effect: 'PreferNoSchedule' })) });
test('taint toleration: fewer untolerated PreferNoSchedule taints is better (reversed)', scoreMacro, taintTolerationScore, {
  nodes: [soft('n0', 0), soft('n1', 1), soft('n2', 2)],
  pod: mkPod('p'),
  want: { n0: 100, n1: 50, n2: 0 },
});
test('taint toleration: tolerations with effect PreferNoSchedule (or none) count; NoSchedule ones do not', scoreMacro, taintTolerationScore, {
  nodes: [soft('n1', 1), soft('n2', 2)],
  pod: mkPod('p', { tolerations: [{ key: 'k0', operator: 'Exists', effect: 'PreferNoSchedule' }, { key: 'k1', operator: 'Exists', effect: 'NoSchedule' }] }),
  want: { n1: 100, n2: 0 },
});
test('taint toleration: no soft taints anywhere gives everyone 100', scoreMacro, taintTolerationScore, { nodes: [soft('n1', 0), soft('n2', 0)], pod: mkPod('p'), want: { n1: 100, n2: 100 } });

const preferred = (...ws: Array<[number, string, string]>) =>
  ({ nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: ws.map(([weight, key, value]) => ({ weight, preference: { matchExpressions: [{ key, operator: 'In', values: [value] }] } })) } }) as never;
test('node affinity: matched preferred weights, scaled by the best', scoreMacro, nodeAffinityScore, {
  nodes: [mkNode('n1', { labels: { disk: 'ssd', zone: 'a' } }), mkNode('n2', { labels: { disk: 'ssd' } }), mkNode('n3')],
  pod: mkPod('p', { affinity: preferred([2, 'disk', 'ssd'], [5, 'zone', 'a']) }),
  want: { n1: 100, n2: 28, n3: 0 },
});
test('node affinity: skipped without preferred terms', scoreMacro, nodeAffinityScore, { nodes: [mkNode('n1')], pod: mkPod('p'), want: 'skip' });

const Z = 'topology.kubernetes.io/zone';
const zones = [mkNode('a1', { labels: { [Z]: 'a' } }), mkNode('b1', { labels: { [Z]: 'b' } }), mkNode('c1', { labels: { [Z]: 'c' } })];
const prefPod = (kind: 'podAffinity' | 'podAntiAffinity', weight: number, labels: Record<string, string>) =>
  ({ [kind]: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight, podAffinityTerm: { labelSelector: { matchLabels: labels }, topologyKey: Z } }] } }) as never;
test('inter-pod affinity: preferred affinity towards the zone of matching pods', scoreMacro, interPodAffinityScore, {
  nodes: zones,
  existing: [mkPod('w', { labels: { app: 'web' }, nodeName: 'b1' })],
  pod: mkPod('p', { affinity: prefPod('podAffinity', 5, { app: 'web' }) }),
  want: { a1: 0, b1: 100, c1: 0 },
});
test('inter-pod affinity: preferred anti-affinity, min..max scaled', scoreMacro, interPodAffinityScore, {
  nodes: zones,
  existing: [mkPod('w1', { labels: { app: 'web' }, nodeName: 'b1' }), mkPod('w2', { labels: { app: 'web' }, nodeName: 'b1' }), mkPod('w3', { labels: { app: 'web' }, nodeName: 'c1' })],
  pod: mkPod('p', { affinity: prefPod('podAntiAffinity', 10, { app: 'web' }) }),
  want: { a1: 100, b1: 0, c1: 50 },
});
test("inter-pod affinity: existing pods' required affinity attracts the pod (weight 1)", scoreMacro, interPodAffinityScore, {
  nodes: zones,
  existing: [mkPod('cache', { nodeName: 'c1', affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: Z }] } } as never })],
  pod: mkPod('p', { labels: { app: 'db' } }),
  want: { a1: 0, b1: 0, c1: 100 },
});
test('inter-pod affinity: skipped when no term applies', scoreMacro, interPodAffinityScore, { nodes: zones, pod: mkPod('p'), want: 'skip' });

const soft1 = [{ maxSkew: 1, topologyKey: Z, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'web' } } }] as never;
test('topology spread (ScheduleAnyway): fewer matching pods in the domain is better', scoreMacro, podTopologySpreadScore, {
  nodes: [...zones, mkNode('x1')],
  existing: [mkPod('w1', { labels: { app: 'web' }, nodeName: 'a1' }), mkPod('w2', { labels: { app: 'web' }, nodeName: 'a1' }), mkPod('w3', { labels: { app: 'web' }, nodeName: 'b1' })],
  pod: mkPod('p', { labels: { app: 'web' }, spread: soft1 }),
  // raw: a = round(2·ln 5) = 3, b = round(ln 5) = 2, c = 0; → 100·(3 + 0 − s)/3; x1 lacks the key: 0
  want: { a1: 0, b1: 33, c1: 100, x1: 0 },
});
test('topology spread: skipped without ScheduleAnyway constraints', scoreMacro, podTopologySpreadScore, { nodes: zones, pod: mkPod('p'), want: 'skip' });

test('scheduler normalize - default normalization scales by the maximum, reversed on request', (t) => {
  const a = [0, 5, 10];
  defaultNormalizeScore(a, false);
  t.deepEqual(a, [0, 50, 100]);
  const b = [1, 3];
  defaultNormalizeScore(b, true);
  t.deepEqual(b, [67, 0]);
  const c = [0, 0];
  defaultNormalizeScore(c, false);
  t.deepEqual(c, [0, 0]);
});

test('scheduler sampling - numFeasibleNodesToFind follows upstream (adaptive 50 − n/125 %, ≥ 5 %, ≥ 100 nodes)', (t) => {
  const cases: Array<[number, number, number]> = [
    [0, 50, 50],
    [0, 99, 99],
    [0, 100, 100],
    [0, 150, 100],
    [0, 1_000, 420],
    [0, 5_000, 500],
    [0, 6_000, 300],
    [0, 15_000, 750],
    [30, 1_000, 300],
    [100, 1_000, 1_000],
    [1, 1_000, 100],
  ];
  for (const [pct, n, want] of cases) t.is(numFeasibleNodesToFind(pct, n), want, `${pct}% of ${n}`);
});

test('scheduler selectHost - the best total wins; ties are broken uniformly by the seeded rng', (t) => {
  const rng = seededRng(7);
  t.is(selectHost([1, 9, 3], rng), 1);
  const hits = [0, 0, 0, 0];
  for (let i = 0; i < 3000; i++) hits[selectHost([5, 8, 8, 8], rng)]++;
  t.is(hits[0], 0);
  for (const h of hits.slice(1)) t.true(h > 850 && h < 1150, `${hits}`);
  const again = seededRng(7);
  t.deepEqual(
    Array.from({ length: 20 }, () => selectHost([1, 1, 1], again)),
    Array.from({ length: 20 }, ((r) => () => selectHost([1, 1, 1], r))(seededRng(7))),
  );
});
