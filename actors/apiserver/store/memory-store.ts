// MemoryStore: the MVCC store in memory (a B-tree of keys, each with its versions since the last compaction).
import btree from 'sorted-btree';
import { deepFreeze } from '../../../bus/freeze.ts';
import { currentContext } from '../../../bus/trace.ts';
import { CompactedError } from './store.ts';
import type { KeyValue, RangeOptions, RangeResult, Store, StoreEvent, TxnOp, TxnResult } from './store.ts';
import { FutureRevisionError } from './errors.ts';
import { EventLog } from './event-log.ts';
import { shareUnchanged } from './share-versions.ts';
import { WatcherRegistry } from './watchers.ts';

// sorted-btree is CommonJS: its class is the `default` export of the module object.
const BTree = btree.default;

/** A key's state from one revision on: the KeyValue written, or the revision of a delete (a tombstone). */
type Version = KeyValue | number;

const revOf = (v: Version) => (typeof v === 'number' ? v : v.modRevision);
const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const pair: [string, Version[]] = ['', []]; // reused by range() to look at the first key under a prefix

/** Returns the smallest key above every key that starts with prefix, or undefined when there is none. */
export function prefixEnd(prefix: string): string | undefined {
  let p = prefix;
  while (p.length > 0 && p.charCodeAt(p.length - 1) === 0xffff) p = p.slice(0, -1);
  if (p.length === 0) return undefined;
  return p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) + 1);
}

/** Returns the index of the newest version at or below rev, or -1 (versions ascend by revision). */
function indexAt(vs: Version[], rev: number): number {
  let lo = 0;
  let hi = vs.length - 1;
  if (revOf(vs[hi]) <= rev) return hi;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (revOf(vs[mid]) <= rev) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi;
}

/** Options of a MemoryStore. */
export interface MemoryStoreOptions {
  /** When true, watchers get events only after markDurable (the file store's fsync); otherwise at once. */
  deferDurability?: boolean;
  /** Reports problems that must not break the store, e.g. a watch callback that threw (default console.warn). */
  onWarn?: (message: string, err?: unknown) => void;
}

/**
 * The in-memory backend. Writes apply synchronously; watch events are delivered asynchronously,
 * in a microtask after the write (or after markDurable when durability is deferred).
 */
export class MemoryStore implements Store {
  private readonly tree = new BTree<string, Version[]>(undefined, compareKeys);
  /**
   * The same versions by key, for point reads and writes: a B-tree lookup compares the key with
   * ~20 others sharing a long prefix (`/registry/pods/default/app-…`), ~2 % of a 1,000-node
   * scale-out's CPU; a hash lookup hashes it once. The tree serves ranges; both hold one array per key.
   */
  private readonly byKey = new Map<string, Version[]>();
  private rev = 0;
  /** Events with revisions (compacted, rev]. */
  private events = new EventLog();
  private durable = 0;
  /** Events written but not yet durable (deferred durability only), in revision order. */
  private pending: StoreEvent[] = [];
  private readonly deferred: boolean;
  private readonly watchers: WatcherRegistry;

  constructor(opts: MemoryStoreOptions = {}) {
    this.deferred = opts.deferDurability ?? false;
    const warn = opts.onWarn ?? ((m: string, e?: unknown) => console.warn(`store: ${m}`, e ?? ''));
    this.watchers = new WatcherRegistry(warn);
  }

  /** Returns a store holding kvs (any order) at `revision`, with history compacted up to it (snapshot load). */
  static restore(kvs: Iterable<KeyValue>, revision: number, opts: MemoryStoreOptions = {}): MemoryStore {
    const s = new MemoryStore(opts);
    for (const kv of kvs) {
      if (kv.modRevision > revision) throw new RangeError(`key ${kv.key} has modRevision ${kv.modRevision} > ${revision}`);
      s.put(kv.key, [kv]);
      deepFreeze(kv.value);
    }
    s.rev = s.durable = revision;
    s.events = new EventLog(revision);
    return s;
  }

  get revision(): number {
    return this.rev;
  }

  get compactedRevision(): number {
    return this.events.compacted;
  }

  /** The last revision whose event has been handed to watchers. */
  get durableRevision(): number {
    return this.durable;
  }

