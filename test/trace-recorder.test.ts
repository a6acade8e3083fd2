// The recorder: spans assembled from send and delivery records in any order, the ring, the
// indexes, feed batches, state notes from XState inspection.
import test from 'ava';
import { createActor, createMachine } from 'xstate';
import { TraceRecorder } from '../actors/tracer/recorder.ts';
import { StateInspector } from '../actors/tracer/inspect.ts';
import { RecordNormalizer } from '../actors/tracer/normalize.ts';
import { apiSubject, requestInbox, watchEvents } from '../bus/subjects.ts';
import type { DeliveredRecord, SentRecord } from '../bus/tap.ts';
import { runHandling } from '../bus/trace.ts';

const T = 'a'.repeat(32);
const id = (n: number) => n.toString(16).padStart(16, '0');
const podBody = (name: string) => ({ kind: 'Pod', metadata: { name, namespace: 'default' } });

const sent = (n: number, from: string, subject: string, data: unknown, at: number, parent?: number, trace = T): SentRecord => ({
  traceId: trace,
  spanId: id(n),
  ...(parent ? { parentSpanId: id(parent) } : {}),
  from,
  subject,
  data,
  at,
});
const delivered = (n: number, to: string | undefined, conn: string, subject: string, at: number, trace = T): DeliveredRecord => ({
  traceId: trace,
  spanId: id(n),
  ...(to ? { to } : {}),
  conn,
  subject,
  at,
});

/** The life of one create: request, reply, watch event to the scheduler, its bind. */
function createFlow(): Array<['s', SentRecord] | ['d', DeliveredRecord]> {
  const events = watchEvents('cp', '1');
  return [
    ['s', sent(10, 'scheduler', apiSubject('pods', 'watch'), { watch: { conn: 'cp', id: '1' } }, 900, undefined, 'b'.repeat(32))],
    ['s', sent(1, 'client', apiSubject('pods', 'create'), { namespace: 'default', body: podBody('web') }, 1000)],
    ['d', delivered(1, 'apiserver', 'control-plane', apiSubject('pods', 'create'), 1001)],
    ['s', sent(2, 'apiserver', `${requestInbox('client')}.1`, podBody('web'), 1002, 1)],
    ['s', sent(3, 'apiserver', events, { events: [{ type: 'ADDED', seq: 1, object: podBody('web') }] }, 1002, 1)],
    ['d', delivered(3, undefined, 'control-plane', events, 1003)],
    ['s', sent(4, 'scheduler', apiSubject('pods', 'bind'), { namespace: 'default', name: 'web', body: { target: { name: 'node-1' } } }, 1004, 3)],
    ['d', delivered(4, 'apiserver', 'control-plane', apiSubject('pods', 'bind'), 1005)],
  ];
}

const feed = (r: TraceRecorder, recs: ReturnType<typeof createFlow>) => {
  for (const [t, x] of recs) t === 's' ? r.sent(x as SentRecord) : r.delivered(x as DeliveredRecord);
};

test('trace recorder - assembles spans from sends and deliveries; a watch event goes to the actor that asked for the watch', (t) => {
  const r = new TraceRecorder();
  feed(r, createFlow());
  const { spans } = r.trace({ traceId: T });
  t.deepEqual(
    spans.map((s) => [s.from, s.to, s.kind, s.object]),
    [
      ['client', ['apiserver'], 'create pods', 'pod/default/web'],
      ['apiserver', ['client'], 'reply 201', 'pod/default/web'],
      ['apiserver', ['scheduler'], 'watch ADDED', 'pod/default/web'],
      ['scheduler', ['apiserver'], 'bind pods', 'pod/default/web'],
    ],
  );
  t.is(spans[3].parentSpanId, spans[2].spanId);
  t.is(spans[0].deliveredAt, 1001);
});

