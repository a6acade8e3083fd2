import test from 'ava';
import type { ClusterRole, RoleBinding } from '../api/kinds/rbac.ts';
import type { KubeObject } from '../api/meta.ts';
import { ApiServer } from '../actors/apiserver/server.ts';
import { reconcileRole } from '../actors/apiserver/authz/rbac-defaults.reconcile.ts';
import { realClock } from '../bus/clock.ts';
import { seededRng } from '../bus/random.ts';
import { silentLogger } from '../bus/types.ts';
import { startApi, type ApiEnv } from './helpers/api.ts';

const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';
const EXTRA = { apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] };

/** Starts a second API server over the same store, as `npm start` does over ~/.kubus/data. */
async function restart(t: import('ava').ExecutionContext, env: ApiEnv): Promise<void> {
  const again = new ApiServer({ store: env.store, bus: env.broker.connect('again'), clock: realClock, rng: seededRng(9), log: silentLogger, serverId: 'again', instance: 'i2', heartbeatMs: 1000 });
  t.teardown(() => again.close());
  await again.bootstrap();
}

test('authz bootstrap - a restart adds the rules and subjects an older store lacks, keeps extras, leaves autoupdate "false" alone', async (t) => {
  const env = await startApi(t);
  const role = (name: string) => env.client.get<ClusterRole & KubeObject>('clusterroles', name);
  // An older kubus: the deployment controller's role without its first rule, plus a rule the user added.
  const fresh = await role('system:controller:deployment-controller');
  const dropped = fresh.rules![0];
  await env.client.update('clusterroles', { ...fresh, rules: [...fresh.rules!.slice(1), EXTRA] } as KubeObject);
  // The same edit on a role the user protected.
  const kept = await role('system:controller:job-controller');
  const protectedRules = [...kept.rules!.slice(1), EXTRA];
  await env.client.update('clusterroles', { ...kept, metadata: { ...kept.metadata, annotations: { [AUTOUPDATE]: 'false' } }, rules: protectedRules } as KubeObject);
  // A binding that lost its subject, and one the user added a subject to.
  const binding = await env.client.get<RoleBinding & KubeObject>('clusterrolebindings', 'system:volume-scheduler');
  const subjects = binding.subjects!;
  await env.client.update('clusterrolebindings', { ...binding, subjects: [{ kind: 'User', name: 'jane' }] } as KubeObject);

  await restart(t, env);

  const mended = await role('system:controller:deployment-controller');
  t.deepEqual(mended.rules!.at(-1), dropped, 'the missing rule is added');
  t.true(mended.rules!.some((r) => r.apiGroups?.includes('example.com')), "the user's extra rule stays");
  t.deepEqual(reconcileRole(fresh, mended), undefined, 'nothing is missing any more');
  const untouched = await role('system:controller:job-controller');
  t.deepEqual(untouched.rules, protectedRules, 'autoupdate "false": not reconciled');
  t.is(untouched.metadata.annotations?.[AUTOUPDATE], 'false');
  const bound = await env.client.get<RoleBinding & KubeObject>('clusterrolebindings', 'system:volume-scheduler');
  t.deepEqual(bound.subjects?.map((s) => s.name), ['jane', ...subjects.map((s) => s.name)], 'the missing subject is added after the extra one');
  // A second restart finds nothing to do: the reconciled objects are not written again.
  const rv = mended.metadata.resourceVersion;
  await restart(t, env);
  t.is((await role('system:controller:deployment-controller')).metadata.resourceVersion, rv);
});

test('authz bootstrap - reconcileRole keeps an aggregated role\'s rules (the aggregation controller owns them) and adds a missing label', (t) => {
  const expected: ClusterRole = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'view', labels: { a: '1' }, annotations: { [AUTOUPDATE]: 'true' } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'true' } }] }, rules: [EXTRA] };
  const existing: ClusterRole = { ...expected, metadata: { name: 'view', annotations: { [AUTOUPDATE]: 'true' } }, rules: [] };
  const next = reconcileRole(expected, existing)!;
  t.deepEqual(next.rules, []);
  t.deepEqual(next.metadata.labels, { a: '1' });
  t.is(reconcileRole(expected, { ...existing, metadata: { name: 'view', annotations: { [AUTOUPDATE]: 'false' } } }), undefined);
});
