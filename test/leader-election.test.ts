// Leader election through Lease objects (client-go semantics), on the virtual clock.
import test from 'ava';
import { setup } from 'xstate';
import type { Lease } from '../api/kinds/lease.ts';
import { defineActor } from '../actors/lib/actor.ts';
import { VirtualClock } from '../bus/clock.ts';
import type { MemoryBus } from '../bus/memory-bus.ts';
import type { Host } from '../runtime/host.ts';
import { runElected, type Leadership } from '../runtime/leader.ts';
import { startApi } from './helpers/api.ts';

// A stand-in for the scheduler: it only has to exist while its process leads.
const worker = defineActor({ kind: 'worker', logic: () => setup({}).createMachine({}) });

async function candidates(t: Parameters<typeof startApi>[0], n: number) {
  const clock = new VirtualClock(Date.UTC(2026, 10, 23, 10, 0, 0));
  const env = await startApi(t, { clock });
  const hosts: Host[] = [];
  const states: Leadership[] = [];
  for (let i = 0; i < n; i++) {
    const host = env.process(`replica-${i}`);
    hosts.push(host);
    states.push(runElected(host, { name: 'kube-scheduler', identity: `replica-${i}`, actors: [[worker, 'scheduler', undefined]] }));
  }
  const lease = async () => {
    let done = false;
    const p = env.client.get<Lease>('leases', 'kube-scheduler', { namespace: 'kube-system' }).finally(() => (done = true));
    await clock.runUntil(() => done, clock.now() + 30_000);
    return p;
  };
  const leaders = () => states.filter((s) => s.leading).map((s) => s.identity);
  const running = () => hosts.map((h, i) => (h.get('scheduler') ? i : -1)).filter((i) => i >= 0);
  return { clock, env, hosts, states, lease, leaders, running };
}

test('leader election - of two replicas exactly one leads, holds the Lease and runs the actors', async (t) => {
  const c = await candidates(t, 2);
  await c.clock.advance(5_000);
  t.is(c.leaders().length, 1);
  const lease = await c.lease();
  t.is(lease.spec?.holderIdentity, c.leaders()[0]);
  t.is(lease.spec?.leaseDurationSeconds, 15);
  t.deepEqual(c.running(), [Number(c.leaders()[0].split('-')[1])], 'only the leader runs the scheduler');
  // Renewals every retry period (2 s) keep it: nothing changes over a minute.
  const before = c.leaders()[0];
  await c.clock.advance(60_000);
  t.deepEqual(c.leaders(), [before]);
  t.is((await c.lease()).spec?.leaseTransitions, 0);
});

test('leader election - when the leader is cut off, it stops within the renew deadline and the other takes over within the lease duration', async (t) => {
  const c = await candidates(t, 2);
  await c.clock.advance(5_000);
  const old = Number(c.leaders()[0].split('-')[1]);
  const other = 1 - old;
  const cutAt = c.clock.now();
  (c.hosts[old].env.bus as MemoryBus).setDown(true);
  let stoppedAfter = -1;
  let tookOverAfter = -1;
  for (let i = 0; i < 300 && (stoppedAfter < 0 || tookOverAfter < 0); i++) {
    await c.clock.advance(100);
    if (stoppedAfter < 0 && !c.states[old].leading) stoppedAfter = c.clock.now() - cutAt;
    if (tookOverAfter < 0 && c.states[other].leading) tookOverAfter = c.clock.now() - cutAt;
  }
  t.log(`cut-off leader stopped after ${stoppedAfter} ms; the other took over after ${tookOverAfter} ms`);
  t.true(stoppedAfter > 0 && stoppedAfter <= 10_000 + 2_100, 'stops leading within the renew deadline (10 s)');
  t.true(tookOverAfter >= 13_000 && tookOverAfter <= 15_000 + 2_100 + 2_000, 'takes over once the lease (15 s) ran out');
  t.true(stoppedAfter < tookOverAfter, 'never two leaders at once');
  t.falsy(c.hosts[old].get('scheduler'), 'the old leader stopped its actors');
  t.truthy(c.hosts[other].get('scheduler'));
  (c.hosts[old].env.bus as MemoryBus).setDown(false);
  await c.clock.advance(10_000);
  t.deepEqual(c.leaders(), [`replica-${other}`], 'the old leader comes back as a follower');
  t.is((await c.lease()).spec?.leaseTransitions, 1);
});

test('leader election - a leader that stops cleanly releases the Lease: the other takes over within a retry period', async (t) => {
  const c = await candidates(t, 2);
  await c.clock.advance(5_000);
  const old = Number(c.leaders()[0].split('-')[1]);
  const stopped = c.hosts[old].stopAll();
  await c.clock.advance(10);
  await stopped;
  const at = c.clock.now();
  while (!c.states[1 - old].leading && c.clock.now() - at < 20_000) await c.clock.advance(100);
  t.true(c.clock.now() - at <= 2_500, `took over after ${c.clock.now() - at} ms`);
});
