// The real-nodes CI failure (4 of 4 spread web pods on one node) checked on the scheduler's side:
// a Deployment spread by hostname (ScheduleAnyway) lands on both nodes while the nodes' statuses
// move on between cycles and its pods go Running; the placement CI saw comes from a node that is
// Ready but still tainted not-ready:NoSchedule (the lifecycle controller lifts it a moment after
// Ready), which TaintToleration rightly filters out.
import test from 'ava';
import type { Node } from '../api/kinds/node.ts';
import type { Pod } from '../api/kinds/pod.ts';
import type { KubeObject } from '../api/meta.ts';
import { SchedulingAlgorithm } from '../actors/scheduler/scheduler.logic.ts';
import { TAINT_NOT_READY } from '../api/kinds/scheduling.ts';
import { seededRng } from '../bus/random.ts';
import { startSimCluster } from './helpers/cluster.ts';
import { clusterOf, info, mkNode, mkPod, schedEnv, until } from './helpers/scheduler.ts';

const spread = [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'web' } } }];

/** Pods per node name. */
const perNode = (pods: Pod[]) => {
  const out: Record<string, number> = {};
  for (const p of pods) if (p.spec.nodeName) out[p.spec.nodeName] = (out[p.spec.nodeName] ?? 0) + 1;
  return out;
};

test('scheduler spread - node status updates between cycles (allocatable, images, heartbeats) keep the assumed pods, their counts and the room left; 4 spread pods go 2 and 2', (t) => {
  const status = (n: Node, i: number): Node => ({
    ...n,
    status: { ...n.status, allocatable: { ...n.status!.allocatable, memory: `${8192 - i}Mi` }, images: [{ names: [`busybox:${i}`], sizeBytes: 1000 * i }], conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: `2026-01-01T00:00:0${i}Z` }] },
  });
  const nodes = [mkNode('a'), mkNode('b')];
  const c = clusterOf(nodes, [mkPod('client', { nodeName: 'a' })]);
  const algo = new SchedulingAlgorithm({ percentageOfNodesToScore: 0 });
  for (let i = 0; i < 4; i++) {
    for (const n of nodes) c.setNode(status(n, i));
    const pod = info(mkPod(`web-${i}`, { labels: { app: 'web' }, spread }));
    const r = algo.schedule(pod, c, seededRng(i));
    if (r.kind !== 'scheduled') return t.fail(`web-${i} not scheduled: ${JSON.stringify(r)}`);
    c.assume(pod, r.node);
  }
  t.deepEqual([c.get('a')!.pods.size, c.get('b')!.pods.size], [3, 2], 'client + 2 web on a, 2 web on b');
  for (const name of ['a', 'b']) {
    const ni = c.get(name)!;
    t.deepEqual([ni.roomPods, ni.roomMemory], [110 - ni.pods.size, (8192 - 3) * 1024 ** 2], `${name}: room left from the last status, pods counted`);
  }
});

test('scheduler spread - a spread Deployment on a simulated cluster lands on both nodes while their statuses are written between cycles, and keeps spreading once its pods are Running', async (t) => {
  const c = await startSimCluster(t, { nodes: 2 });
  const deployment = (replicas: number): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { topologySpreadConstraints: spread, containers: [{ name: 'c', image: 'busybox' }] } } },
  });
  const web = async () => (await c.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=web' })).filter((p) => !p.metadata.deletionTimestamp);
  // Node status writes (what a real node's kubelet sends: images, allocatable, heartbeats) interleaved with the scheduling.
  let writes = 0;
  const touchNodes = async () => {
    writes++;
    for (const name of ['node-0', 'node-1'])
      await c.run(c.client.patch('nodes', name, { status: { images: [{ names: [`busybox:${writes}`], sizeBytes: 1000 * writes }] } }, { status: true }));
  };
  await c.run(c.client.create('deployments', deployment(4)));
  await touchNodes();
  await c.run(c.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: 'default' }, spec: { nodeName: 'node-0', containers: [{ name: 'c', image: 'busybox' }] } }));
  await c.until(async () => (await touchNodes(), (await web()).filter((p) => p.spec.nodeName).length === 4), 60_000, '4 web pods bound', 100);
  t.deepEqual(perNode(await web()), { 'node-0': 2, 'node-1': 2 });
  await c.until(async () => (await web()).every((p) => p.status?.phase === 'Running'), 60_000, '4 web pods Running');
  await c.run(c.client.patch('deployments', 'web', { spec: { replicas: 6 } }, { namespace: 'default' }));
  await c.until(async () => (await touchNodes(), (await web()).filter((p) => p.spec.nodeName).length === 6), 60_000, '6 web pods bound', 100);
  t.deepEqual(perNode(await web()), { 'node-0': 3, 'node-1': 3 }, 'Running pods still count on their nodes');
});

test('scheduler spread - the CI placement: a node Ready but still tainted not-ready:NoSchedule gets none of the 4 spread pods; untainted, the next ones go there', async (t) => {
  const s = await schedEnv(t);
  await s.createNode(mkNode('kh-1-2', { taints: [{ key: TAINT_NOT_READY, effect: 'NoSchedule' }] }));
  await s.createNode(mkNode('kh-1-3'));
  s.startScheduler();
  await s.createPod(mkPod('client', { nodeName: 'kh-1-2' }));
  const tolerations = [{ key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }];
  for (let i = 0; i < 4; i++) await s.createPod(mkPod(`web-${i}`, { labels: { app: 'web' }, spread, tolerations }));
  const web = async () => (await s.listPods()).filter((p) => p.metadata.labels?.app === 'web');
  await until(s, async () => (await web()).every((p) => p.spec.nodeName));
  t.deepEqual(perNode(await web()), { 'kh-1-3': 4 }, 'as CI saw: the tainted node is infeasible, whatever the spread score');
  const node = await s.run(s.env.client.get<Node>('nodes', 'kh-1-2'));
  await s.run(s.env.client.update('nodes', { ...node, spec: { ...node.spec, taints: [] } }));
  for (let i = 4; i < 6; i++) await s.createPod(mkPod(`web-${i}`, { labels: { app: 'web' }, spread, tolerations }));
  await until(s, async () => (await web()).every((p) => p.spec.nodeName));
  t.deepEqual(perNode(await web()), { 'kh-1-2': 2, 'kh-1-3': 4 }, 'the spread score sends both new pods to the emptier node');
});
