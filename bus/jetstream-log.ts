// JetStreamLog: an append-only log on one NATS JetStream stream (plus a one-value-per-key KV bucket
// beside it), the transport under the jetstream store backend. It knows streams, sequences and
// headers; what the messages mean is the caller's.
import { connectNats, credentialsOf, DiscardPolicy, LIVENESS, natsAuth, jetstream, jetstreamManager, JetStreamApiError, Kvm, natsHeaders, RetentionPolicy, StorageType, type BusCredentials, type JetStreamClient, type JetStreamManager, type KV, type NatsConnection } from './nats-bus.ts';
import { JetStreamLogError } from './errors.ts';
import { followStream } from './jetstream-feed.ts';

/** A NATS connection a caller may hand to `JetStreamLog.open` (left open on close). */
export type JetStreamConnection = NatsConnection;

/** Options of `JetStreamLog.open`. */
export interface JetStreamLogOptions {
  /** NATS server URLs, comma-separated (the log opens its own connection), unless `nc` is given. */
  servers?: string;
  nc?: JetStreamConnection;
  /** The connection's name as the server shows it. */
  name: string;
  /** The stream's name; its bucket is `<stream>_META`. */
  stream: string;
  /** The stream's subjects: `<prefix>.>`. */
  prefix: string;
  /** Stream and bucket replicas. */
  replicas: number;
  credentials?: BusCredentials | null; // the identity of its own connection on a locked bus; unset: KUBUS_CREDS's file
}

/** What `append` records with a message, and until when it retries. */
export interface AppendOptions {
  headers: Record<string, string>;
  /** Makes a retry after a lost ack a duplicate the server answers with the first ack. */
  msgID: string;
  /** Retries after timeouts and no responders (a stream leader election) stop at this time (epoch ms). */
  giveUpAt: number;
}

/** A message read back from the log. */
export interface LogMessage {
  seq: number;
  subject: string;
  data: Uint8Array;
  header(name: string): string | undefined;
}

/** A live feed of the log (`follow`). */
export interface LogFeed {
  /** Starts a fresh consumer at sequence `from` (what the old one delivers from now on is dropped); the caller reports why. */
  restart(from: number): void;
  stop(): Promise<void>;
}

/** A value of the meta bucket with the revision a compare-and-set names. */
export interface MetaEntry {
  value: string;
  revision: number;
}

/** A publish waits this long for its ack, and after a timeout or no responders (a stream leader election) tries again after a pause. */
const PUBLISH_TIMEOUT_MS = 1000;
const PUBLISH_PAUSE_MS = 250;
/** The errors a publish is retried on: no ack in time, no stream leader (the client's 503), a request lost with the connection. */
const RETRIED = new Set(['TimeoutError', 'JetStreamNotEnabled', 'RequestError']);
/** JetStream's error codes: a failed expected-last-sequence check; no such stream. */
const WRONG_LAST_SEQUENCE = 10071;
const WRONG_LAST_SEQUENCE_UNKNOWN = 10164;
const STREAM_NOT_FOUND = 10059;
/** The feed's consumers are created with this API timeout: one JetStream cannot place (its meta leader lost) is tried again. */
const FEED_API_TIMEOUT_MS = 1000;

/** Setting the stream up is tried again this long after timeouts and NOT_READY_CODES answers. */
const SETUP_GIVE_UP_MS = 30_000;
/** JetStream's "temporarily unavailable" (no meta leader yet) and "no suitable peers for placement" (too few servers joined yet). */
const NOT_READY_CODES = new Set([10008, 10005]);
const notReadyYet = (err: unknown) => RETRIED.has((err as Error).name) || (err instanceof JetStreamApiError && NOT_READY_CODES.has(err.code));

/** Runs a JetStream API call again, after a pause, while it times out or JetStream is not ready yet. */
async function untilReady<T>(call: () => Promise<T>, giveUpAt: number, retried = notReadyYet): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!retried(err) || Date.now() + PUBLISH_PAUSE_MS > giveUpAt) throw err;
      await new Promise((r) => setTimeout(r, PUBLISH_PAUSE_MS));
    }
  }
}

/** Returns true when a compare-and-set failed because the last sequence was not the expected one. */
const isWrongLastSequence = (err: unknown) =>
  err instanceof JetStreamApiError && (err.code === WRONG_LAST_SEQUENCE || err.code === WRONG_LAST_SEQUENCE_UNKNOWN);
