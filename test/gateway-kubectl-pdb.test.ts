// The real kubectl with PodDisruptionBudgets over the gateway: get/describe show the controller's
// status, a bad PDB is refused with upstream's message, and kubectl drain is held back (429) by a
// budget that allows no disruption, then goes through once the budget allows it.
import test from 'ava';
import { stringify } from 'yaml';
import { kubeletActor } from '../actors/kubelet/kubelet.actor.ts';
import { schedulerActor } from '../actors/scheduler/scheduler.actor.ts';
import { startControllerManager } from '../runtime/controller-manager.ts';
import { startGateway, type GatewayEnv } from './helpers/gateway.ts';
import { waitFor } from './helpers/wait.ts';

async function cluster(t: Parameters<typeof startGateway>[0]): Promise<GatewayEnv> {
  const g = await startGateway(t);
  const cp = g.process('control-plane');
  cp.start(schedulerActor, 'scheduler', undefined);
  startControllerManager(cp);
  g.process('node/n1').start(kubeletActor, 'kubelet/n1', { nodeName: 'n1' });
  await waitFor(() => g.client.get('nodes', 'n1').catch(() => undefined), 'node n1 registered');
  return g;
}

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
