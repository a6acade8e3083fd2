// EtcdStore: the store on a real etcd (v3 API through the etcd3 client), with a local replica fed by etcd's watch.
import type { IKeyValue, IRangeRequest, IRangeResponse, ITxnResponse, IWatchResponse } from 'etcd3';
import { currentContext } from '../../../bus/trace.ts';
import type { HandlingContext } from '../../../bus/trace.ts';
import type { KeyValue, StoreEvent, TxnOp, TxnResult } from './store.ts';
import { StoreClosedError } from './errors.ts';
import { CatchUp } from './etcd-catch-up.ts';
import { EtcdFeed } from './etcd-feed.ts';
import { EtcdMembers, EtcdOutcomeUnknownError } from './etcd-members.ts';
import { decodeKv, loadAll, rev } from './etcd-load.ts';
import { MemoryBackedStore } from './memory-backed.ts';
import { MemoryStore, prefixEnd } from './memory-store.ts';

/** Options of an EtcdStore. */
export interface EtcdStoreOptions {
  /**
   * Prepended to every key in etcd (default '': kubus's keys already are upstream's
   * `/registry/<resource>/[<namespace>/]<name>`). Only keys under it are this store's.
   */
  keyPrefix?: string;
  /** Keys per range request while loading (default 10,000, the page kube-apiserver's watch cache lists etcd with). */
  pageSize?: number;
  /** Hears what must not crash the store: an unreadable value under a key, a failed compaction, a broken watch, a reload (default console.warn). */
  onWarn?: (message: string, err?: unknown) => void;
}

/** A txn's gRPC deadline. */
const TXN_DEADLINE_MS = 10_000;
/** The deadline of one try of a read (then another member is tried). */
const READ_TRY_MS = 2000;
/** How long a read (sync's revision, a page of a load, a compaction) keeps trying members before it rejects. */
const READ_GIVE_UP_MS = 15_000;
/** A page of a load may take longer than a one-key read. */
const PAGE_TRY_MS = 10_000;

const defaultWarn = (message: string, err?: unknown) => console.warn(`store: ${message}`, err ?? '');

/**
 * The etcd backend. etcd holds the data and orders every write (store revision = etcd revision,
 * CAS = a Txn comparing the key's mod_revision); reads, history and watches are served from a
 * replica, loaded by a paged range and then fed by one etcd watch from the next revision — as
 * kube-apiserver's watch cache is fed. txn resolves once the replica has caught up to the write,
 * so a caller reads its own writes; sync() makes it catch up to etcd's current revision (a
 * consistent read). A broken watch resumes from the replica's revision; when etcd has compacted
 * past it, the replica reloads (a fresh paged range) and its watchers end as compacted ones do.
 * Values are JSON; one etcd cannot parse is skipped with a warning.
 */
export class EtcdStore extends MemoryBackedStore {
  private closed = false;
  /** etcd compactions in flight (close waits for them). */
  private readonly compacting = new Set<Promise<void>>();
  /** How far the replica has followed etcd; txns and syncs wait on it. */
  private readonly caught: CatchUp;
  /** The reload in progress (after etcd compacted past the replica, or a change it could not apply). */
  private reloading: Promise<void> | undefined;
  private readonly feed: EtcdFeed;
  /** The trace context of each key's write in flight, so watchers send its event as the request's child. */
  private readonly causes = new Map<string, HandlingContext>();
  private readonly prefix: Buffer;
  private readonly warn: (message: string, err?: unknown) => void;

