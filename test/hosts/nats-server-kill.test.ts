// One of the three nats-servers dies (kill -9) — the one the API server is connected to — while
// a writer and informers on every kind run in the test: clients fail over, no watch loses an
// event, the caches end equal to the store, and every component keeps working. The server then
// comes back and rejoins the cluster.
import test from 'ava';
import type { Node } from '../../api/kinds/node.ts';
import { isReady, readyOf } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { hostsCluster } from './cluster.ts';
import { expectConsistent, watchAll } from './watch-all.ts';
import { deployment, podsOf, since } from './workloads.ts';
import { startWriter } from './writer.ts';

test('hosts - kill -9 the nats-server of the API server: clients fail over, no watch loses an event, everything keeps working', async (t) => {
  const c = await hostsCluster(t);
  const v = await c.nats.serverWithSubscription('kubus.api.');
  const urls = c.nats.urls.split(',');
  const victimUrl = urls[v];
  // Informers on two connections: one on the victim (it must fail over, knowing the others only
  // from the cluster's gossip), one on the other two servers.
  const onVictim = await c.connect('on-victim', victimUrl);
  const elsewhere = await c.connect('elsewhere', urls.filter((u) => u !== victimUrl).join(','));
  await c.client.create('deployments', deployment('web', 4));
  await waitFor(async () => (await podsOf(c.client, 'web')).filter(isReady).length === 4, '4 Ready pods', 30_000, 100);
  const [a, b] = await Promise.all([watchAll(t, onVictim.client), watchAll(t, elsewhere.client)]);
  const notReady: string[] = [];
  b.informers.get('nodes')!.on({ update: (_, n) => void (readyOf(n as Node) !== 'True' && notReady.push(`${n.metadata.name} ${readyOf(n as Node)}`)) });
  const writer = startWriter(onVictim.client);
  await writer.more(30);

  const reconnected = new Promise<number>((resolve) => onVictim.bus.onStatus((s) => s === 'reconnected' && resolve(Date.now())));
  const before = writer.revisions.length;
  const killedAt = Date.now();
  await c.nats.servers[v].stop('SIGKILL');
  const reconnectedAfter = (await reconnected) - killedAt;
  await waitFor(() => writer.revisions.length > before, 'a write acknowledged after the kill', 20_000, 10);
  const firstWriteAfter = writer.lastAckAt - killedAt;
  await waitFor(() => [...a.informers.values()].every((i) => i.resumes > 0), 'every informer on the victim connection resumed', 20_000, 10);
  const resumedAfter = since(killedAt);
  await writer.more(30);
  // The harness's own client may have been on the killed server too: until it has reconnected its
  // requests are refused at once (503, not sent), so the (idempotent) patch is tried until it goes.
  await waitFor(() => c.client.patch('deployments', 'web', { spec: { replicas: 8 } }, { namespace: 'default' }).then(() => true), 'the harness client to scale web to 8 (reconnecting too)', 20_000, 100);
  await waitFor(async () => (await podsOf(c.client, 'web', { live: true })).filter(isReady).length === 8, 'the Deployment scaled to 8 Ready pods', 30_000, 100);
  const scaledAfter = since(killedAt);

  const restartedAt = Date.now();
  await c.nats.servers[v].restart();
  await c.nats.waitForRoutes();
  const rejoinedAfter = since(restartedAt);
  const fresh = await c.connect('fresh', victimUrl);
  await fresh.client.list('nodes');
  const servingAfter = since(restartedAt);
  await writer.more(10);
  await writer.stop();

  const [ca, cb] = await Promise.all([expectConsistent(a, onVictim.client), expectConsistent(b, elsewhere.client)]);
  t.log(`killed nats-server ${v + 1} (${victimUrl}): the victim's clients reconnected after ${reconnectedAfter} ms, first write acknowledged after ${firstWriteAfter} ms, every watch resumed after ${resumedAfter} ms; scaled Deployment Ready after ${scaledAfter} ms`);
  t.log(`restarted it: routes back after ${rejoinedAfter} ms, serving a new client after ${servingAfter} ms`);
  t.log(`${writer.revisions.length} acknowledged writes (${writer.failures.length} failed during the failover); revisions ${a.fromRV}..${ca.upTo} checked on one connection, ${b.fromRV}..${cb.upTo} on the other`);
  t.deepEqual(ca.missing, [], 'every revision reached the informers on the failed-over connection');
  t.deepEqual(cb.missing, [], 'every revision reached the informers on the other connection');
  t.deepEqual(writer.revisions.filter((r) => !a.seen.has(r) || !b.seen.has(r)), [], 'every acknowledged write was seen as an event by both');
  t.is(a.relists(), a.informers.size, 'no informer had to list again: all resumed from their revision');
  t.is(b.relists(), b.informers.size);
  t.deepEqual(notReady, [], 'no node left Ready meanwhile');
  for (const [name, rv] of writer.acked) t.is(a.informers.get('configmaps')!.get(`default/${name}`)?.metadata.resourceVersion, rv);
});
