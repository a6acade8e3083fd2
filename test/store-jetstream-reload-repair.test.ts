// The reload after a divergence runs the replica repair first, with the feed stopped and writers waiting:
// a repair that hangs (JetStream slow to place the copy back: up to ~45 s) must not hold the reload. The
// stream is a fake log here; the repair one that never ends.
import test from 'ava';
import { StreamCache } from '../actors/apiserver/store/jetstream-cache.ts';
import { MemoryStore } from '../actors/apiserver/store/memory-store.ts';
import { fakeLog, proposal } from './helpers/jetstream-fake-log.ts';

const STREAM = 'RELOAD';

test('jetstream reload - a repair that does not end holds the reload a bounded time, and waiters go on', async (t) => {
  t.timeout(30_000);
  const messages = [proposal(STREAM, 1, 'A', 'a', 'create'), proposal(STREAM, 2, 'B', 'b', 'create')];
  const { log } = fakeLog(STREAM, messages);
  const cache = new StreamCache(log, new MemoryStore(), 0, () => undefined);
  let repairs = 0;
  Object.assign(cache.repairer, {
    repair: () => {
      repairs++;
      return new Promise<string | undefined>(() => undefined);
    },
  });
  await cache.follow();
  const waiter = cache.until(2);
  const started = Date.now();
  await cache.diverged(1, 'a test');
  await waiter;
  const took = Date.now() - started;
  t.is(repairs, 1);
  t.is(cache.applied, 2, 'the reload loaded the stream');
  t.true(took < 15_000, `the reload went on without the repair (${took} ms)`);
  await cache.stop(new Error('test over'));
});
