// JetStreamStore: the store's keys and history in a NATS JetStream stream (one message per write,
// the stream sequence is the revision), served from a MemoryStore rebuilt from the stream on open.
import { randomUUID } from 'node:crypto';
import { isJetStreamApiError, isWrongLastSequence, JetStreamLog } from '../../../bus/jetstream-log.ts';
import type { JetStreamConnection } from '../../../bus/jetstream-log.ts';
import { JetStreamLogError } from '../../../bus/errors.ts';
import { storeKeySubject, storeSubjects } from '../../../bus/subjects.ts';
import type { StoreEvent, TxnOp, TxnResult } from './store.ts';
import { StoreClosedError, StoreFailedError, StoreUnavailableError } from './errors.ts';
import type { MemoryStore } from './memory-store.ts';
import { MemoryBackedStore } from './memory-backed.ts';
import { encodeRecord } from './wal.ts';
import { CREATED, load, VERSION } from './jetstream-recovery.ts';

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
  /** Hears what must not crash the store (default console.warn). */
  onWarn?: (message: string, err?: unknown) => void;
}

const defaultWarn = (message: string, err?: unknown) => console.warn(`store: ${message}`, err ?? '');
/** Tombstone and superseded-version purges sent at once during compaction. */
const PURGE_CONCURRENCY = 32;

/**
 * The jetstream backend. Unlike a KV bucket (history capped at 64 per key), the stream keeps every
 * version of every key until compaction purges it, so range-at-revision and watch-from-revision
 * reach back to the compacted revision as etcd's do. Each write is published with two expectations
 * the server checks: the stream's last sequence is the revision before it (so its sequence is the
 * revision the local MVCC view gave it: one global revision, as etcd) and the key's subject's last
 * sequence is the key's last write (compare-and-set per key). Writes apply to the local view at once
 * and resolve, and reach watchers, once JetStream has acknowledged them. A write refused by the
 * server (another process wrote the stream) fails the store: it is read-only until reopened, when it
 * is rebuilt from the stream.
 */
