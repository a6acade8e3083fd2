// RBAC authorizer benchmark: the cost of one authorization in process, with 2,000 RoleBindings in 200
// namespaces and 200 ClusterRoleBindings stored beside the defaults, for a user allowed by a RoleBinding,
// one allowed by a group's ClusterRoleBinding, one denied, and system:masters (no lookup at all).
// Run: npm run bench -- authz [--runs N] [--ops N]
import { performance } from 'node:perf_hooks';
import type { Attributes } from '../actors/apiserver/authz/attributes.ts';
import { RbacAuthorizer } from '../actors/apiserver/authz/authorizer.ts';
import { BindingIndex } from '../actors/apiserver/authz/binding-index.ts';
import { defaultClusterRoleBindings, defaultClusterRoles } from '../actors/apiserver/authz/default-roles.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { silentLogger } from '../bus/types.ts';
import { arg, median, report, type Figure } from './report.ts';

const RUNS = arg('runs', 5);
const OPS = arg('ops', 200_000);
const RBAC = 'rbac.authorization.k8s.io';

async function seeded(): Promise<RbacAuthorizer> {
  const store = new MemoryStore();
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
