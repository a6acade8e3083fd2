// How far an etcd replica has followed etcd, and who waits for it to get further: txns (to read
// their own writes) and syncs (consistent reads), with a watch on waits that stop getting anywhere.

/** A txn or sync that sees the replica stand still this long calls onStall (its watch's member may be cut off, frozen). */
const STALL_MS = 2000;

/** A txn or sync waiting for the replica to reach `revision`. */
interface Waiter {
  revision: number;
  /** A sync: the feed asks etcd for progress while it waits. */
  sync: boolean;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** The revision up to which a replica has every change, and the txns and syncs waiting for one. */
export class CatchUp {
  /** Txns and syncs waiting, in no particular order. */
  private waiting: Waiter[] = [];
  private stallTimer: NodeJS.Timeout | undefined;

  constructor(
    /** The etcd revision up to which the watch has delivered every change (its events, or a progress notification). */
    public seen: number,
    /** Called when txns or syncs have waited STALL_MS with `seen` unmoved. */
    private readonly onStall: (seen: number, ms: number) => void,
  ) {}

  /** Whether a sync waits (the feed keeps asking etcd for progress meanwhile). */
  get syncing(): boolean {
    return this.waiting.some((w) => w.sync);
  }

  /** Records that every change up to `upTo` has reached the replica; wakes the waiters it satisfies. */
  advance(upTo: number): void {
    this.seen = Math.max(this.seen, upTo);
    if (this.waiting.length === 0) return;
    const still = [];
    for (const w of this.waiting) if (w.revision <= this.seen) w.resolve();
    else still.push(w);
    this.waiting = still;
  }

  /** Resolves once the replica has every change up to `revision`. */
  wait(revision: number, sync: boolean): Promise<void> {
    if (revision <= this.seen) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ revision, sync, resolve, reject });
      this.watchStall(this.seen);
    });
  }

  /** Rejects every waiter (the store closes) and stops watching for stalls. */
  rejectAll(err: Error): void {
    clearTimeout(this.stallTimer);
    for (const w of this.waiting) w.reject(err);
    this.waiting = [];
  }

  /** While txns or syncs wait: each STALL_MS without `seen` moving from `from` calls onStall. */
  private watchStall(from: number): void {
    if (this.stallTimer) return;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      if (this.waiting.length === 0) return;
      if (this.seen === from) this.onStall(from, STALL_MS);
      this.watchStall(this.seen);
    }, STALL_MS);
    this.stallTimer.unref();
  }
}
