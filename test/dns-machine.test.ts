// The dns actor's lifecycle machine on the virtual clock, with its effects replaced: it serves only
// after the caches sync, keeps the addon objects (retry with doubling backoff, resync, on change),
// and ends in failed when it cannot listen.
import test from 'ava';
import { createActor, fromCallback, fromPromise } from 'xstate';
import { VirtualClock } from '../bus/clock.ts';
import { dnsMachine, type Listening } from '../actors/dns/dns.machine.ts';

function run(opts: { failures?: number; listenError?: string } = {}) {
  const clock = new VirtualClock(0);
  const calls: number[] = [];
  let synced!: () => void;
  let poke!: () => void;
  let failures = opts.failures ?? 0;
  const logic = dnsMachine.provide({
    actors: {
      sync: fromPromise(() => new Promise<void>((resolve) => (synced = resolve))),
      listen: fromPromise<Listening, { address: string }>(async () => {
        if (opts.listenError) throw new Error(opts.listenError);
        return { host: '127.0.0.1', port: 10053 };
      }),
      ensureAddon: fromPromise<number, Listening>(async () => {
        calls.push(clock.now());
        if (failures-- > 0) throw new Error('conflict');
        return 1;
      }),
      watchAddon: fromCallback(({ sendBack }) => {
        poke = () => sendBack({ type: 'addon.changed' });
      }),
    },
  });
  const actor = createActor(logic, { input: { address: '127.0.0.1:0', retryMs: 1_000, resyncMs: 60_000 }, clock });
  actor.start();
  return { clock, actor, calls, sync: () => synced(), poke: () => poke() };
}

test('dns machine - serves only once the caches have synced, then writes the addon', async (t) => {
  const m = run();
  await m.clock.advance(10_000);
  t.true(m.actor.getSnapshot().matches('syncing'));
  t.deepEqual(m.calls, []);
  m.sync();
  await m.clock.advance(0);
  t.true(m.actor.getSnapshot().matches({ serving: 'idle' }));
  t.like(m.actor.getSnapshot().context, { host: '127.0.0.1', port: 10053, addonWrites: 1 });
  t.deepEqual(m.calls, [10_000]);
});

test('dns machine - a failed addon write is retried after 1 s, 2 s, 4 s, then resyncs every minute', async (t) => {
  const m = run({ failures: 3 });
  m.sync();
  await m.clock.advance(0);
  await m.clock.advance(70_000);
  t.deepEqual(m.calls, [0, 1_000, 3_000, 7_000, 67_000]);
});

test('dns machine - a change to the addon objects is checked at once', async (t) => {
  const m = run();
  m.sync();
  await m.clock.advance(0);
  m.poke();
  await m.clock.advance(0);
  t.deepEqual(m.calls, [0, 0]);
});

test('dns machine - an address it cannot bind ends in failed with the reason', async (t) => {
  const m = run({ listenError: 'EADDRINUSE' });
  m.sync();
  await m.clock.advance(0);
  t.is(m.actor.getSnapshot().status, 'done');
  t.is(m.actor.getSnapshot().context.error, 'EADDRINUSE');
});
