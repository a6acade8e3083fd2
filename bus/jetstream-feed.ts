// The live feed of a JetStream log: an ordered consumer that hands every message on in stream order,
// started afresh from the next sequence when it ends, after a reconnect, or when its caller asks.
import { DeliverPolicy } from './nats-bus.ts';
import type { ConsumerMessages, JetStreamClient, JsMsg, NatsConnection } from './nats-bus.ts';
import type { LogFeed, LogMessage } from './jetstream-log.ts';

/** Messages an ordered consumer asks for at once, and how long each pull lasts (its idle heartbeat is half that). */
const FOLLOW_BATCH = 4096;
const FOLLOW_EXPIRES_MS = 10_000;
/** A feed whose consumer cannot be created (JetStream not back yet) tries again this often. */
const FOLLOW_RETRY_MS = 250;

/**
 * Hands every message from sequence `from` on to `each`, in stream order, with an ordered consumer.
 * The ordered consumer recreates itself after a gap or missed heartbeats, but after a reconnect it
 * can take tens of seconds to notice; so on a reconnect, or if it ends, a fresh one starts from the
 * sequence after the last message handed on (retrying every FOLLOW_RETRY_MS until JetStream answers).
 * `each` may see a message again across such a restart; it drops what it has.
 */
export async function followStream(
  { js, nc, stream }: { js: JetStreamClient; nc: NatsConnection; stream: string },
  from: number,
  each: (m: LogMessage) => void,
  warn: (message: string, err?: unknown) => void,
): Promise<LogFeed> {
  let next = Math.max(1, from);
  let stopped = false;
  /** The consumer in use, and whether its messages still count (one that is being replaced may still deliver). */
  let current: ConsumerMessages | undefined;
  let gen = { live: false };
  let restarting = false;
  const start = async () => {
    const mine = { live: true };
    gen = mine;
    const consumer = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: next });
    const msgs: ConsumerMessages = await consumer.consume({
      max_messages: FOLLOW_BATCH,
      expires: FOLLOW_EXPIRES_MS,
      callback: (m: JsMsg) => {
        if (m.seq < next || !mine.live) return;
        next = m.seq + 1;
        each({ seq: m.seq, subject: m.subject, data: m.data, header: (name) => m.headers?.get(name) });
      },
    });
    if (stopped || !mine.live) {
      await msgs.close().catch(() => undefined);
      return;
    }
    current = msgs;
    void msgs.closed().then(
      (err) => current === msgs && restart(`its consumer ended${err ? `: ${err.message}` : ''}`),
      (err: unknown) => current === msgs && restart(`its consumer failed: ${(err as Error).message}`),
    );
  };
  const restart = (why: string | undefined, from = next) => {
    next = from;
    if (stopped || restarting) return;
    restarting = true;
    const old = current;
    current = undefined;
    gen.live = false;
    void old?.close().catch(() => undefined);
    if (why) warn(`the feed of stream ${stream} restarts at sequence ${next} (${why})`);
    const again = () => {
      if (stopped) return;
      start().then(
        () => (restarting = false),
        () => setTimeout(again, FOLLOW_RETRY_MS).unref(),
      );
    };
    again();
  };
  await start();
  const status = nc.status();
  void (async () => {
    for await (const s of status) {
      if (stopped) break;
      if (s.type === 'reconnect') restart('reconnected to NATS');
    }
  })();
  return {
    restart: (from) => restart(undefined, from),
    stop: async () => {
      stopped = true;
      // The status iterator is a QueuedIterator (stop() ends it at once), typed as a plain AsyncIterable.
      (status as { stop?: () => void }).stop?.();
      const old = current;
      current = undefined;
      gen.live = false;
      await old?.close().catch(() => undefined);
    },
  };
}
