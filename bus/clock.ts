// Injected time: the real clock, and a virtual clock whose timers fire only when advanced.
import btree from 'sorted-btree';

// sorted-btree is CommonJS: its class is the `default` export of the module object.
const BTree = btree.default;

/** What every actor and the XState `clock` option use instead of Date.now/setTimeout. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Wall-clock time and Node timers. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface Timer {
  due: number;
  seq: number;
  fn: () => void;
}

const byDueThenSeq = (a: Timer, b: Timer) => a.due - b.due || a.seq - b.seq;

/** Resolves after every microtask queued so far (and those they queue) has run. */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Virtual time: `now()` moves only through `advance`/`runUntil`, which fire due timers one at a
 * time in (due, creation) order and let promise chains settle between them. Deterministic.
 */
export class VirtualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new BTree<Timer, true>(undefined, byDueThenSeq);
  /** Called with errors thrown by timer callbacks (they never break the advancing caller). */
  onError: (err: unknown) => void = (err) => {
    throw err;
  };

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const timer: Timer = { due: this.t + Math.max(0, ms || 0), seq: this.seq++, fn };
    this.timers.set(timer, true);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    if (handle && typeof handle === 'object') this.timers.delete(handle as Timer);
  }

  /** Number of pending timers (0 = nothing left to happen). */
  get pending(): number {
    return this.timers.size;
  }

  /** Returns the due time of the next timer, if any. */
  nextDue(): number | undefined {
    return this.timers.minKey()?.due;
  }

  /** Runs every timer due within `ms` from now, then sets the time to now + ms. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    await this.runUntil(() => false, target);
    this.t = Math.max(this.t, target);
  }

  /**
   * Fires timers in order until `done()` holds (checked after each timer) or the next timer is
   * past `deadline`. Returns whether `done()` held.
   */
  async runUntil(done: () => boolean, deadline = Infinity): Promise<boolean> {
    for (;;) {
      await settle();
      if (done()) return true;
      const next = this.timers.minKey();
      if (!next || next.due > deadline) return done();
      this.timers.delete(next);
      this.t = Math.max(this.t, next.due);
      try {
        next.fn();
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
