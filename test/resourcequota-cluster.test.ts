// Quota in a simulated cluster on the virtual clock: a ReplicaSet stops at its namespace's pod quota
// with upstream's FailedCreate event and ReplicaFailure condition, and completes once the quota grows.
import test from 'ava';
import type { ResourceQuota } from '../api/kinds/resourcequota.ts';
import type { KubeObject } from '../api/meta.ts';
import { startSimCluster } from './helpers/cluster.ts';

const NS = 'default';

test('resourcequota cluster - a ReplicaSet over the pod quota gets FailedCreate with upstream\'s text, then fills up when the quota grows', async (t) => {
  const c = await startSimCluster(t, { nodes: 1 });
  await c.run(c.client.create('resourcequotas', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: NS }, spec: { hard: { pods: '2' } } }));
  await c.until(async () => (await c.run(c.client.get<ResourceQuota>('resourcequotas', 'q', { namespace: NS }))).status?.used?.pods === '0', 30_000, 'quota status');
  await c.run(c.client.create('replicasets', {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: NS },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  }));
  await c.until(async () => (await c.list('events', { namespace: NS })).some((e) => e.reason === 'FailedCreate'), 60_000, 'FailedCreate event');
  const failed = (await c.list<KubeObject & { message: string }>('events', { namespace: NS })).find((e) => (e as { reason?: string }).reason === 'FailedCreate')!;
  t.regex(failed.message, /^Error creating: pods "web-\w{5}" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2$/);
  t.is((await c.list('pods', { namespace: NS })).length, 2);
  const rs = await c.run(c.client.get<KubeObject & { status: { conditions?: Array<{ type: string; reason: string }> } }>('replicasets', 'web', { namespace: NS }));
  t.like(rs.status.conditions?.find((x) => x.type === 'ReplicaFailure'), { reason: 'FailedCreate' });
  t.deepEqual((await c.run(c.client.get<ResourceQuota>('resourcequotas', 'q', { namespace: NS }))).status?.used, { pods: '2' });

  const q = await c.run(c.client.get<ResourceQuota>('resourcequotas', 'q', { namespace: NS }));
  await c.run(c.client.update('resourcequotas', { ...q, spec: { hard: { pods: '3' } } }));
  await c.until(async () => (await c.list('pods', { namespace: NS })).length === 3, 120_000, 'third pod');
  await c.until(async () => (await c.run(c.client.get<ResourceQuota>('resourcequotas', 'q', { namespace: NS }))).status?.used?.pods === '3', 30_000, 'quota used 3');
  t.pass();
});
