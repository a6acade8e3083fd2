// Bad bytes get an answer: over a real nats-server, every request to an API subject gets a reply
// (a 400 Status when its body cannot be decoded or is not a request), never silence, never a 500;
// the API server keeps serving and what it stores is untouched.
import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { allResources } from '../api/resources.ts';
import { StatusError, isStatus, type Status } from '../api/status.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { decode, encode } from '../bus/codec.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { cryptoRng } from '../bus/random.ts';
import { API_VERBS, apiSubject } from '../bus/subjects.ts';
import { silentLogger, type Bus } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { natsServer } from './helpers/nats.ts';

/** How long one request may wait for its reply before the fuzz calls it unanswered. */
const DEADLINE_MS = 2000;
const BATCH = 25;
const RUNS = 81; // 81 × 25 = 2,025 requests

type Reply = { answered: true; data: unknown } | { answered: false };

/** Returns a function that sends raw bytes as a request and resolves with the reply, or unanswered at the deadline. */
function rawRequester(bus: Bus, prefix: string) {
  const pending = new Map<string, (data: unknown) => void>();
  bus.subscribe(`${prefix}.*`, (m) => pending.get(m.subject)?.(m.data));
  let seq = 0;
  return (subject: string, bytes: Uint8Array) =>
    new Promise<Reply>((resolve) => {
      const reply = `${prefix}.${seq++}`;
      const timer = setTimeout(() => {
        pending.delete(reply);
        resolve({ answered: false });
      }, DEADLINE_MS);
      pending.set(reply, (data) => {
        pending.delete(reply);
        clearTimeout(timer);
        resolve({ answered: true, data });
      });
      bus.publishRaw(subject, bytes, { reply });
    });
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const decodes = (b: Uint8Array) => {
  try {
    decode(b);
    return true;
  } catch {
    return false;
  }
};

const junk = fc.anything({ maxDepth: 2, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true, withSparseArray: true });
const opt = { requiredKeys: [] as never[] };
// MessagePack values that are not requests, or are requests with fields of every wrong type.
const requestShaped = fc.record(
  {
    namespace: fc.oneof(fc.constant('default'), junk),
    name: junk,
    body: fc.oneof(junk, fc.record({ apiVersion: junk, kind: junk, metadata: fc.oneof(junk, fc.record({ name: junk, namespace: junk, labels: junk, resourceVersion: junk }, opt)), spec: junk }, opt)),
    list: fc.oneof(junk, fc.record({ labelSelector: junk, fieldSelector: junk, limit: junk, continue: junk, resourceVersion: junk }, opt)),
    delete: fc.oneof(junk, fc.record({ gracePeriodSeconds: junk, propagationPolicy: junk, preconditions: junk }, opt)),
    watch: fc.oneof(junk, fc.record({ conn: fc.oneof(fc.string({ maxLength: 6 }), junk), id: fc.oneof(fc.string({ maxLength: 4 }), junk), resourceVersion: junk, labelSelector: junk }, opt)),
    patch: junk,
    patchType: fc.oneof(fc.constantFrom('merge', 'json', 'strategic'), junk),
    dryRun: junk,
  },
  opt,
);
// A MessagePack extension frame of msgpackr's own types (cycles, BigInt, Set, RegExp, Error, typed arrays) or any other.
const EXT_TYPES = [0x42, 0x62, 0x65, 0x69, 0x70, 0x72, 0x73, 0x74, 0x78, 0x00, 0xff];
const extFrame = fc
  .tuple(fc.oneof(fc.constantFrom(...EXT_TYPES), fc.integer({ min: 0, max: 255 })), fc.uint8Array({ minLength: 1, maxLength: 12 }))
  .map(([type, data]) => concat(Uint8Array.of(0xc7, data.length, type), data));
const CYCLE = Uint8Array.from(Buffer.from('d66900000001' + '91' + 'd67000000001', 'hex')); // [<itself>]
const HOLE = '\u0000hole\u0000';
const HOLE_BYTES = Buffer.from(encode(HOLE));
/** Returns the encoding of a request with the frame's bytes where HOLE is. */
const splice = (request: unknown, frame: Uint8Array) => {
  const b = Buffer.from(encode(request));
  const i = b.indexOf(HOLE_BYTES);
  return concat(b.subarray(0, i), frame, b.subarray(i + HOLE_BYTES.length));
};
// Requests that are fine but for one value (the HOLE), down to the paths the verbs read deeply.
const TEMPLATES = [
  { namespace: HOLE },
  { namespace: 'default', name: HOLE },
  { namespace: 'default', body: { metadata: { name: 'x' }, data: HOLE } },
  { namespace: 'default', body: { metadata: { name: 'x' }, spec: { containers: HOLE } } },
  { namespace: 'default', body: { metadata: { name: 'x', labels: HOLE } } },
  { namespace: 'default', name: 'keep-1', patchType: 'merge', patch: { metadata: { labels: HOLE } } },
  { namespace: 'default', name: 'keep-1', patchType: 'json', patch: [{ op: 'add', path: '/data/x', value: HOLE }] },
  { list: { labelSelector: HOLE } },
  { watch: { conn: 'c', id: HOLE } },
];
const withExt = fc.tuple(fc.constantFrom(...TEMPLATES), fc.oneof(extFrame, fc.constant(CYCLE))).map(([req, frame]) => splice(req, frame));
// A well-formed request, cut short, with bytes appended, or with one byte changed.
const valid = fc.record({ namespace: fc.constant('default'), name: fc.constantFrom('a', 'keep-1'), body: fc.constant({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }) }).map(encode);
const mangled = fc.oneof(
  fc.tuple(valid, fc.nat()).map(([b, n]) => b.subarray(0, n % b.length)),
  fc.tuple(valid, fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([b, extra]) => concat(b, extra)),
  fc.tuple(valid, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([b, i, v]) => {
    const c = Uint8Array.from(b);
    c[i % c.length] = v;
    return c;
  }),
);
const body = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 96 }) },
  { weight: 2, arbitrary: junk.map((v) => encode(v)) },
  { weight: 2, arbitrary: requestShaped.map((v) => encode(v)) },
  { weight: 1, arbitrary: withExt },
  { weight: 1, arbitrary: mangled },
);
// Every resource of the table: a new kind shifts the seeded sequence, and some shifts make a valid create (a
// body that is a valid object of that kind), which the check below accepts when the server answered it with the object.
// CRDs' handling of arbitrary bodies is checked by the property test in api-resources.test.ts.
const plurals = allResources().map((r) => r.plural).filter((p) => p !== 'customresourcedefinitions');
const subject = fc.tuple(fc.constantFrom(...plurals), fc.constantFrom(...API_VERBS)).map(([r, v]) => apiSubject(r, v));

