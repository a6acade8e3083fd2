import test from 'ava';
import { assign, setup } from 'xstate';
import { defineActor } from '../actors/lib/actor.ts';
import { VirtualClock, realClock } from '../bus/clock.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { seededRng } from '../bus/random.ts';
import { parseTraceparent } from '../bus/trace.ts';
import type { BusMessage } from '../bus/types.ts';
import { Host } from '../runtime/host.ts';
import { recordingLogger } from './helpers/log.ts';

// A tiny actor: answers pings, counts them, goes "late" after 10 s, and throws on "boom".
// Its reply is an effect given through setup, as real actors' are.
const pinger = defineActor<{ greeting: string }>({
  kind: 'pinger',
  logic: (deps, input) =>
    setup({
      types: {
        context: {} as { count: number; greeting: string },
        events: {} as { type: 'ping.received'; msg: BusMessage } | { type: 'boom.received' },
      },
      actions: {
        reply: (_, { to, data }: { to: BusMessage; data: string }) => deps.bus.respond(to, data),
        explode: () => {
          throw new Error('kaboom');
        },
      },
    }).createMachine({
      context: { count: 0, greeting: input.greeting },
      initial: 'early',
      on: {
        'ping.received': {
          actions: [
            assign({ count: ({ context }) => context.count + 1 }),
            { type: 'reply', params: ({ context, event }) => ({ to: event.msg, data: `${context.greeting} #${context.count}` }) },
          ],
        },
        'boom.received': { actions: 'explode' },
      },
      states: { early: { after: { 10_000: 'late' } }, late: {} },
    }),
  bindings: () => [
    { subject: 'test.ping', event: (msg) => ({ type: 'ping.received', msg }) },
    { subject: 'test.boom', event: () => ({ type: 'boom.received' }) },
  ],
});

test('runtime - binds an actor to subjects; its replies go out as child spans of the request', async (t) => {
  const broker = new MemoryBroker();
  const host = new Host({ bus: broker.connect('host'), clock: realClock, rng: seededRng(1), log: recordingLogger() });
  t.teardown(() => host.stopAll());
  host.start(pinger, 'pinger/a', { greeting: 'pong' });
  const client = broker.connect('client');
  const tp = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
  const r1 = await client.request<string>('test.ping', {}, { headers: { traceparent: tp } });
  const r2 = await client.request<string>('test.ping', {});
  t.is(r1.data, 'pong #1');
  t.is(r2.data, 'pong #2');
  t.is(parseTraceparent(r1.headers.traceparent)?.traceId, '1'.repeat(32));
  t.is(r1.headers['kubus-actor'], 'pinger/a');
});

test('runtime - `after` timers run on the injected virtual clock', async (t) => {
  const clock = new VirtualClock(0);
  const broker = new MemoryBroker({ clock, deterministic: true, rng: seededRng(3) });
  const host = new Host({ bus: broker.connect('host'), clock, rng: seededRng(1), log: recordingLogger() });
  t.teardown(() => host.stopAll());
  const a = host.start(pinger, 'pinger/a', { greeting: 'hi' });
  await clock.advance(9_999);
  t.is(a.snapshot()?.value, 'early');
  await clock.advance(1);
  t.is(a.snapshot()?.value, 'late');
});

test('runtime - an actor that throws is logged and restarted with backoff; others carry on', async (t) => {
  const clock = new VirtualClock(0);
  const broker = new MemoryBroker({ clock, deterministic: true, rng: seededRng(3) });
  const log = recordingLogger();
  const host = new Host({ bus: broker.connect('host'), clock, rng: seededRng(1), log });
  t.teardown(() => host.stopAll());
  const a = host.start(pinger, 'pinger/a', { greeting: 'a' });
  const other = defineActor<{ greeting: string }>({
    ...pinger,
    bindings: () => [{ subject: 'test.other', event: (msg) => ({ type: 'ping.received', msg }) }],
  });
  host.start(other, 'pinger/b', { greeting: 'b' });
  const client = broker.connect('client');

  client.publish('test.boom', {});
  await clock.runUntil(() => a.snapshot()?.status === 'error');
  t.true(log.entries.some((e) => e.level === 'error' && /crashed/.test(e.msg)));
  // While a is down its subjects have no responders; b still answers.
  const down = client.request('test.ping', {}).catch((e: Error) => e.name);
  const fromB = client.request<string>('test.other', {});
  await clock.advance(50);
  t.is(await down, 'NoRespondersError');
  t.is((await fromB).data, 'b #1');
  // After the first backoff (200 ms) a is back, with fresh state.
  await clock.advance(200);
  t.is(a.restarts, 1);
  t.is(a.snapshot()?.status, 'active');
  const again = client.request<string>('test.ping', {});
  await clock.advance(1);
  t.is((await again).data, 'a #1');
  // A second crash waits twice as long.
  client.publish('test.boom', {});
  await clock.runUntil(() => a.snapshot()?.status === 'error');
  await clock.advance(399);
  t.is(a.snapshot()?.status, 'error');
  await clock.advance(1);
  t.is(a.snapshot()?.status, 'active');
});

test('runtime - deterministic MemoryBus: the same seed gives the same interleaving, another seed may not', async (t) => {
  const run = async (seed: number) => {
    const clock = new VirtualClock(0);
    const broker = new MemoryBroker({ clock, deterministic: true, rng: seededRng(seed) });
    const sink = broker.connect('sink');
    const order: string[] = [];
    sink.subscribe<string>('x.>', (m) => order.push(m.data));
    const pubs = ['p1', 'p2', 'p3'].map((n) => broker.connect(n));
    for (let i = 0; i < 20; i++) pubs.forEach((p, j) => p.publish(`x.${j}`, `${p.name}:${i}`));
    await clock.runUntil(() => order.length === 60);
    return order;
  };
  const a = await run(7);
  const b = await run(7);
  const c = await run(8);
  t.deepEqual(a, b);
  t.notDeepEqual(a, c);
  for (const p of ['p1', 'p2', 'p3']) {
    const mine = a.filter((s) => s.startsWith(p)).map((s) => Number(s.split(':')[1]));
    t.deepEqual(mine, [...mine].sort((x, y) => x - y), `per-publisher order kept for ${p}`);
  }
});
