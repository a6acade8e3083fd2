// Impersonation on the HTTP gateway: the caller needs `impersonate` on each user and group it asks for;
// what the gateway serves without a bus request of its own (pods/log, the shared watches) is checked for
// the impersonated user too.
import test, { type ExecutionContext } from 'ava';
import { createGatewayServer, close, listen } from '../actors/gateway/server.ts';
import type { KubeObject } from '../api/meta.ts';
import { realClock } from '../bus/clock.ts';
import { silentLogger } from '../bus/types.ts';
import type { ApiClient } from '../bus/client.ts';
import { startApi } from './helpers/api.ts';

const RBAC = 'rbac.authorization.k8s.io';

/** A gateway whose callers are `caller` (today's trusted one, or a user as later parts authenticate them). */
async function gatewayFor(t: ExecutionContext, caller: ApiClient) {
  const server = createGatewayServer({ client: caller, clock: realClock, log: silentLogger });
  const url = await listen(server, '127.0.0.1:0');
  t.teardown(() => close(server));
  const get = async (path: string, headers: Record<string, string | string[]> = {}) => {
    const res = await fetch(url + path, { headers: Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])) as [string, string][] });
    return { code: res.status, body: (await res.json()) as { message?: string; kind?: string } };
  };
  return Object.assign(get, { url });
}

test('rbac gateway - a caller without `impersonate` is refused with upstream text; groups without a user are a bad request', async (t) => {
  const env = await startApi(t);
  const get = await gatewayFor(t, env.client.as({ username: 'bob' }));
  const r = await get('/api/v1/namespaces/default/configmaps', { 'Impersonate-User': 'jane' });
  t.is(r.code, 403);
  t.is(r.body.message, 'users "jane" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope');
  const sa = await get('/api/v1/namespaces/default/configmaps', { 'Impersonate-User': 'system:serviceaccount:ci:robot' });
  t.is(sa.body.message, 'serviceaccounts "robot" is forbidden: User "bob" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "ci"');
  // Once bob may impersonate users (not groups): the user passes, the group does not.
  await env.client.create('clusterroles', { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'impersonate-users' }, rules: [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'] }] } as unknown as KubeObject);
  await env.client.create('clusterrolebindings', { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'bob' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'impersonate-users' }, subjects: [{ apiGroup: RBAC, kind: 'User', name: 'bob' }] } as unknown as KubeObject);
  t.is((await get('/api/v1/namespaces/default/configmaps', { 'Impersonate-User': 'jane' })).body.message,
    'configmaps is forbidden: User "jane" cannot list resource "configmaps" in API group "" in the namespace "default"', 'bob is now jane, who may not list');
  t.is((await get('/api/v1/namespaces/default/configmaps', { 'Impersonate-User': 'jane', 'Impersonate-Group': 'system:masters' })).body.message,
    'groups "system:masters" is forbidden: User "bob" cannot impersonate resource "groups" in API group "" at the cluster scope');
  t.is((await get('/api/v1/namespaces/default/configmaps', { 'Impersonate-Group': 'ops' })).code, 400);
});

test('rbac gateway - pods/log and shared watches are authorized for the impersonated user', async (t) => {
  const env = await startApi(t);
  const get = await gatewayFor(t, env.client);
  await env.client.create('rolebindings', { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'jane', namespace: 'default' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'system:kube-scheduler' }, subjects: [{ apiGroup: RBAC, kind: 'User', name: 'jane' }] } as unknown as KubeObject);
  // The scheduler's role reads pods, never their logs.
  const log = await get('/api/v1/namespaces/default/pods/p/log', { 'Impersonate-User': 'jane' });
  t.is(log.code, 403);
  t.is(log.body.message, 'pods "p" is forbidden: User "jane" cannot get resource "pods/log" in API group "" in the namespace "default"');
  const watch = await get('/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1', { 'Impersonate-User': 'jane' });
  t.is(watch.code, 403);
  t.is(watch.body.message, 'configmaps is forbidden: User "jane" cannot watch resource "configmaps" in API group "" in the namespace "default"');
  t.is((await get('/api/v1/namespaces/default/pods', { 'Impersonate-User': 'jane' })).body.kind, 'PodList');
  // A collection delete is upstream's deletecollection (the scheduler's role may delete pods, one by one only).
  const gone = await fetch(`${get.url}/api/v1/namespaces/default/pods`, { method: 'DELETE', headers: { 'Impersonate-User': 'jane' } });
  t.is(gone.status, 403);
  t.is(((await gone.json()) as { message: string }).message, 'pods is forbidden: User "jane" cannot deletecollection resource "pods" in API group "" in the namespace "default"');
});
