// JetStreamStore: the store's keys and history in a NATS JetStream stream (one message per write,
// the stream sequence is the revision), served from a cache that follows the stream, so any number
// of API servers can write one stream at once.
import { randomUUID } from 'node:crypto';
import { isJetStreamApiError, JetStreamLog } from '../../../bus/jetstream-log.ts';
import type { JetStreamConnection } from '../../../bus/jetstream-log.ts';
import type { BusCredentials } from '../../../bus/nats-options.ts';
import { storeKeySubject, storeSubjects } from '../../../bus/subjects.ts';
import { currentContext } from '../../../bus/trace.ts';
import type { KeyValue, StoreEvent, TxnOp, TxnResult } from './store.ts';
import { StoreClosedError, StoreUnavailableError } from './errors.ts';
import type { MemoryStore } from './memory-store.ts';
import { MemoryBackedStore } from './memory-backed.ts';
import { encodeRecord } from './wal.ts';
import { barrierSubject, compactionCuts, CREATED, EXPECT, load, OP, unavailable, VERSION } from './jetstream-recovery.ts';
import { StreamCache } from './jetstream-cache.ts';
import { ReadBarrier } from './jetstream-barrier.ts';

/** Options of a JetStreamStore. */
export interface JetStreamStoreOptions {
  /** NATS server URLs, comma-separated (the store opens its own connection), unless `nc` is given. */
  servers?: string;
  /** A connection to use (left open on close). */
  nc?: JetStreamConnection;
  /** The stream's name (default KUBUS_STORE); its subjects are kubus.store.<name>.<key in base64url>. */
  stream?: string;
  /** Stream replicas: 1 on one server, 3 on a 3-server cluster (default 1). */
  replicas?: number;
  /** The identity its own connection uses on a locked bus (unset: KUBUS_CREDS's file, if any). */
  credentials?: BusCredentials | null;
  /** Hears what must not crash the store (default console.warn). */
  onWarn?: (message: string, err?: unknown) => void;
  /** How long a txn or sync waits for JetStream and for the cache before StoreUnavailableError (default 30 s). */
  timeoutMs?: number;
}

const defaultWarn = (message: string, err?: unknown) => console.warn(`store: ${message}`, err ?? '');
/** Tombstone and superseded-version purges sent at once during compaction. */
const PURGE_CONCURRENCY = 32;
/** Proposals of one unconditional update or delete that lost races before it gives up. */
const MAX_PROPOSALS = 100;

/**
 * The jetstream backend, a follower as EtcdStore is. Unlike a KV bucket (history capped at 64 per
 * key), the stream keeps every version of every key until compaction purges it, so range-at-revision
 * and watch-from-revision reach back to the compacted revision as etcd's do. A write is published as
 * a proposal with its precondition, which every replica decides alike when it applies the message
 * (see write); an accepted one's revision is its stream sequence. The cache (a MemoryStore) is fed by an
 * ordered consumer in stream order, and a txn resolves once the cache has applied its write, so a
 * caller reads its own writes; reads, history and watches are served from the cache. A cache that
 * missed writes purged before it read them (cut off longer than the compaction retention) reloads
 * from the stream, its watchers ending as compacted ones do.
 */
export class JetStreamStore extends MemoryBackedStore {
  private closed = false;
  private closing: Promise<void> | undefined;
  /** The cache's follower of the stream. */
  private readonly cache: StreamCache;
  private readonly inflight = new Set<Promise<unknown>>();
  private background: Promise<void> = Promise.resolve();
  /** Tells this open's message IDs from another's, so deduplication only ever merges retries of one write. */
  private readonly session = randomUUID();
  private writes = 0;
  private readonly barrier: ReadBarrier;

  private constructor(
    private readonly log: JetStreamLog,
    /** The stream's name. */
    readonly stream: string,
    mem: MemoryStore,
    applied: number,
    private readonly warn: (message: string, err?: unknown) => void,
    private readonly timeoutMs: number,
    private readonly servers: string,
  ) {
    super(mem);
    this.cache = new StreamCache(log, mem, applied, warn);
    this.barrier = new ReadBarrier(log, this.cache, { session: this.session, reach: (p) => this.reach(p), closed: () => this.closed, timeoutMs });
  }

  /** Connects, creates the stream if missing, loads the cache and follows the stream; unreachable NATS or no JetStream throw StoreUnavailableError. */
  static async open(opts: JetStreamStoreOptions): Promise<JetStreamStore> {
    const warn = opts.onWarn ?? defaultWarn;
    const stream = opts.stream ?? 'KUBUS_STORE';
    let log: JetStreamLog;
    try {
      log = await JetStreamLog.open({ servers: opts.servers, nc: opts.nc, name: 'kubus-store', stream, prefix: storeSubjects(stream), replicas: opts.replicas ?? 1, credentials: opts.credentials });
    } catch (err) {
      throw unavailable(err, opts.servers, stream);
    }
    let store: JetStreamStore | undefined;
    try {
      const { mem, lastSeq, leftovers, rejected, dups } = await load(log, stream, storeSubjects(stream), warn);
      store = new JetStreamStore(log, stream, mem, lastSeq, warn, opts.timeoutMs ?? 30_000, opts.servers ?? 'the given connection');
      store.cache.dups = dups;
      store.cache.repairer.want = opts.replicas ?? 1;
      for (const [e, prev] of rejected) store.cache.noteRejected(e, prev);
      await store.cache.follow();
      await store.purge(leftovers);
      return store;
    } catch (err) {
      await store?.cache.stop(err);
      await log.close(true);
      throw unavailable(err, opts.servers, stream);
    }
  }

