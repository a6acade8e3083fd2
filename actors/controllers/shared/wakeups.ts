// Timed re-reconciles that keep the earliest wake-up per key: a later, sooner request replaces a
// pending later one (the work queue's addAfter keeps the first timer, so a 10 s pod backoff could
// otherwise wait behind a 5 min deadline check).
import type { Clock } from '../../../bus/clock.ts';

/** Wakes keys up after a delay; one pending timer per key, always the earliest asked for. */
export class Wakeups {
  private readonly timers = new Map<string, { at: number; handle: unknown }>();

  constructor(
    private readonly clock: Clock,
    private readonly wake: (key: string) => void,
  ) {}

  /** Asks for `key` to be reconciled again in `ms` (ignored when an earlier wake-up is pending). */
  after(key: string, ms: number): void {
    const at = this.clock.now() + Math.max(0, ms);
    const cur = this.timers.get(key);
    if (cur && cur.at <= at) return;
    if (cur) this.clock.clearTimeout(cur.handle);
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(key);
      this.wake(key);
    }, Math.max(0, ms));
    this.timers.set(key, { at, handle });
  }

  /** Cancels every pending wake-up (on stop). */
  clear(): void {
    for (const t of this.timers.values()) this.clock.clearTimeout(t.handle);
    this.timers.clear();
  }
}