  /** Returns how many keys (live or tombstoned) the tree holds. */
  get keyCount(): number {
    return this.tree.size;
  }

  /** Sets a key's versions in the tree and the hash. */
  private put(key: string, vs: Version[]): void {
    this.tree.set(key, vs);
    this.byKey.set(key, vs);
  }

  get(key: string): KeyValue | undefined {
    const vs = this.byKey.get(key);
    const v = vs?.[vs.length - 1];
    return typeof v === 'object' ? v : undefined;
  }

  /** Returns the revision of the key's last write, a delete included, still in history (0 when none): what a log keyed by key holds last. */
  lastWriteRevision(key: string): number {
    const vs = this.byKey.get(key);
    return vs ? revOf(vs[vs.length - 1]) : 0;
  }

  range(prefix: string, opts: RangeOptions = {}): RangeResult {
    const at = opts.revision ? opts.revision : this.rev;
    if (at < this.events.compacted) throw new CompactedError(at, this.events.compacted);
    if (at > this.rev) throw new FutureRevisionError(at, this.rev);
    const after = opts.startAfter; // no key under the prefix (admission's policy bindings, every write): one descent, no walk
    const first = after === undefined ? this.tree.getPairOrNextHigher(prefix, pair)?.[0] : prefix;
    if (first === undefined || !first.startsWith(prefix)) return { kvs: [], revision: at, more: false };
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const low = after !== undefined && after > prefix ? after : prefix;
    const end = prefixEnd(prefix);
    const high = end ?? this.tree.maxKey();
    const kvs: KeyValue[] = [];
    let more = false;
    if (high === undefined || low > high) return { kvs, revision: at, more };
    const latest = at === this.rev;
    this.tree.forRange(low, high, end === undefined, (k, vs) => {
      if (k === after) return;
      const v = latest ? vs[vs.length - 1] : vs[indexAt(vs, at)];
      if (v === undefined || typeof v === 'number') return;
      if (kvs.length === limit) {
        more = true;
        return { break: true };
      }
      kvs.push(v);
    });
    return { kvs, revision: at, more };
  }

