// client-go's work-queue rate limiters: how long a failed key waits before its next try.
// DefaultControllerRateLimiter = the larger of a per-item exponential backoff (5 ms doubling to
// 1000 s) and an overall token bucket (10 per second, bursts of 100) shared by every key.
import type { Clock } from '../../bus/clock.ts';

export interface RateLimiter {
  /** Returns how long `key` must wait now (and counts this try). */
  when(key: string): number;
  /** Forgets a key's failures (after a successful try). */
  forget(key: string): void;
  /** Returns how many times the key has failed in a row. */
  retries(key: string): number;
}

/** base·2^failures, capped (ItemExponentialFailureRateLimiter). */
export class ItemExponentialRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly baseMs = 5,
    private readonly maxMs = 1_000_000,
  ) {}

  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.maxMs, this.baseMs * 2 ** n);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

/** A token bucket over all keys (BucketRateLimiter over golang.org/x/time/rate): each try takes a token. */
export class BucketRateLimiter implements RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly clock: Clock,
    private readonly perSecond = 10,
    private readonly burst = 100,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  when(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    this.tokens -= 1; // reserved even when it must wait, as rate.Limiter.Reserve does
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.perSecond;
  }

  forget(): void {}

  retries(): number {
    return 0;
  }
}

/** The longest wait of several limiters (MaxOfRateLimiter). */
export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }

  when(key: string): number {
    return Math.max(...this.limiters.map((l) => l.when(key)));
  }

  forget(key: string): void {
    for (const l of this.limiters) l.forget(key);
  }

  retries(key: string): number {
    return Math.max(...this.limiters.map((l) => l.retries(key)));
  }
}

/** Returns client-go's DefaultControllerRateLimiter on this clock. */
export const defaultControllerRateLimiter = (clock: Clock): RateLimiter =>
  new MaxOfRateLimiter(new ItemExponentialRateLimiter(5, 1_000_000), new BucketRateLimiter(clock, 10, 100));
