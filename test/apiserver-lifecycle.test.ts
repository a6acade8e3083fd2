import test from 'ava';
import { fromCallback, fromPromise } from 'xstate';
import { defineActor } from '../actors/lib/actor.ts';
import { apiserverMachine, REQUESTS_ACTOR, type ApiRequested } from '../actors/apiserver/apiserver.machine.ts';
import { VirtualClock } from '../bus/clock.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { seededRng } from '../bus/random.ts';
import { Host } from '../runtime/host.ts';
import { recordingLogger } from './helpers/log.ts';

// The API server's statechart with its effects replaced: bootstrap waits for `ready`, refusals and
// answers reply with where they came from. Bound as the real actor is: requests go to the
// `requests` actor while it runs, to the machine otherwise.
function lifecycle(ready: Promise<void>) {
  let transitions = 0;
  const def = defineActor<Record<string, never>>({
    kind: 'apiserver-lifecycle',
    logic: (deps) =>
      apiserverMachine.provide({
        actions: { refuse: (_, { msg, why }) => deps.bus.respond(msg, `refused: ${why}`) },
        actors: {
          bootstrap: fromPromise(() => ready),
          requests: fromCallback<ApiRequested>(({ receive }) => receive(({ msg }) => deps.bus.respond(msg, `answered ${msg.subject}`))),
        },
      }),
    bindings: () => [{ subject: 'kubus.api.>', event: (msg) => ({ type: 'api.requested', msg }), to: REQUESTS_ACTOR }],
  });
  return { def, transitions: () => transitions, count: () => transitions++ };
}

test('API server lifecycle - requests are refused while starting, answered by the requests actor while serving, without a transition of the machine each', async (t) => {
  const clock = new VirtualClock(0);
  const broker = new MemoryBroker({ clock, deterministic: true, rng: seededRng(5) });
  const host = new Host({ bus: broker.connect('apiserver'), clock, rng: seededRng(1), log: recordingLogger() });
  t.teardown(() => host.stopAll());
  let open!: () => void;
  const l = lifecycle(new Promise<void>((resolve) => (open = resolve)));
  const a = host.start(l.def, 'apiserver', {});
  a.ref!.subscribe(() => l.count());
  const client = broker.connect('client');

  const early = client.request<string>('kubus.api.pods.list', {});
  await clock.advance(1);
  t.is((await early).data, 'refused: the API server is starting');
  t.is(a.snapshot()?.value, 'starting');

  open();
  await clock.runUntil(() => typeof a.snapshot()?.value === 'object');
  t.deepEqual(a.snapshot()?.value, { serving: { heartbeats: 'waiting', bookmarks: 'waiting', compaction: 'waiting' } });
  t.truthy(a.ref!.system.get(REQUESTS_ACTOR), 'serving invokes the requests actor');
  const before = l.transitions();
  const replies = await Promise.all(
    ['get', 'list', 'create'].map(async (verb) => {
      const r = client.request<string>(`kubus.api.pods.${verb}`, {});
      await clock.advance(1);
      return (await r).data;
    }),
  );
  t.deepEqual(replies, ['answered kubus.api.pods.get', 'answered kubus.api.pods.list', 'answered kubus.api.pods.create']);
  t.is(l.transitions(), before, 'the machine took no event for the requests');
});
