// RBAC loose ends: escalation prevention (roles only with rules held, or `escalate`; bindings only to
// roles held, or `bind`), exec/attach/portforward authorized as `create` (also a GET upgrade), and
// non-resource paths (discovery, /version, /healthz) through system:discovery and system:public-info-viewer.
import test, { type ExecutionContext } from 'ava';
import { close, createGatewayServer, listen } from '../actors/gateway/server.ts';
import type { KubeObject } from '../api/meta.ts';
import { realClock } from '../bus/clock.ts';
import type { ApiClient } from '../bus/client.ts';
import type { UserInfo } from '../api/protocol.ts';
import { silentLogger } from '../bus/types.ts';
import { startApi, statusOf } from './helpers/api.ts';

const RBAC = 'rbac.authorization.k8s.io';
const V1 = `${RBAC}/v1`;
type Rule = { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[]; nonResourceURLs?: string[] };

const clusterRole = (name: string, rules: Rule[]) => ({ apiVersion: V1, kind: 'ClusterRole', metadata: { name }, rules }) as unknown as KubeObject;
const role = (name: string, rules: Rule[]) => ({ apiVersion: V1, kind: 'Role', metadata: { name, namespace: 'default' }, rules }) as unknown as KubeObject;
const roleBinding = (name: string, kind: 'Role' | 'ClusterRole', roleName: string, user: string) =>
  ({ apiVersion: V1, kind: 'RoleBinding', metadata: { name, namespace: 'default' }, roleRef: { apiGroup: RBAC, kind, name: roleName }, subjects: [{ apiGroup: RBAC, kind: 'User', name: user }] }) as unknown as KubeObject;

/** An API server where bob may manage roles and bindings in `default` and read pods there. */
async function withBob(t: ExecutionContext) {
  const env = await startApi(t);
  await env.client.create('clusterroles', clusterRole('role-manager', [{ apiGroups: [RBAC], resources: ['roles', 'rolebindings'], verbs: ['create', 'update', 'get', 'list'] }, { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]));
  await env.client.create('clusterroles', clusterRole('pod-deleter', [{ apiGroups: [''], resources: ['pods'], verbs: ['delete', 'get'] }]));
  await env.client.create('rolebindings', roleBinding('bob-manager', 'ClusterRole', 'role-manager', 'bob'));
  return { env, bob: env.client.as({ username: 'bob' }) };
}

const NOT_HELD = 'is attempting to grant RBAC permissions not currently held';

test('rbac escalation - a Role with rules the user holds is created; one with more is refused with upstream text', async (t) => {
  const { bob } = await withBob(t);
  await bob.create('roles', role('reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]));
  const err = await statusOf(bob.create('roles', role('deleter', [{ apiGroups: [''], resources: ['pods', 'secrets'], verbs: ['get', 'delete'] }])));
  t.is(err.status.code, 403);
  t.is(
    err.status.message,
    `roles.rbac.authorization.k8s.io "deleter" is forbidden: user "bob" (groups=["system:authenticated"]) ${NOT_HELD}:\n` +
      '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}',
  );
  // An update that adds a rule is checked as well.
  const reader = await bob.get('roles', 'reader', { namespace: 'default' });
  const grown = { ...reader, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }] } as KubeObject;
  t.regex((await statusOf(bob.update('roles', grown))).status.message, /Resources:\["configmaps"\], Verbs:\["list"\]/);
});

test('rbac escalation - `escalate` on roles lets a user write any rules; system:masters always may', async (t) => {
  const { env, bob } = await withBob(t);
  await env.client.create('clusterroles', clusterRole('escalator', [{ apiGroups: [RBAC], resources: ['roles'], verbs: ['escalate'] }]));
  await env.client.create('rolebindings', roleBinding('bob-escalates', 'ClusterRole', 'escalator', 'bob'));
  await bob.create('roles', role('anything', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]));
  const root = env.client.as({ username: 'root', groups: ['system:masters'] });
  await root.create('clusterroles', clusterRole('big', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]));
  t.pass();
});

