// Trace filters: by object (whole traces, exact or prefix, focus), by trace, by actor, by time window, limit.
import test from 'ava';
import { causalOrder, filterTrace } from '../actors/tracer/filter.ts';
import type { Span, StateNote, Trace } from '../actors/tracer/types.ts';

const tid = (c: string) => c.repeat(32);
let next = 0;
const span = (trace: string, from: string, to: string[], kind: string, sentAt: number, extra: Partial<Span> = {}): Span => ({
  traceId: tid(trace),
  spanId: (++next).toString(16).padStart(16, '0'),
  from,
  to,
  subject: 's',
  kind,
  sentAt,
  ...extra,
});

// Trace a: web's creation (with an unrelated event); trace b: db's; trace c: a batch touching both; trace d: a lease.
const a1 = span('a', 'client', ['apiserver'], 'create pods', 1000, { object: 'pod/default/web' });
const a2 = span('a', 'apiserver', ['client'], 'reply 201', 1001, { object: 'pod/default/web', reply: true, parentSpanId: a1.spanId });
const a3 = span('a', 'apiserver', ['scheduler'], 'watch ADDED', 1002, { object: 'pod/default/web', parentSpanId: a1.spanId });
const a4 = span('a', 'scheduler', ['apiserver'], 'create events', 1003, { object: 'event/default/web.1', parentSpanId: a3.spanId });
const a5 = span('a', 'apiserver', ['scheduler'], 'reply 201', 1004, { object: 'event/default/web.1', reply: true, parentSpanId: a4.spanId });
const a6 = span('a', 'scheduler', ['apiserver'], 'bind pods', 1005, { object: 'pod/default/web', parentSpanId: a3.spanId });
const a7 = span('a', 'apiserver', ['scheduler'], 'reply 201', 1006, { object: 'pod/default/web', reply: true, parentSpanId: a6.spanId });
const b1 = span('b', 'client', ['apiserver'], 'create pods', 2000, { object: 'pod/default/db' });
const c1 = span('c', 'apiserver', ['kubelet/node-1'], 'watch MODIFIED', 3000, { object: 'pod/default/web-2', objects: ['pod/default/web-2', 'pod/default/db'], objectCount: 2 });
const d1 = span('d', 'kubelet/node-1', ['apiserver'], 'update leases', 4000, { object: 'lease/kube-node-lease/node-1' });
const notes: StateNote[] = [
  { actor: 'kubelet/node-1', at: 1010, state: 'Running', event: 'e', object: 'pod/default/web', traceId: tid('a'), spanId: a6.spanId },
  { actor: 'scheduler', at: 1003, state: 'scheduling', event: 'e', traceId: tid('a'), spanId: a3.spanId },
  { actor: 'kubelet/node-1', at: 4001, state: 'renewing', event: 'e', traceId: tid('d'), spanId: d1.spanId },
];
const all: Trace = { spans: [a1, a2, a3, a4, a5, a6, a7, b1, c1, d1], notes };
const ids = (t: Trace) => t.spans.map((s) => s.spanId);

test('trace filter - by object: the whole traces that touch it (exact)', (t) => {
  const r = filterTrace(all, { object: 'pod/default/web', exact: true });
  t.deepEqual(ids(r), ids({ spans: [a1, a2, a3, a4, a5, a6, a7], notes: [] }));
  t.deepEqual(r.notes, notes.slice(0, 2));
});

test('trace filter - by object prefix: web and web-2', (t) => {
  t.deepEqual(ids(filterTrace(all, { object: 'pod/default/web' })), ids({ spans: [a1, a2, a3, a4, a5, a6, a7, c1], notes: [] }));
});

test('trace filter - an object named second in a batch is found too', (t) => {
  t.deepEqual(ids(filterTrace(all, { object: 'pod/default/db', exact: true })), [b1.spanId, c1.spanId]);
});

test('trace filter - focus: the spans about the object, their causes and their replies (not the event the scheduler wrote)', (t) => {
  const r = filterTrace(all, { object: 'pod/default/web', exact: true, focus: true });
  t.deepEqual(ids(r), [a1, a2, a3, a6, a7].map((s) => s.spanId));
  t.deepEqual(
    r.notes.map((n) => n.state),
    ['Running', 'scheduling'],
  );
});

test('trace filter - by trace id, by actor (prefix), by time window, with a limit', (t) => {
  t.deepEqual(ids(filterTrace(all, { traceId: tid('b') })), [b1.spanId]);
  t.deepEqual(ids(filterTrace(all, { actor: 'kubelet/' })), [c1.spanId, d1.spanId]);
  t.deepEqual(filterTrace(all, { actor: 'kubelet/' }).notes.map((n) => n.state), ['Running', 'renewing']);
  t.deepEqual(ids(filterTrace(all, { from: 1004, to: 2000 })), [a5, a6, a7, b1].map((s) => s.spanId));
  const limited = filterTrace(all, { limit: 2 });
  t.deepEqual(ids(limited), [c1.spanId, d1.spanId]);
  t.is(limited.truncated, 8);
  t.deepEqual(limited.notes.map((n) => n.state), ['renewing'], 'notes before the first kept span go too');
});

test('trace filter - all given fields must match', (t) => {
  t.deepEqual(ids(filterTrace(all, { object: 'pod/default/web', exact: true, actor: 'scheduler', from: 1004 })), [a5, a6, a7].map((s) => s.spanId));
  t.deepEqual(ids(filterTrace(all, { object: 'pod/default/web', traceId: tid('b') })), []);
});

test('trace filter - causal order puts a parent before its children when clocks tie or skew', (t) => {
  const p = span('e', 'x', ['y'], 'k', 5000);
  const c = span('e', 'y', ['z'], 'k', 4999, { parentSpanId: p.spanId });
  const g = span('e', 'z', ['x'], 'k', 4999, { parentSpanId: c.spanId });
  const o = span('e', 'q', ['x'], 'k', 4999);
  t.deepEqual(causalOrder([g, c, o, p]).map((s) => s.spanId), [o, p, c, g].map((s) => s.spanId));
  const loopA = span('f', 'x', ['y'], 'k', 1, { parentSpanId: '00000000000000ff' });
  t.is(causalOrder([loopA]).length, 1);
});
