// RBAC in the API server over the bus: requests that carry a user are authorized against the stored
// roles and bindings (the index follows their changes), watches too; the default roles are bootstrapped
// once and never overwritten; the access reviews answer without storing anything.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import { ApiServer } from '../actors/apiserver/server.ts';
import { realClock } from '../bus/clock.ts';
import { seededRng } from '../bus/random.ts';
import { silentLogger } from '../bus/types.ts';
import { pod, startApi, statusOf } from './helpers/api.ts';

const RBAC = 'rbac.authorization.k8s.io';
const AUTHZ = 'authorization.k8s.io/v1';
const role = (name: string, rules: object[], namespace = 'default') => ({ apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name, namespace }, rules }) as unknown as KubeObject;
const binding = (name: string, roleRef: object, subjects: object[], namespace?: string) =>
  ({ apiVersion: `${RBAC}/v1`, kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding', metadata: { name, ...(namespace ? { namespace } : {}) }, roleRef: { apiGroup: RBAC, ...roleRef }, subjects }) as unknown as KubeObject;
const user = (name: string) => ({ kind: 'User', apiGroup: RBAC, name });
const readPods = [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }];

test('rbac api - a user is denied until bound, allowed while bound, denied again once the binding goes', async (t) => {
  const env = await startApi(t);
  const jane = env.client.as({ username: 'jane' });
  const denied = await statusOf(jane.list('pods', { namespace: 'default' }));
  t.is(denied.code, 403);
  t.is(denied.message, 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"');
  await env.client.create('roles', role('pod-reader', readPods));
  await env.client.create('rolebindings', binding('jane-reads', { kind: 'Role', name: 'pod-reader' }, [user('jane')], 'default'));
  t.deepEqual((await jane.list('pods', { namespace: 'default' })).items, []);
  // Only in the binding's namespace, and only the verbs of the role.
  t.is((await statusOf(jane.list('pods', { namespace: 'kube-system' }))).code, 403);
  t.is((await statusOf(jane.create('pods', pod('p')))).message, 'pods is forbidden: User "jane" cannot create resource "pods" in API group "" in the namespace "default"');
  await env.client.delete('rolebindings', 'jane-reads', { namespace: 'default' });
  t.is((await statusOf(jane.list('pods', { namespace: 'default' }))).code, 403);
});

test('rbac api - groups, service accounts and ClusterRoleBindings; a missing role is the denial reason', async (t) => {
  const env = await startApi(t);
  await env.client.create('clusterrolebindings', binding('ops-view', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'Group', apiGroup: RBAC, name: 'ops' }]));
  const ops = env.client.as({ username: 'olga', groups: ['ops'] });
  t.deepEqual((await ops.list('configmaps', { namespace: 'kube-system' })).items, []);
  t.is((await statusOf(ops.list('secrets', { namespace: 'kube-system' }))).code, 403, 'view reads no secrets');
  // A ServiceAccount subject without a namespace is the RoleBinding's own.
  await env.client.create('roles', role('pod-reader', readPods));
  await env.client.create('rolebindings', binding('bot', { kind: 'Role', name: 'pod-reader' }, [{ kind: 'ServiceAccount', name: 'bot' }], 'default'));
  t.deepEqual((await env.client.as({ username: 'system:serviceaccount:default:bot' }).list('pods', { namespace: 'default' })).items, []);
  t.is((await statusOf(env.client.as({ username: 'system:serviceaccount:other:bot' }).list('pods', { namespace: 'default' }))).code, 403);
  await env.client.create('rolebindings', binding('dangling', { kind: 'Role', name: 'gone' }, [user('dan')], 'default'));
  t.is((await statusOf(env.client.as({ username: 'dan' }).get('pods', 'x', { namespace: 'default' }))).message,
    'pods "x" is forbidden: User "dan" cannot get resource "pods" in API group "" in the namespace "default": RBAC: role.rbac.authorization.k8s.io "gone" not found');
});

test('rbac api - watches are authorized, a name selector by resourceNames; system:masters and the default system roles work', async (t) => {
  const env = await startApi(t);
  const jane = env.client.as({ username: 'jane' });
  const handlers = { event: () => {}, end: () => {} };
  t.is((await statusOf(jane.watch('pods', { namespace: 'default' }, handlers))).code, 403);
  await env.client.create('roles', role('one-pod', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'watch', 'list'], resourceNames: ['p'] }]));
  await env.client.create('rolebindings', binding('jane-one', { kind: 'Role', name: 'one-pod' }, [user('jane')], 'default'));
  const w = await jane.watch('pods', { namespace: 'default', fieldSelector: 'metadata.name=p' }, handlers);
  w.stop();
  t.is((await statusOf(jane.list('pods', { namespace: 'default' }))).code, 403, 'resourceNames never cover an unnamed list');
  await env.client.create('pods', pod('p'));
  t.is((await jane.get('pods', 'p', { namespace: 'default' })).metadata.name, 'p');
  t.is((await env.client.as({ username: 'root', groups: ['system:masters'] }).list('nodes')).kind, 'NodeList');
  // The scheduler's default role binds pods (pods/binding) but creates none.
  const scheduler = env.client.as({ username: 'system:kube-scheduler' });
  await env.client.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } } as KubeObject);
  await scheduler.bind('default', 'p', 'n1');
  t.is((await statusOf(scheduler.create('pods', pod('q')))).code, 403);
});

