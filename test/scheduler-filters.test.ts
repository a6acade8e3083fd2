// Scheduler filter plugins against upstream-like cases (tables via ava macros): each case is a
// cluster, a pod, and the expected verdict per node (undefined = fits, else the reasons).
import test from 'ava';
import type { Node } from '../api/kinds/node.ts';
import type { Pod } from '../api/kinds/pod.ts';
import { prepareFilters, runFilters } from '../actors/scheduler/filtering.ts';
import { interPodAffinityFilter } from '../actors/scheduler/filters/inter-pod-affinity.ts';
import { nodeAffinityFilter } from '../actors/scheduler/filters/node-affinity.ts';
import { nodeNameFilter } from '../actors/scheduler/filters/node-name.ts';
import { nodePortsFilter } from '../actors/scheduler/filters/node-ports.ts';
import { nodeResourcesFitFilter } from '../actors/scheduler/filters/node-resources-fit.ts';
import { nodeUnschedulableFilter } from '../actors/scheduler/filters/node-unschedulable.ts';
import { podTopologySpreadFilter } from '../actors/scheduler/filters/pod-topology-spread.ts';
import { taintTolerationFilter } from '../actors/scheduler/filters/taint-toleration.ts';
import type { FilterPlugin } from '../actors/scheduler/types.ts';
import { clusterOf, info, mkNode, mkPod } from './helpers/scheduler.ts';

interface Case {
  nodes: Node[];
  existing?: Pod[];
  pod: Pod;
  /** Node name → reasons ([] or absent = fits). */
  want: Record<string, string[]>;
}

const verdicts = (plugin: FilterPlugin<any>, c: Case): Record<string, string[]> => {
  const view = clusterOf(c.nodes, c.existing);
  const pod = info(c.pod);
  const prepared = prepareFilters(pod, view, [plugin]);
  const out: Record<string, string[]> = {};
  for (const n of view.nodes()) out[n.name] = [...(runFilters(prepared, pod, n)?.reasons ?? [])];
  return out;
};

const filterMacro = test.macro({
  exec(t, plugin: FilterPlugin<any>, c: Case) {
    const want: Record<string, string[]> = {};
    for (const n of c.nodes) want[n.metadata.name!] = c.want[n.metadata.name!] ?? [];
    t.deepEqual(verdicts(plugin, c), want);
  },
  title: (title = '', plugin: FilterPlugin<any>) => `scheduler filter ${plugin.name} - ${title}`,
});

// --- NodeResourcesFit --------------------------------------------------------------------------

const small = mkNode('n1', { cpu: '10m', memory: '20', pods: '32' });
test('no requests fit anywhere', filterMacro, nodeResourcesFitFilter, { nodes: [small], existing: [mkPod('e', { cpu: '10m', memory: '20', nodeName: 'n1' })], pod: mkPod('p'), want: {} });
test('too much requested: every insufficient resource is a reason', filterMacro, nodeResourcesFitFilter, {
  nodes: [small],
  existing: [mkPod('e', { cpu: '5m', memory: '19', nodeName: 'n1' })],
  pod: mkPod('p', { cpu: '8m', memory: '2' }),
  want: { n1: ['Insufficient cpu', 'Insufficient memory'] },
});
test('fits exactly what is left', filterMacro, nodeResourcesFitFilter, {
  nodes: [small],
  existing: [mkPod('e', { cpu: '5m', memory: '19', nodeName: 'n1' })],
  pod: mkPod('p', { cpu: '5m', memory: '1' }),
  want: {},
});
test('an init container larger than the app containers counts (max, not sum)', filterMacro, nodeResourcesFitFilter, {
  nodes: [mkNode('n1', { cpu: '2' })],
  pod: mkPod('p', { cpu: '1', initCpu: '3' }),
  want: { n1: ['Insufficient cpu'] },
});
test('the pod count is checked first: Too many pods', filterMacro, nodeResourcesFitFilter, {
  nodes: [mkNode('n1', { cpu: '1', pods: '1' })],
  existing: [mkPod('e', { cpu: '900m', nodeName: 'n1' })],
  pod: mkPod('p', { cpu: '200m' }),
  want: { n1: ['Too many pods', 'Insufficient cpu'] },
});
test('extended resources: absent or short on the node', filterMacro, nodeResourcesFitFilter, {
  nodes: [mkNode('n1'), mkNode('n2', { extra: { 'example.com/gpu': '1' } }), mkNode('n3', { extra: { 'example.com/gpu': '2' } })],
  pod: mkPod('p', { extra: { 'example.com/gpu': '2' } }),
  want: { n1: ['Insufficient example.com/gpu'], n2: ['Insufficient example.com/gpu'] },
});
test('ephemeral storage', filterMacro, nodeResourcesFitFilter, {
  nodes: [mkNode('n1', { extra: { 'ephemeral-storage': '1Gi' } })],
  pod: mkPod('p', { extra: { 'ephemeral-storage': '2Gi' } }),
  want: { n1: ['Insufficient ephemeral-storage'] },
});
test('pods without requests do not consume cpu for the filter (no scoring defaults)', filterMacro, nodeResourcesFitFilter, {
  nodes: [mkNode('n1', { cpu: '100m' })],
  existing: [mkPod('e1', { nodeName: 'n1' }), mkPod('e2', { nodeName: 'n1' })],
  pod: mkPod('p', { cpu: '100m' }),
  want: {},
});

