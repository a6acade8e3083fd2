// Whole-cluster scenarios on the virtual clock: real scheduler, controllers and sim kubelets.
import test from 'ava';
import type { Node } from '../api/kinds/node.ts';
import type { Pod } from '../api/kinds/pod.ts';
import type { KubeObject } from '../api/meta.ts';
import { deployment } from '../scenarios/objects.ts';
import { isReady, readyOf, startSimCluster } from './helpers/cluster.ts';


test('cluster - a stopped node goes Unknown with the unreachable taint; its pods are evicted after 300 s and replaced elsewhere', async (t) => {
  const c = await startSimCluster(t, { nodes: 3 });
  await c.run(c.client.create('deployments', deployment('web', 6)));
  await c.until(async () => (await c.list<Pod>('pods')).filter(isReady).length === 6, 60_000, '6 web pods Ready');
  const victim = 'node-1';
  const lost = (await c.list<Pod>('pods')).filter((p) => p.spec.nodeName === victim).map((p) => p.metadata.name!);
  t.true(lost.length > 0, `some pods ran on ${victim}`);

  await c.stopNode(victim);
  const unknownAfter = await c.until(async () => readyOf((await c.list<Node>('nodes')).find((n) => n.metadata.name === victim)) === 'Unknown', 120_000, `${victim} Unknown`);
  t.true(unknownAfter >= 40_000 && unknownAfter <= 70_000, `Unknown after ${unknownAfter / 1000} s (grace 50 s after the last renewal)`);
  const node = (await c.list<Node>('nodes')).find((n) => n.metadata.name === victim)!;
  t.true(node.spec?.taints?.some((x) => x.key === 'node.kubernetes.io/unreachable' && x.effect === 'NoExecute') ?? false);
  // Pods stay (tolerating 300 s), then are evicted and the Deployment makes up for them elsewhere.
  t.true((await c.list<Pod>('pods')).some((p) => lost.includes(p.metadata.name!) && !p.metadata.deletionTimestamp), 'not evicted before 300 s');
  await c.until(async () => (await c.list<Pod>('pods')).every((p) => !lost.includes(p.metadata.name!) || p.metadata.deletionTimestamp), 320_000, 'lost pods evicted', 5_000);
  await c.until(
    async () => {
      const pods = (await c.list<Pod>('pods')).filter((p) => !p.metadata.deletionTimestamp);
      return pods.length === 6 && pods.every((p) => p.spec.nodeName !== victim && isReady(p));
    },
    120_000,
    '6 Ready pods on the other nodes',
  );
  const d = (await c.list('deployments'))[0] as KubeObject & { status: { availableReplicas: number } };
  await c.until(async () => ((await c.list('deployments'))[0] as typeof d).status.availableReplicas === 6, 30_000, 'Deployment available');
  // How fast the simulation runs is a figure of `npm run bench -- scenarios` (node failure), not a check here.
  t.log(`${((c.clock.now() - Date.UTC(2026, 10, 23, 9, 0, 0)) / 1000).toFixed(0)} s of cluster time`);
});

test('cluster - a node cut off from the bus and healed is Ready again, its taints removed and its pods Ready again', async (t) => {
  const c = await startSimCluster(t, { nodes: 3 });
  await c.run(c.client.create('deployments', deployment('web', 3)));
  await c.until(async () => (await c.list<Pod>('pods')).filter(isReady).length === 3, 60_000, '3 pods Ready');
  const victim = 'node-2';
  const mine = (await c.list<Pod>('pods')).filter((p) => p.spec.nodeName === victim).map((p) => p.metadata.name!);
  c.partition(victim, true);
  await c.until(async () => readyOf((await c.list<Node>('nodes')).find((n) => n.metadata.name === victim)) === 'Unknown', 120_000, 'Unknown');
  if (mine.length) {
    await c.until(async () => (await c.list<Pod>('pods')).filter((p) => mine.includes(p.metadata.name!)).every((p) => readyOf(p) === 'False'), 30_000, 'its pods marked not ready');
  }
  c.partition(victim, false);
  await c.until(async () => readyOf((await c.list<Node>('nodes')).find((n) => n.metadata.name === victim)) === 'True', 60_000, 'Ready again');
  await c.until(async () => !(await c.list<Node>('nodes')).find((n) => n.metadata.name === victim)!.spec?.taints?.length, 30_000, 'taints removed');
  await c.until(async () => (await c.list<Pod>('pods')).filter((p) => mine.includes(p.metadata.name!)).every(isReady), 60_000, 'its pods Ready again');
  t.pass();
});

test('cluster - a pod that fits nowhere stays Pending with the upstream message until a node that fits joins', async (t) => {
  const c = await startSimCluster(t, { nodes: 2 });
  const big = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'big', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '6' } } }] } } as KubeObject;
  await c.run(c.client.create('pods', big));
  const msg = async () => ((await c.run(c.client.get<Pod>('pods', 'big', { namespace: 'default' }))).status?.conditions ?? []).find((x) => x.type === 'PodScheduled');
  await c.until(async () => (await msg())?.reason === 'Unschedulable', 30_000, 'Unschedulable');
  t.regex((await msg())!.message!, /^0\/2 nodes are available: 2 Insufficient cpu\./);
  c.addNode('node-big', { capacity: { cpu: '8', memory: '32Gi', pods: '110' } });
  await c.until(async () => isReady(await c.run(c.client.get<Pod>('pods', 'big', { namespace: 'default' }))), 60_000, 'scheduled on the new node and running');
  t.is((await c.run(c.client.get<Pod>('pods', 'big', { namespace: 'default' }))).spec.nodeName, 'node-big');
});

