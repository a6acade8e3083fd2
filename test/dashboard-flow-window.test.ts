// The flow diagram's window (ui/flow-window.js): a long-lived object's messages and notes stay bounded
// at the latest `max`, as drawn; a span sent again replaces its earlier form; older ones are counted.
import test from 'ava';
// @ts-expect-error: the dashboard's modules are plain browser JavaScript (no types); this one is pure.
import { FlowWindow } from '../ui/flow-window.js';

const span = (i: number, extra: Record<string, unknown> = {}) => ({ traceId: 't', spanId: `s${i}`, subject: 'kubus.x', kind: `m${i}`, sentAt: 1000 + i, to: [], ...extra });
const note = (i: number) => ({ traceId: 't', spanId: `s${i}`, actor: 'kubelet', state: `st${i}` });

test('dashboard flow window - keeps the latest max messages and their notes; the older ones are counted', (t) => {
  const w = new FlowWindow(3);
  // Out of order in time, as the stream may send them.
  w.add([span(2), span(0), span(1)], [note(0), note(2)]);
  t.is(w.spans.size, 3);
  t.is(w.total, 3);
  w.add([span(3), span(4)], [note(4)]);
  t.deepEqual(w.sorted().map((s: { kind: string }) => s.kind), ['m2', 'm3', 'm4']);
  t.is(w.total, 5, 'the 2 dropped are counted');
  t.deepEqual(w.notes.map((n: { state: string }) => n.state), ['st2', 'st4'], "a dropped message's note goes with it");

  // A kept span sent again (a delivery added): replaced in place, not counted twice.
  w.add([span(3, { to: ['scheduler'] })], []);
  t.is(w.total, 5);
  t.deepEqual(w.sorted().find((s: { kind: string }) => s.kind === 'm3').to, ['scheduler']);
  // A dropped one sent again: older than the window, so it stays out and is not counted again.
  w.add([span(0, { to: ['scheduler'] })], []);
  t.is(w.total, 5);
  t.false(w.sorted().some((s: { kind: string }) => s.kind === 'm0'));
});

test('dashboard flow window - 10,000 messages and notes: at most max kept, the notes bounded too', (t) => {
  const w = new FlowWindow(250);
  for (let i = 0; i < 10_000; i += 10) {
    const batch = Array.from({ length: 10 }, (_, j) => span(i + j));
    // Notes of messages that never come (no spanId match) must not pile up either.
    w.add(batch, [...batch.map((_, j) => note(i + j)), { traceId: 'u', spanId: `x${i}`, actor: 'a', state: 'orphan' }]);
  }
  t.is(w.spans.size, 250);
  t.is(w.total, 10_000);
  t.true(w.notes.length <= 1000, `${w.notes.length} notes kept`);
  t.is(w.sorted()[0].kind, 'm9750');
  t.true(w.notes.some((n: { state: string }) => n.state === 'st9999'));
});
