// pods/eviction honours PodDisruptionBudgets as upstream's EvictionREST: 429 with the DisruptionBudget
// cause when none may go, a disruption taken (disruptedPods) when one may, 500 for two budgets.
import test from 'ava';
import type { PodDisruptionBudget } from '../api/kinds/poddisruptionbudget.ts';
import type { KubeObject } from '../api/meta.ts';
import type { ApiClient } from '../bus/client.ts';
import { pod, startApi, statusOf } from './helpers/api.ts';

/** A bound pod, Running, Ready or not. */
async function runningPod(client: ApiClient, name: string, ready = true): Promise<KubeObject> {
  const p = await client.create('pods', pod(name, { nodeName: 'n1' }, { app: 'web' }));
  const conditions = [{ type: 'Ready', status: ready ? 'True' : 'False' }];
  return client.updateStatus('pods', { ...p, status: { phase: 'Running', conditions } });
}

/** A PDB on app=web with the status the disruption controller would have written. */
async function budget(client: ApiClient, name: string, status: Record<string, unknown>, spec: Record<string, unknown> = { minAvailable: 1 }): Promise<PodDisruptionBudget> {
  const b = await client.create<PodDisruptionBudget>('poddisruptionbudgets', {
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
  });
  return client.updateStatus<PodDisruptionBudget>('poddisruptionbudgets', { ...b, status: { observedGeneration: 1, ...status } });
}

test('eviction - no budget: the pod is deleted (graceful for a bound pod) and marked DisruptionTarget', async (t) => {
  const { client } = await startApi(t);
  await runningPod(client, 'a');
  const res = (await client.evict('default', 'a')) as { status: string; code: number };
  t.like(res, { status: 'Success', code: 201 });
  const p = await client.get<KubeObject & { status: { conditions: Array<{ type: string; reason?: string; message?: string }> } }>('pods', 'a', { namespace: 'default' });
  t.truthy(p.metadata.deletionTimestamp);
  t.like(p.status.conditions.find((c) => c.type === 'DisruptionTarget'), { reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });
});

test('eviction - a budget with no disruption allowed: 429 with the DisruptionBudget cause, nothing changes', async (t) => {
  const { client } = await startApi(t);
  const before = await runningPod(client, 'a');
  const pdb = await budget(client, 'web-pdb', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 });
  const err = await statusOf(client.evict('default', 'a'));
  t.is(err.status.code, 429);
  t.is(err.status.reason, 'TooManyRequests');
  t.is(err.status.message, "Cannot evict pod as it would violate the pod's disruption budget.");
  t.deepEqual(err.status.details?.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget web-pdb needs 1 healthy pods and has 1 currently' }]);
  const after = await client.get('pods', 'a', { namespace: 'default' });
  t.is(after.metadata.resourceVersion, before.metadata.resourceVersion);
  t.is((await client.get('poddisruptionbudgets', 'web-pdb', { namespace: 'default' })).metadata.resourceVersion, pdb.metadata.resourceVersion);
});

test('eviction - a budget allowing one: it is taken (disruptedPods, InsufficientPods) and the next eviction is refused', async (t) => {
  const { client } = await startApi(t);
  await runningPod(client, 'a');
  await runningPod(client, 'b');
  await budget(client, 'web-pdb', { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 });
  await client.evict('default', 'a');
  const pdb = await client.get<PodDisruptionBudget>('poddisruptionbudgets', 'web-pdb', { namespace: 'default' });
  t.is(pdb.status?.disruptionsAllowed, 0);
  t.deepEqual(Object.keys(pdb.status?.disruptedPods ?? {}), ['a']);
  t.like(pdb.status?.conditions?.[0], { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods' });
  t.truthy((await client.get('pods', 'a', { namespace: 'default' })).metadata.deletionTimestamp);
  t.is((await statusOf(client.evict('default', 'b'))).status.code, 429);
});

test('eviction - a dry run checks the budget but takes nothing and deletes nothing', async (t) => {
  const { client } = await startApi(t);
  await runningPod(client, 'a');
  const pdb = await budget(client, 'web-pdb', { disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 0, expectedPods: 1 }, { maxUnavailable: 1 });
  await client.evict('default', 'a', { dryRun: true });
  t.is((await client.get('poddisruptionbudgets', 'web-pdb', { namespace: 'default' })).metadata.resourceVersion, pdb.metadata.resourceVersion);
  t.falsy((await client.get('pods', 'a', { namespace: 'default' })).metadata.deletionTimestamp);
});

test('eviction - a budget not yet observed at its generation: 429 "still being processed"', async (t) => {
  const { client } = await startApi(t);
  await runningPod(client, 'a');
  await budget(client, 'web-pdb', { observedGeneration: 0, disruptionsAllowed: 5 });
  const err = await statusOf(client.evict('default', 'a'));
  t.is(err.status.code, 429);
  t.is(err.status.details?.causes?.[0]?.message, 'The disruption budget web-pdb is still being processed by the server.');
});

test('eviction - two budgets: 500; a Pending pod and an unready pod of a healthy application ignore budgets', async (t) => {
  const { client } = await startApi(t);
  await runningPod(client, 'a');
  await runningPod(client, 'sick', false);
  await client.create('pods', pod('new', {}, { app: 'web' }));
  await budget(client, 'one', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1 });
  await budget(client, 'two', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1 });
  const err = await statusOf(client.evict('default', 'a'));
  t.is(err.status.code, 500);
  t.is(err.status.message, 'Internal error occurred: This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  await client.evict('default', 'new');
  t.is((await client.list('pods', { namespace: 'default', fieldSelector: 'metadata.name=new' })).items.length, 0, 'an unbound pod goes at once');
  await client.delete('poddisruptionbudgets', 'two', { namespace: 'default' });
  await client.evict('default', 'sick');
  t.truthy((await client.get('pods', 'sick', { namespace: 'default' })).metadata.deletionTimestamp);
  t.is((await client.get<PodDisruptionBudget>('poddisruptionbudgets', 'one', { namespace: 'default' })).status?.disruptionsAllowed, 0, 'nothing taken for an unready pod');
});

test('eviction - an unready pod of an unhealthy application: 429 under IfHealthyBudget, evicted under AlwaysAllow', async (t) => {
  const { client } = await startApi(t);
  await runningPod(client, 'sick', false);
  const pdb = await budget(client, 'web-pdb', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2 }, { minAvailable: 2, unhealthyPodEvictionPolicy: 'IfHealthyBudget' });
  t.is((await statusOf(client.evict('default', 'sick'))).status.code, 429);
  const spec = { ...(pdb.spec as object), unhealthyPodEvictionPolicy: 'AlwaysAllow' };
  const updated = await client.update<PodDisruptionBudget>('poddisruptionbudgets', { ...pdb, spec } as KubeObject);
  await client.updateStatus('poddisruptionbudgets', { ...updated, status: { ...updated.status, observedGeneration: updated.metadata.generation } } as KubeObject);
  await client.evict('default', 'sick');
  t.truthy((await client.get('pods', 'sick', { namespace: 'default' })).metadata.deletionTimestamp);
});
