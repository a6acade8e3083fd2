// The in-process bus: a MemoryBroker (the "server") and MemoryBus connections to it.
import { decode, encode } from './codec.ts';
import { realClock, type Clock, type VirtualClock } from './clock.ts';
import { BusClosedError, ConnectionLostError, NoRespondersError, RequestTimeoutError } from './errors.ts';
import { cryptoRng, type Rng } from './random.ts';
import { Sublist, checkSubject } from './sublist.ts';
import { requestInbox } from './subjects.ts';
import { deliveredRecord, sentRecord, untapped, type BusTap } from './tap.ts';
import { currentContext, parseTraceparent, runAsRoot, runHandling, stampHeaders, TRACEPARENT } from './trace.ts';
import type {
  Bus,
  BusMessage,
  BusStatus,
  Handler,
  Headers,
  Logger,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from './types.ts';
import { silentLogger } from './types.ts';

/** A message on its way: who sent it, to which subscription. */
export interface Envelope {
  subject: string;
  bytes: Uint8Array;
  headers: Headers;
  reply?: string;
  from: string;
}

/** Fault injection: decide per delivery whether to drop it, or delay it (virtual or real ms). */
export interface Faults {
  drop?(env: Envelope, to: string): boolean;
  delayMs?(env: Envelope, to: string): number;
}

export interface MemoryBrokerOptions {
  /** With a VirtualClock, delivery order among ready messages is chosen by `rng`: deterministic. */
  clock?: Clock | VirtualClock;
  deterministic?: boolean;
  rng?: Rng;
  log?: Logger;
  faults?: Faults;
}

interface Sub {
  id: number;
  subject: string;
  queue?: string;
  conn: MemoryBus;
  handler: Handler;
  actor?: string;
  closed: boolean;
}

/** The in-process "server": routes messages between its connections with NATS subject semantics. */
export class MemoryBroker {
  readonly clock: Clock;
  readonly deterministic: boolean;
  readonly rng: Rng;
  log: Logger;
  faults: Faults;
  /** Sees every message sent and delivered on this broker (the simulation's trace recorder). */
  tap: BusTap | undefined;
  private readonly subs = new Sublist<Sub>();
  private nextSub = 0;
  private readonly rr = new Map<string, number>(); // round-robin cursors per queue group
  // Real mode: one FIFO drained on setImmediate. Deterministic mode: per-(sender, sub) FIFOs picked at random.
  private fifo: Array<[Envelope, Sub]> = [];
  private scheduled = false;
  private readonly channels = new Map<string, Array<[Envelope, Sub]>>();
  private readonly ready: string[] = [];
  private idleWaiters: Array<() => void> = [];

  constructor(opts: MemoryBrokerOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.deterministic = opts.deterministic ?? false;
    this.rng = opts.rng ?? cryptoRng();
    this.log = opts.log ?? silentLogger;
    this.faults = opts.faults ?? {};
    this.tap = undefined;
  }

  /** Opens a connection named `name` (names appear as senders in traces). */
  connect(name: string, rng?: Rng): MemoryBus {
    return new MemoryBus(this, name, rng ?? this.rng.fork(name));
  }

  /** @internal */
  addSub(sub: Omit<Sub, 'id' | 'closed'>): Sub {
    const s: Sub = { ...sub, id: this.nextSub++, closed: false };
    this.subs.insert(s.subject, s);
    return s;
  }

  /** @internal */
  removeSub(s: Sub): void {
    s.closed = true;
    this.subs.remove(s.subject, s);
  }

  /** @internal Routes one message; returns the number of subscriptions it was addressed to. */
  route(env: Envelope, data?: unknown): number {
    if (this.tap && !untapped(env.subject)) {
      const r = sentRecord(env.headers, env.subject, data, env.reply, this.clock.now());
      if (r) this.tap.sent(r);
    }
    const matched = this.subs.match(env.subject);
    if (matched.length === 0) return 0;
    let groups: Map<string, Sub[]> | undefined;
    let n = 0;
    for (const s of matched) {
      if (s.conn.isDown) continue;
      if (s.queue === undefined) {
        this.enqueue(env, s);
        n++;
      } else {
        groups ??= new Map();
        const g = groups.get(s.queue);
        if (g) g.push(s);
        else groups.set(s.queue, [s]);
      }
    }
    if (groups) {
      for (const [queue, members] of groups) {
        members.sort((a, b) => a.id - b.id);
        let pick: Sub;
        if (this.deterministic) pick = members[this.rng.int(members.length)];
        else {
          const key = `${env.subject} ${queue}`;
          const i = (this.rr.get(key) ?? 0) % members.length;
          this.rr.set(key, i + 1);
          pick = members[i];
        }
        this.enqueue(env, pick);
        n++;
      }
    }
    return n;
  }

  private enqueue(env: Envelope, sub: Sub): void {
    if (this.faults.drop?.(env, sub.conn.name)) return;
    const delay = this.faults.delayMs?.(env, sub.conn.name) ?? 0;
    if (delay > 0) {
      this.clock.setTimeout(() => this.enqueueNow(env, sub), delay);
      return;
    }
    this.enqueueNow(env, sub);
  }

  private enqueueNow(env: Envelope, sub: Sub): void {
    if (!this.deterministic) {
      this.fifo.push([env, sub]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.drainFifo());
      }
      return;
    }
    const key = `${env.from}\u0000${sub.id}`;
    let ch = this.channels.get(key);
    if (!ch) this.channels.set(key, (ch = []));
    ch.push([env, sub]);
    if (ch.length === 1) {
      this.ready.push(key);
      if (this.ready.length === 1) this.clock.setTimeout(() => this.pump(), 0);
    }
  }

  private drainFifo(): void {
    // Messages published while draining go to the next batch, so one burst can't starve I/O.
    const batch = this.fifo;
    this.fifo = [];
    this.scheduled = false;
    for (const [env, sub] of batch) this.deliver(env, sub);
    if (this.fifo.length === 0) this.notifyIdle();
  }

  /** Deterministic mode: delivers one message from a ready channel chosen by the seeded rng. */
  private pump(): void {
    if (this.ready.length === 0) return;
    const i = this.rng.int(this.ready.length);
    const key = this.ready[i];
    const ch = this.channels.get(key)!;
    const [env, sub] = ch.shift()!;
    if (ch.length === 0) {
      this.channels.delete(key);
      this.ready[i] = this.ready[this.ready.length - 1];
      this.ready.pop();
    }
    if (this.ready.length > 0) this.clock.setTimeout(() => this.pump(), 0);
    this.deliver(env, sub);
    if (this.ready.length === 0) this.notifyIdle();
  }

  private deliver(env: Envelope, sub: Sub): void {
    if (sub.closed || sub.conn.isDown) return;
    let data: unknown;
    try {
      data = decode(env.bytes);
    } catch (err) {
      this.log.warn({ subject: env.subject, from: env.from, err: (err as Error).message }, 'dropped undecodable message');
      return;
    }
    const msg: BusMessage = { subject: env.subject, data, headers: { ...env.headers } };
    if (env.reply) msg.reply = env.reply;
    if (this.tap && !untapped(env.subject)) {
      const r = deliveredRecord(env.headers, env.subject, sub.conn.name, sub.actor, this.clock.now());
      if (r) this.tap.delivered(r);
    }
    runHandling({ span: parseTraceparent(env.headers[TRACEPARENT]), actor: sub.actor }, () => {
      try {
        sub.handler(msg);
      } catch (err) {
        this.log.error({ subject: env.subject, err }, 'subscriber threw; message dropped');
      }
    });
  }

  /** Resolves when nothing is queued for delivery. */
  idle(): Promise<void> {
    if (this.fifo.length === 0 && this.ready.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private notifyIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }
}

/** One connection to a MemoryBroker; behaves as a NatsBus does. */
export class MemoryBus implements Bus {
  private readonly subs = new Set<Sub>();
  private readonly statusCbs = new Set<(s: BusStatus) => void>();
  private closed = false;
  private down = false;
  private inboxSeq = 0;
  private readonly inbox: string;
  private replies: Subscription | undefined;
  private readonly pending = new Map<string, (msg: BusMessage) => void>();
  /** Fails each request waiting for its reply (when the connection goes down). */
  private readonly inflight = new Map<string, () => void>();
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
    if (down) for (const lost of [...this.inflight.values()]) lost();
    this.emitStatus(down ? 'disconnected' : 'reconnected');
  }

  publish(subject: string, data: unknown, opts?: PublishOptions): void {
    this.send(subject, encode(data), opts, data);
  }

  publishRaw(subject: string, bytes: Uint8Array, opts?: PublishOptions): void {
    this.send(subject, bytes, opts);
  }

  private send(subject: string, bytes: Uint8Array, opts?: PublishOptions, data?: unknown): number {
    if (this.closed) throw new BusClosedError(this.name);
    checkSubject(subject, false);
    if (this.down) return 0;
    const env: Envelope = {
      subject,
      bytes,
      headers: stampHeaders(opts?.headers, this.rng.hex, this.name),
      from: this.name,
    };
    if (opts?.reply) env.reply = opts.reply;
    return this.broker.route(env, data);
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
      this.subscribe(`${this.inbox}.*`, (msg) => this.pending.get(msg.subject)?.(msg)),
    );
    return new Promise((resolve, reject) => {
      if (this.down && !this.closed) {
        // As a NATS connection that is reconnecting: refused at once, never sent.
        queueMicrotask(() => reject(new ConnectionLostError(subject, false)));
        return;
      }
      const reply = `${this.inbox}.${this.inboxSeq++}`;
      const clock = this.broker.clock;
      let timer: unknown;
      const settle = () => {
        this.pending.delete(reply);
        this.inflight.delete(reply);
        clock.clearTimeout(timer);
      };
      this.pending.set(reply, (msg) => {
        settle();
        resolve(msg as BusMessage<T>);
      });
      let routed: number;
      try {
        routed = this.send(subject, encode(data), { headers: opts?.headers, reply }, data);
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
      this.inflight.set(reply, () => {
        settle();
        reject(new ConnectionLostError(subject));
      });
      timer = clock.setTimeout(() => {
        settle();
        reject(new RequestTimeoutError(subject, timeoutMs));
      }, timeoutMs);
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