/** Returns true when JetStream's API refused a request (as opposed to a transport failure). */
export const isJetStreamApiError = (err: unknown) => err instanceof JetStreamApiError;

/**
 * One stream that keeps every message until purged (no per-subject, count, byte or age limits), and
 * a KV bucket of history 1 beside it.
 */
export class JetStreamLog {
  private constructor(
    /** The connection (the store's replica repair sends its own JetStream requests on it). */
    readonly nc: NatsConnection,
    private readonly ownConnection: boolean,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    /** Leader reads with FEED_API_TIMEOUT_MS: none is answered during an election, and 5 s a try made reads wait 8 s after a kill -9. */
    private readonly quick: JetStreamManager,
    private readonly meta: KV,
    readonly stream: string,
    /** The stream's subjects are `<prefix>.<token>`. */
    readonly prefix: string,
  ) {
    this.feedJs = jetstream(nc, { timeout: FEED_API_TIMEOUT_MS });
  }

  /** The feed's client (FEED_API_TIMEOUT_MS). */
  private readonly feedJs: JetStreamClient;

  /** Connects, creates the stream (or checks the existing one keeps everything) and the bucket; throws JetStreamLogError. */
  static async open(opts: JetStreamLogOptions): Promise<JetStreamLog> {
    let nc = opts.nc;
    if (!nc) {
      try {
        // noAsyncTraces: a request otherwise builds two Errors (for stack traces) up front, a fifth of the CPU of a write.
        nc = await connectNats({ servers: (opts.servers ?? '127.0.0.1:4222').split(','), name: opts.name, maxReconnectAttempts: -1, noAsyncTraces: true, ...LIVENESS, ...natsAuth(credentialsOf(opts.credentials)) });
      } catch (err) {
        throw new JetStreamLogError('unreachable', (err as Error).message);
      }
    }
    try {
      let jsm: JetStreamManager;
      // Several API servers starting at once on a new cluster: JetStream's first meta leader election,
      // then the stream's placement (refused while too few servers have joined) and election, may outlast
      // one API timeout; tried again until SETUP_GIVE_UP_MS (a server without JetStream answers at once).
      const giveUpAt = Date.now() + SETUP_GIVE_UP_MS;
      try {
        jsm = await untilReady(() => jetstreamManager(nc), giveUpAt, (err) => (err as Error).name === 'TimeoutError');
      } catch (err) {
        throw new JetStreamLogError('no-jetstream', (err as Error).message, nc.getServer());
      }
      await untilReady(() => ensureStream(jsm, opts.stream, `${opts.prefix}.>`, opts.replicas), giveUpAt);
      const meta = await untilReady(() => new Kvm(nc).create(`${opts.stream}_META`, { replicas: opts.replicas, history: 1 }), giveUpAt);
      // Both answer once their leaders are elected: reads and the feed's consumer need them.
      await untilReady(() => jsm.streams.info(opts.stream), giveUpAt);
      await untilReady(() => meta.get('compacted'), giveUpAt);
      const quick = await jetstreamManager(nc, { timeout: FEED_API_TIMEOUT_MS, checkAPI: false });
      return new JetStreamLog(nc, !opts.nc, jetstream(nc), jsm, quick, meta, opts.stream, opts.prefix);
    } catch (err) {
      if (!opts.nc) await nc.close().catch(() => undefined);
      if (err instanceof JetStreamApiError) throw new JetStreamLogError('setup', err.message, nc.getServer());
      throw err;
    }
  }

  /** Publishes one message (deduplicated by its message ID); resolves to its sequence once stored. */
  async append(subject: string, data: Uint8Array, o: AppendOptions): Promise<number> {
    const h = natsHeaders();
    for (const [name, value] of Object.entries(o.headers)) h.set(name, value);
    // Retried at a steady pace (the client's own retries back off to 5 s between tries, which would add
    // seconds to a stream leader election); the message ID makes a retry of a stored write its first ack.
    const ack = await untilReady(() => this.js.publish(subject, data, { headers: h, msgID: o.msgID, timeout: PUBLISH_TIMEOUT_MS }), o.giveUpAt, (err) => RETRIED.has((err as Error).name));
    return ack.seq;
  }

  /** Returns the message at `seq` as the stream's leader has it, or undefined (purged, or not written yet). */
  async get(seq: number): Promise<LogMessage | undefined> {
    const m = await this.quick.streams.getMessage(this.stream, { seq });
    return m ? { seq: m.seq, subject: m.subject, data: m.data, header: (name) => m.header?.get(name) || undefined } : undefined;
  }

