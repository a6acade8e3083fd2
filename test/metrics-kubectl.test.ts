// The real kubectl's `top` over the gateway: a sim node whose pods say their usage in annotations,
// the metrics server scraping it (every second here, 15 s by default), metrics.k8s.io served and
// discovered (legacy and aggregated) as metrics-server serves it.
import test from 'ava';
import { metricsServer } from '../actors/metrics/metrics-server.actor.ts';
import { kubeletActor } from '../actors/kubelet/kubelet.actor.ts';
import { hpaController } from '../actors/controllers/hpa/hpa.controller.ts';
import type { KubeObject } from '../api/meta.ts';
import { startGateway } from './helpers/gateway.ts';
import { waitFor } from './helpers/wait.ts';

const pod = (name: string, labels: Record<string, string>, annotations: Record<string, string>, containers = ['app']): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels, annotations },
    spec: { nodeName: 'n1', containers: containers.map((c) => ({ name: c, image: 'app:1', resources: { requests: { cpu: '500m' } } })) },
  }) as KubeObject;

test('metrics kubectl - top nodes and top pods (-A, -l, --containers) show the sim usage; 404 and discovery as metrics-server', async (t) => {
  const g = await startGateway(t);
  g.process('node/n1').start(kubeletActor, 'kubelet/n1', { nodeName: 'n1', capacity: { cpu: '4', memory: '8Gi', pods: '110' } });
  g.process('metrics').start(metricsServer, 'metrics-server', { resolutionMs: 1000 });
  await waitFor(() => g.client.get('nodes', 'n1').catch(() => undefined), 'node n1 registered');
  await g.client.create('pods', pod('web-1', { app: 'web' }, { 'sim.kubus.io/cpu-usage': '250m', 'sim.kubus.io/memory-usage': '64Mi' }));
  await g.client.create('pods', pod('db-1', { app: 'db' }, { 'sim.kubus.io/main.cpu-usage': '1', 'sim.kubus.io/memory-usage': '100Mi', 'sim.kubus.io/side.cpu-usage': '20m' }, ['main', 'side']));

  let top = await g.kubectl(['top', 'pods']);
  await waitFor(async () => ((top = await g.kubectl(['top', 'pods'])), top.code === 0 && top.stdout.includes('web-1') && top.stdout.includes('db-1')), 'kubectl top pods shows both pods', 15_000, 200);
  t.regex(top.stdout, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\ndb-1\s+1020m\s+200Mi\s*\nweb-1\s+250m\s+64Mi\s*\n$/, top.stdout);

  const all = await g.kubectl(['top', 'pods', '-A', '-l', 'app=web']);
  t.is(all.code, 0, all.stderr);
  t.regex(all.stdout, /^NAMESPACE\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\ndefault\s+web-1\s+250m\s+64Mi\s*\n$/, all.stdout);

  const containers = await g.kubectl(['top', 'pods', 'db-1', '--containers']);
  t.is(containers.code, 0, containers.stderr);
  t.regex(containers.stdout, /db-1\s+main\s+1000m\s+100Mi/);
  t.regex(containers.stdout, /db-1\s+side\s+20m\s+100Mi/);

  const nodes = await g.kubectl(['top', 'nodes']);
  t.is(nodes.code, 0, nodes.stderr);
  // 1270m of 4 cores = 31 %; 264Mi of 8Gi = 3 %.
  t.regex(nodes.stdout, /^NAME\s+CPU\(cores\)\s+CPU(\(%\))?\s+MEMORY\(bytes\)\s+MEMORY(\(%\))?\s*\nn1\s+1270m\s+31%\s+264Mi\s+3%\s*\n$/, nodes.stdout);

  const missing = await g.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope']);
  t.not(missing.code, 0);
  t.regex(missing.stderr, /podmetrics\.metrics\.k8s\.io "nope" not found/);
  const raw = JSON.parse((await g.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web-1'])).stdout);
  t.like(raw, { kind: 'PodMetrics', apiVersion: 'metrics.k8s.io/v1beta1', metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } } });
  t.regex(raw.window, /^\d+(\.\d+)?m?s$/);
  t.is(raw.containers[0].usage.memory, '64Mi');
  const node = JSON.parse((await g.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes/n1'])).stdout);
  t.like(node, { kind: 'NodeMetrics', metadata: { name: 'n1' }, usage: { memory: '264Mi' } });
  t.regex((await g.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes/nope'])).stderr, /nodemetrics\.metrics\.k8s\.io "nope" not found/);
  const byName = JSON.parse((await g.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.name%3Ddb-1'])).stdout);
  t.deepEqual(byName.items.map((i: KubeObject) => i.metadata.name), ['db-1']);
  const bad = await g.kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=a%20in%20(']);
  t.regex(bad.stderr, /BadRequest|unable to parse requirement/);

  const resources = await g.kubectl(['api-resources', '--api-group=metrics.k8s.io']);
  t.is(resources.code, 0, resources.stderr);
  t.regex(resources.stdout, /nodes\s+metrics\.k8s\.io\/v1beta1\s+false\s+NodeMetrics/);
  t.regex(resources.stdout, /pods\s+metrics\.k8s\.io\/v1beta1\s+true\s+PodMetrics/);
  // The addon's reader role, aggregated into view/edit/admin.
  const role = await g.client.get<KubeObject & { rules: unknown[] }>('clusterroles', 'system:aggregated-metrics-reader');
  t.like(role.metadata.labels, { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' });
  t.deepEqual(role.rules, [{ apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] }]);
  const legacy = JSON.parse((await g.kubectl(['get', '--raw', '/apis'])).stdout);
  t.true(legacy.groups.some((x: { name: string }) => x.name === 'metrics.k8s.io'));
});

test('metrics kubectl - usage follows the pod\'s current annotation (CPU integrated over each rate)', async (t) => {
  const g = await startGateway(t);
  g.process('node/n1').start(kubeletActor, 'kubelet/n1', { nodeName: 'n1' });
  g.process('metrics').start(metricsServer, 'metrics-server', { resolutionMs: 500 });
  await waitFor(() => g.client.get('nodes', 'n1').catch(() => undefined), 'node n1 registered');
  await g.client.create('pods', pod('web-1', { app: 'web' }, { 'sim.kubus.io/cpu-usage': '100m' }));
  const cpu = async () => {
    const r = await g.kubectl(['top', 'pods', '--no-headers']);
    return r.code === 0 ? /web-1\s+(\d+)m/.exec(r.stdout)?.[1] : undefined;
  };
  await waitFor(async () => (await cpu()) === '100', 'web-1 at 100m', 15_000, 200);
  await g.client.patch('pods', 'web-1', { metadata: { annotations: { 'sim.kubus.io/cpu-usage': '700m' } } }, { namespace: 'default' });
  await waitFor(async () => (await cpu()) === '700', 'web-1 at 700m after the annotation changed', 15_000, 200);
  t.pass();
});

test('metrics kubectl - kubectl get hpa shows the current utilization the HPA computed from the metrics server', async (t) => {
  const g = await startGateway(t);
  g.process('node/n1').start(kubeletActor, 'kubelet/n1', { nodeName: 'n1' });
  g.process('metrics').start(metricsServer, 'metrics-server', { resolutionMs: 500 });
  g.process('controller-manager').start(hpaController, 'controller/horizontalpodautoscaling', { syncPeriodMs: 500 });
  await waitFor(() => g.client.get('nodes', 'n1').catch(() => undefined), 'node n1 registered');
  await g.client.create('deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } } } } as KubeObject);
  // Two pods at 300m of a 500m request: 60 % against 50 % is outside the tolerance: 3 replicas.
  for (const name of ['web-1', 'web-2']) await g.client.create('pods', pod(name, { app: 'web' }, { 'sim.kubus.io/cpu-usage': '300m' }));
  const made = await g.kubectl(['autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=5']);
  t.is(made.code, 0, made.stderr);
  let get = { code: 1, stdout: '', stderr: '' };
  await waitFor(async () => ((get = await g.kubectl(['get', 'hpa', 'web'])), /cpu: 60%\/50%/.test(get.stdout)), 'kubectl get hpa shows cpu: 60%/50%', 15_000, 200);
  t.regex(get.stdout, /web\s+Deployment\/web\s+cpu: 60%\/50%\s+1\s+5\s+\d\s+/);
  await waitFor(async () => (await g.client.get<KubeObject & { spec: { replicas: number } }>('deployments', 'web', { namespace: 'default' })).spec.replicas === 3, 'the Deployment scaled to 3', 10_000, 100);
  const described = await g.kubectl(['describe', 'hpa', 'web']);
  t.regex(described.stdout, /SuccessfulRescale\s+.*New size: 3; reason: cpu resource utilization \(percentage of request\) above target/);
});
