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
import { microtask } from '../../bus/microtask.ts';

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
  /** When this watch last sent a message with a change (not bookmarks only), and its timer while it collects a batch. */
  sentAt: number;
  batchTimer?: unknown;
  /** Sequence number of the last event sent (heartbeats report this, not events still queued). */
  sentSeq: number;
  /** The sentSeq the last heartbeat reported (unset before the first). */
  beatSeq?: number;
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

/**
 * How long a busy watch of Leases collects events per message. Renewals change only renewTime, and
 * what watches them (the node lifecycle controller, the garbage collector) reads them against grace
 * periods of tens of seconds: a second's batching costs them nothing and turns a renewal per message
 * (10/s at 100 nodes, 36,000 an hour) into about one message a second. A quiet watch still hears its
 * first event at once.
 */
export const LEASE_BATCH_MS = 1_000;
/** ...and at most this fraction of the Lease's own duration (1 s of a node's 40 s lease): a short lease (real-mode scenarios scale periods down, tests use 2 s leases) batches for as little. */
const LEASE_BATCH_OF_DURATION = 1 / 40;
/** A batch of Lease events goes once it holds this many (~50 KB), whatever the time: a message stays far below NATS's 1 MB limit at any cluster size. */
export const LEASE_BATCH_MAX = 100;

const isLeaseWatch = (w: ServerWatch) => w.def.plural === 'leases' && w.def.group === 'coordination.k8s.io';

/** How long a busy Lease watch batches, by the Lease an event carries (LEASE_BATCH_MS when it says no duration). */
function leaseBatchMs(object: KubeObject | Status): number {
  const seconds = (object as { spec?: { leaseDurationSeconds?: unknown } }).spec?.leaseDurationSeconds;
  return typeof seconds === 'number' && seconds > 0 ? Math.min(LEASE_BATCH_MS, seconds * 1000 * LEASE_BATCH_OF_DURATION) : LEASE_BATCH_MS;
}

/** Queues watch events and publishes them to each watch's subject. */
export class WatchSender {
  private readonly dirty = new Set<ServerWatch>();
  private flushQueued = false;

  constructor(private readonly opts: SenderOptions) {}

  /**
   * Queues an event. A watch that sent nothing for `batchMs` sends at the end of this turn (low
   * latency); a busy one collects events for up to `batchMs` per message (LEASE_BATCH_MS for Leases),
   * so 500 lease renewals/s reach the node controller in one message a second, not 500.
   */
  push(w: ServerWatch, type: WatchEvent['type'], object: KubeObject | Status): void {
    const ctx = currentContext();
    // A quiet watch sends events with different causes (writes of one turn) apart, each as the
    // child of its own write; a busy one batches them under the first.
    if (w.pending.length && w.batchTimer === undefined && w.pendingCtx?.span?.spanId !== ctx?.span?.spanId) this.flushOne(w);
    if (!w.pending.length) w.pendingCtx = ctx;
    w.pending.push({ type, object, seq: ++w.seq });
    const lease = isLeaseWatch(w);
    if (w.batchTimer !== undefined) {
      if (lease && w.pending.length >= LEASE_BATCH_MAX) {
        this.opts.clock.clearTimeout(w.batchTimer);
        w.batchTimer = undefined;
        this.flushOne(w);
      }
      return;
    }
    const batchMs = lease ? leaseBatchMs(object) : (this.opts.batchMs ?? 10);
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
      microtask(() => this.flush());
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
    // A batch of bookmarks only does not make a watch busy: the next change still goes at once. Nor
    // does it need a heartbeat to confirm it (watch-liveness.ts): a bookmark lost loses no change.
    const last = w.pending[w.pending.length - 1].seq;
    if (w.pending.some((e) => e.type !== 'BOOKMARK')) w.sentAt = this.opts.clock.now();
    else if (w.beatSeq === w.sentSeq) w.beatSeq = last;
    w.sentSeq = last;
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
