// The watcher registry, keyed by prefix, and in-order asynchronous delivery of events to watchers.
import type { CompactedError, StoreEvent } from './store.ts';
import { microtask } from '../../../bus/microtask.ts';

interface Watcher {
  prefix: string;
  /** Only events with a revision above this reach the watcher. */
  after: number;
  onEvent: (ev: StoreEvent) => void;
  /** Hears that the store ended the watch itself (see endAll). */
  onEnd?: (err: CompactedError) => void;
  /** Routed but not yet delivered, in revision order. */
  queue: StoreEvent[];
  cancelled: boolean;
}

/**
 * Routes each durable event to the watchers whose prefix matches it and delivers it in a later
 * microtask (never inside the write). Routing cost is O(distinct prefix lengths + matching watchers).
 */
export class WatcherRegistry {
  private readonly byPrefix = new Map<string, Set<Watcher>>();
  /** Distinct prefix lengths in use, ascending, with how many prefixes have each length. */
  private lengths: number[] = [];
  private readonly lengthUse = new Map<number, number>();
  private readonly ready = new Set<Watcher>();
  private scheduled = false;

  constructor(private readonly onError: (message: string, err: unknown) => void) {}

  /** Returns how many watchers are registered (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const set of this.byPrefix.values()) n += set.size;
    return n;
  }

  /** Registers a watcher that first gets `backlog` (events already routed), then live events; returns cancel. */
  add(prefix: string, after: number, backlog: StoreEvent[], onEvent: (ev: StoreEvent) => void, onEnd?: (err: CompactedError) => void): () => void {
    const w: Watcher = { prefix, after, onEvent, onEnd, queue: backlog, cancelled: false };
    let set = this.byPrefix.get(prefix);
    if (!set) {
      set = new Set();
      this.byPrefix.set(prefix, set);
      const used = this.lengthUse.get(prefix.length) ?? 0;
      this.lengthUse.set(prefix.length, used + 1);
      if (used === 0) this.lengths = [...this.lengths, prefix.length].sort((a, b) => a - b);
    }
    set.add(w);
    if (backlog.length > 0) this.markReady(w);
    return () => this.remove(w);
  }

  /** Queues one durable event for every matching watcher; call in revision order. */
  route(ev: StoreEvent): void {
    const key = ev.kv.key;
    for (const len of this.lengths) {
      if (len > key.length) break;
      const set = this.byPrefix.get(len === key.length ? key : key.slice(0, len));
      if (!set) continue;
      for (const w of set) {
        if (ev.revision <= w.after) continue;
        w.queue.push(ev);
        this.markReady(w);
      }
    }
  }

  /**
   * Ends every watcher: each is removed at once (nothing more reaches it) and hears `err` through
   * its onEnd in a later microtask; a replica reloaded from its backend calls it, its history gone.
   */
  endAll(err: CompactedError): void {
    const ended = [...this.byPrefix.values()].flatMap((set) => [...set]);
    for (const w of ended) this.remove(w);
    microtask(() => {
      for (const w of ended) {
        try {
          w.onEnd?.(err);
        } catch (e) {
          this.onError(`watch end callback for prefix "${w.prefix}" threw`, e);
        }
      }
    });
  }

  private remove(w: Watcher): void {
    if (w.cancelled) return;
    w.cancelled = true;
    w.queue = [];
    this.ready.delete(w);
    const set = this.byPrefix.get(w.prefix);
    if (!set) return;
    set.delete(w);
    if (set.size > 0) return;
    this.byPrefix.delete(w.prefix);
    const used = this.lengthUse.get(w.prefix.length)! - 1;
    if (used > 0) this.lengthUse.set(w.prefix.length, used);
    else {
      this.lengthUse.delete(w.prefix.length);
      this.lengths = this.lengths.filter((l) => l !== w.prefix.length);
    }
  }

  private markReady(w: Watcher): void {
    this.ready.add(w);
    if (this.scheduled) return;
    this.scheduled = true;
    microtask(() => this.deliver());
  }

  /** Drains every ready watcher's queue; events routed meanwhile go to the next round, after these. */
  private deliver(): void {
    this.scheduled = false;
    const ws = [...this.ready];
    this.ready.clear();
    for (const w of ws) {
      const batch = w.queue;
      w.queue = [];
      for (const ev of batch) {
        if (w.cancelled) break;
        try {
          w.onEvent(ev);
        } catch (err) {
          this.onError(`watch callback for prefix "${w.prefix}" threw at revision ${ev.revision}`, err);
        }
      }
    }
  }
}
