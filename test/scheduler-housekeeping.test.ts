// The scheduler's housekeeping timers (backoff flush every 1 s, unschedulable leftovers every 30 s)
// run beside its machine: an idle cluster hour is not 3,600 events through the statechart.
import test from 'ava';
import type { InspectionEvent } from 'xstate';
import { schedulerActor } from '../actors/scheduler/scheduler.actor.ts';
import { mkNode, mkPod, schedEnv } from './helpers/scheduler.ts';

test('scheduler - ten idle minutes send its machine no timer events, and the flushes still run', async (t) => {
  const s = await schedEnv(t);
  await s.createNode(mkNode('n1', { cpu: '1' }));
  const host = s.env.process('scheduler');
  const events: string[] = [];
  host.inspect((ev: InspectionEvent) => {
    // The machine's own events (its root actor), not its children's.
    if (ev.type === '@xstate.event' && ev.actorRef.sessionId === ev.rootId) events.push(ev.event.type);
  });
  host.start(schedulerActor, 'scheduler', {});
  await s.clock.advance(10 * 60_000);
  const timers = events.filter((e) => e.startsWith('xstate.after'));
  t.deepEqual(timers, [], 'no delayed events: the housekeeping timers are not machine transitions');
  t.true(events.includes('informers.synced'), 'the inspection saw the machine');
  const snap = host.get('scheduler')!.snapshot()!;
  t.true(snap.matches({ housekeeping: { backoff: 'waiting', leftovers: 'waiting' } }), 'the state value keeps its housekeeping regions');
  // A pod too big for the node is unschedulable; with nothing changing, the leftover flush tries it again.
  await s.createPod(mkPod('big', { cpu: '2' }));
  await s.clock.advance(2_000);
  const first = (await s.getPod('big')).status?.conditions?.find((c) => c.type === 'PodScheduled');
  t.is(first?.reason, 'Unschedulable');
  const before = events.filter((e) => e === 'queue.ready').length;
  await s.clock.advance(6 * 60_000); // past podMaxInUnschedulablePodsDuration (5 min): the leftover flush retries it
  t.true(events.filter((e) => e === 'queue.ready').length > before, 'the leftover flush brought the pod back to the active queue');
});
