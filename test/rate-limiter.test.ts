// client-go's default controller rate limiter, number for number: per-item 5 ms doubling to
// 1000 s, and an overall bucket of 10 per second with bursts of 100; the larger wait wins.
import test from 'ava';
import { BucketRateLimiter, defaultControllerRateLimiter, ItemExponentialRateLimiter } from '../actors/lib/rate-limiter.ts';
import { VirtualClock } from '../bus/clock.ts';

test('rate limiter - per item: 5 ms, 10 ms, 20 ms ... capped at 1000 s, per key, reset by forget', (t) => {
  const l = new ItemExponentialRateLimiter();
  t.deepEqual([1, 2, 3, 4, 5].map(() => l.when('a')), [5, 10, 20, 40, 80]);
  t.is(l.when('b'), 5, 'keys back off independently');
  t.is(l.retries('a'), 5);
  for (let i = 0; i < 30; i++) l.when('a');
  t.is(l.when('a'), 1_000_000, 'capped at 1000 s');
  l.forget('a');
  t.is(l.when('a'), 5);
});

test('rate limiter - bucket: 100 at once, then one every 100 ms; refills with time', async (t) => {
  const clock = new VirtualClock(0);
  const l = new BucketRateLimiter(clock, 10, 100);
  const waits = Array.from({ length: 103 }, () => l.when());
  t.deepEqual(waits.slice(0, 100), Array(100).fill(0), 'a burst of 100 passes');
  t.deepEqual(waits.slice(100).map(Math.round), [100, 200, 300], 'then 10 per second, queued behind each other');
  await clock.advance(10_300); // 10.3 s later: the three reserved tokens are paid back and the bucket is full again
  t.deepEqual(Array.from({ length: 100 }, () => l.when()), Array(100).fill(0));
  t.is(Math.round(l.when()), 100, 'and no more than full');
});

test('rate limiter - default: the larger of the two waits', (t) => {
  const clock = new VirtualClock(0);
  const l = defaultControllerRateLimiter(clock);
  t.is(l.when('a'), 5);
  t.is(l.when('a'), 10);
  for (let i = 0; i < 98; i++) l.when(`k${i}`); // the bucket is now empty (100 taken)
  t.is(Math.round(l.when('fresh')), 100, 'a fresh key waits for the bucket, not 5 ms');
  t.is(l.retries('a'), 2);
});