  private constructor(
    private readonly members: EtcdMembers,
    mem: MemoryStore,
    private readonly keyPrefix: string,
    private readonly pageSize: number,
    warn: (message: string, err?: unknown) => void,
  ) {
    super(mem);
    this.prefix = Buffer.from(keyPrefix);
    this.warn = warn;
    this.caught = new CatchUp(mem.revision, (from, ms) => {
      if (this.closed || this.reloading) return;
      this.warn(`a write or sync has waited ${ms} ms with the replica at revision ${from}, behind etcd; reconnecting its watch to another member`);
      this.feed.resume(true);
    });
    const end = prefixEnd(keyPrefix);
    this.feed = new EtcdFeed(
      members,
      // No prefix: every key (from \0 to the end of the keyspace).
      { key: keyPrefix === '' ? Buffer.from([0]) : this.prefix, range_end: end === undefined ? Buffer.from([0]) : Buffer.from(end) },
      () => this.caught.seen + 1,
      () => this.caught.syncing,
      {
        onEvents: (res) => this.onEvents(res),
        onProgress: (revision) => this.caught.advance(revision),
        onCompacted: (compacted) => void this.reload(`etcd compacted its history to revision ${compacted}, past the replica's ${this.caught.seen}`),
        onWarn: (m, err) => this.warn(m, err),
      },
    );
  }

  /** Connects to etcd at `endpoints` (URLs), loads the keys under the prefix and follows them; rejects when etcd cannot be reached. */
  static async open(endpoints: string[], opts: EtcdStoreOptions = {}): Promise<EtcdStore> {
    const warn = opts.onWarn ?? defaultWarn;
    const keyPrefix = opts.keyPrefix ?? '';
    // A page of 10,000 objects is more than gRPC's default 4 MiB.
    const members = new EtcdMembers(endpoints, { 'grpc.max_receive_message_length': -1 });
    try {
      const pageSize = opts.pageSize ?? 10_000;
      const { kvs, revision } = await loadAll((req) => read(members, req, PAGE_TRY_MS), keyPrefix, pageSize, warn);
      const mem = MemoryStore.restore(kvs, revision, { onWarn: warn });
      const store = new EtcdStore(members, mem, keyPrefix, pageSize, warn);
      store.feed.start();
      return store;
    } catch (err) {
      members.close();
      throw err;
    }
  }

  async txn(op: TxnOp): Promise<TxnResult> {
    if (this.closed) throw new StoreClosedError();
    if (typeof op?.key !== 'string' || op.key === '') throw new TypeError(`txn key must be a non-empty string`);
    if (op.op !== 'create' && op.op !== 'update' && op.op !== 'delete') throw new TypeError(`unknown txn op ${(op as { op: unknown }).op}`);
    const key = Buffer.from(this.keyPrefix + op.key);
    // Encode before sending, so a value JSON cannot hold never reaches etcd.
    const value = op.op === 'delete' ? undefined : Buffer.from(JSON.stringify(op.value));
    // etcd reports an absent key's mod_revision as 0: create needs 0; update/delete need the key, at the given revision if any.
    const modIs = (result: 'Equal' | 'Greater', mod_revision: number) => ({ key, target: 'Mod' as const, result, mod_revision });
    const compare =
      op.op === 'create' ? [modIs('Equal', 0)] : op.ifModRevision === undefined ? [modIs('Greater', 0)] : [modIs('Greater', 0), modIs('Equal', op.ifModRevision)];
    const cause = currentContext();
    if (cause) this.causes.set(op.key, cause);
    let res: ITxnResponse;
    // A try that may have been applied (timed out, connection lost) is sent again only when its compare
    // stops it from applying on top of itself (a create: the key absent; else the key's exact revision):
    // a success then means the earlier try was not applied (for a create, unless someone deleted the key
    // in between, as with etcd3's own retries), while a failed compare may be the earlier try's doing, so
    // its outcome is unknown, never 'exists' or 'conflict'. An unconditional write rejects with the try's error.
    const outcome = { ambiguous: false };
    try {
      res = await this.members.call(
        (c, deadline) =>
          c.kv.txn(
            {
              compare,
              success: [value ? { request_put: { key, value, prev_kv: true } } : { request_delete_range: { key, prev_kv: true } }],
              failure: [{ request_range: { key } }],
            },
            { deadline },
          ),
        // Past etcd's own request timeout (~7 s): only a member that stopped answering (frozen, cut off) hits it.
        { deadline: Date.now() + TXN_DEADLINE_MS, resend: op.op === 'create' || op.ifModRevision !== undefined, outcome, stopped: () => this.closed },
      );
      if (!res.succeeded && outcome.ambiguous) throw new EtcdOutcomeUnknownError(op.key);
      if (res.succeeded) {
        if (this.closed) throw new StoreClosedError();
        await this.caught.wait(rev(res.header.revision), false);
      }
    } finally {
      if (cause && this.causes.get(op.key) === cause) this.causes.delete(op.key);
    }
    const revision = rev(res.header.revision);
    if (!res.succeeded) {
      const current = this.decode(res.responses[0]?.response_range?.kvs?.[0]);
      if (!current) return op.op === 'create' ? { ok: false, reason: 'exists' } : { ok: false, reason: 'not-found' };
      return op.op === 'create' ? { ok: false, reason: 'exists', current } : { ok: false, reason: 'conflict', current };
    }
    const r = res.responses[0];
    const prevKv = r.response_put?.prev_kv ?? r.response_delete_range?.prev_kvs?.[0];
    const prev = prevKv ? this.decode(prevKv) : undefined;
    if (op.op === 'delete') return prev ? { ok: true, revision, prev } : { ok: true, revision };
    const kv: KeyValue = {
      key: op.key,
      value: op.value,
      createRevision: prevKv ? rev(prevKv.create_revision) : revision,
      modRevision: revision,
      version: prevKv ? rev(prevKv.version) + 1 : 1,
    };
    return prev ? { ok: true, revision, kv, prev } : { ok: true, revision, kv };
  }

