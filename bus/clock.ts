// Injected time: the real clock, and a virtual clock whose timers fire only when advanced.
import { Fifo } from './fifo.ts';
import { microtask } from './microtask.ts';

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
  /** The lane it waits in (none: in the heap). */
  lane: Lane | undefined;
  /** Cleared or fired: a lane or the heap skips it when it reaches it. */
  done: boolean;
}

const before = (a: Timer, b: Timer) => a.due < b.due || (a.due === b.due && a.seq < b.seq);
const noop = () => {};

/**
 * The timers of other delays: a binary min-heap on (due, creation), a cleared timer left in place
 * and skipped when it reaches the top (swept when most of the heap is cleared). A tree's delete
 * per cleared timer cost more than the heap's whole upkeep.
 */
class TimerHeap {
  private items: Timer[] = [];
  cleared = 0;

  get live(): number {
    return this.items.length - this.cleared;
  }

  push(t: Timer): void {
    const a = this.items;
    let i = a.length;
    a.push(t);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(t, a[p])) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = t;
  }

  /** Returns the earliest live timer (cleared ones at the top dropped). */
  head(): Timer | undefined {
    while (this.items.length > 0 && this.items[0].done) {
      this.pop();
      this.cleared--;
    }
    return this.items[0];
  }

  /** Removes the top; only called when the heap is not empty. */
  pop(): void {
    const a = this.items;
    const last = a.pop()!;
    const n = a.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(a[c + 1], a[c])) c++;
      if (!before(a[c], last)) break;
      a[i] = a[c];
      i = c;
    }
    a[i] = last;
  }

  clear(timer: Timer): void {
    timer.done = true;
    timer.fn = noop;
    this.cleared++;
    if (this.cleared > 1024 && 2 * this.cleared > this.items.length) {
      const kept = this.items.filter((t) => !t.done);
      this.items = [];
      this.cleared = 0;
      for (const t of kept) this.push(t);
    }
  }
}

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

/** Timers fired between two turns of the event loop in runUntil. */
const YIELD_EVERY = 64;

/** Resolves after every microtask queued so far (and those they queue) has run. */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Virtual time: `now()` moves only through `advance`/`runUntil`, which fire due timers one at a
 * time in (due, creation) order and let promise chains settle between them. Deterministic.
 */
export class VirtualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new TimerHeap();
  private readonly lanes = new Map<number, Lane>();
  /** The lanes' values, for next() (called once per timer fired). */
  private laneList: Lane[] = [];
  /** Timers that found every lane taken since the last look for an empty one. */
  private laneMisses = 0;
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
    const lane = this.laneFor(wait);
    // Every field set at once: one shape for every timer (a field added later made two).
    const timer: Timer = { due: this.t + wait, seq: this.seq++, fn, lane, done: false };
    if (lane) lane.timers.push(timer);
    else this.timers.push(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    if (!handle || typeof handle !== 'object') return;
    const timer = handle as Timer;
    if (timer.done) return;
    if (timer.lane) timer.lane.clear(timer);
    else this.timers.clear(timer);
  }

  /** Number of pending timers (0 = nothing left to happen). */
  get pending(): number {
    let n = this.timers.live;
    for (const lane of this.laneList) n += lane.live;
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
      // Jittered delays (renewals, backoffs) each miss: looking for an empty lane every time cost more than the heap.
      if (this.laneMisses++ % 64 !== 0) return undefined;
      let empty: number | undefined;
      for (const [w, l] of this.lanes) if (l.timers.size === 0) empty = w;
      if (empty === undefined) return undefined;
      this.lanes.delete(empty);
    }
    this.lanes.set(wait, (lane = new Lane()));
    this.laneList = [...this.lanes.values()];
    return lane;
  }

  /** The next timer to fire: the earliest of the heap's and the lanes' heads. */
  private next(): Timer | undefined {
    let next = this.timers.head();
    for (const lane of this.laneList) {
      const head = lane.head();
      if (head && (!next || before(head, next))) next = head;
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
   *
   * Between two timers every promise chain the first started settles: the next one is fired from a
   * tick queued by a microtask, and Node runs ticks queued during the microtasks only once the
   * microtask queue is empty. A turn of the event loop per timer (setImmediate) cost ~2x as much
   * (a poll syscall each); one in YIELD_EVERY timers still takes it, so I/O and real timers run.
   */
  runUntil(done: () => boolean, deadline = Infinity): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      let fired = 0;
      const turn = () => process.nextTick(step);
      const step = () => {
        try {
          if (done()) return resolve(true);
          const next = this.next();
          if (!next || next.due > deadline) return resolve(done());
          if (next.lane) next.lane.timers.shift();
          else this.timers.pop();
          next.done = true; // clearing it from now on is a no-op
          this.t = Math.max(this.t, next.due);
          try {
            next.fn();
          } catch (err) {
            this.onError(err);
          }
        } catch (err) {
          return reject(err);
        }
        if (++fired % YIELD_EVERY === 0) setImmediate(step);
        else microtask(turn);
      };
      setImmediate(step);
    });
  }
}