  /** The subject a key's writes go to. */
  subjectOf(key: string): string {
    return storeKeySubject(this.stream, key);
  }

  async txn(op: TxnOp): Promise<TxnResult> {
    if (this.closed) throw new StoreClosedError();
    if (typeof op?.key !== 'string' || op.key === '') throw new TypeError(`txn key must be a non-empty string`);
    if (op.op !== 'create' && op.op !== 'update' && op.op !== 'delete') throw new TypeError(`unknown txn op ${(op as { op: unknown }).op}`);
    // Encode before sending, so a value the codec rejects never reaches the stream. The revision is the ack's.
    const payload = encodeRecord(op.op === 'delete' ? { t: 'del', rev: 0, key: op.key } : { t: 'put', rev: 0, key: op.key, value: op.value });
    const cause = currentContext();
    if (cause) this.cache.causes.set(op.key, cause);
    const p = this.deadline(this.write(op, payload), () => `a ${op.op} of ${op.key} did not finish in ${this.timeoutMs} ms (it may still take effect)`);
    this.inflight.add(p);
    try {
      return await p;
    } finally {
      this.inflight.delete(p);
      if (cause && this.cache.causes.get(op.key) === cause) this.cache.causes.delete(op.key);
    }
  }

  /** Resolves once the cache has applied every write the stream had acknowledged before the call: a consistent read's barrier (jetstream-barrier.ts). */
  async sync(): Promise<void> {
    if (this.closed) throw new StoreClosedError();
    await this.deadline(this.barrier.sync(), () => `a consistent read's barrier did not reach the cache in ${this.timeoutMs} ms`);
  }

  /**
   * The key's compare-and-set, decided when the log is applied rather than when it is appended: the
   * write is published as a proposal carrying its precondition (the op; for update/delete the
   * modRevision it requires: the caller's ifModRevision, or the cache's current one), and every
   * replica's cache, and every load, accepts or rejects it the same way in stream order (decide in
   * jetstream-recovery.ts). So the stream's order is the linearization order, whatever the server
   * checks. No Nats-Expected-Last-Subject-Sequence is sent: nats-server 2.9.10 checks it outside Raft
   * on clustered streams (nats-io/nats-server#4320: two CAS on one sequence both stored), and a
   * rejected proposal stays its subject's last message, so a server-side expectation of the accepted
   * version's sequence would refuse the next writer. A refusal the cache would give stands only once
   * the cache holds every write acknowledged before it (a read barrier), as etcd would decide on the current
   * value. An unconditional update or delete that lost a race is proposed again on the fresh value.
   */
  private async write(op: TxnOp, payload: Uint8Array): Promise<TxnResult> {
    const subject = this.subjectOf(op.key);
    const giveUpAt = Date.now() + this.timeoutMs;
    let confirmed = false;
    for (let tries = 0; ; ) {
      const current = this.mem.get(op.key);
      const refused = refusal(op, current);
      if (refused && confirmed) return refused;
      if (!refused) {
        if (++tries > MAX_PROPOSALS) throw new StoreUnavailableError(`a ${op.op} of ${op.key} lost ${MAX_PROPOSALS} races in a row to other writers of the key`);
        const headers: Record<string, string> = { [OP]: op.op };
        if (op.op !== 'create') headers[EXPECT] = String(op.ifModRevision ?? current!.modRevision);
        // The version headers are only read for a key whose earlier messages were purged (load's trust).
        if (current && op.op !== 'delete') Object.assign(headers, { [CREATED]: String(current.createRevision), [VERSION]: String(current.version + 1) });
        // A fresh message ID per proposal: a retry of one publish is deduplicated, a new proposal is not.
        const msgID = `${this.session}-${++this.writes}`;
        const acked = await this.reach(this.log.append(subject, payload, { headers, msgID, giveUpAt }));
        await this.cache.until(acked);
        const applied = this.cache.ids.get(acked);
        if (applied !== undefined && applied !== msgID) {
          // The leader stored this proposal at `acked`; the cache has another message there, so its decision is not the stream's.
          void this.cache.diverged(acked, `the ${op.op} of ${op.key} (message ${msgID}) was acknowledged there, but this API server's feed delivered message ${applied} at it`);
          throw new StoreUnavailableError(`the jetstream store's cache diverged from the stream at revision ${acked} and reloads; the ${op.op} of ${op.key} may or may not have taken effect`);
        }
        // A retried publish stored twice: the proposal's outcome is its first copy's (the later one changed nothing).
        const seq = Math.min(acked, this.cache.dups.firstOf(msgID) ?? acked);
        if (!this.cache.rejections.has(seq)) return this.resultAt(op.key, seq);
        const at = this.cache.rejections.get(seq);
        this.cache.rejections.delete(seq);
        if (op.op === 'create') return { ok: false, reason: 'exists', current: at! };
        if (!at) return { ok: false, reason: 'not-found' };
        if (op.ifModRevision !== undefined) return { ok: false, reason: 'conflict', current: at };
        continue; // unconditional: the cache now has the value that won, propose on it
      }
      // Deciding again on the cache is right once it holds every write acknowledged so far: a read's barrier
      // (the leader's word on the key's last message is not enough, an old leader's copy answers too).
      await this.barrier.sync();
      confirmed = true;
    }
  }