test('trace recorder - records from several processes in any order give the same spans', (t) => {
  const flow = createFlow();
  const inOrder = new TraceRecorder();
  feed(inOrder, flow);
  const reversed = new TraceRecorder();
  // Deliveries first (another process's feed arrived earlier), sends last; the watch request stays first.
  feed(reversed, [flow[0], ...flow.slice(1).filter(([k]) => k === 'd'), ...flow.slice(1).filter(([k]) => k === 's').reverse()]);
  const strip = (r: TraceRecorder) => r.trace({ traceId: T }).spans.map(({ spanId, from, to, kind, object, parentSpanId, sentAt }) => ({ spanId, from, to, kind, object, parentSpanId, sentAt }));
  // Same spans; messages sent in the same millisecond may be listed in either order, but parents come first.
  const bySpan = (a: { spanId: string }, b: { spanId: string }) => a.spanId.localeCompare(b.spanId);
  t.deepEqual(strip(reversed).sort(bySpan), strip(inOrder).sort(bySpan));
  const order = strip(reversed).map((s) => s.spanId);
  for (const s of strip(reversed)) if (s.parentSpanId) t.true(order.indexOf(s.parentSpanId) < order.indexOf(s.spanId));
});

test('trace recorder - a delivery whose send was never recorded still makes a span (sender that does not trace)', (t) => {
  const r = new TraceRecorder();
  r.delivered(delivered(1, 'apiserver', 'control-plane', apiSubject('pods', 'create'), 1000));
  r.sent(sent(2, 'apiserver', '_INBOX.x.1', podBody('web'), 1001, 1));
  const { spans } = r.trace({ object: 'pod/default/web' });
  t.deepEqual(
    spans.map((s) => [s.from, s.to, s.kind, s.object]),
    [
      ['client', ['apiserver'], 'create pods', 'pod/default/web'],
      ['apiserver', ['client'], 'reply 201', 'pod/default/web'],
    ],
  );
});

test('trace recorder - the ring keeps the latest spans and the object index follows it', (t) => {
  const r = new TraceRecorder({ capacity: 100 });
  for (let i = 1; i <= 250; i++) r.sent(sent(i, 'c', apiSubject('pods', 'get'), { namespace: 'default', name: `p${i}` }, i, undefined, i.toString(16).padStart(32, '0')));
  t.is(r.stats().spans, 100);
  t.is(r.stats().evicted, 150);
  t.deepEqual(r.trace({ object: 'pod/default/p10', exact: true }).spans, []);
  t.is(r.trace({ object: 'pod/default/p200', exact: true }).spans.length, 1);
  t.is(r.trace({ object: 'pod/default/p2' }).spans.length, 51, 'prefix: p200 … p250 (the rest was dropped)');
  r.clear();
  t.is(r.stats().spans, 0);
});

// How fast the query is on a full ring is a figure of `npm run bench -- trace`.
test('trace recorder - the object query finds the spans of a pod on a full ring', (t) => {
  const r = new TraceRecorder({ capacity: 200_000 });
  for (let i = 1; i <= 200_000; i++) r.sent(sent(i, 'c', apiSubject('pods', 'get'), { namespace: 'default', name: `p${i % 5000}` }, i, undefined, (i % 20_000).toString(16).padStart(32, '0')));
  const tr = r.trace({ object: 'pod/default/p42', exact: true });
  t.true(tr.spans.length >= 40);
});

test('trace recorder - feed batches (summaries published by processes) are recorded as the raw records are', (t) => {
  const n = new RecordNormalizer();
  const batch = { source: 'p', records: [] as Array<ReturnType<RecordNormalizer['sent']> & object | ReturnType<RecordNormalizer['delivered']>>, notes: [], dropped: 3 };
  for (const [k, x] of createFlow()) batch.records.push(k === 's' ? n.sent(x as SentRecord)! : n.delivered(x as DeliveredRecord));
  const viaFeed = new TraceRecorder();
  viaFeed.ingest(batch);
  const direct = new TraceRecorder();
  feed(direct, createFlow());
  t.deepEqual(viaFeed.trace({}), direct.trace({}));
  t.is(viaFeed.stats().droppedByFeeds, 3);
});

test("trace recorder - the recorder's own replies are not recorded", (t) => {
  const r = new TraceRecorder();
  r.sent(sent(1, 'tracer', '_INBOX.x.1', { spans: [], notes: [] }, 1));
  t.is(r.stats().spans, 0);
});