/** Starts a nats-server, an API server on its own connection, and a client connection. */
async function cluster(t: ExecutionContext) {
  const nats = await natsServer(t);
  const connect = async (name: string) => {
    const b = await NatsBus.connect({ servers: nats.url, name });
    t.teardown(() => b.close());
    return b;
  };
  const host = new Host({ bus: await connect('control-plane'), clock: realClock, rng: cryptoRng(), log: silentLogger });
  t.teardown(() => host.stopAll());
  const store = new MemoryStore();
  await serving(host.start(apiserverActor, 'apiserver', { store }));
  await host.env.bus.flush();
  const bus = await connect('fuzzer');
  return { host, store, bus, client: new ApiClient(bus, { timeoutMs: DEADLINE_MS }) };
}

const ALLOWED = new Set([400, 403, 404, 405, 409, 410, 422, 503, 504]);

test('apiserver bad bytes - 2,000 fuzzed request bodies over NATS all get a reply, none a 500, and nothing stored changes', async (t) => {
  const { host, store, bus, client } = await cluster(t);
  for (const name of ['keep-1', 'keep-2']) await client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { k: name } });
  await client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  const before = { revision: store.revision, kvs: store.range('/registry/').kvs };
  const ask = rawRequester(bus, 'fuzz.reply');
  await bus.flush();

  let sent = 0;
  let undecodable = 0;
  const codes = new Map<number, number>();
  /** Revisions the server answered with a stored object: writes of a fuzzed body that happens to be valid. */
  const written = new Set<string>();
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(subject, body), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
      const replies = await Promise.all(batch.map(([s, b]) => ask(s, b)));
      sent += batch.length;
      batch.forEach(([s, b], i) => {
        const r = replies[i];
        const what = `${s} with body ${hex(b)}`;
        if (!r.answered) throw new Error(`no reply within ${DEADLINE_MS} ms to ${what}`);
        const code = isStatus(r.data) ? (r.data as Status).code : 200;
        codes.set(code, (codes.get(code) ?? 0) + 1);
        if (!decodes(b)) {
          undecodable++;
          const err = isStatus(r.data) ? StatusError.from(r.data) : undefined;
          if (err?.code !== 400 || err.reason !== 'BadRequest' || !/could not be decoded/.test(err.message))
            throw new Error(`${what} (not MessagePack) got ${JSON.stringify(r.data)}, not a 400 naming the problem`);
        } else if (isStatus(r.data) && (r.data as Status).status === 'Failure') {
          if (!ALLOWED.has(code) || !(r.data as Status).message) throw new Error(`${what} got ${JSON.stringify(r.data)}`);
        } else if (typeof r.data !== 'object' || r.data === null) throw new Error(`${what} got ${JSON.stringify(r.data)}`);
        else if (!isStatus(r.data)) {
          const rv = (r.data as { metadata?: { resourceVersion?: unknown } }).metadata?.resourceVersion;
          if (typeof rv === 'string') written.add(rv);
        }
      });
    }),
    { numRuns: RUNS, seed: 9, includeErrorInReport: true },
  );
  t.log(`${sent} requests, ${undecodable} undecodable; replies by code:`, Object.fromEntries(codes));
  t.true(sent >= 2000);
  t.true(undecodable > 200, 'the fuzz sends plenty of bytes that are not MessagePack');
  t.true((codes.get(400) ?? 0) > undecodable, 'and plenty of MessagePack that is not a request');
  t.is(host.get('apiserver')!.restarts, 0, 'the API server never crashed');
  const after = store.range('/registry/').kvs;
  t.deepEqual(before.kvs.filter((kv) => !after.some((a) => isDeepStrictEqual(a, kv))), [], 'nothing stored before changed');
  const unanswered = after.filter((kv) => !before.kvs.some((b) => b.key === kv.key) && !written.has(String(kv.modRevision)));
  t.deepEqual(unanswered, [], 'anything new was a write the server answered with its object');
  t.log(`valid writes among the fuzz: ${after.length - before.kvs.length}`);
  const cm = await client.get('configmaps', 'keep-1', { namespace: 'default' });
  t.like(cm, { data: { k: 'keep-1' } }, 'it still serves');
});

