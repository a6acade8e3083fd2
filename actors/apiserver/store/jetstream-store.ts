// JetStreamStore: the store's keys and history in a NATS JetStream stream (one message per write,
// the stream sequence is the revision), served from a MemoryStore rebuilt from the stream on open.
import { randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { DiscardPolicy, jetstream, jetstreamManager, JetStreamApiError, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import type { KeyValue, StoreEvent, TxnOp, TxnResult } from './store.ts';
import { StoreClosedError, StoreCorruptError, StoreFailedError, StoreUnavailableError } from './errors.ts';
import { MemoryStore } from './memory-store.ts';
import { MemoryBackedStore } from './memory-backed.ts';
import { decodeRecord, encodeRecord } from './wal.ts';

/** Options of a JetStreamStore. */
export interface JetStreamStoreOptions {
  /** NATS server URLs, comma-separated (the store opens its own connection), unless `nc` is given. */
  servers?: string;
  /** A connection to use (left open on close). */
  nc?: NatsConnection;
  /** The stream's name (default KUBUS_STORE); its subjects are kubus.store.<name>.<key in base64url>. */
  stream?: string;
  /** Stream replicas: 1 on one server, 3 on a 3-server cluster (default 1). */
  replicas?: number;
  /** Hears what must not crash the store (default console.warn). */
  onWarn?: (message: string, err?: unknown) => void;
}

const defaultWarn = (message: string, err?: unknown) => console.warn(`store: ${message}`, err ?? '');
/** Headers carrying what a compacted stream can no longer replay: the key's create revision and version. */
const CREATED = 'Kubus-Create-Revision';
const VERSION = 'Kubus-Version';
/** Tombstone and superseded-version purges sent at once during compaction. */
const PURGE_CONCURRENCY = 32;
/** A publish is retried on timeouts and no responders (a stream leader election) this often, each waiting this long. */
const PUBLISH_RETRIES = 15;
const PUBLISH_TIMEOUT_MS = 2000;
/** JetStream's error code for a failed expected-last-sequence check. */
const WRONG_LAST_SEQUENCE = 10071;

const wrongLastSequence = (err: unknown) => err instanceof JetStreamApiError && err.code === WRONG_LAST_SEQUENCE;

/** A write read back from the stream. */
interface Entry {
  seq: number;
  key: string;
  /** undefined for a delete. */
  value?: unknown;
  createRevision: number;
  version: number;
}

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
    private readonly nc: NatsConnection,
    private readonly ownConnection: boolean,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly meta: KV,
    /** The stream's name. */
    readonly stream: string,
    private readonly prefix: string,
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
    const replicas = opts.replicas ?? 1;
    const prefix = `kubus.store.${stream.toLowerCase()}`;
    let nc = opts.nc;
    if (!nc) {
      try {
        // noAsyncTraces: a request otherwise builds two Errors (for stack traces) up front, a fifth of the CPU of a write.
        nc = await connect({ servers: (opts.servers ?? '127.0.0.1:4222').split(','), name: 'kubus-store', maxReconnectAttempts: -1, noAsyncTraces: true });
      } catch (err) {
        throw new StoreUnavailableError(`cannot reach NATS at ${opts.servers} for the jetstream store (${(err as Error).message}); start nats-server with JetStream (nats-server -js) or point --nats at one`);
      }
    }
    try {
      let jsm: JetStreamManager;
      try {
        jsm = await jetstreamManager(nc);
      } catch (err) {
        throw new StoreUnavailableError(`NATS at ${nc.getServer()} has no JetStream ready (${(err as Error).message}); run nats-server with -js (or a jetstream {} block in its config), and in a cluster let it elect a JetStream leader`);
      }
      await ensureStream(jsm, stream, prefix, replicas);
      const meta = await new Kvm(nc).create(`${stream}_META`, { replicas, history: 1 });
      const js = jetstream(nc);
      const { mem, leftovers } = await load(js, jsm, meta, stream, warn);
      const store = new JetStreamStore(nc, !opts.nc, js, jsm, meta, stream, prefix, mem, warn);
      await store.purge(leftovers);
      return store;
    } catch (err) {
      if (!opts.nc) await nc.close().catch(() => undefined);
      if (err instanceof JetStreamApiError) throw new StoreUnavailableError(`the jetstream store's stream ${stream} could not be set up (${err.message}); check that JetStream is enabled with room to store, on at least REPLICAS clustered servers for jetstream:REPLICAS`);
      throw err;
    }
  }

  /** The subject a key's writes go to: base64url keeps any key a single valid subject token. */
  subjectOf(key: string): string {
    return `${this.prefix}.${Buffer.from(key).toString('base64url')}`;
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
      const h = natsHeaders();
      if (res.kv) {
        h.set(CREATED, String(res.kv.createRevision));
        h.set(VERSION, String(res.kv.version));
      }
      const payload = put ?? encodeRecord({ t: 'del', rev, key: op.key });
      const subject = this.subjectOf(op.key);
      // The message ID makes a retry after a lost ack a duplicate the server answers with the first ack.
      const opts = { headers: h, msgID: `${this.session}-${rev}`, retries: PUBLISH_RETRIES, timeout: PUBLISH_TIMEOUT_MS, expect: { lastSequence: rev - 1, lastSubjectSequence } };
      const send = async () => {
        for (;;) {
          try {
            return await this.js.publish(subject, payload, opts);
          } catch (err) {
            // A write ahead of this one is still being retried (a stream leader change): once it lands, this one's expectation holds again.
            if (!wrongLastSequence(err) || !(this.unacked[0]?.rev < rev)) throw err;
            await this.whenDurable(rev - 1);
          }
        }
      };
      const entry = { rev, acked: false };
      this.unacked.push(entry);
      const p = (this.gate ? this.gate.then(send) : send()).then(
        (ack) => {
          if (ack.seq !== rev) throw new Error(`stream ${this.stream} stored revision ${rev} at sequence ${ack.seq}`);
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
        await this.meta.put('compacted', String(revision));
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
    if (this.ownConnection) await this.nc.drain().catch(() => this.nc.close());
  }

  /** Purges each subject's messages below the given sequence, a few at a time. */
  private async purge(cuts: [string, number][]): Promise<void> {
    for (let i = 0; i < cuts.length; i += PURGE_CONCURRENCY) {
      await Promise.all(cuts.slice(i, i + PURGE_CONCURRENCY).map(([key, seq]) => this.jsm.streams.purge(this.stream, { filter: this.subjectOf(key), seq })));
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

/** Creates the stream, or checks the existing one takes unlimited history per key. */
async function ensureStream(jsm: JetStreamManager, stream: string, prefix: string, replicas: number): Promise<void> {
  const subjects = [`${prefix}.>`];
  try {
    const info = await jsm.streams.info(stream);
    const c = info.config;
    // A stream that drops messages on its own would lose history (or revisions) behind the store's back.
    const wrong = [
      !c.subjects?.includes(subjects[0]) && `subjects ${JSON.stringify(c.subjects)} (want ${subjects[0]})`,
      c.max_msgs_per_subject > 0 && `max_msgs_per_subject ${c.max_msgs_per_subject}`,
      c.max_msgs > 0 && `max_msgs ${c.max_msgs}`,
      c.max_bytes > 0 && `max_bytes ${c.max_bytes}`,
      c.max_age > 0 && `max_age ${c.max_age}`,
      c.deny_purge && 'deny_purge',
      c.retention !== RetentionPolicy.Limits && `retention ${c.retention}`,
    ].filter(Boolean);
    if (wrong.length > 0) throw new StoreUnavailableError(`stream ${stream} exists with ${wrong.join(', ')}: it cannot hold the store's history; delete it or use another stream`);
    if (c.num_replicas !== replicas) await jsm.streams.update(stream, { ...c, num_replicas: replicas });
    return;
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== 10059) throw err; // 10059: stream not found
  }
  await jsm.streams.add({
    name: stream,
    subjects,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: replicas,
    // Every version is kept until compaction purges it (a KV bucket caps this at 64).
    max_msgs_per_subject: -1,
    max_msgs: -1,
    max_bytes: -1,
    max_age: 0,
    deny_delete: true,
    deny_purge: false,
    allow_rollup_hdrs: false,
  });
}

/** Returns the entry a stream message holds; throws StoreCorruptError for anything else. */
function entryOf(m: JsMsg): Entry {
  let rec;
  try {
    rec = decodeRecord(m.data);
  } catch (err) {
    throw new StoreCorruptError(`stream message ${m.seq} is not a store record: ${(err as Error).message}`);
  }
  if (rec.t === 'compact' || rec.rev !== m.seq) throw new StoreCorruptError(`stream message ${m.seq} holds revision ${rec.rev}`);
  const num = (name: string, dflt: number) => Number(m.headers?.get(name) || dflt);
  if (rec.t === 'del') return { seq: m.seq, key: rec.key, createRevision: 0, version: 0 };
  return { seq: m.seq, key: rec.key, value: rec.value, createRevision: num(CREATED, m.seq), version: num(VERSION, 1) };
}

/**
 * Reads the whole stream with an ordered consumer and rebuilds the MVCC view: what is at or below the
 * compacted revision (recorded, or implied by purged sequences) is the snapshot, what is above it is
 * replayed. Returns the purges an interrupted compaction left undone.
 */
async function load(js: JetStreamClient, jsm: JetStreamManager, meta: KV, stream: string, warn: (m: string, e?: unknown) => void) {
  const info = await jsm.streams.info(stream);
  const lastSeq = info.state.last_seq;
  const recorded = Number((await meta.get('compacted'))?.string() || 0);
  const entries: Entry[] = [];
  if (info.state.messages > 0) {
    const consumer = await js.consumers.get(stream);
    const msgs = await consumer.consume({ max_messages: 4096 });
    for await (const m of msgs) {
      entries.push(entryOf(m));
      // The last sequence may be a purged message (a tombstone compaction removed): stop at the last one there is.
      if (m.seq >= lastSeq || m.info.pending === 0) break;
    }
    await msgs.close();
  }
  // A purged sequence means compaction reached at least it (the record may not have been written).
  let compacted = Math.min(recorded, lastSeq);
  let expect = 1;
  for (const e of entries) {
    if (e.seq > expect) compacted = Math.max(compacted, e.seq - 1);
    expect = e.seq + 1;
  }
  if (lastSeq >= expect) compacted = lastSeq; // purged at the end too
  const latest = new Map<string, Entry>();
  const older = new Map<string, number>();
  let i = 0;
  for (; i < entries.length && entries[i].seq <= compacted; i++) {
    const e = entries[i];
    const prev = latest.get(e.key);
    if (prev) older.set(e.key, e.seq);
    latest.set(e.key, e);
  }
  const kvs: KeyValue[] = [];
  const leftovers: [string, number][] = [];
  for (const [key, e] of latest) {
    if (e.value === undefined) leftovers.push([key, e.seq + 1]);
    else {
      if (older.has(key)) leftovers.push([key, e.seq]);
      kvs.push({ key, value: e.value, createRevision: e.createRevision, modRevision: e.seq, version: e.version });
    }
  }
  if (leftovers.length > 0) warn(`stream ${stream}: finishing an interrupted compaction (${leftovers.length} keys)`);
  const mem = MemoryStore.restore(kvs, compacted, { deferDurability: true, onWarn: warn });
  for (; i < entries.length; i++) {
    const e = entries[i];
    const exists = mem.get(e.key) !== undefined;
    const op: TxnOp = e.value === undefined ? { op: 'delete', key: e.key } : exists ? { op: 'update', key: e.key, value: e.value } : { op: 'create', key: e.key, value: e.value };
    const res = mem.apply(op);
    if (!res.ok || res.revision !== e.seq) throw new StoreCorruptError(`stream ${stream} message ${e.seq} (${op.op} ${e.key}) does not follow from the messages before it`);
  }
  mem.markDurable(mem.revision);
  return { mem, leftovers };
}
