// A work queue of object keys, as client-go's: a key is queued at most once, never processed by
// two workers at once, re-queued if it changed while being processed, and retried with the one
// backoff policy (bus/backoff.ts) when its reconcile fails.
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../../bus/backoff.ts';
import type { Clock } from '../../bus/clock.ts';

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { handle: unknown; at: number }>();
  private waiter: ((key: string) => void) | undefined;
  private handing = false;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly policy: BackoffPolicy = DEFAULT_BACKOFF,
  ) {}

  get length(): number {
    return this.queue.length;
  }

  /** Queues a key (no-op when it is already waiting). */
  add(key: string): void {
    if (this.closed || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // queued again by done()
    this.queue.push(key);
    // Hand it over after the current event: other handlers of the same change must see it first.
    if (this.waiter && !this.handing) {
      this.handing = true;
      queueMicrotask(() => {
        this.handing = false;
        const w = this.waiter;
        if (!w || this.queue.length === 0) return;
        this.waiter = undefined;
        this.next(w);
      });
    }
  }

  /** Queues a key after `ms`; of several pending delays for one key, the soonest wins. */
  addAfter(key: string, ms: number): void {
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

  /** Queues a key after its backoff delay, which doubles with each failure until `forget`. */
  addRateLimited(key: string): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.addAfter(key, backoffDelay(n, this.policy));
  }

  /** Resets a key's failure count (after a successful reconcile). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Returns how many times a key has failed in a row. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Calls back once with the next key (at once if one is waiting). */
  next(cb: (key: string) => void): void {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.take(key);
      cb(key);
    } else this.waiter = cb;
  }

  private take(key: string): void {
    this.dirty.delete(key);
    this.processing.add(key);
  }

  /** Marks a key processed; if it was added meanwhile it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  close(): void {
    this.closed = true;
    this.waiter = undefined;
    for (const t of this.timers.values()) this.clock.clearTimeout(t.handle);
    this.timers.clear();
  }
}
