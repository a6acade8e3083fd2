// The store interface (etcd semantics) that every backend implements; the API server owns it.
import type { HandlingContext } from '../../../bus/trace.ts';

/** One key's current state. `value` is a plain object, deeply frozen once stored: no one mutates it (copy what you change). */
export interface KeyValue {
  key: string;
  value: unknown;
  createRevision: number;
  modRevision: number;
  version: number;
}

/** A single-key transaction: create-if-absent, update-if-modRevision, delete-if-modRevision. */
export type TxnOp =
  | { op: 'create'; key: string; value: unknown }
  | { op: 'update'; key: string; value: unknown; ifModRevision?: number }
  | { op: 'delete'; key: string; ifModRevision?: number };

export type TxnResult =
  | { ok: true; revision: number; kv?: KeyValue; prev?: KeyValue }
  | { ok: false; reason: 'exists' | 'not-found' | 'conflict'; current?: KeyValue };

/** A change, as watch delivers it. For delete, `kv` is the last state with modRevision = the delete's revision. */
export interface StoreEvent {
  type: 'put' | 'delete';
  revision: number;
  kv: KeyValue;
  prev?: KeyValue;
  /** The trace context of the write (the request being handled): watchers send its events as its children. */
  cause?: HandlingContext;
}

export interface RangeOptions {
  /** Read at this revision (0/undefined = latest). Throws CompactedError when compacted. */
  revision?: number;
  limit?: number;
  /** Return keys strictly after this one (for paging). */
  startAfter?: string;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** The revision the read was made at. */
  revision: number;
  /** True when keys remain after the last one returned. */
  more: boolean;
}

export interface Store {
  /** The current global revision (the last write's revision). */
  readonly revision: number;
  /** Revisions at or below this are gone from history. */
  readonly compactedRevision: number;
  get(key: string): KeyValue | undefined;
  range(prefix: string, opts?: RangeOptions): RangeResult;
  /** Applies at once (reads see it); resolves when durable. */
  txn(op: TxnOp): Promise<TxnResult>;
  /**
   * Calls `onEvent` for every change under prefix with revision > fromRevision, first from
   * history, then live, in revision order; events reach watchers only once durable.
   * Throws CompactedError when fromRevision < compactedRevision (the memory-backed stores: only when
   * compaction dropped an event of the prefix's resource, as upstream's per-resource watch cache).
   * Returns a cancel function.
   * `onEnd` hears (once, with a CompactedError) that the store ended the watch itself: a replica
   * reloaded from its backend has lost the watch's position, so the watcher must list again.
   */
  watch(prefix: string, fromRevision: number, onEvent: (ev: StoreEvent) => void, onEnd?: (err: CompactedError) => void): () => void;
  /**
   * Returns the events under prefix with afterRevision < revision <= upToRevision, in order
   * (a watch that starts from an old revision replays these). Throws CompactedError, as watch does.
   */
  history(prefix: string, afterRevision: number, upToRevision: number): StoreEvent[];
  /** Stores shared by several API servers: resolves once this replica's cache has applied every write the backend acknowledged before the call; a consistent read's barrier. */
  sync?(): Promise<void>;
  /** Drops history at or below `revision`. */
  compact(revision: number): void;
  /** Flushes pending writes and releases files. */
  close(): Promise<void>;
}

/** Thrown when a read or watch asks for a revision that compaction removed. */
export class CompactedError extends Error {
  override name = 'CompactedError';
  constructor(
    readonly requested: number,
    readonly compacted: number,
  ) {
    super(`required revision ${requested} has been compacted (compacted revision ${compacted})`);
  }
}