test('rbac escalation - a binding needs the role\'s permissions or `bind` on it; a missing role is 404', async (t) => {
  const { env, bob } = await withBob(t);
  const err = await statusOf(bob.create('rolebindings', roleBinding('bob-deletes', 'ClusterRole', 'pod-deleter', 'alice')));
  t.is(err.status.message, `rolebindings.rbac.authorization.k8s.io "bob-deletes" is forbidden: user "bob" (groups=["system:authenticated"]) ${NOT_HELD}:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}`);
  // A role whose rules bob holds (get, list pods) may be bound.
  await env.client.create('clusterroles', clusterRole('pod-getter', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]));
  await bob.create('rolebindings', roleBinding('alice-gets', 'ClusterRole', 'pod-getter', 'alice'));
  t.is((await statusOf(bob.create('rolebindings', roleBinding('ghost', 'ClusterRole', 'no-such-role', 'alice')))).status.code, 404);
  // `bind` on that one ClusterRole by name.
  await env.client.create('clusterroles', clusterRole('binder', [{ apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['pod-deleter'] }]));
  await env.client.create('rolebindings', roleBinding('bob-binds', 'ClusterRole', 'binder', 'bob'));
  await bob.create('rolebindings', roleBinding('bob-deletes', 'ClusterRole', 'pod-deleter', 'alice'));
  const alice = env.client.as({ username: 'alice' });
  t.is((await statusOf(alice.get('pods', 'none', { namespace: 'default' }))).status.code, 404, 'alice got the rights bob bound');
});

/** A plain gateway whose every caller is `caller` (a user, as an authenticated HTTPS caller is). */
async function gatewayFor(t: ExecutionContext, caller: ApiClient) {
  const server = createGatewayServer({ client: caller, clock: realClock, log: silentLogger });
  const url = await listen(server, '127.0.0.1:0');
  t.teardown(() => close(server));
  return async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url + path, { headers });
    const text = await res.text();
    return { code: res.status, message: (text.startsWith('{') ? (JSON.parse(text) as { message?: string }).message : text) ?? '' };
  };
}

test('rbac - exec is authorized as create on pods/exec, also as a GET (upgrade); get on pods/exec is not enough', async (t) => {
  const env = await startApi(t);
  await env.client.create('clusterroles', clusterRole('exec-get', [{ apiGroups: [''], resources: ['pods/exec', 'pods/attach', 'pods/portforward'], verbs: ['get'] }]));
  await env.client.create('rolebindings', roleBinding('carol-exec', 'ClusterRole', 'exec-get', 'carol'));
  const get = await gatewayFor(t, env.client.as({ username: 'carol' }));
  const r = await get('/api/v1/namespaces/default/pods/p/exec?command=ls');
  t.is(r.code, 403);
  t.is(r.message, 'pods "p" is forbidden: User "carol" cannot create resource "pods/exec" in API group "" in the namespace "default"');
  t.is((await get('/api/v1/namespaces/default/pods/p/portforward?ports=80')).code, 403);
  await env.client.create('clusterroles', clusterRole('exec-create', [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }]));
  await env.client.create('rolebindings', roleBinding('carol-exec-create', 'ClusterRole', 'exec-create', 'carol'));
  const after = await get('/api/v1/namespaces/default/pods/p/exec?command=ls');
  t.false(after.message.includes('pods/exec'), 'past authorization of pods/exec');
});

test('rbac - non-resource paths: an authenticated user reads discovery and /version; the anonymous user public info only, else upstream 403', async (t) => {
  const env = await startApi(t);
  /** A gateway (its own client the trusted one) whose callers authenticate as `user`. */
  const as = async (user: UserInfo) => {
    const server = createGatewayServer({ client: env.client, clock: realClock, log: silentLogger, authenticate: async () => user });
    const url = await listen(server, '127.0.0.1:0');
    t.teardown(() => close(server));
    return async (path: string) => {
      const res = await fetch(url + path);
      const text = await res.text();
      return { code: res.status, message: text.startsWith('{') ? ((JSON.parse(text) as { message?: string }).message ?? '') : text };
    };
  };
  const dave = await as({ username: 'dave', groups: ['system:authenticated'] });
  for (const path of ['/version', '/api', '/apis', '/apis/apps/v1', '/openapi/v2', '/healthz']) t.is((await dave(path)).code, 200, path);
  const anon = await as({ username: 'system:anonymous', groups: ['system:unauthenticated'] });
  t.is((await anon('/version')).code, 200);
  t.is((await anon('/healthz')).code, 200);
  const r = await anon('/apis');
  t.is(r.code, 403);
  t.is(r.message, 'forbidden: User "system:anonymous" cannot get path "/apis"');
});
