// RBAC through the real kubectl: `--as` impersonates a user, `auth can-i` asks the access reviews, and a
// denied request reads as upstream's Forbidden.
import test from 'ava';
import { stringify } from 'yaml';
import { startGateway } from './helpers/gateway.ts';

const RBAC = 'rbac.authorization.k8s.io';
const podReader = { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'pod-reader', namespace: 'default' }, rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] }] };
const janeReads = { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'jane-reads', namespace: 'default' }, subjects: [{ kind: 'User', name: 'jane', apiGroup: RBAC }], roleRef: { kind: 'Role', name: 'pod-reader', apiGroup: RBAC } };

test('rbac kubectl - auth can-i --as jane: no, then yes after a RoleBinding; get pods denied with upstream text elsewhere', async (t) => {
  const g = await startGateway(t);
  const before = await g.kubectl(['auth', 'can-i', 'list', 'pods', '--as', 'jane']);
  t.is(before.stdout, 'no\n');
  t.is(before.code, 1);
  const denied = await g.kubectl(['get', 'pods', '--as', 'jane']);
  t.is(denied.code, 1);
  t.is(denied.stderr, 'Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"\n');
  const applied = await g.kubectl(['apply', '-f', '-'], [podReader, janeReads].map((d) => stringify(d)).join('---\n'));
  t.is(applied.code, 0, applied.stderr);
  const after = await g.kubectl(['auth', 'can-i', 'list', 'pods', '--as', 'jane']);
  t.is(after.stdout, 'yes\n', after.stderr);
  t.is((await g.kubectl(['get', 'pods', '--as', 'jane'])).stderr, 'No resources found in default namespace.\n');
  t.is((await g.kubectl(['auth', 'can-i', 'delete', 'pods', '--as', 'jane'])).stdout, 'no\n');
  // Another namespace, a named object, a cluster-scoped resource: each in upstream's words.
  t.is((await g.kubectl(['get', 'pods', '-n', 'kube-system', '--as', 'jane'])).stderr,
    'Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "kube-system"\n');
  t.is((await g.kubectl(['get', 'configmap', 'x', '--as', 'jane'])).stderr,
    'Error from server (Forbidden): configmaps "x" is forbidden: User "jane" cannot get resource "configmaps" in API group "" in the namespace "default"\n');
  t.is((await g.kubectl(['get', 'nodes', '--as', 'jane'])).stderr,
    'Error from server (Forbidden): nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" at the cluster scope\n');
  t.is((await g.kubectl(['get', 'deployments', '--as', 'jane'])).stderr,
    'Error from server (Forbidden): deployments.apps is forbidden: User "jane" cannot list resource "deployments" in API group "apps" in the namespace "default"\n');
  // Without --as: today's trusted caller, allowed everything.
  t.is((await g.kubectl(['auth', 'can-i', '*', '*'])).stdout, 'yes\n');
});

test('rbac kubectl - auth can-i --list --as jane lists her rules and the default ones', async (t) => {
  const g = await startGateway(t);
  t.is((await g.kubectl(['apply', '-f', '-'], [podReader, janeReads].map((d) => stringify(d)).join('---\n'))).code, 0);
  const out = await g.kubectl(['auth', 'can-i', '--list', '--as', 'jane']);
  t.is(out.code, 0, out.stderr);
  const rows = out.stdout.split('\n').map((l) => l.trim().split(/\s{2,}/));
  t.deepEqual(rows[0], ['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']);
  t.true(rows.some((r) => r[0] === 'pods' && r.at(-1) === '[get list watch]'), out.stdout);
  t.true(rows.some((r) => r[0] === 'pods/log' && r.at(-1) === '[get list watch]'), out.stdout);
  t.true(rows.some((r) => r[0] === 'selfsubjectaccessreviews.authorization.k8s.io' && r.at(-1) === '[create]'), out.stdout);
  t.true(rows.some((r) => r[0] === '' || r[1] === '[/api/*]'), out.stdout);
  // In another namespace only the defaults (system:basic-user, system:discovery...) apply.
  const other = await g.kubectl(['auth', 'can-i', '--list', '--as', 'jane', '-n', 'kube-system']);
  t.false(other.stdout.includes('pods '), other.stdout);
});

test('rbac kubectl - a view-only user reads but may not create, and groups bind too (--as-group)', async (t) => {
  const g = await startGateway(t);
  t.is((await g.kubectl(['create', 'rolebinding', 'viewers', '--clusterrole=view', '--group=auditors', '-n', 'default'])).code, 0);
  t.is((await g.kubectl(['create', 'configmap', 'cfg', '--from-literal=a=b'])).code, 0);
  const as = ['--as', 'viv', '--as-group', 'auditors'];
  const got = await g.kubectl(['get', 'configmap', 'cfg', '-o', 'name', ...as]);
  t.is(got.stdout, 'configmap/cfg\n', got.stderr);
  const create = await g.kubectl(['create', 'configmap', 'mine', '--from-literal=a=b', ...as]);
  t.is(create.code, 1);
  t.is(create.stderr, 'error: failed to create configmap: configmaps is forbidden: User "viv" cannot create resource "configmaps" in API group "" in the namespace "default"\n');
  t.is((await g.kubectl(['auth', 'can-i', 'get', 'secrets', ...as])).stdout, 'no\n');
  t.is((await g.kubectl(['auth', 'can-i', 'get', 'pods', '--subresource=log', ...as])).stdout, 'yes\n');
  // Without the group, viv is no viewer.
  t.is((await g.kubectl(['auth', 'can-i', 'get', 'configmaps', '--as', 'viv'])).stdout, 'no\n');
});