// --- TaintToleration ---------------------------------------------------------------------------

const tainted = (name: string, ...taints: Array<[string, string, string]>) => mkNode(name, { taints: taints.map(([key, value, effect]) => ({ key, value, effect })) });
test('untolerated NoSchedule taint, worded with key and value', filterMacro, taintTolerationFilter, {
  nodes: [mkNode('free'), tainted('n1', ['dedicated', 'user1', 'NoSchedule'])],
  pod: mkPod('p'),
  want: { n1: ['node(s) had untolerated taint {dedicated: user1}'] },
});
test('a taint without value prints an empty value', filterMacro, taintTolerationFilter, {
  nodes: [tainted('cp', ['node-role.kubernetes.io/control-plane', '', 'NoSchedule'])],
  pod: mkPod('p'),
  want: { cp: ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'] },
});
test('tolerated by Equal, by Exists, by an empty key with Exists', filterMacro, taintTolerationFilter, {
  nodes: [tainted('n1', ['dedicated', 'user1', 'NoSchedule'])],
  pod: mkPod('p', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'user1', effect: 'NoSchedule' }] }),
  want: {},
});
test('a toleration for another effect or value does not help', filterMacro, taintTolerationFilter, {
  nodes: [tainted('n1', ['dedicated', 'user1', 'NoSchedule']), tainted('n2', ['dedicated', 'user1', 'NoExecute'])],
  pod: mkPod('p', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'user2' }, { key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] }),
  want: { n2: ['node(s) had untolerated taint {dedicated: user1}'] },
});
test('PreferNoSchedule taints never filter', filterMacro, taintTolerationFilter, {
  nodes: [tainted('n1', ['soft', 'x', 'PreferNoSchedule'])],
  pod: mkPod('p'),
  want: {},
});
test('Exists with no key tolerates everything', filterMacro, taintTolerationFilter, {
  nodes: [tainted('n1', ['a', '1', 'NoSchedule'], ['b', '', 'NoExecute'])],
  pod: mkPod('p', { tolerations: [{ operator: 'Exists' }] }),
  want: {},
});

// --- NodeAffinity ------------------------------------------------------------------------------

const zoned = [mkNode('a1', { labels: { zone: 'a', disk: 'ssd', gen: '3' } }), mkNode('b1', { labels: { zone: 'b', gen: '5' } }), mkNode('c1')];
const NA = "node(s) didn't match Pod's node affinity/selector";
const required = (...terms: object[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });
test('nodeSelector', filterMacro, nodeAffinityFilter, { nodes: zoned, pod: mkPod('p', { nodeSelector: { disk: 'ssd' } }), want: { b1: [NA], c1: [NA] } });
test('required In', filterMacro, nodeAffinityFilter, {
  nodes: zoned,
  pod: mkPod('p', { affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }) }),
  want: { c1: [NA] },
});
test('required NotIn and DoesNotExist match nodes without the label', filterMacro, nodeAffinityFilter, {
  nodes: zoned,
  pod: mkPod('p', { affinity: required({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }, { key: 'disk', operator: 'DoesNotExist' }] }) }),
  want: { a1: [NA] },
});
test('required Gt compares integers', filterMacro, nodeAffinityFilter, {
  nodes: zoned,
  pod: mkPod('p', { affinity: required({ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] }) }),
  want: { a1: [NA], c1: [NA] },
});
test('terms are ORed, expressions ANDed', filterMacro, nodeAffinityFilter, {
  nodes: zoned,
  pod: mkPod('p', {
    affinity: required(
      { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'disk', operator: 'Exists' }] },
      { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }, { key: 'disk', operator: 'Exists' }] },
    ),
  }),
  want: { b1: [NA], c1: [NA] },
});
test('matchFields metadata.name', filterMacro, nodeAffinityFilter, {
  nodes: zoned,
  pod: mkPod('p', { affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['c1'] }] }) }),
  want: { a1: [NA], b1: [NA] },
});
test('nodeSelector and affinity must both match', filterMacro, nodeAffinityFilter, {
  nodes: zoned,
  pod: mkPod('p', { nodeSelector: { zone: 'b' }, affinity: required({ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }) }),
  want: { a1: [NA], b1: [NA], c1: [NA] },
});

