// Injected time: the real clock, and a virtual clock whose timers fire only when advanced.
import btree from 'sorted-btree';
import { Fifo } from './fifo.ts';

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
  /** Queued among the timers due at once (not in the tree); cleared: skipped when reached. */
  now?: boolean;
  cleared?: boolean;
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
  /**
   * Timers set for 0 ms (every message the simulated bus delivers is one): a queue in (due, creation)
   * order already, as time never goes back, so they skip the tree's insert and delete.
   */
  private readonly dueNow = new Fifo<Timer>();
  private clearedNow = 0;
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
    const wait = Math.max(0, ms || 0);
    const timer: Timer = { due: this.t + wait, seq: this.seq++, fn };
    if (wait === 0) {
      timer.now = true;
      this.dueNow.push(timer);
    } else this.timers.set(timer, true);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    if (!handle || typeof handle !== 'object') return;
    const timer = handle as Timer;
    if (!timer.now) this.timers.delete(timer);
    else if (!timer.cleared) {
      timer.cleared = true;
      this.clearedNow++;
    }
  }

  /** Number of pending timers (0 = nothing left to happen). */
  get pending(): number {
    return this.timers.size + this.dueNow.size - this.clearedNow;
  }

  /** Returns the due time of the next timer, if any. */
  nextDue(): number | undefined {
    return this.next()?.due;
  }

  /** The next timer to fire (cleared ones at the head of the due-now queue are dropped). */
  private next(): Timer | undefined {
    while (this.dueNow.size > 0 && this.dueNow.peek().cleared) {
      this.dueNow.shift();
      this.clearedNow--;
    }
    const later = this.timers.minKey();
    if (this.dueNow.size === 0) return later;
    const soon = this.dueNow.peek();
    return later && byDueThenSeq(later, soon) < 0 ? later : soon;
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
      const next = this.next();
      if (!next || next.due > deadline) return done();
      if (next.now) {
        this.dueNow.shift();
        next.cleared = true; // clearing it from now on is a no-op
      } else this.timers.delete(next);
      this.t = Math.max(this.t, next.due);
      try {
        next.fn();
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
