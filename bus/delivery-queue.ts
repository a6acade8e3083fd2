// The order in which the MemoryBroker hands queued messages to subscribers: FIFO in real mode,
// a seeded choice among per-channel FIFOs in deterministic mode.
import type { Clock } from './clock.ts';
import { Fifo } from './fifo.ts';
import type { Rng } from './random.ts';

/** How a DeliveryQueue orders its items, and what it hands them to. */
export interface DeliveryQueueOptions<M, S> {
  /** Deterministic: each turn delivers the head of one ready channel, picked by `rng`, on `clock`. */
  deterministic: boolean;
  clock: Clock;
  rng: Rng;
  deliver(msg: M, to: S): void;
  /** Deterministic mode: the channel `msg` goes by to `to` (the same object for the same sender and subscription). */
  channel(msg: M, to: S): Channel<M, S>;
}

/**
 * The messages of one sender to one subscription (`to`), in their order: the deterministic mode's
 * unit of choice. Made once per pair and kept by its subscription (a string key per delivery cost
 * its concatenation and two map look-ups by it).
 */
export class Channel<M, S> extends Fifo<M> {
  constructor(readonly to: S) {
    super();
  }
}

/**
 * Holds messages between publish and delivery (delivery is never inside publish, as in NATS).
 * Real mode: one FIFO drained on setImmediate. Deterministic mode: one FIFO per channel (sender
 * and subscription), so each pair keeps its order while the interleaving is fixed by the seed.
 */
export class DeliveryQueue<M, S> {
  /** Real mode: message and subscription, one after the other (no pair allocated per message). */
  private fifo: Array<M | S> = [];
  private scheduled = false;
  /** Channels with messages, in the order the seeded choice indexes. */
  private readonly ready: Array<Channel<M, S>> = [];
  private idleWaiters: Array<() => void> = [];
  /** One turn of the pump (one function for every turn: a turn per message delivered). */
  private readonly pumpOnce = () => this.pump();

  constructor(private readonly opts: DeliveryQueueOptions<M, S>) {}

  /** Queues `msg` for `to` (deterministic mode: on its channel). */
  push(msg: M, to: S): void {
    if (!this.opts.deterministic) {
      this.fifo.push(msg, to);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.drainFifo());
      }
      return;
    }
    const ch = this.opts.channel(msg, to);
    ch.push(msg);
    if (ch.size === 1) {
      this.ready.push(ch);
      if (this.ready.length === 1) this.opts.clock.setTimeout(this.pumpOnce, 0);
    }
  }

  /** Resolves when nothing is queued for delivery. */
  idle(): Promise<void> {
    if (this.fifo.length === 0 && this.ready.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private drainFifo(): void {
    // Messages published while draining go to the next batch, so one burst can't starve I/O.
    const batch = this.fifo;
    this.fifo = [];
    this.scheduled = false;
    for (let i = 0; i < batch.length; i += 2) this.opts.deliver(batch[i] as M, batch[i + 1] as S);
    if (this.fifo.length === 0) this.notifyIdle();
  }

  /** Deterministic mode: delivers one item from a ready channel chosen by the seeded rng. */
  private pump(): void {
    if (this.ready.length === 0) return;
    const i = this.opts.rng.int(this.ready.length);
    const ch = this.ready[i];
    const msg = ch.shift();
    if (ch.size === 0) {
      this.ready[i] = this.ready[this.ready.length - 1];
      this.ready.pop();
    }
    if (this.ready.length > 0) this.opts.clock.setTimeout(this.pumpOnce, 0);
    this.opts.deliver(msg, ch.to);
    if (this.ready.length === 0) this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.idleWaiters.length === 0) return; // after most turns of the pump: no array made
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }
}