test('cluster - a rolling update with real kubelets never exceeds replicas + maxSurge pods nor drops below replicas − maxUnavailable available', async (t) => {
  const c = await startSimCluster(t, { nodes: 3 });
  const deploy = deployment('web', 4);
  (deploy.spec as { strategy: unknown }).strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } };
  (deploy.spec as { minReadySeconds: number }).minReadySeconds = 0;
  await c.run(c.client.create('deployments', deploy));
  await c.until(async () => (await c.list<Pod>('pods')).filter(isReady).length === 4, 60_000, '4 Ready');
  // Watch every pod event and check the bounds after each one.
  const pods = new Map<string, Pod>();
  let maxPods = 0;
  let minAvailable = Infinity;
  const w = c.client.watch('pods', { namespace: 'default', labelSelector: 'app=web' }, {
    event: (ev) => {
      const p = ev.object as Pod;
      if (ev.type === 'DELETED') pods.delete(p.metadata.name!);
      else pods.set(p.metadata.name!, p);
      const alive = [...pods.values()].filter((x) => !x.metadata.deletionTimestamp);
      maxPods = Math.max(maxPods, alive.length);
      if (ev.type !== 'ADDED' || pods.size >= 4) minAvailable = Math.min(minAvailable, alive.filter(isReady).length);
    },
    end: () => {},
  });
  await c.run(w);
  await c.clock.advance(1_000);
  await c.run(c.client.patch('deployments', 'web', { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:1.28' }] } } } }, { namespace: 'default' }));
  await c.until(
    async () => {
      const ps = (await c.list<Pod>('pods')).filter((p) => !p.metadata.deletionTimestamp);
      return ps.length === 4 && ps.every((p) => p.spec.containers[0].image === 'nginx:1.28' && isReady(p));
    },
    120_000,
    'all 4 pods updated and Ready',
  );
  t.is(maxPods, 5, `never more than replicas + maxSurge = 5 pods, and the surge was used (saw ${maxPods})`);
  t.true(minAvailable >= 3, `never fewer than replicas − maxUnavailable = 3 available (saw ${minAvailable})`);
  const rs = await c.list('replicasets');
  t.is(rs.length, 2, 'old and new ReplicaSets');
});

test('cluster - deleting a Deployment: background removes its ReplicaSets and pods; orphan leaves them', async (t) => {
  const c = await startSimCluster(t, { nodes: 2 });
  for (const name of ['bg', 'or']) await c.run(c.client.create('deployments', deployment(name, 2)));
  await c.until(async () => (await c.list<Pod>('pods')).filter(isReady).length === 4, 60_000, '4 Ready');
  await c.run(c.client.delete('deployments', 'bg', { namespace: 'default' }));
  await c.run(c.client.delete('deployments', 'or', { namespace: 'default', propagationPolicy: 'Orphan' }));
  await c.until(async () => (await c.list('deployments')).length === 0, 30_000, 'deployments gone');
  await c.until(async () => !(await c.list<Pod>('pods')).some((p) => p.metadata.labels?.app === 'bg'), 60_000, 'bg pods gone');
  const left = await c.list('replicasets');
  t.deepEqual(left.map((r) => r.metadata.name!.split('-')[0]), ['or'], 'the orphaned ReplicaSet stays');
  t.deepEqual(left[0].metadata.ownerReferences ?? [], [], 'with its owner reference removed');
  t.is((await c.list<Pod>('pods')).filter((p) => p.metadata.labels?.app === 'or' && isReady(p)).length, 2, 'and its pods keep running');
});

test('cluster - a deleted Node object is registered again by its kubelet', async (t) => {
  const c = await startSimCluster(t, { nodes: 2 });
  await c.run(c.client.delete('nodes', 'node-1'));
  await c.until(async () => (await c.list<Node>('nodes')).length === 1, 10_000, 'node-1 gone');
  // The kubelet notices at its next status write (every 5 minutes at the latest) or lease failure.
  const after = await c.until(async () => (await c.list<Node>('nodes')).some((n) => n.metadata.name === 'node-1' && isReady(n)), 6 * 60_000, 'node-1 registered again', 5_000);
  t.log(`registered again after ${after / 1000} s`);
  t.pass();
});

test('cluster - a short cut the kubelet never noticed: the node controller marks Unknown, the kubelet makes it Ready again at once', async (t) => {
  const c = await startSimCluster(t, { nodes: 2 });
  // As if the node controller judged the node silent while the kubelet's renewals went through late.
  const n = (await c.list<Node>('nodes')).find((x) => x.metadata.name === 'node-1')!;
  const conditions = n.status!.conditions!.map((x) => (x.type === 'Ready' ? { ...x, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' } : x));
  await c.run(c.client.updateStatus('nodes', { ...n, status: { ...n.status, conditions } }));
  const after = await c.until(async () => readyOf((await c.list<Node>('nodes')).find((x) => x.metadata.name === 'node-1')) === 'True', 30_000, 'Ready again', 100);
  t.true(after <= 1_000, `Ready again after ${after} ms`);
});
