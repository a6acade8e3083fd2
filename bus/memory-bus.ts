// The in-process bus: a MemoryBroker (the "server") routes messages with NATS subject semantics
// between its MemoryBus connections (memory-connection.ts).
import { decode } from './codec.ts';
import { deepFreeze } from './freeze.ts';
import { realClock, type Clock, type VirtualClock } from './clock.ts';
import { Channel, DeliveryQueue } from './delivery-queue.ts';
import { MemoryBus } from './memory-connection.ts';
import { cryptoRng, type Rng } from './random.ts';
import { Sublist } from './sublist.ts';
import { deliveredRecord, sentRecord, untapped, type BusTap } from './tap.ts';
import { parseTraceparent, runHandling, TRACEPARENT, type SpanContext } from './trace.ts';
import { refuseUndecodable } from './undecodable.ts';
import type { BusMessage, Handler, Headers, Logger } from './types.ts';
import { silentLogger } from './types.ts';

export { MemoryBus };

/** A message on its way: who sent it, to which subscription. */
export interface Envelope {
  subject: string;
  /** The body's MessagePack bytes (in process: made only when asked for). */
  readonly bytes: Uint8Array;
  /** Frozen: every receiver gets this same object. */
  headers: Headers;
  reply?: string;
  from: string;
  /** The span its traceparent header carries, when the sender knows it (else the header is parsed). */
  readonly span?: SpanContext;
  /** @internal The body, deeply frozen, that every receiver shares (snapshotted at publish, or decoded at the first delivery); or why it does not decode. */
  decoded?: { data: unknown } | { err: Error };
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

/** One subscription held by the broker for a connection. */
export interface Sub {
  id: number;
  subject: string;
  queue?: string;
  conn: MemoryBus;
  handler: Handler;
  actor?: string;
  closed: boolean;
  /** @internal Its channels by sender, made once (deterministic mode). */
  channels?: Map<string, Channel<Envelope, Sub>>;
}

/** Messages from one sender to one subscription keep their order (the deterministic mode's channel). */
function channelOf(env: Envelope, sub: Sub): Channel<Envelope, Sub> {
  const channels = (sub.channels ??= new Map());
  let ch = channels.get(env.from);
  if (ch === undefined) channels.set(env.from, (ch = new Channel<Envelope, Sub>(sub)));
  return ch;
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
  /** Deliveries so far of messages the tap would see (traced, not the recorder's own): counted with or without a tap. */
  delivered = 0;
  private readonly subs = new Sublist<Sub>();
  private nextSub = 0;
  private readonly rr = new Map<string, number>(); // round-robin cursors per queue group
  private readonly queue: DeliveryQueue<Envelope, Sub>;

  constructor(opts: MemoryBrokerOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.deterministic = opts.deterministic ?? false;
    this.rng = opts.rng ?? cryptoRng();
    this.log = opts.log ?? silentLogger;
    this.faults = opts.faults ?? {};
    this.tap = undefined;
    this.queue = new DeliveryQueue({
      deterministic: this.deterministic,
      clock: this.clock,
      rng: this.rng,
      deliver: (env, sub) => this.deliver(env, sub),
      channel: channelOf,
    });
  }

  /** Opens a connection named `name` (names appear as senders in traces). */
  connect(name: string, rng?: Rng): MemoryBus {
    return new MemoryBus(this, name, rng ?? this.rng.fork(name));
  }

  /** @internal */
  addSub(sub: Omit<Sub, 'id' | 'closed'>): Sub {
    const s: Sub = { ...sub, id: this.nextSub++, closed: false, channels: undefined };
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
    // Queue groups: most messages meet one member of one (the API server's requests), kept apart
    // from the map and sort that several groups or members need.
    let lone: Sub | undefined;
    let groups: Map<string, Sub[]> | undefined;
    let n = 0;
    for (const s of matched) {
      if (s.conn.isDown) continue;
      if (s.queue === undefined) {
        this.enqueue(env, s);
        n++;
      } else if (lone === undefined && groups === undefined) lone = s;
      else {
        if (lone) groups = new Map([[lone.queue!, [lone]]]);
        lone = undefined;
        const g = groups!.get(s.queue);
        if (g) g.push(s);
        else groups!.set(s.queue, [s]);
      }
    }
    if (lone) {
      this.pick(env, lone.queue!, 1); // its draw or cursor step, as a group of one always took
      this.enqueue(env, lone);
      n++;
    } else if (groups) {
      for (const [queue, members] of groups) {
        members.sort((a, b) => a.id - b.id);
        this.enqueue(env, members[this.pick(env, queue, members.length)]);
        n++;
      }
    }
    return n;
  }

  /** Returns which of a queue group's `count` members gets the message: seeded in deterministic mode, else round robin. */
  private pick(env: Envelope, queue: string, count: number): number {
    if (this.deterministic) return this.rng.int(count);
    const key = `${env.subject} ${queue}`;
    const i = (this.rr.get(key) ?? 0) % count;
    this.rr.set(key, i + 1);
    return i;
  }

  private enqueue(env: Envelope, sub: Sub): void {
    if (this.faults.drop?.(env, sub.conn.name)) return;
    const delay = this.faults.delayMs?.(env, sub.conn.name) ?? 0;
    if (delay > 0) {
      this.clock.setTimeout(() => this.queue.push(env, sub), delay);
      return;
    }
    this.queue.push(env, sub);
  }

  private deliver(env: Envelope, sub: Sub): void {
    if (sub.closed || sub.conn.isDown) return;
    const handling = { span: env.span ?? parseTraceparent(env.headers[TRACEPARENT]), actor: sub.actor };
    const decoded = (env.decoded ??= decodeFrozen(env.bytes));
    if ('err' in decoded) {
      runHandling(handling, () => refuseUndecodable(env, decoded.err, this.log, (to, status) => sub.conn.publish(to, status)));
      return;
    }
    // Decoded once, shared by every receiver: frozen, so no handler can change what the others see.
    const msg: BusMessage = { subject: env.subject, data: decoded.data, headers: env.headers };
    if (env.reply) msg.reply = env.reply;
    if (handling.span && !untapped(env.subject)) {
      this.delivered++;
      const r = this.tap && deliveredRecord(env.headers, env.subject, sub.conn.name, sub.actor, this.clock.now());
      if (r) this.tap!.delivered(r);
    }
    runHandling(handling, () => {
      try {
        sub.handler(msg);
      } catch (err) {
        this.log.error({ subject: env.subject, err }, 'subscriber threw; message dropped');
      }
    });
  }

  /** Resolves when nothing is queued for delivery. */
  idle(): Promise<void> {
    return this.queue.idle();
  }
}

/** Returns the deeply frozen body of a message, or why it does not decode. */
function decodeFrozen(bytes: Uint8Array): { data: unknown } | { err: Error } {
  try {
    return { data: deepFreeze(decode(bytes)) };
  } catch (err) {
    return { err: err as Error };
  }
}
