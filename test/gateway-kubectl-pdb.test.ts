// The real kubectl with PodDisruptionBudgets over the gateway: get/describe show the controller's
// status, a bad PDB is refused with upstream's message, and kubectl drain is held back (429) by a
// budget that allows no disruption, then goes through once the budget allows it.
import test from 'ava';
import { stringify } from 'yaml';
import { startGatewayCluster } from './helpers/gateway.ts';
import { waitFor } from './helpers/wait.ts';

const cluster = startGatewayCluster;

const manifests = (minAvailable: number) => [
  {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'app:1' }] } } },
  },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default' }, spec: { minAvailable, selector: { matchLabels: { app: 'web' } } } },
];

test('gateway kubectl pdb - get, describe, a bad budget refused, drain held back by the budget until it allows', async (t) => {
  const g = await cluster(t);
  const bad = await g.kubectl(['create', '-f', '-'], stringify({ ...manifests(1)[1], spec: { minAvailable: 1, maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } } }));
  t.not(bad.code, 0);
  t.regex(bad.stderr, /PodDisruptionBudget "web" is invalid: spec: Invalid value: policy\.PodDisruptionBudgetSpec\{.*\}: minAvailable and maxUnavailable cannot be both set/);
  for (const m of manifests(2)) t.is((await g.kubectl(['apply', '-f', '-'], stringify(m))).code, 0);
  await waitFor(async () => (await g.client.get<any>('poddisruptionbudgets', 'web', { namespace: 'default' })).status?.currentHealthy === 2, 'both pods healthy', 20_000);
  const get = await g.kubectl(['get', 'pdb']);
  t.regex(get.stdout, /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\nweb\s+2\s+N\/A\s+0\s+\d+s\n$/);
  const described = await g.kubectl(['describe', 'pdb', 'web']);
  t.regex(described.stdout, /Min available:\s+2\nSelector:\s+app=web\nStatus:\n\s+Allowed disruptions:\s+0\n\s+Current:\s+2\n\s+Desired:\s+2\n\s+Total:\s+2\n/);

  const explained = await g.kubectl(['explain', 'pdb.spec.unhealthyPodEvictionPolicy']);
  t.is(explained.code, 0, explained.stderr);
  t.regex(explained.stdout, /^GROUP:\s+policy\nKIND:\s+PodDisruptionBudget\nVERSION:\s+v1\n/);

  const held = await g.kubectl(['drain', 'n1', '--ignore-daemonsets', '--grace-period=1', '--timeout=7s']);
  t.not(held.code, 0);
  t.regex(held.stderr, /error when evicting pods\/"web-[a-z0-9-]+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
  t.is((await g.client.list('pods', { namespace: 'default', labelSelector: 'app=web' })).items.filter((p) => !p.metadata.deletionTimestamp).length, 2, 'nothing evicted');

  // minAvailable 1: one disruption allowed; the other pod's replacement cannot schedule (cordoned), so drain evicts one and waits.
  t.is((await g.kubectl(['patch', 'pdb', 'web', '--type=merge', '-p', '{"spec":{"minAvailable":1}}'])).code, 0);
  await waitFor(async () => (await g.client.get<any>('poddisruptionbudgets', 'web', { namespace: 'default' })).status?.disruptionsAllowed === 1, 'one disruption allowed', 20_000);
  const partly = await g.kubectl(['drain', 'n1', '--ignore-daemonsets', '--grace-period=1', '--timeout=8s']);
  t.regex(partly.stdout, /pod\/web-[a-z0-9-]+ evicted\n/);
  t.regex(partly.stderr, /Cannot evict pod as it would violate the pod's disruption budget\./);
});

test('gateway kubectl pdb - a ReplicationController: apply, scale (its scale subresource), get rc, and a percentage budget counting its scale', async (t) => {
  const g = await cluster(t);
  const rc = {
    apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'nginx', namespace: 'default' },
    spec: { replicas: 2, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } },
  };
  t.is((await g.kubectl(['apply', '-f', '-'], stringify(rc))).stdout, 'replicationcontroller/nginx created\n');
  t.is((await g.kubectl(['scale', 'rc', 'nginx', '--replicas=3'])).stdout, 'replicationcontroller/nginx scaled\n');
  const scale = await g.kubectl(['get', '--raw', '/api/v1/namespaces/default/replicationcontrollers/nginx/scale']);
  t.like(JSON.parse(scale.stdout), { kind: 'Scale', spec: { replicas: 3 } });
  await waitFor(async () => (await g.client.get<any>('replicationcontrollers', 'nginx', { namespace: 'default' })).status?.readyReplicas === 3, '3 ready replicas', 20_000);
  t.regex((await g.kubectl(['get', 'rc'])).stdout, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\nnginx\s+3\s+3\s+3\s+\d+s\n$/);
  const pdb = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'nginx', namespace: 'default' }, spec: { maxUnavailable: '34%', selector: { matchLabels: { app: 'nginx' } } } };
  t.is((await g.kubectl(['apply', '-f', '-'], stringify(pdb))).code, 0);
  await waitFor(async () => (await g.client.get<any>('poddisruptionbudgets', 'nginx', { namespace: 'default' })).status?.expectedPods === 3, 'the budget counted', 20_000);
  // maxUnavailable 34% of 3 rounds up to 2: 1 pod needed healthy, 2 disruptions allowed.
  t.regex((await g.kubectl(['get', 'pdb', 'nginx'])).stdout, /\nnginx\s+N\/A\s+34%\s+2\s+\d+s\n$/);
});
