// A node host's cable is pulled for longer than the grace period, then put back: its nodes go
// Unknown (tainted; the StatefulSet pods there are evicted but cannot finish terminating), then
// Ready again and untainted; at no moment do two pods of one StatefulSet ordinal run.
import test from 'ava';
import { isReady, readyOf } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { hostsCluster, PERIODS } from './cluster.ts';
import { watchRunningPods } from './pod-watch.ts';
import { hasNoExecute, nodesByName, podsOf, since, statefulSet } from './workloads.ts';

const REPLICAS = 4;
const names = Array.from({ length: REPLICAS }, (_, i) => `db-${i}`);

test('hosts - cut a node host link beyond the grace period, then restore it: Unknown, Ready again, untainted, no duplicate StatefulSet pods', async (t) => {
  const c = await hostsCluster(t);
  const watch = await watchRunningPods(t, c.client);
  // Tolerations of 1 s: the pods on the cut host are evicted while it is away.
  await c.client.create('statefulsets', statefulSet('db', REPLICAS, 1));
  const allRunning = async () => {
    const ps = await podsOf(c.client, 'db', { live: true });
    return ps.length === REPLICAS && ps.every(isReady) && names.every((n) => ps.some((p) => p.metadata.name === n));
  };
  await waitFor(allRunning, `${REPLICAS} Ready StatefulSet pods`, 40_000, 100);
  const pods = await podsOf(c.client, 'db');
  const count = (h: (typeof c.nodeHosts)[number]) => pods.filter((p) => c.nodeNames.get(h)!.includes(p.spec.nodeName!)).length;
  const victim = [...c.nodeHosts].sort((a, b) => count(b) - count(a))[0];
  const victimNodes = c.nodeNames.get(victim)!;
  const evicted = pods.filter((p) => victimNodes.includes(p.spec.nodeName!)).map((p) => p.metadata.name!);
  t.true(evicted.length > 0, `some StatefulSet pods run on ${victim.name}`);

  const kubelets = victim.procs[0];
  const logFrom = kubelets.length;
  const cutAt = Date.now();
  victim.linkDown();
  const nodeIs = async (status: string) => {
    const nodes = await nodesByName(c.client);
    return victimNodes.every((n) => readyOf(nodes.get(n)) === status);
  };
  await waitFor(() => nodeIs('Unknown'), `${victimNodes.join(', ')} Unknown`, 20_000, 50);
  const unknownAfter = since(cutAt);
  await waitFor(async () => {
    const nodes = await nodesByName(c.client);
    return victimNodes.every((n) => hasNoExecute(nodes.get(n), 'node.kubernetes.io/unreachable'));
  }, 'unreachable taints', 10_000, 50);
  await waitFor(async () => (await podsOf(c.client, 'db')).filter((p) => evicted.includes(p.metadata.name!)).every((p) => p.metadata.deletionTimestamp), 'the pods on the cut host evicted (terminating)', 15_000, 100);
  // Their kubelet cannot confirm the stop, so the names stay taken: no replacement may start yet.
  t.true((await podsOf(c.client, 'db')).filter((p) => evicted.includes(p.metadata.name!)).every((p) => victimNodes.includes(p.spec.nodeName!)), 'no replacement while the old pods are not confirmed gone');
  // A partition both sides notice: the kubelets' renewals fail too (a shorter one: link-cut-short.test.ts).
  await kubelets.waitFor(/failed to renew lease/, 20_000, logFrom);
  const cutFor = since(cutAt);

  const restoredAt = Date.now();
  victim.linkUp();
  await waitFor(() => nodeIs('True'), `${victimNodes.join(', ')} Ready again`, 40_000, 50);
  const readyAfter = since(restoredAt);
  await waitFor(async () => {
    const nodes = await nodesByName(c.client);
    return victimNodes.every((n) => (nodes.get(n)?.spec?.taints ?? []).every((x) => !x.key.startsWith('node.kubernetes.io/')));
  }, 'taints removed', 10_000, 50);
  const untaintedAfter = since(restoredAt);
  await waitFor(allRunning, `${REPLICAS} Ready StatefulSet pods again`, 60_000, 100);
  const recoveredAfter = since(restoredAt);

  t.log(`cut ${cutFor} ms: nodes Unknown ${unknownAfter} ms after the cut (lease ${PERIODS.nodeLeaseMs} ms, grace ${PERIODS.graceMs} ms)`);
  t.log(`after restoring the link: Ready in ${readyAfter} ms, untainted in ${untaintedAfter} ms, all ${REPLICAS} StatefulSet pods Ready in ${recoveredAfter} ms`);
  t.log(`${watch.events} pod events watched; at most ${watch.maxPerName()} pod(s) of one name Running at once`);
  t.deepEqual(watch.duplicates, [], 'never two pods of one ordinal Running at once');
  t.is(watch.maxPerName(), 1);
  t.is(watch.informer.relists, 1, 'the test watch itself never had to list again');
});
