// The order in which the MemoryBroker hands queued messages to subscribers: FIFO in real mode,
// a seeded choice among per-channel FIFOs in deterministic mode.
import type { Clock } from './clock.ts';
import { Fifo } from './fifo.ts';
import type { Rng } from './random.ts';

/** How a DeliveryQueue orders its items, and what it hands them to. */
export interface DeliveryQueueOptions<T> {
  /** Deterministic: each turn delivers the head of one ready channel, picked by `rng`, on `clock`. */
  deterministic: boolean;
  clock: Clock;
  rng: Rng;
  deliver(item: T): void;
}

/**
 * Holds messages between publish and delivery (delivery is never inside publish, as in NATS).
 * Real mode: one FIFO drained on setImmediate. Deterministic mode: one FIFO per channel (sender
 * and subscription), so each pair keeps its order while the interleaving is fixed by the seed.
 */
export class DeliveryQueue<T> {
  private fifo: T[] = [];
  private scheduled = false;
  private readonly channels = new Map<string, Fifo<T>>();
  private readonly ready: string[] = [];
  private idleWaiters: Array<() => void> = [];
  /** One turn of the pump (one function for every turn: a turn per message delivered). */
  private readonly pumpOnce = () => this.pump();

  constructor(private readonly opts: DeliveryQueueOptions<T>) {}

  /** Queues one item on `channel` (only deterministic mode looks at the channel). */
  push(channel: string, item: T): void {
    if (!this.opts.deterministic) {
      this.fifo.push(item);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.drainFifo());
      }
      return;
    }
    let ch = this.channels.get(channel);
    if (!ch) this.channels.set(channel, (ch = new Fifo<T>()));
    ch.push(item);
    if (ch.size === 1) {
      this.ready.push(channel);
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
    for (const item of batch) this.opts.deliver(item);
    if (this.fifo.length === 0) this.notifyIdle();
  }

  /** Deterministic mode: delivers one item from a ready channel chosen by the seeded rng. */
  private pump(): void {
    if (this.ready.length === 0) return;
    const i = this.opts.rng.int(this.ready.length);
    const key = this.ready[i];
    const ch = this.channels.get(key)!;
    const item = ch.shift();
    if (ch.size === 0) {
      this.channels.delete(key);
      this.ready[i] = this.ready[this.ready.length - 1];
      this.ready.pop();
    }
    if (this.ready.length > 0) this.opts.clock.setTimeout(this.pumpOnce, 0);
    this.opts.deliver(item);
    if (this.ready.length === 0) this.notifyIdle();
  }

  private notifyIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }
}