// --- NodeUnschedulable, NodeName, NodePorts ----------------------------------------------------

test('a cordoned node is unschedulable', filterMacro, nodeUnschedulableFilter, {
  nodes: [mkNode('n1', { unschedulable: true }), mkNode('n2')],
  pod: mkPod('p'),
  want: { n1: ['node(s) were unschedulable'] },
});
test('unless the pod tolerates node.kubernetes.io/unschedulable', filterMacro, nodeUnschedulableFilter, {
  nodes: [mkNode('n1', { unschedulable: true })],
  pod: mkPod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }),
  want: {},
});
test('spec.nodeName names the only node', filterMacro, nodeNameFilter, {
  nodes: [mkNode('n1'), mkNode('n2')],
  pod: mkPod('p', { nodeName: 'n2' }),
  want: { n1: ["node(s) didn't match the requested node name"] },
});
const NP = "node(s) didn't have free ports for the requested pod ports";
const withPorts = (node: string, ...ps: Array<{ port: number; protocol?: string; hostIP?: string }>) => mkPod(`e-${node}-${ps[0].port}`, { nodeName: node, hostPorts: ps });
test('host ports: same port and protocol clash; other protocol or IP do not', filterMacro, nodePortsFilter, {
  nodes: [mkNode('n1'), mkNode('n2'), mkNode('n3'), mkNode('n4')],
  existing: [withPorts('n1', { port: 8080 }), withPorts('n2', { port: 8080, protocol: 'UDP' }), withPorts('n3', { port: 8080, hostIP: '10.0.0.2' }), withPorts('n4', { port: 9090 })],
  pod: mkPod('p', { hostPorts: [{ port: 8080, hostIP: '10.0.0.1' }] }),
  want: { n1: [NP] },
});
test('host ports: 0.0.0.0 clashes with any address', filterMacro, nodePortsFilter, {
  nodes: [mkNode('n3')],
  existing: [withPorts('n3', { port: 8080, hostIP: '10.0.0.2' })],
  pod: mkPod('p', { hostPorts: [{ port: 8080 }] }),
  want: { n3: [NP] },
});

// --- InterPodAffinity --------------------------------------------------------------------------

const Z = 'topology.kubernetes.io/zone';
const H = 'kubernetes.io/hostname';
const zones = [mkNode('a1', { labels: { [Z]: 'a' } }), mkNode('a2', { labels: { [Z]: 'a' } }), mkNode('b1', { labels: { [Z]: 'b' } }), mkNode('x1')];
const term = (labels: Record<string, string>, topologyKey: string, extra: object = {}) => ({ labelSelector: { matchLabels: labels }, topologyKey, ...extra });
const podAff = (...terms: object[]) => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } }) as never;
const podAnti = (...terms: object[]) => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } }) as never;
const AFF = "node(s) didn't match pod affinity rules";
const ANTI = "node(s) didn't match pod anti-affinity rules";
const EXIST = "node(s) didn't satisfy existing pods anti-affinity rules";
test('affinity: only the zone holding a matching pod; nodes without the key never', filterMacro, interPodAffinityFilter, {
  nodes: zones,
  existing: [mkPod('db', { labels: { app: 'db' }, nodeName: 'a2' })],
  pod: mkPod('p', { affinity: podAff(term({ app: 'db' }, Z)) }),
  want: { b1: [AFF], x1: [AFF] },
});
test('affinity: the first pod of a self-affine group may go anywhere with the key', filterMacro, interPodAffinityFilter, {
  nodes: zones,
  pod: mkPod('p', { labels: { app: 'web' }, affinity: podAff(term({ app: 'web' }, Z)) }),
  want: { x1: [AFF] },
});
test('affinity: a term for another namespace does not see default pods', filterMacro, interPodAffinityFilter, {
  nodes: zones,
  existing: [mkPod('db', { labels: { app: 'db' }, nodeName: 'a2' })],
  pod: mkPod('p', { affinity: podAff(term({ app: 'db' }, Z, { namespaces: ['other'] })) }),
  want: { a1: [AFF], a2: [AFF], b1: [AFF], x1: [AFF] },
});
test('affinity: a namespaceSelector matching every namespace does', filterMacro, interPodAffinityFilter, {
  nodes: zones,
  existing: [mkPod('db', { namespace: 'data', labels: { app: 'db' }, nodeName: 'b1' })],
  pod: mkPod('p', { affinity: podAff(term({ app: 'db' }, Z, { namespaceSelector: {} })) }),
  want: { a1: [AFF], a2: [AFF], x1: [AFF] },
});
test('anti-affinity by hostname: not beside a matching pod', filterMacro, interPodAffinityFilter, {
  nodes: zones,
  existing: [mkPod('w1', { labels: { app: 'web' }, nodeName: 'a1' })],
  pod: mkPod('p', { labels: { app: 'web' }, affinity: podAnti(term({ app: 'web' }, H)) }),
  want: { a1: [ANTI] },
});
test('anti-affinity by zone covers the whole zone', filterMacro, interPodAffinityFilter, {
  nodes: zones,
  existing: [mkPod('w1', { labels: { app: 'web' }, nodeName: 'a1' })],
  pod: mkPod('p', { affinity: podAnti(term({ app: 'web' }, Z)) }),
  want: { a1: [ANTI], a2: [ANTI] },
});
test("existing pods' anti-affinity keeps the pod out of their domain", filterMacro, interPodAffinityFilter, {
  nodes: zones,
  existing: [mkPod('loner', { nodeName: 'b1', affinity: podAnti(term({ team: 'noisy' }, Z)) })],
  pod: mkPod('p', { labels: { team: 'noisy' } }),
  want: { b1: [EXIST] },
});

