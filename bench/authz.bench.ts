// RBAC authorizer benchmark: the cost of one authorization in process, with 2,000 RoleBindings in 200
// namespaces and 200 ClusterRoleBindings stored beside the defaults, for a user allowed by a RoleBinding,
// one allowed by a group's ClusterRoleBinding, one denied, and system:masters (no lookup at all).
// Then the node authorizer before RBAC (--authorization-mode=Node,RBAC) with 1,000 nodes and 30,000 bound
// pods (each with a secret volume and a configmap env): a kubelet's secret get (graph), one refused, a
// rule-decided list, and what a pod event costs the graph.
// Run: npm run bench -- authz [--runs N] [--ops N]
import { performance } from 'node:perf_hooks';
import type { Attributes } from '../actors/apiserver/authz/attributes.ts';
import { RbacAuthorizer } from '../actors/apiserver/authz/authorizer.ts';
import { BindingIndex } from '../actors/apiserver/authz/binding-index.ts';
import { AuthorizerChain } from '../actors/apiserver/authz/chain.ts';
import { NodeAuthorizer } from '../actors/apiserver/authz/node-authorizer.ts';
import { NodeGraph } from '../actors/apiserver/authz/node-graph.ts';
import { defaultClusterRoleBindings, defaultClusterRoles } from '../actors/apiserver/authz/default-roles.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import type { Store, StoreEvent } from '../actors/apiserver/store/store.ts';
import { silentLogger } from '../bus/types.ts';
import { arg, median, report, type Figure } from './report.ts';

const RUNS = arg('runs', 5);
const OPS = arg('ops', 200_000);
const RBAC = 'rbac.authorization.k8s.io';

async function seeded(store = new MemoryStore()): Promise<RbacAuthorizer> {
  const put = (key: string, value: unknown) => store.txn({ op: 'create', key, value });
  for (const r of defaultClusterRoles()) await put(`/registry/clusterroles/${r.metadata.name}`, r);
  for (const b of defaultClusterRoleBindings()) await put(`/registry/clusterrolebindings/${b.metadata.name}`, b);
  const binding = (name: string, namespace: string | undefined, roleKind: string, role: string, subject: object) => ({
    apiVersion: `${RBAC}/v1`, kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding', metadata: { name, namespace }, roleRef: { apiGroup: RBAC, kind: roleKind, name: role }, subjects: [subject],
  });
  for (let n = 0; n < 200; n++) {
    const ns = `team-${n}`;
    await put(`/registry/roles/${ns}/reader`, { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'reader', namespace: ns }, rules: [{ apiGroups: [''], resources: ['pods', 'configmaps'], verbs: ['get', 'list', 'watch'] }] });
    for (let u = 0; u < 10; u++) await put(`/registry/rolebindings/${ns}/user-${u}`, binding(`user-${u}`, ns, u % 2 ? 'Role' : 'ClusterRole', u % 2 ? 'reader' : 'system:aggregate-to-edit', { apiGroup: RBAC, kind: 'User', name: `user-${n}-${u}` }));
    await put(`/registry/clusterrolebindings/group-${n}`, binding(`group-${n}`, undefined, 'ClusterRole', 'system:aggregate-to-view', { apiGroup: RBAC, kind: 'Group', name: `group-${n}` }));
  }
  const index = new BindingIndex(store, silentLogger);
  index.start();
  return new RbacAuthorizer(index);
}

const ask = (username: string, groups: string[], namespace: string, verb = 'get'): Attributes => ({
  user: { username, groups: [...groups, 'system:authenticated'] }, verb, apiGroup: '', resource: 'pods', namespace, name: 'p',
});

const CASES: Record<string, Attributes> = {
  'allowed by a RoleBinding': ask('user-7-1', [], 'team-7'),
  'allowed by a group ClusterRoleBinding': ask('someone', ['group-150'], 'team-3', 'list'),
  denied: ask('nobody', ['others'], 'team-7', 'delete'),
  'system:masters': ask('root', ['system:masters'], 'team-7', 'delete'),
};

const authz = await seeded();
const runs: Array<Record<string, number>> = [];
for (let r = 0; r < RUNS; r++) {
  const out: Record<string, number> = {};
  // Interleaved: each case once per round, so load changes hit every case alike.
  for (const [name, a] of Object.entries(CASES)) {
    if (authz.authorize(a).allowed !== (name !== 'denied')) throw new Error(`unexpected decision for ${name}`);
    const t0 = performance.now();
    for (let i = 0; i < OPS; i++) authz.authorize(a);
    out[name] = ((performance.now() - t0) * 1e6) / OPS;
  }
  runs.push(out);
}
const figures: Figure[] = Object.keys(CASES).map((name) => ({ name: `authorize: ${name}`, value: median(runs.map((r) => r[name])), unit: 'ns/op', higherIsBetter: false }));
report(`RBAC authorizer in process (2,000 RoleBindings, 200 ClusterRoleBindings + defaults; medians of ${RUNS} runs of ${OPS} each)`, figures);