  /** Compacts the replica's history and etcd's (kube-apiserver's compactor does the same every 5 minutes). */
  compact(revision: number): void {
    if (this.closed) throw new StoreClosedError();
    const before = this.mem.compactedRevision;
    this.mem.compact(revision);
    if (this.mem.compactedRevision <= before) return;
    // Another API server may have compacted etcd further already: etcd then says so, which is fine.
    const p: Promise<void> = this.members
      .call((c, deadline) => c.kv.compact({ revision }, { deadline }), { deadline: Date.now() + READ_GIVE_UP_MS, tryMs: READ_TRY_MS, resend: true })
      .then(() => undefined)
      .catch((err: Error) => {
        if (!/compacted/.test(err.message)) this.warn(`etcd compaction to revision ${revision} failed: ${err.message}`, err);
      })
      .finally(() => this.compacting.delete(p));
    this.compacting.add(p);
  }

  /**
   * Resolves once the replica has applied every write etcd had made when called: a linearizable
   * read of etcd's revision, then the replica's watch catching up to it (progress requests carry
   * it there when the store's keys are quiet while others are written).
   */
  async sync(): Promise<void> {
    if (this.closed) throw new StoreClosedError();
    // One key's linearizable read: its header holds the store revision; ranging the prefix would cost O(keys).
    const key = this.prefix.length ? this.prefix : Buffer.from([0]);
    // During an etcd election every member refuses for a moment, and a member that stopped answering
    // holds a read until its deadline: other members are tried, for a while.
    const res = await read(this.members, { key }, READ_TRY_MS, () => this.closed);
    const revision = rev(res.header.revision);
    if (revision <= this.caught.seen) return;
    if (this.closed) throw new StoreClosedError();
    const done = this.caught.wait(revision, true);
    this.feed.requestProgress();
    await done;
  }

