// The read side the durable backends share: reads, history and watches served from a MemoryStore
// that the backend keeps in step with its writes (the file's log, etcd's watch).
import type { CompactedError, KeyValue, RangeOptions, RangeResult, Store, StoreEvent, TxnOp, TxnResult } from './store.ts';
import type { MemoryStore } from './memory-store.ts';

/** A Store whose reads come from `mem`; subclasses write (txn), compact and close. */
export abstract class MemoryBackedStore implements Store {
  protected constructor(protected readonly mem: MemoryStore) {}

  get revision(): number {
    return this.mem.revision;
  }

  get compactedRevision(): number {
    return this.mem.compactedRevision;
  }

  get(key: string): KeyValue | undefined {
    return this.mem.get(key);
  }

  range(prefix: string, opts?: RangeOptions): RangeResult {
    return this.mem.range(prefix, opts);
  }

  watch(prefix: string, fromRevision: number, onEvent: (ev: StoreEvent) => void, onEnd?: (err: CompactedError) => void): () => void {
    return this.mem.watch(prefix, fromRevision, onEvent, onEnd);
  }

  history(prefix: string, afterRevision: number, upToRevision: number): StoreEvent[] {
    return this.mem.history(prefix, afterRevision, upToRevision);
  }

  abstract txn(op: TxnOp): Promise<TxnResult>;
  abstract compact(revision: number): void;
  abstract close(): Promise<void>;
}