test('trace recorder - state notes: one per change of state value, tied to the message being handled', (t) => {
  let now = 5000;
  const r = new TraceRecorder({ now: () => now });
  const m = createMachine({ id: 'm', initial: 'idle', states: { idle: { on: { go: 'busy' } }, busy: { on: { done: 'idle', tick: {} } } } });
  const a = createActor(m, { id: 'kubelet/node-1', inspect: r.inspect }).start();
  runHandling({ span: { traceId: T, spanId: id(7) }, actor: 'kubelet/node-1' }, () => a.send({ type: 'go' }));
  now = 6000;
  a.send({ type: 'tick' }); // no change of state: no note
  a.send({ type: 'done' });
  a.stop();
  const notes = r.trace({}).notes;
  t.deepEqual(
    notes.map((n) => [n.actor, n.state, n.event, n.at, n.spanId]),
    [
      ['kubelet/node-1', 'idle', 'xstate.init', 5000, undefined],
      ['kubelet/node-1', 'busy', 'go', 5000, id(7)],
      ['kubelet/node-1', 'idle', 'done', 6000, undefined],
    ],
  );
});

test('trace recorder - a child actor working on a pod is named with the pod; parallel regions report what changed', (t) => {
  const insp = new StateInspector(() => 1);
  const child = createMachine({
    id: 'worker',
    context: { pod: { metadata: { name: 'web', namespace: 'default' } } },
    initial: 'Pending',
    states: { Pending: { on: { run: 'Running' } }, Running: {} },
  });
  const parent = createMachine({
    id: 'kubelet',
    type: 'parallel',
    invoke: { id: 'uid-1', src: child },
    states: { lease: { initial: 'ok', states: { ok: { on: { lost: 'late' } }, late: {} } }, status: { initial: 'idle', states: { idle: {} } } },
    on: { run: { actions: ({ self }) => self.getSnapshot().children['uid-1']?.send({ type: 'run' }) } },
  });
  const notes: Array<ReturnType<StateInspector['inspect']>> = [];
  const a = createActor(parent, { id: 'kubelet/node-1', inspect: (ev) => notes.push(insp.inspect(ev)) }).start();
  a.send({ type: 'run' });
  a.send({ type: 'lost' });
  a.stop();
  const got = notes.filter(Boolean).map((n) => [n!.actor, n!.child, n!.object, n!.state]);
  t.deepEqual(got, [
    ['kubelet/node-1', 'uid-1', 'pod/default/web', 'Pending'],
    ['kubelet/node-1', undefined, undefined, 'lease.ok, status.idle'],
    ['kubelet/node-1', 'uid-1', 'pod/default/web', 'Running'],
    ['kubelet/node-1', undefined, undefined, 'lease.late'],
    ['kubelet/node-1', 'uid-1', 'pod/default/web', 'stopped'], // the bus view stops counting it
  ]);
  t.true(notes.filter(Boolean).at(-1)!.stopped);
});

test('trace recorder - normalizer names the receiver of a MemoryBus reply: the actor that asked', (t) => {
  const n = new RecordNormalizer();
  n.sent({ ...sent(1, 'kubelet/node-1', apiSubject('pods', 'get'), {}, 1), reply: '_INBOX.node.4' });
  t.is(n.delivered(delivered(2, undefined, 'node/node-1', '_INBOX.node.4', 2)).to, 'kubelet/node-1');
  t.is(n.delivered(delivered(3, undefined, 'node/node-1', '_INBOX.node.5', 2)).to, 'node/node-1', 'unknown: the connection');
});

test('trace recorder - without a clock, a state note made before any message is dated with the first message', (t) => {
  const r = new TraceRecorder();
  const m = createMachine({ id: 'm', initial: 'starting', states: { starting: { on: { go: 'serving' } }, serving: {} } });
  const a = createActor(m, { id: 'apiserver', inspect: r.inspect }).start(); // xstate.init: nothing recorded yet
  r.sent(sent(1, 'apiserver', apiSubject('pods', 'list'), {}, 7000));
  a.send({ type: 'go' });
  a.stop();
  t.deepEqual(
    r.trace({}).notes.map((n) => [n.state, n.at]),
    [
      ['starting', 7000],
      ['serving', 7000],
    ],
  );
});
