// A fake JetStream log for the jetstream store's cache and load tests: the stream messages a test
// gives it, and the live feed's callback handed to the test (nats-server would deduplicate or refuse
// what these tests need stored).
import type { JetStreamLog, LogFeed, LogMessage } from '../../bus/jetstream-log.ts';
import { storeKeySubject, storeSubjects } from '../../bus/subjects.ts';
import { EXPECT, MSG_ID, OP } from '../../actors/apiserver/store/jetstream-recovery.ts';
import { encodeRecord } from '../../actors/apiserver/store/wal.ts';

/** A message of stream `stream` proposing `op` on key `key` with message ID `id` (and `expect`: the key's last sequence it expects). */
export function proposal(stream: string, seq: number, id: string, key: string, op: 'create' | 'delete', expect?: number): LogMessage {
  const headers: Record<string, string> = { [MSG_ID]: id, [OP]: op };
  if (expect !== undefined) headers[EXPECT] = String(expect);
  const data = encodeRecord(op === 'delete' ? { t: 'del', rev: 0, key } : { t: 'put', rev: 0, key, value: { v: id } });
  return { seq, subject: storeKeySubject(stream, key), data, header: (name) => headers[name] };
}

/** A log of stream `stream` that holds `messages` for a load; `deliver` hands a message to the live feed. */
export function fakeLog(stream: string, messages: LogMessage[]): { log: JetStreamLog; deliver: (m: LogMessage) => void } {
  let each: ((m: LogMessage) => void) | undefined;
  const feed: LogFeed = { restart: () => undefined, stop: async () => undefined };
  const log = {
    stream,
    prefix: storeSubjects(stream),
    getMeta: async () => undefined,
    scan: async (f: (m: LogMessage) => void) => {
      for (const m of messages) f(m);
      return messages.at(-1)?.seq ?? 0;
    },
    follow: async (_from: number, f: (m: LogMessage) => void) => {
      each = f;
      return feed;
    },
  };
  return { log: log as unknown as JetStreamLog, deliver: (m) => each!(m) };
}
