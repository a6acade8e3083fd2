// A backend shared by several API servers in one process, for simulations and fast tests: one
// MemoryStore plays etcd, and each API server replica keeps a cache fed by its watch, as the
// jetstream and etcd backends' replicas are fed by their change feeds.
import type { Clock } from '../../../bus/clock.ts';
import type { StoreEvent, TxnOp, TxnResult } from './store.ts';
import { StoreClosedError } from './errors.ts';
import { MemoryBackedStore } from './memory-backed.ts';
import { MemoryStore } from './memory-store.ts';

/** Options of a SharedMemoryBackend. */
export interface SharedMemoryOptions {
  /** Delivers each change to replicas this long after the write (0: in the next microtask). */
  feedDelayMs?: number;
  /** The clock the delay runs on (needed when feedDelayMs > 0). */
  clock?: Clock;
  onWarn?: (message: string, err?: unknown) => void;
}

/** The shared data: outlives every replica, as etcd outlives the API servers. */
export class SharedMemoryBackend {
  readonly data: MemoryStore;

  constructor(readonly opts: SharedMemoryOptions = {}) {
    if ((opts.feedDelayMs ?? 0) > 0 && !opts.clock) throw new TypeError('a feed delay needs a clock');
    this.data = new MemoryStore({ onWarn: opts.onWarn });
  }

  /** Opens one API server's view: a cache of the data, fed by its change feed. */
  replica(): MemoryReplicaStore {
    return new MemoryReplicaStore(this);
  }
}

/**
 * One replica: reads, history and watches from its own cache; writes go to the shared data
 * (compare-and-set there) and resolve once the replica's feed has applied them, so a caller reads
 * its own writes. Another replica's write shows here only once the feed brings it (see sync()).
 */
export class MemoryReplicaStore extends MemoryBackedStore {
  private closed = false;
  private readonly cancelFeed: () => void;
  private waiting: { revision: number; resolve: () => void; reject: (err: Error) => void }[] = [];
  private readonly timers = new Set<unknown>();

  constructor(private readonly backend: SharedMemoryBackend) {
    const data = backend.data;
    const from = data.compactedRevision;
    // Start from the oldest state the data still has, so watches reach back as far as on any replica.
    const mem = from === 0 ? new MemoryStore({ onWarn: backend.opts.onWarn }) : MemoryStore.restore(data.range('', { revision: from }).kvs, from, { onWarn: backend.opts.onWarn });
    for (const ev of data.history('', from, data.revision)) mem.replicate({ ...ev });
    super(mem);
    const delay = backend.opts.feedDelayMs ?? 0;
    this.cancelFeed = data.watch('', mem.revision, (ev) => {
      if (delay === 0) return this.apply(ev);
      const clock = backend.opts.clock!;
      const h = clock.setTimeout(() => {
        this.timers.delete(h);
        this.apply(ev);
      }, delay);
      this.timers.add(h);
    });
  }

  async txn(op: TxnOp): Promise<TxnResult> {
    if (this.closed) throw new StoreClosedError();
    const res = await this.backend.data.txn(op);
    if (res.ok) await this.caughtUp(res.revision);
    return res;
  }

  /** Resolves once this replica has applied every write the shared data holds now. */
  sync(): Promise<void> {
    return this.caughtUp(this.backend.data.revision);
  }

  /** Compacts this replica's cache, and the shared data when no replica has yet. */
  compact(revision: number): void {
    if (this.closed) throw new StoreClosedError();
    this.mem.compact(revision);
    if (revision > this.backend.data.compactedRevision && revision <= this.backend.data.revision) this.backend.data.compact(revision);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.cancelFeed();
    const clock = this.backend.opts.clock;
    for (const h of this.timers) clock?.clearTimeout(h);
    for (const w of this.waiting.splice(0)) w.reject(new StoreClosedError());
    return Promise.resolve();
  }

  private apply(ev: StoreEvent): void {
    if (this.closed || ev.revision <= this.mem.revision) return;
    // A copy: the cache's log must not share (and write its cause into) the data's event.
    this.mem.replicate({ ...ev });
    if (this.waiting.length === 0) return;
    const still = [];
    for (const w of this.waiting) if (w.revision <= this.mem.revision) w.resolve();
    else still.push(w);
    this.waiting = still;
  }

  private caughtUp(revision: number): Promise<void> {
    if (revision <= this.mem.revision) return Promise.resolve();
    if (this.closed) return Promise.reject(new StoreClosedError());
    return new Promise((resolve, reject) => this.waiting.push({ revision, resolve, reject }));
  }
}