test('apiserver bad bytes - the typed client sees a 400 StatusError for bytes that are not MessagePack', async (t) => {
  const { bus } = await cluster(t);
  const ask = rawRequester(bus, 'bad.reply');
  await bus.flush();
  for (const bytes of [new Uint8Array(), Uint8Array.of(0xc1), Uint8Array.of(0x92, 0x01), Uint8Array.of(0x01, 0x02)]) {
    const r = await ask(apiSubject('pods', 'create'), bytes);
    t.true(r.answered, `a reply to ${hex(bytes)}`);
    const err = StatusError.from((r as { data: Status }).data);
    t.is(err.code, 400);
    t.is(err.reason, 'BadRequest');
    t.regex(err.message, /^the request body could not be decoded/);
  }
});

test('apiserver bad bytes - a watch whose inbox is not one subject token gets a 400, not a watch that can never deliver', async (t) => {
  const { client } = await cluster(t);
  for (const [conn, id] of [['a b', '1'], ['a.b', '1'], ['*', '1'], ['c', '>'], ['c', 'x\r\nPUB y 1'], ['c', '\u0000']]) {
    const err = await t.throwsAsync(client.call('pods', 'watch', { watch: { conn, id } }), { instanceOf: StatusError });
    t.is(err!.code, 400, `conn ${JSON.stringify(conn)} id ${JSON.stringify(id)}`);
  }
});
