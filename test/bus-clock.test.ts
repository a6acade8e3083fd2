// The virtual clock: timers fire in (due, creation) order whatever their delays, cleared ones never,
// and `pending` counts what is left (its lanes for common delays and its tree for the rest alike).
import test from 'ava';
import fc from 'fast-check';
import { VirtualClock } from '../bus/clock.ts';

type Op = { set: number } | { clear: number } | { advance: number };

const ops = fc.array(
  fc.oneof(
    // Few distinct delays (lanes), and many (past the lanes, into the tree).
    fc.record({ set: fc.oneof(fc.constantFrom(0, 0, 10, 5000), fc.integer({ min: 0, max: 40 })) }),
    fc.record({ clear: fc.nat(200) }),
    fc.record({ advance: fc.integer({ min: 0, max: 60 }) }),
  ),
  { maxLength: 200 },
);

test('bus clock - timers fire in (due, creation) order across delays; cleared ones never fire; pending is exact', async (t) => {
  await fc.assert(
    fc.asyncProperty(ops, async (list: Op[]) => {
      const clock = new VirtualClock(0);
      const fired: number[] = [];
      const handles: unknown[] = [];
      const model = new Map<number, { due: number; at: number }>(); // live timers: id -> due
      for (const op of list) {
        if ('set' in op) {
          const id = handles.length;
          handles.push(clock.setTimeout(() => fired.push(id), op.set));
          model.set(id, { due: clock.now() + op.set, at: id });
        } else if ('clear' in op) {
          if (handles.length === 0) continue;
          const id = op.clear % handles.length;
          clock.clearTimeout(handles[id]);
          model.delete(id);
        } else {
          const until = clock.now() + op.advance;
          const due = [...model].filter(([, m]) => m.due <= until).sort(([, a], [, b]) => a.due - b.due || a.at - b.at);
          fired.length = 0;
          await clock.advance(op.advance);
          t.deepEqual(fired, due.map(([id]) => id));
          for (const [id] of due) model.delete(id);
        }
        t.is(clock.pending, model.size);
      }
    }),
    { numRuns: 60 },
  );
});

test('bus clock - thousands of timeouts cleared long before they are due leave nothing behind', async (t) => {
  const clock = new VirtualClock(0);
  for (let i = 0; i < 5000; i++) clock.clearTimeout(clock.setTimeout(() => t.fail('a cleared timer fired'), 5000));
  let fired = false;
  clock.setTimeout(() => (fired = true), 5000);
  t.is(clock.pending, 1);
  await clock.advance(5000);
  t.true(fired);
  t.is(clock.pending, 0);
  t.is(clock.nextDue(), undefined);
});