export class JetStreamStore extends MemoryBackedStore {
  private closed = false;
  private closing: Promise<void> | undefined;
  private failure: StoreFailedError | undefined;
  /** Revisions published and not yet acknowledged, ascending, with whether each is. */
  private readonly unacked: { rev: number; acked: boolean }[] = [];
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly durableWaiters: { rev: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  /** While set, publishes wait for it: a compaction is purging tombstones, which changes subjects' last sequences. */
  private gate: Promise<void> | undefined;
  private background: Promise<void> = Promise.resolve();
  private readonly warn: (message: string, err?: unknown) => void;
  /** Tells this open's message IDs from another's, so deduplication only ever merges retries of one write. */
  private readonly session = randomUUID();

  private constructor(
    private readonly log: JetStreamLog,
    /** The stream's name. */
    readonly stream: string,
    mem: MemoryStore,
    warn: (message: string, err?: unknown) => void,
  ) {
    super(mem);
    this.warn = warn;
  }

  /** Connects, creates the stream if missing, and rebuilds the state from it; unreachable NATS or no JetStream throw StoreUnavailableError. */
  static async open(opts: JetStreamStoreOptions): Promise<JetStreamStore> {
    const warn = opts.onWarn ?? defaultWarn;
    const stream = opts.stream ?? 'KUBUS_STORE';
    let log: JetStreamLog;
    try {
      log = await JetStreamLog.open({ servers: opts.servers, nc: opts.nc, name: 'kubus-store', stream, prefix: storeSubjects(stream), replicas: opts.replicas ?? 1 });
    } catch (err) {
      throw unavailable(err, opts.servers, stream);
    }
    try {
      const { mem, leftovers } = await load(log, stream, warn);
      const store = new JetStreamStore(log, stream, mem, warn);
      await store.purge(leftovers);
      return store;
    } catch (err) {
      await log.close(true);
      throw unavailable(err, opts.servers, stream);
    }
  }

  /** The subject a key's writes go to. */
  subjectOf(key: string): string {
    return storeKeySubject(this.stream, key);
  }

  txn(op: TxnOp): Promise<TxnResult> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    if (this.failure) return Promise.reject(this.failure);
    try {
      // Encode before applying, so a value the codec rejects never reaches memory.
      const put = op.op === 'delete' ? undefined : encodeRecord({ t: 'put', rev: this.mem.revision + 1, key: op.key, value: op.value });
      const lastSubjectSequence = typeof op?.key === 'string' ? this.mem.lastWriteRevision(op.key) : 0;
      const res = this.mem.apply(op);
      if (!res.ok) return Promise.resolve(res);
      const rev = res.revision;
      const headers: Record<string, string> = res.kv ? { [CREATED]: String(res.kv.createRevision), [VERSION]: String(res.kv.version) } : {};
      const payload = put ?? encodeRecord({ t: 'del', rev, key: op.key });
      const subject = this.subjectOf(op.key);
      // The message ID makes a retry after a lost ack a duplicate the server answers with the first ack.
      const opts = { headers, msgID: `${this.session}-${rev}`, lastSequence: rev - 1, lastSubjectSequence };
      const send = async () => {
        for (;;) {
          try {
            return await this.log.append(subject, payload, opts);
          } catch (err) {
            // A write ahead of this one is still being retried (a stream leader change): once it lands, this one's expectation holds again.
            if (!isWrongLastSequence(err) || !(this.unacked[0]?.rev < rev)) throw err;
            await this.whenDurable(rev - 1);
          }
        }
      };
      const entry = { rev, acked: false };
      this.unacked.push(entry);
      const p = (this.gate ? this.gate.then(send) : send()).then(
        (seq) => {
          if (seq !== rev) throw new Error(`stream ${this.stream} stored revision ${rev} at sequence ${seq}`);
          entry.acked = true;
          this.advanceDurable();
          return res;
        },
        (err) => {
          throw this.fail(err);
        },
      );
      this.track(p);
      return p;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Compacts the local view at once; then, in the background, purges from the stream every version
   * of a key hidden by the one visible at `revision` (and that one too when it is a delete), and
   * records the compacted revision so a reopen does not serve history below it.
   */
  compact(revision: number): void {
    if (this.closed) throw new StoreClosedError();
    const before = this.mem.compactedRevision;
    if (!Number.isInteger(revision) || revision <= before || revision > this.mem.revision) {
      this.mem.compact(revision); // no-op, or the memory store's error
      return;
    }
    const last = new Map<string, StoreEvent>();
    /** Keys written more than once in the window: older messages of theirs are in the stream. */
    const rewritten = new Set<string>();
    for (const ev of this.mem.history('', before, revision)) {
      if (last.has(ev.kv.key)) rewritten.add(ev.kv.key);
      last.set(ev.kv.key, ev);
    }
    this.mem.compact(revision);
    const tombstones: [string, number][] = [];
    const superseded: [string, number][] = [];
    for (const [key, ev] of last) {
      if (ev.type === 'delete') tombstones.push([key, ev.revision + 1]);
      else if (ev.prev || rewritten.has(key)) superseded.push([key, ev.revision]);
    }
    const sentBefore = this.mem.revision;
    if (tombstones.length > 0) {
      // Purging a tombstone changes its subject's last sequence: writes wait until the purge is done.
      const prev = this.gate ?? Promise.resolve();
      const gate: Promise<void> = prev
        .then(() => this.whenDurable(sentBefore))
        .then(() => this.purge(tombstones))
        .catch((err) => {
          throw this.fail(err);
        });
      this.gate = gate;
      const open = () => {
        if (this.gate === gate) this.gate = undefined;
      };
      gate.then(open, open);
    }
    const gate = this.gate;
    this.background = this.background
      .then(async () => {
        if (gate) await gate;
        await this.whenDurable(sentBefore);
        await this.purge(superseded);
        await this.log.putMeta('compacted', String(revision));
      })
      .catch((err) => this.warn(`compaction at revision ${revision} did not finish in stream ${this.stream} (reopening finishes it): ${(err as Error).message}`, err));
  }

  /** Waits for published writes and compaction, then closes the connection when the store opened it. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inflight]);
    await this.background;
    for (const w of this.durableWaiters.splice(0)) w.reject(new StoreClosedError());
    await this.log.close();
  }

  /** Purges each subject's messages below the given sequence, a few at a time. */
  private async purge(cuts: [string, number][]): Promise<void> {
    for (let i = 0; i < cuts.length; i += PURGE_CONCURRENCY) {
      await Promise.all(cuts.slice(i, i + PURGE_CONCURRENCY).map(([key, seq]) => this.log.purge(this.subjectOf(key), seq)));
    }
  }

  private track(p: Promise<unknown>): void {
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
  }

  /** Hands acknowledged writes to watchers in revision order. */
  private advanceDurable(): void {
    let rev = 0;
    while (this.unacked.length > 0 && this.unacked[0].acked) rev = this.unacked.shift()!.rev;
    if (rev === 0) return;
    this.mem.markDurable(rev);
    for (let i = this.durableWaiters.length - 1; i >= 0; i--) {
      const w = this.durableWaiters[i];
      if (w.rev <= rev) {
        this.durableWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  private whenDurable(rev: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.mem.durableRevision >= rev) return Promise.resolve();
    return new Promise((resolve, reject) => this.durableWaiters.push({ rev, resolve, reject }));
  }

  /** Marks the store failed (read-only until reopened) and returns the error to reject with. */
  private fail(err: unknown): StoreFailedError {
    if (err instanceof StoreFailedError) return err;
    if (!this.failure) {
      this.failure = new StoreFailedError(err);
      this.warn(`${this.failure.message} (stream ${this.stream}; another writer, or JetStream refused the write)`, err);
      for (const w of this.durableWaiters.splice(0)) w.reject(this.failure);
    }
    return this.failure;
  }
}

/** Returns the StoreUnavailableError saying what to do about a log that cannot be had; other errors as they are. */
function unavailable(err: unknown, servers: string | undefined, stream: string): unknown {
  if (isJetStreamApiError(err)) err = new JetStreamLogError('setup', (err as Error).message);
  if (!(err instanceof JetStreamLogError)) return err;
  switch (err.kind) {
    case 'unreachable':
      return new StoreUnavailableError(`cannot reach NATS at ${servers} for the jetstream store (${err.detail}); start nats-server with JetStream (nats-server -js) or point --nats at one`);
    case 'no-jetstream':
      return new StoreUnavailableError(`NATS at ${err.server} has no JetStream ready (${err.detail}); run nats-server with -js (or a jetstream {} block in its config), and in a cluster let it elect a JetStream leader`);
    case 'unfit':
      // A stream that drops messages on its own would lose history (or revisions) behind the store's back.
      return new StoreUnavailableError(`stream ${stream} exists with ${err.detail}: it cannot hold the store's history; delete it or use another stream`);
    case 'setup':
      return new StoreUnavailableError(`the jetstream store's stream ${stream} could not be set up (${err.detail}); check that JetStream is enabled with room to store, on at least REPLICAS clustered servers for jetstream:REPLICAS`);
  }
}