  /** Stops following etcd and closes the connection; pending txns' own requests finish or fail, waiting ones reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.feed.close();
    this.caught.rejectAll(new StoreClosedError());
    await Promise.all(this.compacting);
    await this.reloading;
    this.members.close();
  }

  /**
   * Replaces the replica by a fresh paged range at etcd's current revision and follows on from
   * there; the replica's watchers end (CompactedError), waiting txns and syncs resolve once reached.
   * Retried until it succeeds or the store closes.
   */
  private reload(reason: string, err?: unknown): Promise<void> {
    this.reloading ??= (async () => {
      this.warn(`the replica lost its place in etcd (${reason}); reloading from etcd`, err);
      for (let wait = 100; !this.closed; wait = Math.min(wait * 2, 2000)) {
        try {
          const { kvs, revision } = await loadAll((req) => read(this.members, req, PAGE_TRY_MS, () => this.closed), this.keyPrefix, this.pageSize, this.warn);
          if (this.closed) return;
          this.mem.reset(kvs, Math.max(revision, this.mem.revision));
          this.caught.seen = this.mem.revision;
          this.warn(`reloaded ${kvs.length} keys from etcd at revision ${revision}; the store's watchers were ended as compacted`);
          this.caught.advance(this.mem.revision);
          this.reloading = undefined;
          this.feed.resume();
          return;
        } catch (e) {
          this.warn(`reloading from etcd failed (${(e as Error).message}); retrying in ${wait} ms`, e);
          await new Promise((r) => setTimeout(r, wait));
        }
      }
    })();
    return this.reloading;
  }

  /** Applies one events response; a change the replica cannot take makes it reload rather than diverge. */
  private onEvents(res: IWatchResponse): void {
    if (this.reloading) return;
    try {
      this.apply(res);
    } catch (err) {
      this.feed.stop();
      void this.reload(`applying a change failed: ${(err as Error).message}`, err);
    }
  }

  /** Applies one watch response to the replica: its events in order, then its progress. */
  private apply(res: IWatchResponse): void {
    for (const e of res.events ?? []) {
      const revision = rev(e.kv.mod_revision);
      const key = e.kv.key.toString().slice(this.keyPrefix.length);
      if (revision <= this.mem.revision) {
        // A foreign multi-key Txn writes several keys at one revision: the replica keeps the first.
        this.warn(`etcd key ${e.kv.key.toString()}: a second change at revision ${revision} is not replicated`);
        continue;
      }
      const cause = this.causes.get(key);
      const withCause = (ev: StoreEvent) => this.mem.replicate(cause ? { ...ev, cause } : ev);
      if (e.type === 'Delete') {
        const last = this.decode(e.prev_kv) ?? this.mem.get(key);
        if (last) withCause({ type: 'delete', revision, kv: { ...last, modRevision: revision }, prev: last });
        continue;
      }
      const kv = this.decode(e.kv);
      const prev = this.mem.get(key);
      if (kv) withCause(prev ? { type: 'put', revision, kv, prev } : { type: 'put', revision, kv });
      // An unreadable value hides the object (as a delete) rather than leaving a stale one visible.
      else if (prev) withCause({ type: 'delete', revision, kv: { ...prev, modRevision: revision }, prev });
    }
    // An events response's header may run ahead of events still to come (a watch catching up sends its
    // batches with the current revision): only the last event's revision is known to be complete.
    const events = res.events ?? [];
    this.caught.advance(Math.max(this.mem.revision, events.length > 0 ? rev(events[events.length - 1].kv.mod_revision) : rev(res.header.revision)));
  }

  /** Returns an etcd KeyValue as the store's, or undefined (with a warning naming the key) when its value is not JSON. */
  private decode(kv: IKeyValue | undefined): KeyValue | undefined {
    return kv ? decodeKv(kv, this.keyPrefix, this.warn) : undefined;
  }
}

/** A linearizable range on the best member, tried on the others (each try at most tryMs) for READ_GIVE_UP_MS. */
function read(members: EtcdMembers, req: IRangeRequest, tryMs: number, stopped?: () => boolean): Promise<IRangeResponse> {
  return members.call((c, deadline) => c.kv.range(req, { deadline }), { deadline: Date.now() + READ_GIVE_UP_MS, tryMs, resend: true, stopped });
}