// --- PodTopologySpread -------------------------------------------------------------------------

const spread = (maxSkew: number, topologyKey: string, labels: Record<string, string>, extra: object = {}) =>
  [{ maxSkew, topologyKey, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: labels }, ...extra }] as never;
const SKEW = "node(s) didn't match pod topology spread constraints";
const MISSING = "node(s) didn't match pod topology spread constraints (missing required label)";
const webOn = (...nodes: string[]) => nodes.map((n, i) => mkPod(`w${i}`, { labels: { app: 'web' }, nodeName: n }));
test('maxSkew 1 by zone: the fuller zone is refused; nodes without the key are unresolvable', filterMacro, podTopologySpreadFilter, {
  nodes: zones,
  existing: webOn('a1', 'a2'),
  pod: mkPod('p', { labels: { app: 'web' }, spread: spread(1, Z, { app: 'web' }) }),
  want: { a1: [SKEW], a2: [SKEW], x1: [MISSING] },
});
test('a pod that does not match its own selector adds nothing to the skew', filterMacro, podTopologySpreadFilter, {
  nodes: zones,
  existing: webOn('a1'),
  pod: mkPod('p', { labels: { app: 'other' }, spread: spread(1, Z, { app: 'web' }) }),
  want: { x1: [MISSING] },
});
test('minDomains above the domain count makes the global minimum 0', filterMacro, podTopologySpreadFilter, {
  nodes: zones,
  existing: webOn('a1', 'b1'),
  pod: mkPod('p', { labels: { app: 'web' }, spread: spread(1, Z, { app: 'web' }, { minDomains: 3 }) }),
  want: { a1: [SKEW], a2: [SKEW], b1: [SKEW], x1: [MISSING] },
});
test('nodeAffinityPolicy Honor: domains the pod cannot go to do not hold the minimum down', filterMacro, podTopologySpreadFilter, {
  nodes: zones,
  existing: webOn('a1'),
  pod: mkPod('p', { labels: { app: 'web' }, nodeSelector: { [Z]: 'a' }, spread: spread(1, Z, { app: 'web' }) }),
  want: { x1: [MISSING] },
});
test('terminating pods are not counted', filterMacro, podTopologySpreadFilter, {
  nodes: zones,
  existing: [mkPod('gone1', { labels: { app: 'web' }, nodeName: 'a1', terminating: true }), mkPod('gone2', { labels: { app: 'web' }, nodeName: 'a2', terminating: true })],
  pod: mkPod('p', { labels: { app: 'web' }, spread: spread(1, Z, { app: 'web' }) }),
  want: { x1: [MISSING] },
});
test('hostname spreading with maxSkew 2', filterMacro, podTopologySpreadFilter, {
  nodes: [mkNode('h1'), mkNode('h2')],
  existing: webOn('h1', 'h1'),
  pod: mkPod('p', { labels: { app: 'web' }, spread: spread(2, H, { app: 'web' }) }),
  want: { h1: [SKEW] },
});