  txn(op: TxnOp): Promise<TxnResult> {
    try {
      return Promise.resolve(this.apply(op));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Applies a transaction synchronously and returns its result (the file store logs it afterwards). */
  apply(op: TxnOp): TxnResult {
    if (typeof op?.key !== 'string' || op.key === '') throw new TypeError(`txn key must be a non-empty string`);
    const vs = this.byKey.get(op.key);
    const last = vs?.[vs.length - 1];
    const current = typeof last === 'object' ? last : undefined;
    if (op.op === 'create') {
      if (current) return { ok: false, reason: 'exists', current };
      const rev = this.rev + 1;
      const kv: KeyValue = { key: op.key, value: op.value, createRevision: rev, modRevision: rev, version: 1 };
      this.write(vs, kv, { type: 'put', revision: rev, kv });
      return { ok: true, revision: rev, kv };
    }
    if (op.op !== 'update' && op.op !== 'delete') throw new TypeError(`unknown txn op ${(op as { op: unknown }).op}`);
    if (!current) return { ok: false, reason: 'not-found' };
    if (op.ifModRevision !== undefined && op.ifModRevision !== current.modRevision) {
      return { ok: false, reason: 'conflict', current };
    }
    const rev = this.rev + 1;
    if (op.op === 'delete') {
      const kv = { ...current, modRevision: rev };
      this.write(vs, rev, { type: 'delete', revision: rev, kv, prev: current });
      return { ok: true, revision: rev, prev: current };
    }
    const kv: KeyValue = {
      key: op.key,
      value: shareUnchanged(op.value, current.value),
      createRevision: current.createRevision,
      modRevision: rev,
      version: current.version + 1,
    };
    this.write(vs, kv, { type: 'put', revision: rev, kv, prev: current });
    return { ok: true, revision: rev, kv, prev: current };
  }

  private write(vs: Version[] | undefined, v: Version, ev: StoreEvent): void {
    // Frozen, a stored value is shared, not copied, by every watch event's copy (bus/freeze.ts
    // frozenCopy), and code that changed it in place (its history with it) fails loudly instead.
    if (typeof v === 'object') deepFreeze(v.value);
    if (vs) vs.push(v);
    else this.put(ev.kv.key, [v]);
    this.rev = ev.revision;
    const cause = currentContext();
    if (cause) ev.cause = cause;
    this.events.append(ev);
    if (this.deferred) this.pending.push(ev);
    else {
      this.durable = ev.revision;
      this.watchers.route(ev);
    }
  }

  /** Records a change another store made at its own revision (above this one): the replica of a remote backend (etcd) follows its feed so. */
  replicate(ev: StoreEvent): void {
    if (ev.revision <= this.rev) throw new RangeError(`replicated revision ${ev.revision} is not above ${this.rev}`);
    this.write(this.byKey.get(ev.kv.key), ev.type === 'delete' ? ev.revision : ev.kv, ev);
  }

  /** Hands events up to `revision` to watchers; the file store calls it once they are fsynced. */
  markDurable(revision: number): void {
    if (revision <= this.durable) return;
    let i = 0;
    while (i < this.pending.length && this.pending[i].revision <= revision) this.watchers.route(this.pending[i++]);
    this.pending = i === this.pending.length ? [] : this.pending.slice(i);
    this.durable = Math.min(revision, this.rev);
  }

  watch(prefix: string, fromRevision: number, onEvent: (ev: StoreEvent) => void, onEnd?: (err: CompactedError) => void): () => void {
    if (!Number.isInteger(fromRevision) || fromRevision < 0) throw new TypeError(`bad fromRevision ${fromRevision}`);
    const floor = this.events.floor(prefix);
    if (fromRevision < floor) throw new CompactedError(fromRevision, floor);
    return this.watchers.add(prefix, fromRevision, this.history(prefix, fromRevision, this.durable), onEvent, onEnd);
  }

  /**
   * Replaces the whole state with kvs at `revision` (≥ the current one), history compacted up to
   * it, as restore builds it; every watcher ends with a CompactedError (its position is lost). A
   * replica that could not follow its backend (etcd compacted past it) reloads so.
   */
  reset(kvs: Iterable<KeyValue>, revision: number): void {
    if (revision < this.rev) throw new RangeError(`reset to revision ${revision} below ${this.rev}`);
    const before = this.rev;
    this.tree.clear();
    this.byKey.clear();
    for (const kv of kvs) {
      if (kv.modRevision > revision) throw new RangeError(`key ${kv.key} has modRevision ${kv.modRevision} > ${revision}`);
      this.put(kv.key, [kv]);
      deepFreeze(kv.value);
    }
    this.rev = this.durable = revision;
    this.events = new EventLog(revision);
    this.pending = [];
    this.watchers.endAll(new CompactedError(before, revision));
  }

  /**
   * Returns the logged events under prefix in (afterRevision, upToRevision], upToRevision capped at
   * the current revision. Throws CompactedError when compaction dropped one of them: for a prefix of
   * one resource, only that resource's dropped events count (see EventLog.floor).
   */
  history(prefix: string, afterRevision: number, upToRevision: number): StoreEvent[] {
    const floor = this.events.floor(prefix);
    if (afterRevision < floor) throw new CompactedError(afterRevision, floor);
    return this.events.range(prefix, afterRevision, Math.min(upToRevision, this.rev));
  }

  /** Returns how many watchers are registered. */
  get watcherCount(): number {
    return this.watchers.size;
  }

  compact(revision: number): void {
    if (!Number.isInteger(revision)) throw new TypeError(`bad compact revision ${revision}`);
    if (revision <= this.events.compacted) return;
    if (revision > this.rev) throw new FutureRevisionError(revision, this.rev);
    // Only keys written since the last compaction can hold history: the dropped events name them.
    for (const key of this.events.compact(revision)) this.trim(key, revision);
  }

  /** Drops a key's versions hidden by the one visible at `revision` (and that one too if it is a tombstone). */
  private trim(key: string, revision: number): void {
    const vs = this.byKey.get(key);
    if (!vs) return;
    const i = indexAt(vs, revision);
    if (i < 0) return;
    const drop = typeof vs[i] === 'number' ? i + 1 : i;
    if (drop === vs.length) {
      this.tree.delete(key);
      this.byKey.delete(key);
    }
    else if (drop > 0) vs.splice(0, drop);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
