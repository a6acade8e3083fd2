// The kubelets' lease renewal timers (renew-timers.ts): renewals due in one slot start together, so
// their requests leave in one write; none starts early, none is lost, cancelled ones do not run.
import test from 'ava';
import { renewTimers, SlotTimers } from '../actors/kubelet/renew-timers.ts';
import { VirtualClock, type Clock } from '../bus/clock.ts';

/** A clock that counts the timers set on it. */
function counting(clock: VirtualClock): Clock & { set: number } {
  const c = {
    set: 0,
    now: () => clock.now(),
    setTimeout: (fn: () => void, ms: number) => {
      c.set++;
      return clock.setTimeout(fn, ms);
    },
    clearTimeout: (h: unknown) => clock.clearTimeout(h),
  };
  return c;
}

test('kubelet renew timers - callbacks due in one slot run in one timer, at the slot boundary, never early', async (t) => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const c = counting(clock);
  const timers = new SlotTimers(c, 100);
  const t0 = clock.now();
  const ran: Array<[number, number]> = [];
  for (let i = 0; i < 50; i++) timers.setTimeout(() => ran.push([i, clock.now() - t0]), 10_001 + i); // all within one 100 ms slot
  timers.setTimeout(() => ran.push([99, clock.now() - t0]), 10_150);
  t.is(c.set, 2, 'one underlying timer per slot');
  await clock.advance(10_099);
  t.is(ran.length, 0, 'nothing before its slot');
  await clock.advance(1);
  t.is(ran.length, 50);
  t.true(ran.every(([i, at]) => at === 10_100 && at >= 10_001 + i), 'at the boundary, not before the asked time');
  await clock.advance(100);
  t.deepEqual(ran.at(-1), [99, 10_200]);
});

test('kubelet renew timers - a cancelled callback does not run; the slot timer goes with its last callback', async (t) => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const timers = new SlotTimers(clock, 100);
  const ran: string[] = [];
  const cancelA = timers.setTimeout(() => ran.push('a'), 500);
  const cancelB = timers.setTimeout(() => ran.push('b'), 520);
  timers.setTimeout(() => ran.push('c'), 700);
  cancelA();
  await clock.advance(600);
  t.deepEqual(ran, ['b']);
  cancelB(); // after it ran: nothing happens
  await clock.advance(200);
  t.deepEqual(ran, ['b', 'c']);
});

test('kubelet renew timers - one set per clock, shared by the kubelets of a process', (t) => {
  const a = new VirtualClock();
  const b = new VirtualClock();
  t.is(renewTimers(a), renewTimers(a));
  t.not(renewTimers(a), renewTimers(b));
});
