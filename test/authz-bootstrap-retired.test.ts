// The DNS's writes moved from its ClusterRole to a kube-system Role: a store an older kubus wrote loses
// the retired cluster-wide rules at the next start, and gets the Role and RoleBinding back when missing.
import test from 'ava';
import type { ClusterRole } from '../api/kinds/rbac.ts';
import type { KubeObject } from '../api/meta.ts';
import { ApiServer } from '../actors/apiserver/server.ts';
import { RETIRED_RULES } from '../actors/apiserver/authz/default-roles.ts';
import { realClock } from '../bus/clock.ts';
import { seededRng } from '../bus/random.ts';
import { silentLogger } from '../bus/types.ts';
import { startApi, type ApiEnv } from './helpers/api.ts';

async function restart(t: import('ava').ExecutionContext, env: ApiEnv): Promise<void> {
  const again = new ApiServer({ store: env.store, bus: env.broker.connect('again'), clock: realClock, rng: seededRng(9), log: silentLogger, serverId: 'again', instance: 'i2', heartbeatMs: 1000 });
  t.teardown(() => again.close());
  await again.bootstrap();
}

test('authz bootstrap - a restart removes system:coredns\'s retired cluster-wide writes and recreates its kube-system Role and RoleBinding', async (t) => {
  const env = await startApi(t);
  const role = () => env.client.get<ClusterRole & KubeObject>('clusterroles', 'system:coredns');
  const fresh = await role();
  const extra = { apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] };
  await env.client.update('clusterroles', { ...fresh, rules: [...fresh.rules!, ...RETIRED_RULES['system:coredns']!, extra] } as KubeObject);
  await env.client.delete('roles', 'system:coredns:addon', { namespace: 'kube-system' });
  await env.client.delete('rolebindings', 'system:coredns:addon', { namespace: 'kube-system' });

  await restart(t, env);

  t.deepEqual((await role()).rules, [...fresh.rules!, extra], 'the retired rules are gone, the user\'s extra stays');
  const r = await env.client.get<KubeObject & { rules: unknown[] }>('roles', 'system:coredns:addon', { namespace: 'kube-system' });
  t.true(r.rules.length > 0);
  const b = await env.client.get<KubeObject & { subjects: Array<{ name: string }> }>('rolebindings', 'system:coredns:addon', { namespace: 'kube-system' });
  t.deepEqual(b.subjects.map((s) => s.name), ['coredns']);
  // A second start has nothing to write.
  const rv = (await role()).metadata.resourceVersion;
  await restart(t, env);
  t.is((await role()).metadata.resourceVersion, rv);
});
