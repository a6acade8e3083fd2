// A node host dies (kill -9 of every process on it): its nodes go Unknown and get the
// unreachable taint, their pods are evicted, and the Deployment's replacements run on the
// other host.
import test from 'ava';
import { isReady, readyOf } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { hostsCluster, PERIODS } from './cluster.ts';
import { deployment, hasNoExecute, nodesByName, podsOf, since } from './workloads.ts';

test('hosts - kill -9 a node host: Unknown, unreachable taint, eviction, replacements on the other host', async (t) => {
  const c = await hostsCluster(t);
  const [keep, victim] = c.nodeHosts;
  const victimNodes = c.nodeNames.get(victim)!;
  const keepNodes = c.nodeNames.get(keep)!;
  await c.client.create('deployments', deployment('web', 8, 2));
  await waitFor(async () => (await podsOf(c.client, 'web')).filter(isReady).length === 8, '8 Ready pods', 30_000, 100);
  const onVictim = (await podsOf(c.client, 'web')).filter((p) => victimNodes.includes(p.spec.nodeName!)).map((p) => p.metadata.name!);
  t.true(onVictim.length > 0, `the scheduler spread some pods onto ${victim.name} (${onVictim.length})`);

  const killedAt = Date.now();
  await victim.kill('SIGKILL');
  const unknownAfter = await Promise.all(
    victimNodes.map(async (n) => {
      await waitFor(async () => readyOf((await nodesByName(c.client)).get(n)) === 'Unknown', `${n} Unknown`, 20_000, 50);
      return since(killedAt);
    }),
  );
  await waitFor(async () => {
    const nodes = await nodesByName(c.client);
    return victimNodes.every((n) => hasNoExecute(nodes.get(n), 'node.kubernetes.io/unreachable'));
  }, 'unreachable NoExecute taints on the dead nodes', 10_000, 50);
  const taintedAfter = since(killedAt);
  await waitFor(async () => (await podsOf(c.client, 'web', { live: true })).every((p) => !onVictim.includes(p.metadata.name!)), 'pods on the dead host evicted', 15_000, 100);
  await waitFor(async () => {
    const ps = await podsOf(c.client, 'web', { live: true });
    return ps.length === 8 && ps.every((p) => keepNodes.includes(p.spec.nodeName!) && isReady(p));
  }, `8 Ready pods on ${keep.name}'s nodes`, 30_000, 100);
  const recoveredAfter = since(killedAt);

  t.log(`node Unknown ${unknownAfter.join(' / ')} ms after kill -9 (lease ${PERIODS.nodeLeaseMs} ms, grace ${PERIODS.graceMs} ms); tainted after ${taintedAfter} ms; 8 pods Ready again after ${recoveredAfter} ms`);
  t.true(Math.min(...unknownAfter) >= PERIODS.graceMs - PERIODS.nodeLeaseMs, 'not Unknown before the grace period could have run out');
  const nodes = await nodesByName(c.client);
  for (const n of victimNodes) t.like(nodes.get(n)?.status?.conditions?.find((x) => x.type === 'Ready'), { status: 'Unknown', reason: 'NodeStatusUnknown' });
  for (const n of keepNodes) t.is(readyOf(nodes.get(n)), 'True', `${n} stayed Ready`);
});
