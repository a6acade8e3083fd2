// kube-proxy's sync machine on the virtual clock: nothing is applied before the caches sync; a
// burst of changes gives one apply after the debounce; a change during an apply queues one more;
// failures back off exponentially and a success resets the count.
import test from 'ava';
import { createActor, fromCallback, fromPromise } from 'xstate';
import { proxyMachine, type ApplyResult, type ProxyEvent } from '../actors/proxy/proxy.machine.ts';
import { VirtualClock } from '../bus/clock.ts';

function start(fail: () => boolean = () => false, applyMs = 0) {
  const clock = new VirtualClock(Date.UTC(2026, 10, 23, 10, 0, 0));
  const applies: number[] = [];
  let send: (e: ProxyEvent) => void = () => {};
  const logic = proxyMachine.provide({
    actors: {
      watch: fromCallback<ProxyEvent>(({ sendBack }) => {
        send = sendBack;
        return () => {};
      }),
      apply: fromPromise<ApplyResult, { applied: string }>(async () => {
        applies.push(clock.now());
        if (applyMs) await new Promise<void>((r) => clock.setTimeout(r, applyMs));
        if (fail()) throw new Error('nft: no such netns');
        return { script: `v${applies.length}` };
      }),
    },
  });
  const actor = createActor(logic, { clock, input: { debounceMs: 100, retry: { initialMs: 500, maxMs: 2_000, factor: 2 } } }).start();
  const t0 = clock.now();
  return { clock, actor, applies: () => applies.map((at) => at - t0), send: (e: ProxyEvent) => send(e) };
}

test('proxy machine - waits for the caches, then applies; a burst of changes gives one apply after the debounce', async (t) => {
  const m = start();
  m.send({ type: 'proxy.changed' });
  await m.clock.advance(1_000);
  t.deepEqual(m.applies(), [], 'nothing before the caches synced');
  m.send({ type: 'proxy.synced' });
  await m.clock.advance(10);
  t.deepEqual(m.applies(), [1_000]);
  for (let i = 0; i < 5; i++) {
    m.send({ type: 'proxy.changed' });
    await m.clock.advance(10);
  }
  await m.clock.advance(200);
  t.deepEqual(m.applies(), [1_000, 1_110], 'one apply, 100 ms after the first change of the burst');
  t.is(m.actor.getSnapshot().context.applied, 'v2');
  t.true(m.actor.getSnapshot().matches('idle'));
});

test('proxy machine - a change while applying queues one more apply', async (t) => {
  const m = start(() => false, 50);
  m.send({ type: 'proxy.synced' });
  await m.clock.advance(20);
  m.send({ type: 'proxy.changed' });
  await m.clock.advance(500);
  t.deepEqual(m.applies(), [0, 150], 'applied again a debounce after the first apply ended');
});

test('proxy machine - failed applies back off exponentially (capped); a success resets the count', async (t) => {
  let failing = true;
  const m = start(() => failing);
  m.send({ type: 'proxy.synced' });
  await m.clock.advance(5_000);
  t.deepEqual(m.applies(), [0, 500, 1_500, 3_500], 'retries after 500, 1,000, 2,000 ms');
  failing = false;
  await m.clock.advance(2_000);
  t.deepEqual(m.applies(), [0, 500, 1_500, 3_500, 5_500], 'capped at 2,000 ms');
  t.is(m.actor.getSnapshot().context.failures, 0);
  t.true(m.actor.getSnapshot().matches('idle'));
});