  /** Returns `p`, its transport failures (not JetStream's refusals) as StoreUnavailableError. */
  private async reach<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (err) {
      if (isJetStreamApiError(err) || this.closed) throw err;
      throw new StoreUnavailableError(`the jetstream store cannot reach JetStream at ${this.servers} (${(err as Error).message}); writes resume when NATS is back`);
    }
  }

  /** Returns a write's result as the cache recorded it at `seq`. */
  private resultAt(key: string, seq: number): TxnResult {
    let ev: StoreEvent | undefined;
    if (seq > this.mem.compactedRevision) ev = this.mem.history(key, seq - 1, seq).find((e) => e.revision === seq && e.kv.key === key);
    if (!ev) {
      // Compacted away already (or another API server's compaction raced it): what is left is the current value.
      const kv = this.mem.get(key);
      return kv?.modRevision === seq ? { ok: true, revision: seq, kv } : { ok: true, revision: seq };
    }
    if (ev.type === 'delete') return { ok: true, revision: seq, prev: ev.prev };
    return ev.prev ? { ok: true, revision: seq, kv: ev.kv, prev: ev.prev } : { ok: true, revision: seq, kv: ev.kv };
  }

  /**
   * Compacts the cache at once; then, in the background, advances the stream's recorded compacted
   * revision with a compare-and-set, and only when this replica moved it, purges from the stream every
   * version of a key hidden by the one visible at `revision` (and that one too when it is a delete).
   * Every API server compacts on its own timer; one purges per compaction point.
   */
  compact(revision: number): void {
    if (this.closed) throw new StoreClosedError();
    const before = this.mem.compactedRevision;
    if (!Number.isInteger(revision) || revision <= before || revision > this.mem.revision) {
      this.mem.compact(revision); // no-op, or the memory store's error
      return;
    }
    const window = this.mem.history('', before, revision);
    this.mem.compact(revision);
    const cuts = compactionCuts(window, this.cache.unpurgedRejections, this.mem, before, revision);
    this.background = this.background
      .then(async () => {
        if (!(await this.claimCompaction(revision))) return;
        await this.purge(cuts);
        // Read barriers below the compaction point hold nothing.
        if (this.cache.lastBarrier > before) await this.log.purge(barrierSubject(this.log.prefix), revision);
        // nats-server 2.9 may stall or skip a consumer after a subject purge: the feed starts afresh.
        this.cache.resume();
      })
      .catch((err) => this.warn(`compaction at revision ${revision} did not finish in stream ${this.stream} (reopening finishes it): ${(err as Error).message}`, err));
  }

  /** Moves the stream's compacted revision to `revision` by compare-and-set; false when another replica has it there or beyond. */
  private async claimCompaction(revision: number): Promise<boolean> {
    for (;;) {
      const cur = await this.log.getMetaEntry('compacted');
      if (Number(cur?.value ?? 0) >= revision) return false;
      if (await this.log.casMeta('compacted', String(revision), cur?.revision ?? 0)) return true;
    }
  }

  /** Waits for txns in flight and compaction, stops following, and closes the connection when the store opened it. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inflight]);
    await this.background;
    await this.cache.stop(new StoreClosedError());
    await this.log.close();
  }

  /** Rejects `p` with StoreUnavailableError when it takes longer than the store's timeout. */
  private deadline<T>(p: Promise<T>, what: () => string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new StoreUnavailableError(`the jetstream store is unavailable: ${what()}; is NATS at ${this.servers} up?`)), this.timeoutMs);
      p.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  /** Purges each subject's messages below the given sequence, a few at a time. */
  private async purge(cuts: [string, number][]): Promise<void> {
    for (let i = 0; i < cuts.length; i += PURGE_CONCURRENCY) {
      await Promise.all(cuts.slice(i, i + PURGE_CONCURRENCY).map(([key, seq]) => this.log.purge(this.subjectOf(key), seq)));
    }
  }
}

/** Returns the refusal etcd would give `op` on the key's current value, or undefined when it may go ahead. */
function refusal(op: TxnOp, current: KeyValue | undefined): TxnResult | undefined {
  if (op.op === 'create') return current ? { ok: false, reason: 'exists', current } : undefined;
  if (!current) return { ok: false, reason: 'not-found' };
  if (op.ifModRevision !== undefined && op.ifModRevision !== current.modRevision) return { ok: false, reason: 'conflict', current };
  return undefined;
}
