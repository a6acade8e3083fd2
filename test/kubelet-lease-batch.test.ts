// The kubelets of one connection (as `kubus node --count`) renew their leases in batches, one per
// renewal slot (renew-timers.ts, bus/batch-client.ts): the node lifecycle controller keeps every node
// Ready, and a batch whose reply never comes is retried in time by each renewal on its own.
import test from 'ava';
import type { Lease } from '../api/kinds/lease.ts';
import type { Node } from '../api/kinds/node.ts';
import { kubeletActor } from '../actors/kubelet/kubelet.actor.ts';
import { nodeLifecycleController } from '../actors/controllers/node-lifecycle/node-lifecycle.controller.ts';
import { coalescer } from '../bus/batch-client.ts';
import { VirtualClock } from '../bus/clock.ts';
import { startApi } from './helpers/api.ts';

const T0 = Date.UTC(2026, 0, 1);
const N = 200;

test('kubelet lease batch - 200 kubelets of one connection renew in batches, stay Ready, and outlive 25 s of lost batches', async (t) => {
  const clock = new VirtualClock(T0);
  let dropping = false;
  let dropped = 0;
  const env = await startApi(t, { clock, faults: { drop: (e) => dropping && e.subject === 'kubus.api.leases.batch' && ++dropped > 0 } });
  env.process('controller-manager').start(nodeLifecycleController, 'controller/node-lifecycle', undefined);
  const nodes = env.process('nodes');
  for (let i = 0; i < N; i++) nodes.start(kubeletActor, `kubelet/node-${i}`, { nodeName: `node-${i}`, events: false });
  // The kubelets' heartbeat client: min(10 s, the 40 s lease) timeout.
  const batches = coalescer(nodes.env.bus, 'leases', 'update', 10_000).stats;
  // A request on the virtual clock: time runs until it is answered.
  const run = async <T>(p: Promise<T>): Promise<T> => {
    let done = false;
    p.then(() => (done = true), () => (done = true));
    await clock.runUntil(() => done, clock.now() + 60_000);
    return p;
  };
  const check = async (what: string) => {
    const ready = (await run(env.client.list<Node>('nodes'))).items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    t.is(ready.length, N, `${what}: every node Ready`);
    const leases = (await run(env.client.list<Lease>('leases', { namespace: 'kube-node-lease' }))).items;
    const stale = leases.filter((l) => clock.now() - Date.parse(l.spec!.renewTime!) > 15_000);
    t.is(leases.length, N);
    t.deepEqual(stale.map((l) => l.metadata.name), [], `${what}: every lease renewed in the last 15 s`);
  };
  await clock.advance(180_000);
  await check('after 3 minutes');
  t.true(batches.batches > 10, `${batches.batches} batches`);
  t.true(batches.items / batches.batches >= 2, `${(batches.items / batches.batches).toFixed(1)} renewals per batch`);
  // Batches vanish for 25 s (less than the 40 s grace period): each renewal times out after 10 s and is retried on its own.
  dropping = true;
  await clock.advance(25_000);
  dropping = false;
  t.true(dropped > 0, `${dropped} batches dropped`);
  t.log(`${batches.batches} batches of ${batches.items} renewals before and during the loss; ${dropped} batch deliveries dropped`);
  await clock.advance(35_000);
  await check('after the lost batches');
});