// The node authorizer: the graph follows the store as the API server's does.
const NODES = 1_000;
const PODS = 30_000;
const nodeStore = new MemoryStore();
const rbac = await seeded(nodeStore);
const graph = new NodeGraph(nodeStore, silentLogger);
graph.start();
const chain = new AuthorizerChain(new NodeAuthorizer(graph), rbac);
const podOf = (i: number, node: string) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, namespace: `team-${i % 200}`, uid: `u${i}` },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'x', envFrom: [{ configMapRef: { name: `cm${i}` } }] }], volumes: [{ name: 's', secret: { secretName: `s${i}` } }] },
});
const t0 = performance.now();
for (let i = 0; i < PODS; i++) await nodeStore.txn({ op: 'create', key: `/registry/pods/team-${i % 200}/p${i}`, value: podOf(i, `n${i % NODES}`) });
const loadMs = performance.now() - t0;
const kubelet = (n: number) => ({ username: `system:node:n${n}`, groups: ['system:nodes', 'system:authenticated'] });
const NODE_CASES: Record<string, [Attributes, boolean]> = {
  'node: get its pod\'s secret (graph)': [{ user: kubelet(7), verb: 'get', apiGroup: '', resource: 'secrets', namespace: 'team-7', name: 's7' }, true],
  'node: get another node\'s secret (refused, then RBAC)': [{ user: kubelet(8), verb: 'get', apiGroup: '', resource: 'secrets', namespace: 'team-7', name: 's7' }, false],
  'node: watch its pods (selector)': [{ user: kubelet(7), verb: 'watch', apiGroup: '', resource: 'pods', namespace: '', name: '', fieldSelector: 'spec.nodeName=n7' }, true],
  'node: list services (system:node rules)': [{ user: kubelet(7), verb: 'list', apiGroup: '', resource: 'services', namespace: '', name: '' }, true],
  'non-node user through Node,RBAC': [ask('user-7-1', [], 'team-7'), true],
};
const nodeRuns: Array<Record<string, number>> = [];
for (let r = 0; r < RUNS; r++) {
  const out: Record<string, number> = {};
  for (const [name, [a, allowed]] of Object.entries(NODE_CASES)) {
    if (chain.authorize(a).allowed !== allowed) throw new Error(`unexpected decision for ${name}`);
    const s0 = performance.now();
    for (let i = 0; i < OPS; i++) chain.authorize(a);
    out[name] = ((performance.now() - s0) * 1e6) / OPS;
  }
  nodeRuns.push(out);
}
// What a pod write costs the graph itself: its watch callback fed directly (a fake store), a bound pod
// created then deleted, so the figure is the graph's own work per event, without the store's.
const callbacks: Array<(ev: StoreEvent) => void> = [];
const fakeStore = { range: () => ({ kvs: [], revision: 0 }), watch: (_p: string, _r: number, cb: (ev: StoreEvent) => void) => (callbacks.push(cb), () => {}) } as unknown as Store;
const lone = new NodeGraph(fakeStore, silentLogger);
lone.start();
const onPod = callbacks[0];
const eventCost: number[] = [];
for (let r = 0; r < RUNS; r++) {
  const s0 = performance.now();
  for (let i = 0; i < PODS; i++) {
    const kv = { key: `/registry/pods/team-${i % 200}/p${i}`, value: podOf(i, `n${i % NODES}`), createRevision: i, modRevision: i, version: 1 };
    onPod({ type: 'put', revision: i, kv });
    onPod({ type: 'delete', revision: i, kv });
  }
  eventCost.push(((performance.now() - s0) * 1e6) / (2 * PODS));
}
if (lone.podCount !== 0) throw new Error('the graph kept a deleted pod');
report(`Node,RBAC in process (${NODES.toLocaleString('en-US')} nodes, ${PODS.toLocaleString('en-US')} bound pods; medians of ${RUNS} runs of ${OPS} each)`, [
  ...Object.keys(NODE_CASES).map((name) => ({ name: `authorize: ${name}`, value: median(nodeRuns.map((r) => r[name])), unit: 'ns/op', higherIsBetter: false })),
  { name: 'graph: initial pod writes, store included', value: (loadMs * 1e6) / PODS, unit: 'ns/write', higherIsBetter: false },
  { name: 'graph: one pod event applied (create or delete), no store', value: median(eventCost), unit: 'ns/event', higherIsBetter: false },
]);
