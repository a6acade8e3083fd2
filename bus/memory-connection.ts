// One connection to a MemoryBroker: publish, subscribe, request/reply (one inbox per connection,
// as nats.js muxes its requests), and cuts that fault injection makes.
import { DecodeError, encode } from './codec.ts';
import { frozenCopy, shareableCopy, shareableOwned } from './freeze.ts';
import { BusClosedError, ConnectionLostError, NoRespondersError, RequestTimeoutError } from './errors.ts';
import type { Clock } from './clock.ts';
import type { Envelope, MemoryBroker, Sub } from './memory-bus.ts';
import type { Rng } from './random.ts';
import { checkSubject } from './sublist.ts';
import { requestInbox } from './subjects.ts';
import { currentContext, runAsRoot, stamp, type SpanContext } from './trace.ts';
import type { Bus, BusMessage, BusStatus, Handler, Headers, PublishOptions, RequestOptions, SubscribeOptions, Subscription } from './types.ts';

/** One connection to a MemoryBroker; behaves as a NatsBus does. */
export class MemoryBus implements Bus {
  private readonly subs = new Set<Sub>();
  private readonly statusCbs = new Set<(s: BusStatus) => void>();
  private closed = false;
  private down = false;
  private inboxSeq = 0;
  private readonly inbox: string;
  private replies: Subscription | undefined;
  /** The requests waiting for their replies, by reply subject. */
  private readonly pending = new Map<string, Waiting>();
  readonly id: string;

  constructor(
    readonly broker: MemoryBroker,
    readonly name: string,
    private readonly rng: Rng,
  ) {
    this.id = name.replace(/[^A-Za-z0-9_-]/g, '_') + '_' + rng.hex(4);
    this.inbox = requestInbox(this.id);
  }

  /** True while the connection is cut (fault injection); messages both ways are dropped. */
  get isDown(): boolean {
    return this.down || this.closed;
  }

  /** Cuts (true) or restores (false) the connection, as a network partition would. */
  setDown(down: boolean): void {
    if (this.down === down || this.closed) return;
    this.down = down;
    if (down) for (const w of [...this.pending.values()]) w.lost();
    this.emitStatus(down ? 'disconnected' : 'reconnected');
  }

  /** A frozen snapshot that publishing does not copy again: a watch event sent to many watches is copied once. */
  shareable<T>(value: T, owned = false): T {
    return owned ? shareableOwned(value) : shareableCopy(value);
  }

  publish(subject: string, data: unknown, opts?: PublishOptions): void {
    this.send(subject, data, undefined, opts?.headers, opts?.reply);
  }

  publishRaw(subject: string, bytes: Uint8Array, opts?: PublishOptions): void {
    this.send(subject, undefined, bytes, opts?.headers, opts?.reply);
  }

  /**
   * Routes a message: `data`, or `bytes` when given. A body is snapshotted at once (the sender may
   * change its object afterwards): one deeply frozen copy, equal to what the bytes would decode to,
   * that every receiver shares. In process no bytes are needed, so none are made unless someone asks
   * the envelope for them.
   */
  private send(subject: string, data: unknown, bytes: Uint8Array | undefined, headers: Headers | undefined, reply: string | undefined): number {
    if (this.closed) throw new BusClosedError(this.name);
    checkSubject(subject, false);
    if (this.down) return 0;
    const stamped = stamp(headers, this.rng.hex, this.name);
    const env = new Sent(subject, Object.freeze(stamped.headers), this.name, stamped.span, reply);
    if (bytes === undefined) {
      env.body = data;
      env.decoded = env.snapshot = snapshot(data);
    } else env.raw = bytes;
    return this.broker.route(env, bytes === undefined ? data : undefined);
  }

  subscribe<T = unknown>(subject: string, handler: Handler<T>, opts?: SubscribeOptions): Subscription {
    if (this.closed) throw new BusClosedError(this.name);
    checkSubject(subject, true);
    const sub = this.broker.addSub({
      subject,
      queue: opts?.queue,
      conn: this,
      handler: handler as Handler,
      actor: currentContext()?.actor,
    });
    this.subs.add(sub);
    return {
      subject,
      unsubscribe: () => {
        this.subs.delete(sub);
        this.broker.removeSub(sub);
      },
    };
  }