  /**
   * Hands every message from sequence `from` on to `each`, in stream order (see followStream): the
   * live feed of a follower.
   */
  follow(from: number, each: (m: LogMessage) => void, warn: (message: string, err?: unknown) => void): Promise<LogFeed> {
    return followStream({ js: this.feedJs, nc: this.nc, stream: this.stream }, from, each, warn);
  }

  /**
   * Reads the stream in order with an ordered consumer, handing each message to `each`; returns the
   * stream's last sequence (which a purge may have removed, so it may be past the last message read).
   */
  async scan(each: (m: LogMessage) => void): Promise<number> {
    const info = await this.jsm.streams.info(this.stream);
    const lastSeq = info.state.last_seq;
    if (info.state.messages === 0) return lastSeq;
    const consumer = await this.js.consumers.get(this.stream);
    const msgs = await consumer.consume({ max_messages: 4096 });
    try {
      for await (const m of msgs) {
        each({ seq: m.seq, subject: m.subject, data: m.data, header: (name) => m.headers?.get(name) });
        // The last sequence may be a purged message: stop at the last one there is.
        if (m.seq >= lastSeq || m.info.pending === 0) break;
      }
    } finally {
      await msgs.close();
    }
    return lastSeq;
  }

  /** Purges a subject's messages below the given sequence. */
  async purge(subject: string, seq: number): Promise<void> {
    // Nothing is below 1, but nats-server reads a purge up to sequence 0 or 1 as no bound: every message of the subject.
    if (seq <= 1) return;
    await this.jsm.streams.purge(this.stream, { filter: subject, seq });
  }

  /** Returns a value of the bucket, or undefined. */
  async getMeta(key: string): Promise<string | undefined> {
    return (await this.meta.get(key))?.string() || undefined;
  }

  /** Returns a value of the bucket with its revision, or undefined. */
  async getMetaEntry(key: string): Promise<MetaEntry | undefined> {
    const e = await this.meta.get(key);
    return e && e.operation === 'PUT' ? { value: e.string(), revision: e.revision } : undefined;
  }

  /** Sets a value of the bucket if its revision is still `revision` (0: absent); returns false when another writer moved it. */
  async casMeta(key: string, value: string, revision: number): Promise<boolean> {
    try {
      await this.meta.put(key, value, { previousSeq: revision });
      return true;
    } catch (err) {
      if (isWrongLastSequence(err)) return false;
      throw err;
    }
  }

  /** Drains and closes the connection when the log opened it; abort closes it at once. */
  async close(abort = false): Promise<void> {
    if (!this.ownConnection) return;
    if (abort) await this.nc.close().catch(() => undefined);
    else await this.nc.drain().catch(() => this.nc.close());
  }
}

/** Creates the stream, or checks the existing one takes these subjects and drops nothing on its own. */
async function ensureStream(jsm: JetStreamManager, stream: string, subject: string, replicas: number): Promise<void> {
  try {
    const info = await jsm.streams.info(stream);
    const c = info.config;
    const wrong = [
      !c.subjects?.includes(subject) && `subjects ${JSON.stringify(c.subjects)} (want ${subject})`,
      c.max_msgs_per_subject > 0 && `max_msgs_per_subject ${c.max_msgs_per_subject}`,
      c.max_msgs > 0 && `max_msgs ${c.max_msgs}`,
      c.max_bytes > 0 && `max_bytes ${c.max_bytes}`,
      c.max_age > 0 && `max_age ${c.max_age}`,
      c.deny_purge && 'deny_purge',
      c.retention !== RetentionPolicy.Limits && `retention ${c.retention}`,
    ].filter(Boolean);
    if (wrong.length > 0) throw new JetStreamLogError('unfit', wrong.join(', '));
    if (c.num_replicas !== replicas) await jsm.streams.update(stream, { ...c, num_replicas: replicas });
    return;
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== STREAM_NOT_FOUND) throw err;
  }
  await jsm.streams.add({
    name: stream,
    subjects: [subject],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: replicas,
    // Every message is kept until purged (a KV bucket caps this at 64).
    max_msgs_per_subject: -1,
    max_msgs: -1,
    max_bytes: -1,
    max_age: 0,
    deny_delete: true,
    deny_purge: false,
    allow_rollup_hdrs: false,
  });
}
