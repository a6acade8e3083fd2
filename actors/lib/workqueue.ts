// A work queue of object keys, as client-go's: a key is queued at most once, never handed to two
// workers at once, queued again if it was added while being processed, delayed with the soonest
// of its pending delays, and retried after failures by a rate limiter (client-go's default).
import type { Clock } from '../../bus/clock.ts';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.ts';
import type { WorkQueueMetrics } from './workqueue-metrics.ts';
import { microtask } from '../../bus/microtask.ts';

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly timers = new Map<string, { handle: unknown; at: number }>();
  private readonly waiters: Array<(key: string) => void> = [];
  private handing = false;
  private closed = false;
  readonly limiter: RateLimiter;

  constructor(
    private readonly clock: Clock,
    limiter?: RateLimiter,
    /** client-go's workqueue metrics (workqueue-metrics.ts); unset: none. */
    private readonly metrics?: WorkQueueMetrics,
  ) {
    this.limiter = limiter ?? defaultControllerRateLimiter(clock);
  }

  get length(): number {
    return this.queue.length;
  }

  /** Queues a key (no-op when it is already waiting); `again`: done() queues a key added while it was processed (counted then). */
  add(key: string, again = false): void {
    if (this.closed || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (!again) this.metrics?.added(key);
    if (this.processing.has(key)) return; // queued again by done()
    this.queue.push(key);
    // Hand keys over after the current event: other handlers of the same change must see it first.
    if (this.waiters.length > 0 && !this.handing) {
      this.handing = true;
      microtask(() => {
        this.handing = false;
        while (this.waiters.length > 0 && this.queue.length > 0) this.next(this.waiters.shift()!);
      });
    }
  }

  /** Queues a key after `ms`; of several pending delays for one key, the soonest wins. */
  addAfter(key: string, ms: number): void {
    if (this.closed) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const pending = this.timers.get(key);
    if (pending) {
      if (pending.at <= at) return;
      this.clock.clearTimeout(pending.handle);
    }
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    this.timers.set(key, { handle, at });
  }

  /** Queues a key after the rate limiter's delay (a failure: the key's backoff grows until `forget`). */
  addRateLimited(key: string): void {
    this.metrics?.retried();
    this.addAfter(key, this.limiter.when(key));
  }

  /** Resets a key's failure count (after a successful reconcile). */
  forget(key: string): void {
    this.limiter.forget(key);
  }

  /** Returns how many times a key has failed in a row. */
  retries(key: string): number {
    return this.limiter.retries(key);
  }

  /** Calls back once with the next key: at once if one is waiting, else when one is added. */
  next(cb: (key: string) => void): void {
    const key = this.queue.shift();
    if (key === undefined) {
      if (!this.closed) this.waiters.push(cb);
      return;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    this.metrics?.taken(key);
    cb(key);
  }

  /** Returns whether a worker holds this key now. */
  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  /** Marks a key processed; if it was added meanwhile it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    this.metrics?.finished(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key, true);
    }
  }

  close(): void {
    this.closed = true;
    this.waiters.length = 0;
    for (const t of this.timers.values()) this.clock.clearTimeout(t.handle);
    this.timers.clear();
  }
}
