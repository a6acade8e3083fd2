// RBAC through the official JavaScript client (@kubernetes/client-node): impersonation headers set by
// an authenticator, a SelfSubjectAccessReview, and a view-only user's create denied with upstream's 403.
import test from 'ava';
import * as k8s from '@kubernetes/client-node';
import { startGateway, type GatewayEnv } from './helpers/gateway.ts';

/** A KubeConfig from the gateway's kubeconfig whose requests impersonate `user` (with `groups`). */
function as(env: GatewayEnv, user: string, groups: string[] = []): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(env.kubeconfig);
  kc.addAuthenticator({
    isAuthProvider: () => true,
    applyAuthentication: async (_user: unknown, opts: { headers?: Record<string, string | string[]> }) => {
      opts.headers = { ...opts.headers, 'Impersonate-User': user, ...(groups.length ? { 'Impersonate-Group': groups } : {}) };
    },
  });
  return kc;
}

test('rbac client-node: a view-only user reads, is denied a create (403, upstream text), and its self review says so', async (t) => {
  const env = await startGateway(t);
  t.is((await env.kubectl(['create', 'rolebinding', 'viewer', '--clusterrole=view', '--user=vera'])).code, 0);
  const kc = as(env, 'vera');
  const core = kc.makeApiClient(k8s.CoreV1Api);
  t.deepEqual((await core.listNamespacedConfigMap({ namespace: 'default' })).items, []);
  const err = await t.throwsAsync(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'c' } } }));
  t.true(err instanceof k8s.ApiException);
  const e = err as k8s.ApiException<unknown>;
  t.is(e.code, 403);
  const status = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
  t.like(status, { kind: 'Status', reason: 'Forbidden', code: 403, message: 'configmaps is forbidden: User "vera" cannot create resource "configmaps" in API group "" in the namespace "default"' });
  const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
  const review = (verb: string) => authz.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { namespace: 'default', verb, resource: 'configmaps' } } } });
  t.is((await review('list')).status?.allowed, true);
  t.is((await review('create')).status?.allowed, false);
  // Impersonating a service account puts it in its groups: bound by group, it may list.
  t.is((await env.kubectl(['create', 'rolebinding', 'sas', '--clusterrole=view', '--group=system:serviceaccounts:default'])).code, 0);
  const sa = as(env, 'system:serviceaccount:default:robot').makeApiClient(k8s.CoreV1Api);
  t.deepEqual((await sa.listNamespacedConfigMap({ namespace: 'default' })).items, []);
});