  request<T = unknown>(subject: string, data: unknown, opts?: RequestOptions): Promise<BusMessage<T>> {
    const timeoutMs = opts?.timeoutMs ?? 5000;
    // One subscription carries every reply of this connection, as nats.js muxes its requests.
    this.replies ??= runAsRoot(undefined, () =>
      this.subscribe(`${this.inbox}.*`, (msg) => this.pending.get(msg.subject)?.answer(msg)),
    );
    return new Promise((resolve, reject) => {
      if (this.down && !this.closed) {
        // As a NATS connection that is reconnecting: refused at once, never sent.
        queueMicrotask(() => reject(new ConnectionLostError(subject, false)));
        return;
      }
      const reply = `${this.inbox}.${this.inboxSeq++}`;
      const waiting = new Waiting(this.pending, this.broker.clock, reply, subject, resolve as (msg: BusMessage) => void, reject);
      this.pending.set(reply, waiting);
      let routed: number;
      try {
        routed = this.send(subject, data, undefined, opts?.headers, reply);
      } catch (err) {
        this.pending.delete(reply);
        reject(err);
        return;
      }
      if (routed === 0) {
        this.pending.delete(reply);
        // NATS answers "no responders" right away; keep it asynchronous like the server's reply.
        queueMicrotask(() => reject(new NoRespondersError(subject)));
        return;
      }
      waiting.sent(timeoutMs);
    });
  }

  respond(msg: BusMessage, data: unknown, headers?: Headers): void {
    if (msg.reply) this.publish(msg.reply, data, { headers });
  }

  flush(): Promise<void> {
    return this.broker.idle();
  }

  onStatus(cb: (s: BusStatus) => void): () => void {
    this.statusCbs.add(cb);
    return () => this.statusCbs.delete(cb);
  }

  private emitStatus(s: BusStatus): void {
    for (const cb of this.statusCbs) cb(s);
  }

  async drain(): Promise<void> {
    await this.flush();
    await this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const s of this.subs) this.broker.removeSub(s);
    this.subs.clear();
    this.closed = true;
    this.emitStatus('closed');
  }
}

/** Returns a message body's frozen copy, or why it would not decode (its receivers refuse it, as they refuse bad bytes). */
function snapshot(data: unknown): { data: unknown } | { err: Error } {
  try {
    return { data: frozenCopy(data) };
  } catch (err) {
    if (err instanceof DecodeError) return { err };
    throw err;
  }
}

/** A message this connection sent: its bytes are made only when someone asks for them. */
class Sent implements Envelope {
  /** The body as the sender gave it, and its snapshot (what the bytes encode). */
  body: unknown = undefined;
  snapshot: { data: unknown } | { err: Error } | undefined = undefined;
  raw: Uint8Array | undefined = undefined;
  decoded?: { data: unknown } | { err: Error } = undefined;

  constructor(
    readonly subject: string,
    readonly headers: Headers,
    readonly from: string,
    readonly span: SpanContext | undefined,
    readonly reply: string | undefined,
  ) {}

  get bytes(): Uint8Array {
    return (this.raw ??= encode(this.snapshot && 'data' in this.snapshot ? this.snapshot.data : this.body));
  }
}

/** A request waiting for its reply: answered, timed out, or lost with the connection, whichever comes first. */
class Waiting {
  private timer: unknown = undefined;

  constructor(
    private readonly pending: Map<string, Waiting>,
    private readonly clock: Clock,
    private readonly reply: string,
    private readonly subject: string,
    private readonly resolve: (msg: BusMessage) => void,
    private readonly reject: (err: unknown) => void,
  ) {}

  /** The request left: its timeout starts. */
  sent(timeoutMs: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.settle();
      this.reject(new RequestTimeoutError(this.subject, timeoutMs));
    }, timeoutMs);
  }

  answer(msg: BusMessage): void {
    this.settle();
    this.resolve(msg);
  }

  lost(): void {
    this.settle();
    this.reject(new ConnectionLostError(this.subject));
  }

  private settle(): void {
    this.pending.delete(this.reply);
    this.clock.clearTimeout(this.timer);
  }
}
