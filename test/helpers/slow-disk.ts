// A store whose writes become durable only after a simulated fsync on the (virtual) clock, as the
// file store's group commit: reads see a write at once, watchers only once it is durable.
import { MemoryStore } from '../../actors/apiserver/store/memory-store.ts';
import type { KeyValue, RangeOptions, RangeResult, Store, StoreEvent, TxnOp, TxnResult } from '../../actors/apiserver/store/store.ts';
import type { Clock } from '../../bus/clock.ts';

/** Returns a store that acknowledges and dispatches each write `fsyncMs` after applying it. */
export function slowDiskStore(clock: Clock, fsyncMs: number): Store {
  const mem = new MemoryStore({ deferDurability: true });
  return {
    get revision() {
      return mem.revision;
    },
    get compactedRevision() {
      return mem.compactedRevision;
    },
    get: (key: string): KeyValue | undefined => mem.get(key),
    range: (prefix: string, opts?: RangeOptions): RangeResult => mem.range(prefix, opts),
    txn(op: TxnOp): Promise<TxnResult> {
      try {
        const res = mem.apply(op);
        if (!res.ok) return Promise.resolve(res);
        return new Promise((resolve) =>
          clock.setTimeout(() => {
            mem.markDurable(res.revision);
            resolve(res);
          }, fsyncMs),
        );
      } catch (err) {
        return Promise.reject(err);
      }
    },
    watch: (prefix: string, from: number, onEvent: (ev: StoreEvent) => void) => mem.watch(prefix, from, onEvent),
    history: (prefix: string, after: number, upTo: number) => mem.history(prefix, after, upTo),
    compact: (revision: number) => mem.compact(revision),
    close: () => mem.close(),
  };
}
