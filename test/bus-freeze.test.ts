// Received messages are read-only: MemoryBus decodes each message once and shares one deeply frozen
// object among its receivers; NatsBus freezes when asked (option `freeze`, or KUBUS_FREEZE=1).
import test from 'ava';
import { decode, encode } from '../bus/codec.ts';
import { deepFreeze, freezeFromEnv } from '../bus/freeze.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { VirtualClock } from '../bus/clock.ts';
import { seededRng } from '../bus/random.ts';
import type { Bus, BusMessage } from '../bus/types.ts';
import { startNatsServer, type NatsServer } from '../runtime/nats-server.ts';
import { recordingLogger } from './helpers/log.ts';
import { waitFor } from './helpers/wait.ts';

const body = () => ({ metadata: { name: 'p', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] }, bin: new Uint8Array([1, 2]) });

/** Returns what a handler's mutation of a received message threw (undefined: it went through). */
function mutationError(m: BusMessage): unknown {
  const d = m.data as ReturnType<typeof body>;
  const tries = [
    () => ((d.metadata.labels as Record<string, string>).app = 'other'),
    () => (d.metadata as Record<string, unknown>).extra = 1,
    () => d.spec.containers[0].ports.push({ containerPort: 81 }),
    () => delete (d as Partial<typeof d>).spec,
    () => ((m.headers as Record<string, string>).x = 'y'),
  ];
  const errors = tries.map((f) => {
    try {
      f();
      return undefined;
    } catch (err) {
      return err;
    }
  });
  return errors.every((e) => e instanceof TypeError) ? errors[0] : new Error(`some mutations went through: ${errors.map((e) => e instanceof TypeError)}`);
}

test('bus freeze - deepFreeze freezes every object and array under a value, and leaves bytes alone', (t) => {
  const v = deepFreeze(body());
  t.true(Object.isFrozen(v) && Object.isFrozen(v.metadata.labels) && Object.isFrozen(v.spec.containers[0].ports[0]));
  t.false(Object.isFrozen(v.bin));
  t.is(deepFreeze(7), 7);
  t.is(deepFreeze(null), null);
});

test('bus freeze - KUBUS_FREEZE turns NatsBus freezing on', (t) => {
  t.true(freezeFromEnv({ KUBUS_FREEZE: '1' }));
  t.true(freezeFromEnv({ KUBUS_FREEZE: 'true' }));
  t.false(freezeFromEnv({ KUBUS_FREEZE: '0' }));
  t.false(freezeFromEnv({}));
});

for (const deterministic of [false, true]) {
  const mode = deterministic ? 'deterministic' : 'real-time';
  test(`bus freeze (memory, ${mode}) - two subscribers and a queue member get the same frozen object; a mutation throws`, async (t) => {
    const clock = new VirtualClock();
    const broker = deterministic ? new MemoryBroker({ deterministic, clock, rng: seededRng(1) }) : new MemoryBroker();
    const [a, b, p] = [broker.connect('a'), broker.connect('b'), broker.connect('p')];
    const got: BusMessage[] = [];
    a.subscribe('x', (m) => got.push(m));
    b.subscribe('x', (m) => got.push(m));
    b.subscribe('x', (m) => got.push(m), { queue: 'q' });
    const sent = body();
    p.publish('x', sent);
    if (deterministic) t.true(await clock.runUntil(() => got.length === 3), 'three deliveries');
    else await waitFor(() => got.length === 3, 'three deliveries');
    t.is(got[0].data, got[1].data);
    t.is(got[1].data, got[2].data);
    t.not(got[0].data, sent, 'receivers get the decoded copy, not the sender’s object');
    t.false(Object.isFrozen(sent), 'the sender’s object is left alone');
    t.deepEqual({ ...(got[0].data as object), bin: [...sent.bin] }, { ...sent, bin: [1, 2] });
    t.true(mutationError(got[0]) instanceof TypeError);
  });
}