test('rbac api - the default roles are bootstrapped once: a user edit survives the next API server start', async (t) => {
  const env = await startApi(t);
  const admin = await env.client.get<KubeObject & { rules: unknown[] }>('clusterroles', 'cluster-admin');
  t.is(admin.metadata.annotations?.['rbac.authorization.kubernetes.io/autoupdate'], 'true');
  t.deepEqual((await env.client.get<KubeObject & { subjects: unknown[] }>('clusterrolebindings', 'cluster-admin')).subjects, [{ apiGroup: RBAC, kind: 'Group', name: 'system:masters' }]);
  const view = await env.client.get<KubeObject & { rules: Array<{ resources: string[] }> }>('clusterroles', 'view');
  t.true(view.rules.some((r) => r.resources.includes('pods/log')), 'view has its aggregated rules from the start');
  const edit = await env.client.get<KubeObject & { rules: Array<{ resources: string[] }> }>('clusterroles', 'edit');
  t.true(edit.rules.length > view.rules.length);
  await env.client.update('clusterroles', { ...view, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] } as KubeObject);
  await env.client.delete('clusterroles', 'system:basic-user');
  const again = new ApiServer({ store: env.store, bus: env.broker.connect('again'), clock: realClock, rng: seededRng(9), log: silentLogger, serverId: 'again', instance: 'i2', heartbeatMs: 1000 });
  t.teardown(() => again.close());
  await again.bootstrap();
  t.deepEqual((await env.client.get<KubeObject & { rules: unknown[] }>('clusterroles', 'view')).rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]);
  t.is((await env.client.get('clusterroles', 'system:basic-user')).metadata.name, 'system:basic-user', 'a missing default comes back');
});

test('rbac api - access reviews: self, subject and local reviews and the rules review, never stored', async (t) => {
  const env = await startApi(t);
  await env.client.create('roles', role('pod-reader', readPods));
  await env.client.create('rolebindings', binding('jane-reads', { kind: 'Role', name: 'pod-reader' }, [user('jane')], 'default'));
  const attrs = { namespace: 'default', verb: 'list', resource: 'pods' };
  const review = (kind: string, spec: object, namespace?: string) => ({ apiVersion: AUTHZ, kind, metadata: namespace ? { namespace } : {}, spec }) as unknown as KubeObject;
  type Answer = KubeObject & { status: { allowed: boolean; reason?: string } };
  const ssar = await env.client.as({ username: 'jane' }).create<Answer>('selfsubjectaccessreviews', review('SelfSubjectAccessReview', { resourceAttributes: attrs }));
  t.deepEqual(ssar.status, { allowed: true, reason: 'RBAC: allowed by RoleBinding "jane-reads/default" of Role "pod-reader" to User "jane"' });
  const sar = await env.client.create<Answer>('subjectaccessreviews', review('SubjectAccessReview', { user: 'jane', resourceAttributes: { ...attrs, verb: 'delete' } }));
  t.deepEqual(sar.status, { allowed: false });
  t.true((await env.client.create<Answer>('subjectaccessreviews', review('SubjectAccessReview', { user: 'x', groups: ['system:masters'], nonResourceAttributes: { path: '/metrics', verb: 'get' } }))).status.allowed);
  t.is((await statusOf(env.client.create('subjectaccessreviews', review('SubjectAccessReview', { resourceAttributes: attrs })))).message,
    'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified');
  const local = await env.client.create<Answer>('localsubjectaccessreviews', review('LocalSubjectAccessReview', { user: 'jane', resourceAttributes: attrs }, 'default'), { namespace: 'default' });
  t.true(local.status.allowed);
  t.is((await statusOf(env.client.create('localsubjectaccessreviews', review('LocalSubjectAccessReview', { user: 'jane', resourceAttributes: attrs }, 'other'), { namespace: 'other' }))).message,
    'spec.resourceAttributes.namespace must match namespace: other');
  type Rules = KubeObject & { status: { resourceRules: Array<{ resources?: string[]; verbs: string[] }>; nonResourceRules: Array<{ nonResourceURLs: string[] }>; incomplete: boolean } };
  const rules = await env.client.as({ username: 'jane' }).create<Rules>('selfsubjectrulesreviews', review('SelfSubjectRulesReview', { namespace: 'default' }));
  t.true(rules.status.resourceRules.some((r) => r.resources?.includes('pods') && r.verbs.includes('watch')));
  t.true(rules.status.nonResourceRules.some((r) => r.nonResourceURLs.includes('/healthz')), 'system:authenticated has the discovery URLs');
  t.false(rules.status.incomplete);
  // Not stored: there is nothing to list.
  t.is((await statusOf(env.client.list('selfsubjectaccessreviews'))).code, 405);
});

test('rbac api - a malformed user is refused (400), never taken for the trusted caller', async (t) => {
  const env = await startApi(t);
  for (const bad of [{ name: 'x' }, { username: 1 }, { username: 'x', groups: 'ops' }, 'jane', { username: 'x', extra: { a: 'b' } }]) {
    const err = await statusOf(env.client.call('configmaps', 'list', { namespace: 'default', user: bad as never }));
    t.is(err.code, 400, JSON.stringify(bad));
  }
  t.is((await env.client.list('configmaps', { namespace: 'default' })).items.length, 0, 'the server still serves');
});
