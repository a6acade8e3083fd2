// The API server process (file store) is killed with kill -9 while a writer runs, and started
// again on the same host: every acknowledged write is there with its revision, revisions go on,
// and every component resyncs — the test's informers end equal to the store, and a Deployment
// scaled after the restart converges (controller manager, scheduler and kubelets all follow).
import test from 'ava';
import type { Node } from '../../api/kinds/node.ts';
import { isReady, readyOf } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { hostsCluster } from './cluster.ts';
import { expectConsistent, watchAll } from './watch-all.ts';
import { deployment, podsOf, since } from './workloads.ts';
import { startWriter } from './writer.ts';

test('hosts - kill -9 the API server (file store) and restart it: acknowledged writes survive, every component resyncs', async (t) => {
  const c = await hostsCluster(t);
  await c.client.create('deployments', deployment('web', 4));
  await waitFor(async () => (await podsOf(c.client, 'web')).filter(isReady).length === 4, '4 Ready pods', 30_000, 100);
  const w = await watchAll(t, c.client);
  const notReady: string[] = [];
  w.informers.get('nodes')!.on({ update: (_, n) => void (readyOf(n as Node) !== 'True' && notReady.push(`${n.metadata.name} ${readyOf(n as Node)}`)) });
  const writer = startWriter(c.client);
  await writer.more(50);

  const killedAt = Date.now();
  await c.apiserver.kill('SIGKILL');
  const paused = writer.pause();
  const maxBefore = Math.max(...writer.revisions);
  c.apiserver = await c.startApiserver();
  const servingAfter = since(killedAt);
  // The new process holds none of the old watches: clients must resume them at once (upstream's
  // watches break with the connection), not after three missed heartbeats (30 s).
  const resumed = waitFor(() => [...w.informers.values()].every((i) => i.resumes > 0 || i.relists > 1), 'every watch of the test resumed after the restart', 10_000, 10).then(() => since(killedAt));
  resumed.catch(() => {}); // awaited below; this only keeps an early failure from counting as unhandled

  // Durability: the writer is held, so the store must hold exactly what was acknowledged
  // (a step cut off by the kill may or may not have happened: those names only must not go back).
  await paused;
  const stored = new Map((await c.client.list('configmaps', { namespace: 'default', labelSelector: 'writer=hosts' })).items.map((o) => [o.metadata.name!, o.metadata.resourceVersion!]));
  const lost = [...writer.acked].filter(([name, rv]) => (writer.uncertain.has(name) ? Number(stored.get(name) ?? Infinity) < Number(rv) : stored.get(name) !== rv));
  t.deepEqual(lost, [], 'every acknowledged write is there with its revision');
  t.deepEqual([...writer.deleted].filter((n) => stored.has(n) && !writer.uncertain.has(n)), [], 'acknowledged deletes stay deleted');
  t.deepEqual([...stored.keys()].filter((n) => !writer.acked.has(n) && !writer.uncertain.has(n)), [], 'nothing unacknowledged appeared');
  writer.resume();
  await writer.more(1);
  t.true(writer.revisions.at(-1)! > maxBefore, 'revisions go on from where they were');

  const resumedAfter = await resumed;
  await writer.more(20);
  await c.client.patch('deployments', 'web', { spec: { replicas: 8 } }, { namespace: 'default' });
  await waitFor(async () => (await podsOf(c.client, 'web', { live: true })).filter(isReady).length === 8, 'the Deployment scaled after the restart: 8 Ready pods', 30_000, 100);
  const scaledAfter = since(killedAt);
  await writer.stop();
  const consistent = await expectConsistent(w, c.client);
  const resyncedAfter = since(killedAt);

  t.log(`API server killed: serving again after ${servingAfter} ms (a new process opening the file store), the test's watches resumed after ${resumedAfter} ms`);
  t.log(`Deployment scaled after the restart Ready after ${scaledAfter} ms; the ${w.informers.size} informers equal to the store after ${resyncedAfter} ms (${w.resumes()} resumes, ${w.relists() - w.informers.size} lists again, ${consistent.missing.length} revisions not seen as events)`);
  t.log(`${writer.revisions.length} acknowledged writes, ${writer.failures.length} failed around the kill; nodes leaving Ready meanwhile: ${notReady.length ? notReady.join(', ') : 'none'}`);
});
