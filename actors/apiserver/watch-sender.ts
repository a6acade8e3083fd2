// How a watch's events leave the API server: per-watch sequence numbers, batching of busy
// watches, and each batch sent in the trace context of the write that caused it.
import type { KubeObject } from '../../api/meta.ts';
import type { WatchBatch, WatchEvent } from '../../api/protocol.ts';
import type { ResourceDef } from '../../api/resource.ts';
import type { Status } from '../../api/status.ts';
import type { Clock } from '../../bus/clock.ts';
import { BusClosedError } from '../../bus/errors.ts';
import { currentContext, runHandling, type HandlingContext } from '../../bus/trace.ts';
import type { Bus, Logger } from '../../bus/types.ts';
import type { ObjectFilter } from './filters.ts';

/** One client watch as the server holds it. */
export interface ServerWatch {
  conn: string;
  id: string;
  subject: string;
  def: ResourceDef;
  prefix: string;
  filter: ObjectFilter;
  bookmarks: boolean;
  seq: number;
  pending: WatchEvent[];
  /** The trace context of the first pending event: the batch is sent as its child. */
  pendingCtx?: HandlingContext;
  misses: number;
  /** When this watch last sent a message, and its timer while it collects a batch. */
  sentAt: number;
  batchTimer?: unknown;
  /** Sequence number of the last event sent (heartbeats report this, not events still queued). */
  sentSeq: number;
}

export interface SenderOptions {
  bus: Bus;
  clock: Clock;
  log: Logger;
  /** A busy watch sends at most one message per this many ms (default 10). */
  batchMs?: number;
  /** What events without a cause are sent as (writes made outside any request). */
  root: HandlingContext;
}

/** Queues watch events and publishes them to each watch's subject. */
export class WatchSender {
  private readonly dirty = new Set<ServerWatch>();
  private flushQueued = false;

  constructor(private readonly opts: SenderOptions) {}

  /**
   * Queues an event. A watch that sent nothing for `batchMs` sends at the end of this turn (low
   * latency); a busy one collects events for up to `batchMs` per message, so 500 lease renewals/s
   * reach the node controller in ~100 messages, not 500.
   */
  push(w: ServerWatch, type: WatchEvent['type'], object: KubeObject | Status): void {
    const ctx = currentContext();
    // A quiet watch sends events with different causes (writes of one turn) apart, each as the
    // child of its own write; a busy one batches them under the first.
    if (w.pending.length && w.batchTimer === undefined && w.pendingCtx?.span?.spanId !== ctx?.span?.spanId) this.flushOne(w);
    if (!w.pending.length) w.pendingCtx = ctx;
    w.pending.push({ type, object, seq: ++w.seq });
    if (w.batchTimer !== undefined) return;
    const batchMs = this.opts.batchMs ?? 10;
    const wait = w.sentAt + batchMs - this.opts.clock.now();
    if (wait > 0 && type !== 'ERROR') {
      w.batchTimer = this.opts.clock.setTimeout(() => {
        w.batchTimer = undefined;
        this.flushOne(w);
      }, wait);
      return;
    }
    this.dirty.add(w);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Sends a watch's pending events now. */
  flushOne(w: ServerWatch): void {
    if (!w.pending.length) return;
    const ctx = w.pendingCtx ?? this.opts.root;
    if (ctx !== currentContext()) return runHandling(ctx, () => this.send(w));
    this.send(w);
  }

  /** Forgets a stopped watch: its batch timer and its place in the next flush. */
  forget(w: ServerWatch): void {
    if (w.batchTimer !== undefined) this.opts.clock.clearTimeout(w.batchTimer);
    this.dirty.delete(w);
  }

  private flush(): void {
    this.flushQueued = false;
    for (const w of this.dirty) this.flushOne(w);
    this.dirty.clear();
  }

  private send(w: ServerWatch): void {
    w.sentAt = this.opts.clock.now();
    w.sentSeq = w.pending[w.pending.length - 1].seq;
    const batch: WatchBatch = { events: w.pending };
    w.pending = [];
    try {
      this.opts.bus.publish(w.subject, batch);
    } catch (err) {
      // On the way down (the bus closed before the last batch went out) this is expected.
      const level = err instanceof BusClosedError ? 'debug' : 'warn';
      this.opts.log[level]({ watch: w.subject, err: (err as Error).message }, 'could not send watch events');
    }
  }
}
