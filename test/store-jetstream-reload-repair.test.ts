// The reload after a divergence runs the replica repair first, with the feed stopped and writers waiting:
// a repair that hangs (JetStream slow to place the copy back: up to ~45 s) must not hold the reload. The
// stream is a fake log here; the repair one that never ends.
import test from 'ava';
import type { JetStreamLog, LogFeed, LogMessage } from '../bus/jetstream-log.ts';
import { storeKeySubject, storeSubjects } from '../bus/subjects.ts';
import { StreamCache } from '../actors/apiserver/store/jetstream-cache.ts';
import { MSG_ID, OP } from '../actors/apiserver/store/jetstream-recovery.ts';
import { MemoryStore } from '../actors/apiserver/store/memory-store.ts';
import { encodeRecord } from '../actors/apiserver/store/wal.ts';

const STREAM = 'RELOAD';
const prefix = storeSubjects(STREAM);

function create(seq: number, id: string, key: string): LogMessage {
  const headers: Record<string, string> = { [MSG_ID]: id, [OP]: 'create' };
  return { seq, subject: storeKeySubject(STREAM, key), data: encodeRecord({ t: 'put', rev: 0, key, value: { v: id } }), header: (name) => headers[name] };
}

test('jetstream reload - a repair that does not end holds the reload a bounded time, and waiters go on', async (t) => {
  t.timeout(30_000);
  const messages = [create(1, 'A', 'a'), create(2, 'B', 'b')];
  const feed: LogFeed = { restart: () => undefined, stop: async () => undefined };
  const log = {
    stream: STREAM,
    prefix,
    getMeta: async () => undefined,
    scan: async (f: (m: LogMessage) => void) => {
      for (const m of messages) f(m);
      return messages.at(-1)!.seq;
    },
    follow: async () => feed,
  } as unknown as JetStreamLog;
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