test('bus freeze (memory) - a handler that mutates what it received fails loudly; the others see the message intact', async (t) => {
  const log = recordingLogger();
  const broker = new MemoryBroker({ log });
  const [a, b, p] = [broker.connect('a'), broker.connect('b'), broker.connect('p')];
  const seen: string[] = [];
  a.subscribe<{ n: { v: string } }>('x', (m) => {
    m.data.n.v = 'changed';
  });
  b.subscribe<{ n: { v: string } }>('x', (m) => seen.push(m.data.n.v));
  p.publish('x', { n: { v: 'sent' } });
  const threw = () => log.entries.find((e) => e.msg === 'subscriber threw; message dropped');
  await waitFor(() => seen.length === 1 && threw() !== undefined, 'delivered and logged');
  t.deepEqual(seen, ['sent']);
  const err = (threw()!.obj as { err: unknown }).err;
  t.true(err instanceof TypeError);
  t.regex((err as Error).message, /read only|read-only|not extensible|Cannot assign/);
});

test('bus freeze (memory) - a request and its reply arrive frozen', async (t) => {
  const broker = new MemoryBroker();
  const [srv, cli] = [broker.connect('srv'), broker.connect('cli')];
  let asked: unknown;
  srv.subscribe<{ n: number }>('svc', (m) => {
    asked = m.data;
    srv.respond(m, { n: m.data.n * 2, deep: { list: [1] } });
  });
  const r = await cli.request<{ n: number; deep: { list: number[] } }>('svc', { n: 21 });
  t.is(r.data.n, 42);
  t.true(Object.isFrozen(asked));
  t.true(Object.isFrozen(r.data.deep.list));
  t.true(Object.isFrozen(r.headers));
});

let server: NatsServer | undefined;
test.after.always(async () => {
  await server?.stop('SIGKILL');
});

const natsPair = async (freeze: boolean | undefined): Promise<[Bus, Bus]> => {
  server ??= await startNatsServer();
  const a = await NatsBus.connect({ servers: server.url, name: 'a', freeze });
  const b = await NatsBus.connect({ servers: server.url, name: 'b', freeze });
  return [a, b];
};

test.serial('bus freeze (nats) - with freeze: true, messages and replies arrive deeply frozen', async (t) => {
  const [a, b] = await natsPair(true);
  t.teardown(() => Promise.all([a.close(), b.close()]));
  const got: BusMessage[] = [];
  a.subscribe('x', (m) => got.push(m));
  a.subscribe<{ n: number }>('svc', (m) => a.respond(m, { deep: { n: m.data.n } }));
  await a.flush();
  b.publish('x', body());
  const r = await b.request<{ deep: { n: number } }>('svc', { n: 1 });
  await waitFor(() => got.length === 1, 'delivered');
  t.true(mutationError(got[0]) instanceof TypeError);
  t.true(Object.isFrozen(r.data.deep));
  t.true(Object.isFrozen(r.headers));
});

test.serial('bus freeze (nats) - without freeze (and no KUBUS_FREEZE), handlers get plain objects', async (t) => {
  const saved = process.env.KUBUS_FREEZE;
  delete process.env.KUBUS_FREEZE;
  t.teardown(() => {
    if (saved !== undefined) process.env.KUBUS_FREEZE = saved;
  });
  const [a, b] = await natsPair(undefined);
  t.teardown(() => Promise.all([a.close(), b.close()]));
  const got: BusMessage[] = [];
  a.subscribe('x', (m) => got.push(m));
  await a.flush();
  b.publish('x', body());
  await waitFor(() => got.length === 1, 'delivered');
  t.false(Object.isFrozen(got[0].data));
});

test('bus freeze (memory) - what a receiver gets equals a MessagePack round trip of what was sent, taken at publish', async (t) => {
  const broker = new MemoryBroker();
  const [a, p] = [broker.connect('a'), broker.connect('p')];
  const got: BusMessage[] = [];
  a.subscribe('x', (m) => got.push(m));
  const sent = { at: new Date(5), m: new Map([['k', 1]]), buf: Buffer.from([1, 2]), z: -0, u: undefined, list: [1, 'two', null, { deep: true }] };
  p.publish('x', sent);
  sent.list.push(5); // the sender's later change is not seen: the body was taken at publish
  await waitFor(() => got.length === 1, 'delivered');
  t.deepEqual(got[0].data, decode(encode({ ...sent, list: [1, 'two', null, { deep: true }] })));
  t.true(Object.isFrozen((got[0].data as { list: unknown[] }).list));
});

