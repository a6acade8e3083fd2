// Counts per topology pair (label key + value), as the affinity and spread plugins keep them.
import type { Labels } from './types.ts';

/** A count of pods per topology pair; entries that drop to zero are removed, as upstream does. */
export class TopologyCounts {
  private readonly m = new Map<string, { key: string; value: string; count: number }>();

  /** Adds `delta` to the pair (key, value). */
  add(key: string, value: string, delta: number): void {
    const k = `${key}\u0000${value}`;
    const e = this.m.get(k);
    if (!e) {
      if (delta !== 0) this.m.set(k, { key, value, count: delta });
      return;
    }
    e.count += delta;
    if (e.count === 0) this.m.delete(k);
  }

  /** Returns the count of a pair (0 when absent). */
  get(key: string, value: string): number {
    return this.m.get(`${key}\u0000${value}`)?.count ?? 0;
  }

  get size(): number {
    return this.m.size;
  }

  /** Returns whether some pair with a positive count is among the labels. */
  anyPositiveIn(labels: Labels): boolean {
    for (const e of this.m.values()) if (e.count > 0 && labels[e.key] === e.value) return true;
    return false;
  }

  clone(): TopologyCounts {
    const c = new TopologyCounts();
    for (const [k, e] of this.m) c.m.set(k, { ...e });
    return c;
  }

  entries(): IterableIterator<{ key: string; value: string; count: number }> {
    return this.m.values();
  }
}
