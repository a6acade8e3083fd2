// The ClusterRole aggregation controller: an aggregating ClusterRole gets the rules of the ClusterRoles its
// selectors match, follows their changes, labels and deletions; the planner on its own; on the virtual clock.
import test from 'ava';
import { clusterRoleAggregationController } from '../actors/controllers/clusterrole-aggregation/clusterrole-aggregation.controller.ts';
import { aggregatedRules } from '../actors/controllers/clusterrole-aggregation/clusterrole-aggregation.reconcile.ts';
import type { ClusterRole } from '../api/kinds/rbac.ts';
import type { KubeObject } from '../api/meta.ts';
import { VirtualClock } from '../bus/clock.ts';
import { startApi } from './helpers/api.ts';
import { settle } from './helpers/wait.ts';

const RBAC = 'rbac.authorization.k8s.io/v1';
const role = (name: string, labels: Record<string, string>, rules: unknown[], aggregate?: Record<string, string>[]) =>
  ({ apiVersion: RBAC, kind: 'ClusterRole', metadata: { name, labels }, rules, ...(aggregate ? { aggregationRule: { clusterRoleSelectors: aggregate.map((m) => ({ matchLabels: m })) } } : {}) }) as unknown as ClusterRole;
const read = { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] };
const write = { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create'] };
const metrics = { nonResourceURLs: ['/metrics'], verbs: ['get'] };

test('clusterrole aggregation - the planner takes each selector in turn, roles by name, each rule once, never the role itself', (t) => {
  const monitoring = role('monitoring', { 'agg/monitoring': 'true' }, [], [{ 'agg/monitoring': 'true' }, { 'agg/extra': 'true' }]);
  const all = [monitoring, role('b-endpoints', { 'agg/monitoring': 'true' }, [write, read]), role('a-pods', { 'agg/monitoring': 'true' }, [read]), role('extra', { 'agg/extra': 'true' }, [metrics, read]), role('other', {}, [metrics])];
  t.deepEqual(aggregatedRules(monitoring, all), [read, write, metrics]);
  t.is(aggregatedRules(role('plain', {}, [read]), all), undefined);
});

test('clusterrole aggregation - the controller fills and follows an aggregated role', async (t) => {
  const clock = new VirtualClock(Date.UTC(2026, 10, 23, 10, 0, 0));
  const env = await startApi(t, { clock });
  const run = <R>(p: Promise<R>) => settle(clock, p);
  const rulesOf = async (name: string) => ((await run(env.client.get('clusterroles', name))) as unknown as ClusterRole).rules ?? [];
  const converges = async (name: string, expected: unknown[]) => {
    for (let i = 0; i < 50; i++) {
      if (JSON.stringify(await rulesOf(name)) === JSON.stringify(expected)) return true;
      await clock.advance(200);
    }
    return false;
  };
  env.process('controller-manager').start(clusterRoleAggregationController, 'controller/clusterrole-aggregation', undefined);
  await clock.advance(1_000);
  const create = (r: ClusterRole) => run(env.client.create('clusterroles', r as unknown as KubeObject));
  await create(role('monitoring', {}, [], [{ 'rbac.example.com/aggregate-to-monitoring': 'true' }]));
  await create(role('monitoring-endpoints', { 'rbac.example.com/aggregate-to-monitoring': 'true' }, [read]));
  t.true(await converges('monitoring', [read]), 'a matching role is aggregated');
  await create(role('monitoring-deploy', { 'rbac.example.com/aggregate-to-monitoring': 'true' }, [write]));
  t.true(await converges('monitoring', [write, read]), 'a new matching role adds its rules, roles taken by name');
  const ep = await run(env.client.get('clusterroles', 'monitoring-endpoints'));
  await run(env.client.update('clusterroles', { ...ep, rules: [metrics] } as KubeObject));
  t.true(await converges('monitoring', [write, metrics]), 'a changed role changes the aggregate');
  await run(env.client.patch('clusterroles', 'monitoring-deploy', { metadata: { labels: { 'rbac.example.com/aggregate-to-monitoring': null } } }));
  t.true(await converges('monitoring', [metrics]), 'a role that stops matching leaves');
  await run(env.client.delete('clusterroles', 'monitoring-endpoints'));
  t.true(await converges('monitoring', []), 'a deleted role leaves');
});