test('bus freeze - a shareable value published in several messages reaches every receiver as one frozen object, copied once', async (t) => {
  const broker = new MemoryBroker();
  const sender = broker.connect('sender');
  const got: BusMessage[] = [];
  const receivers = ['a', 'b', 'c'].map((n) => broker.connect(n));
  receivers.forEach((r, i) => r.subscribe(`watch.${i}`, (m) => got.push(m)));
  const original = body();
  const shared = sender.shareable!(original);
  t.true(Object.isFrozen(shared.metadata.labels), 'the shareable form is frozen');
  t.not(shared, original, 'and a copy: the sender may go on changing its own object');
  receivers.forEach((_, i) => sender.publish(`watch.${i}`, { type: 'MODIFIED', object: shared }));
  original.metadata.labels.app = 'changed after';
  await waitFor(() => got.length === 3, 'three deliveries');
  const objects = got.map((m) => (m.data as { object: ReturnType<typeof body> }).object);
  t.true(objects.every((o) => o === objects[0]), 'every receiver holds the same object');
  t.is(objects[0].metadata.labels.app, 'web');
  t.not(got[0].data, got[1].data, 'the envelopes are each message own');
});

test('bus freeze - a shareable value handed over (owned) is frozen where it is new, equals its round trip, and is not copied when published', async (t) => {
  const broker = new MemoryBroker();
  const sender = broker.connect('sender');
  const got: BusMessage[] = [];
  broker.connect('r').subscribe('watch.*', (m) => got.push(m));
  // As a watch event's object: a new top level and metadata over a frozen stored rest.
  const stored = deepFreeze(body());
  const bare = Object.assign(Object.create(null) as Record<string, unknown>, { k: 'v' });
  const fresh = { ...stored, metadata: { ...stored.metadata, resourceVersion: '7', z: -0, at: new Date(7), bare } };
  const top = fresh;
  const shared = sender.shareable!(fresh, true);
  t.is(shared, top, 'the top level handed over is the snapshot, frozen where it is');
  t.true(Object.isFrozen(shared) && Object.isFrozen(shared.metadata));
  t.is(shared.spec, stored.spec, 'a frozen part is kept as it is');
  t.deepEqual(shared, decode(encode(top)) as typeof shared, 'equal to what the bytes decode to (-0, the date, the bare object as the codec has them)');
  t.is(Object.getPrototypeOf(shared.metadata.bare), Object.prototype);
  sender.publish('watch.1', { type: 'MODIFIED', object: shared });
  sender.publish('watch.2', { type: 'MODIFIED', object: shared });
  await waitFor(() => got.length === 2, 'two deliveries');
  t.true(got.every((m) => (m.data as { object: unknown }).object === shared), 'published as it is, not copied again');
});

test('bus freeze - a body made of what a receiver was sent shares its unchanged parts and copies only what is new', async (t) => {
  const broker = new MemoryBroker();
  const [a, b] = [broker.connect('a'), broker.connect('b')];
  const got: BusMessage[] = [];
  a.subscribe('x', (m) => got.push(m));
  b.subscribe('y', (m) => got.push(m));
  a.publish('y', body());
  await waitFor(() => got.length === 1, 'first delivery');
  type Body = ReturnType<typeof body> & { status?: { phase: string; z: number; at?: Date } };
  const received = got[0].data as Body;
  // As a kubelet writes a status: the cached object, a new status (with a -0 and a Date the codec rewrites).
  const status = { phase: 'Running', z: -0, at: new Date(7) };
  b.publish('x', { ...received, status });
  b.publish('x', received); // passed on as it came
  await waitFor(() => got.length === 3, 'both re-sent');
  const [changed, same] = [got[1].data as Body, got[2].data as Body];
  t.is(changed.spec, received.spec, 'an unchanged frozen part is shared, not copied');
  t.is(changed.metadata, received.metadata);
  t.not(changed.bin, received.bin, 'bytes are never shared (the codec copies them)');
  t.deepEqual(changed, decode(encode({ ...received, status })), 'still what a MessagePack round trip gives');
  t.true(Object.isFrozen(changed.status));
  status.phase = 'changed after';
  t.is(changed.status!.phase, 'Running', 'the new part was copied at publish');
  t.is(same.spec, received.spec);
  t.deepEqual(same, decode(encode(received)));
});
