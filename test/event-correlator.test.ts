import test from 'ava';
import { COMBINED, CORRELATOR_DEFAULTS, EventCorrelator, type Correlation } from '../actors/lib/event-correlator.ts';

const ev = (message: string, object = 'ReplicaSet|default|rs|u1', reason = 'SuccessfulCreate') => ({ source: 'replicaset-controller|', object, type: 'Normal', reason, message });
const written = (c: Correlation) => (c.skip ? undefined : c.message);

test('event correlator - a burst about one object writes 25 Events, the 10th distinct message on combined (as upstream)', (t) => {
  const c = new EventCorrelator();
  const out = Array.from({ length: 1000 }, (_, i) => written(c.correlate(ev(`Created pod: p-${i}`), 0)));
  const kept = out.filter((m) => m !== undefined);
  t.is(kept.length, 25);
  t.deepEqual(kept.slice(0, 9), Array.from({ length: 9 }, (_, i) => `Created pod: p-${i}`));
  t.is(kept[9], `${COMBINED}Created pod: p-9`);
  t.is(kept[10], `${COMBINED}Created pod: p-10`);
  t.is(kept[24], `${COMBINED}Created pod: p-24`);
});

test('event correlator - combined Events share one key (one Event whose count grows), distinct ones have their own', (t) => {
  const c = new EventCorrelator();
  const keys = Array.from({ length: 14 }, (_, i) => c.correlate(ev(`m${i}`), 0)).map((r) => (r.skip ? '' : r.key));
  t.is(new Set(keys.slice(0, 9)).size, 9);
  t.is(new Set(keys.slice(9)).size, 1);
  t.false(keys.slice(0, 9).includes(keys[9]!));
  // Each combined Event forgets the oldest message, so the set stays at 9 (m5..m13 after 14):
  // a message still in it keeps its own key, a forgotten one is combined.
  const again = c.correlate(ev('m7'), 0);
  t.is(again.skip ? '' : again.key, keys[7]);
  const forgotten = c.correlate(ev('m4'), 0);
  t.is(forgotten.skip ? '' : forgotten.key, keys[9]);
  t.is(written(forgotten), `${COMBINED}m4`);
});

test('event correlator - the bucket refills one Event per 5 minutes; other objects have their own', (t) => {
  const c = new EventCorrelator();
  for (let i = 0; i < 25; i++) t.false(c.correlate(ev('same'), 0).skip);
  t.true(c.correlate(ev('same'), 1000).skip);
  t.false(c.correlate(ev('same', 'Pod|default|p|u2'), 1000).skip, 'another object');
  t.false(c.correlate(ev('same'), 300_000).skip, 'one token after 5 minutes');
  t.true(c.correlate(ev('same'), 300_001).skip);
});

test('event correlator - similar messages are counted again after 10 quiet minutes', (t) => {
  const c = new EventCorrelator({ ...CORRELATOR_DEFAULTS, spamBurst: 1000 });
  for (let i = 0; i < 9; i++) t.is(written(c.correlate(ev(`m${i}`), 0)), `m${i}`);
  t.is(written(c.correlate(ev('m9'), 1)), `${COMBINED}m9`);
  t.is(written(c.correlate(ev('m11'), 1 + 600_001)), 'm11');
});

test('event correlator - caches forget the least recently used entry past their bound', (t) => {
  const c = new EventCorrelator({ ...CORRELATOR_DEFAULTS, spamBurst: 1, maxEntries: 2 });
  t.false(c.correlate(ev('x', 'a'), 0).skip);
  t.false(c.correlate(ev('x', 'b'), 0).skip);
  t.true(c.correlate(ev('x', 'a'), 0).skip, 'a used: b is now the oldest');
  t.false(c.correlate(ev('x', 'c'), 0).skip);
  t.true(c.correlate(ev('x', 'a'), 0).skip, 'a kept');
  t.false(c.correlate(ev('x', 'b'), 0).skip, 'b forgotten: a new bucket');
});
