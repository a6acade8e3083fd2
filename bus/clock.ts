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
  /** The lane it waits in (none: in the tree). */
  lane?: Lane;
  /** Cleared or fired: a lane skips it when it reaches it. */
  done?: boolean;
}

const byDueThenSeq = (a: Timer, b: Timer) => a.due - b.due || a.seq - b.seq;
const noop = () => {};

/**
 * The timers set for one delay: in (due, creation) order as they come, since time never goes back,
 * so they skip the tree's insert and delete. Each message the simulated bus delivers is a 0 ms timer,
 * and each request a 5 s timeout, cleared when its reply comes.
 */
class Lane {
  readonly timers = new Fifo<Timer>();
  cleared = 0;

  get live(): number {
    return this.timers.size - this.cleared;
  }

  /** Returns the lane's next timer (cleared ones at its head dropped). */
  head(): Timer | undefined {
    while (this.timers.size > 0 && this.timers.peek().done) {
      this.timers.shift();
      this.cleared--;
    }
    return this.timers.size > 0 ? this.timers.peek() : undefined;
  }

  clear(timer: Timer): void {
    timer.done = true;
    timer.fn = noop; // what it would have called can be collected now
    this.cleared++;
    // Timeouts cleared long before they are due (requests answered) would pile up: swept past half.
    if (this.cleared > 1024 && 2 * this.cleared > this.timers.size) {
      this.timers.retain((t) => !t.done);
      this.cleared = 0;
    }
  }
}

/** Delays with a lane of their own at once; timers of other delays go to the tree. */
const MAX_LANES = 8;

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
  private readonly lanes = new Map<number, Lane>();
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
    const lane = this.laneFor(wait);
    if (lane) {
      timer.lane = lane;
      lane.timers.push(timer);
    } else this.timers.set(timer, true);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    if (!handle || typeof handle !== 'object') return;
    const timer = handle as Timer;
    if (!timer.lane) this.timers.delete(timer);
    else if (!timer.done) timer.lane.clear(timer);
  }

  /** Number of pending timers (0 = nothing left to happen). */
  get pending(): number {
    let n = this.timers.size;
    for (const lane of this.lanes.values()) n += lane.live;
    return n;
  }

  /** Returns the due time of the next timer, if any. */
  nextDue(): number | undefined {
    return this.next()?.due;
  }

  /** Returns the lane of a delay, making one while there is room (an empty lane gives its place up). */
  private laneFor(wait: number): Lane | undefined {
    let lane = this.lanes.get(wait);
    if (lane) return lane;
    if (this.lanes.size >= MAX_LANES) {
      const empty = [...this.lanes].find(([, l]) => l.timers.size === 0);
      if (!empty) return undefined;
      this.lanes.delete(empty[0]);
    }
    this.lanes.set(wait, (lane = new Lane()));
    return lane;
  }

  /** The next timer to fire: the earliest of the tree's and the lanes' heads. */
  private next(): Timer | undefined {
    let next = this.timers.minKey();
    for (const lane of this.lanes.values()) {
      const head = lane.head();
      if (head && (!next || byDueThenSeq(head, next) < 0)) next = head;
    }
    return next;
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
      if (next.lane) {
        next.lane.timers.shift();
        next.done = true; // clearing it from now on is a no-op
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
