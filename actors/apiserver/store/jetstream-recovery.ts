// The jetstream store's cache built from the stream: the initial load (an ordered consumer over the
// whole stream), the one rule, shared with the live feed, that turns a message into a change, and
// what an open that cannot have its stream tells the user.
import { isJetStreamApiError, type JetStreamLog, type LogMessage } from '../../../bus/jetstream-log.ts';
import { JetStreamLogError } from '../../../bus/errors.ts';
import { StoreUnavailableError } from './errors.ts';
import type { HandlingContext } from '../../../bus/trace.ts';
import type { KeyValue, StoreEvent } from './store.ts';
import { MemoryStore } from './memory-store.ts';
import { decodeRecord } from './wal.ts';

/** Headers carrying what a compacted stream can no longer replay: the key's create revision and version. */
export const CREATED = 'Kubus-Create-Revision';
export const VERSION = 'Kubus-Version';
/** Headers of a proposal: its op (create | update | delete), and for update/delete the modRevision the key must have. */
export const OP = 'Kubus-Op';
export const EXPECT = 'Kubus-Expect-Revision';

type Warn = (message: string, err?: unknown) => void;

/** The header nats-server keeps a publish's message ID in (its deduplication key). */
export const MSG_ID = 'Nats-Msg-Id';
/** How far back (in stream sequences) a message ID seen again marks a duplicate. */
export const DUP_WINDOW = 4096;

/**
 * A proposal stored twice: a publish retried after its ack timed out is deduplicated by nats-server
 * only when its first copy is already applied where the retry lands, so during a leader change both
 * copies can be stored (seen on nats-server 2.9.10: a writer told "exists" for a create the others
 * applied). Every replica and every load treats a message whose ID an earlier message within
 * DUP_WINDOW sequences carried as changing nothing, and its writer's outcome is the first copy's.
 * The rule depends on the stream alone, so every cache decides alike.
 */
export class Duplicates {
  /** Each message ID's first sequence, in stream order (those older than the window dropped). */
  private readonly first = new Map<string, number>();

  /** Records the message's ID; returns true when an earlier message within the window had it. */
  seen(m: LogMessage): boolean {
    const id = m.header(MSG_ID);
    if (!id) return false;
    for (const [old, seq] of this.first) {
      if (seq >= m.seq - DUP_WINDOW) break;
      this.first.delete(old);
    }
    const at = this.first.get(id);
    if (at !== undefined && at < m.seq) return true;
    this.first.set(id, m.seq);
    return false;
  }

  /** The first sequence that carried message ID `id` (within the window), if any. */
  firstOf(id: string): number | undefined {
    return this.first.get(id);
  }
}

/** A write read back from the stream. */
export interface Entry {
  seq: number;
  key: string;
  /** undefined for a delete. */
  value?: unknown;
  createRevision: number;
  version: number;
  /** The proposal's op; undefined in messages of the earlier format (accepted as they are). */
  op?: 'create' | 'update' | 'delete';
  /** For update/delete: the key's modRevision the proposal requires. */
  expect?: number;
}

/** The subject of consistent reads' barriers (jetstream-barrier.ts): '~' is no base64url character, so no key's subject. */
export const barrierSubject = (prefix: string) => `${prefix}.~barrier`;

/** Returns the key a store subject names (`<prefix>.<key in base64url>`), or undefined for another subject. */
export function keyOfSubject(prefix: string, subject: string): string | undefined {
  if (!subject.startsWith(`${prefix}.`)) return undefined;
  return Buffer.from(subject.slice(prefix.length + 1), 'base64url').toString();
}

/**
 * Returns the write a stream message holds, or undefined, with a warning naming the key, when it holds
 * none: bytes that are no store record, or a record for another key than its subject's (someone
 * published there by hand). Such a message is skipped; it never stops the store.
 */
export function entryOf(m: LogMessage, prefix: string, warn: Warn): Entry | undefined {
  if (m.subject.charCodeAt(prefix.length + 1) === 126 /* ~ */ && m.subject === barrierSubject(prefix)) return undefined;
  const key = keyOfSubject(prefix, m.subject);
  const where = () => `stream message ${m.seq} on key ${JSON.stringify(key ?? m.subject)}`;
  let rec;
  try {
    rec = decodeRecord(m.data);
  } catch (err) {
    warn(`${where()} is not a store record, skipped (${(err as Error).message})`, err);
    return undefined;
  }
  if (rec.t === 'compact' || rec.key !== key) {
    warn(`${where()} holds a record for ${rec.t === 'compact' ? 'no key' : `key ${JSON.stringify(rec.key)}`}, skipped`);
    return undefined;
  }
  // Older streams (one writer) recorded the revision in the record; a follower's writes learn it from the ack.
  const num = (name: string, dflt: number) => Number(m.header(name) || dflt);
  const e: Entry = rec.t === 'del' ? { seq: m.seq, key, createRevision: 0, version: 0 } : { seq: m.seq, key, value: rec.value, createRevision: num(CREATED, m.seq), version: num(VERSION, 1) };
  const op = m.header(OP) || undefined; // a missing header reads as empty on the feed
  if (op === undefined) return e;
  if ((op === 'delete') !== (rec.t === 'del') || (op !== 'create' && op !== 'update' && op !== 'delete')) {
    warn(`${where()} is a ${rec.t} record proposed as op ${JSON.stringify(op)}, skipped`);
    return undefined;
  }
  e.op = op;
  if (op !== 'create') e.expect = num(EXPECT, 0);
  return e;
}

/**
 * Decides a proposal on the key's value `prev` at that point of the stream, as every replica and every
 * load does in stream order: a create is accepted iff the key is absent, an update or delete iff the key
 * is live with exactly the modRevision it requires. Returns the key's value after it (undefined: deleted),
 * or 'rejected'. An accepted proposal's createRevision and version come from `prev`, not the writer; a
 * message of the earlier format (no op) is accepted with its headers, as before.
 */
export function decide(e: Entry, prev: KeyValue | undefined): KeyValue | undefined | 'rejected' {
  if (e.op === undefined) {
    if (e.value === undefined) return prev ? undefined : 'rejected';
    return { key: e.key, value: e.value, createRevision: e.createRevision, modRevision: e.seq, version: e.version };
  }
  if (e.op === 'create') return prev ? 'rejected' : { key: e.key, value: e.value, createRevision: e.seq, modRevision: e.seq, version: 1 };
  if (!prev || prev.modRevision !== e.expect) return 'rejected';
  if (e.op === 'delete') return undefined;
  return { key: e.key, value: e.value, createRevision: prev.createRevision, modRevision: e.seq, version: prev.version + 1 };
}

/** The key's value a message holds on trust (its writer's headers): the first retained message of a key whose earlier ones were purged. */
function trusted(e: Entry): KeyValue | undefined {
  return e.value === undefined ? undefined : { key: e.key, value: e.value, createRevision: e.createRevision, modRevision: e.seq, version: e.version };
}

/**
 * Applies one proposal to the cache at its stream sequence (decide): returns the event, or undefined
 * when it was rejected (it changes nothing: a revision gap).
 */
export function applyEntry(mem: MemoryStore, e: Entry, cause?: HandlingContext): StoreEvent | undefined {
  const prev = mem.get(e.key);
  const kv = decide(e, prev);
  if (kv === 'rejected') return undefined;
  let ev: StoreEvent;
  if (kv === undefined) ev = { type: 'delete', revision: e.seq, kv: { ...prev!, modRevision: e.seq }, prev };
  else ev = prev ? { type: 'put', revision: e.seq, kv, prev } : { type: 'put', revision: e.seq, kv };
  if (cause) ev.cause = cause;
  mem.replicate(ev);
  return ev;
}

/**
 * Reads the whole stream with an ordered consumer and builds the cache: what is at or below the
 * compacted revision (recorded, or implied by purged sequences) is the snapshot, what is above it is
 * replayed. Returns the cache, the stream's last sequence at the read (the live feed goes on after
 * it), and the purges an interrupted compaction left undone.
 */
export async function load(log: JetStreamLog, stream: string, prefix: string, warn: Warn) {
  const recorded = Number((await log.getMeta('compacted')) || 0);
  const entries: Entry[] = [];
  /** Every sequence read, skipped messages too: the holes between them are purges. */
  const seqs: number[] = [];
  const dups = new Duplicates();
  const lastSeq = await log.scan((m) => {
    seqs.push(m.seq);
    if (dups.seen(m)) return;
    const e = entryOf(m, prefix, warn);
    if (e) entries.push(e);
  });
  // Another replica may have compacted (and purged) while this one read: its record is written first.
  const after = Number((await log.getMeta('compacted')) || 0);
  // A purged sequence means compaction reached at least it (the record may not have been written).
  let compacted = Math.min(Math.max(recorded, after), lastSeq);
  let expect = 1;
  for (const seq of seqs) {
    if (seq > expect) compacted = Math.max(compacted, seq - 1);
    expect = seq + 1;
  }
  if (lastSeq >= expect) compacted = lastSeq; // purged at the end too
  // The snapshot: each key's first retained message at or below the compacted revision is taken on trust
  // (compaction keeps the version visible at its point and purges what is below it); every later one is
  // decided as the live feed decides it.
  const state = new Map<string, { kv: KeyValue | undefined; first: number; last: number }>();
  let i = 0;
  for (; i < entries.length && entries[i].seq <= compacted; i++) {
    const e = entries[i];
    const s = state.get(e.key);
    if (!s) state.set(e.key, { kv: trusted(e), first: e.seq, last: e.seq });
    else {
      const kv = decide(e, s.kv);
      if (kv !== 'rejected') s.kv = kv;
      s.last = e.seq;
    }
  }
  const kvs: KeyValue[] = [];
  const leftovers: [string, number][] = [];
  for (const [key, s] of state) {
    // A key absent at the compacted revision needs none of its messages up to it (tombstones, rejected proposals).
    if (s.kv === undefined) leftovers.push([key, s.last + 1]);
    else {
      if (s.first < s.kv.modRevision) leftovers.push([key, s.kv.modRevision]);
      kvs.push(s.kv);
    }
  }
  if (leftovers.length > 0) warn(`stream ${stream}: finishing an interrupted compaction (${leftovers.length} keys)`);
  const mem = MemoryStore.restore(kvs, compacted, { onWarn: warn });
  /** The proposals rejected above the compacted revision, with the key's value each was decided on. */
  const rejected: [Entry, KeyValue | undefined][] = [];
  for (; i < entries.length; i++) {
    const prev = mem.get(entries[i].key);
    if (!applyEntry(mem, entries[i])) rejected.push([entries[i], prev]);
  }
  return { mem, lastSeq, leftovers, rejected, dups };
}

/**
 * The purges (a subject's messages below a sequence) compaction at `revision` sends, given the events
 * of the window (`before`, `revision`] and the cache compacted at `revision`: for each key written in
 * the window, every message below the version visible at `revision`; all of them up to a visible delete
 * (and the rejected proposals after it). A load takes a key's first retained message at or below the
 * compacted revision on trust, so that must be its visible version: rejected proposals before a put
 * are purged with the versions below it, and a deleted key loses its rejected ones; those after a live
 * version stay until the key is written again. `rejections` (each key's first and last rejected
 * proposal not purged yet) loses what this compaction settles.
 */
export function compactionCuts(window: StoreEvent[], rejections: Map<string, { first: number; last: number }>, mem: MemoryStore, before: number, revision: number): [string, number][] {
  const last = new Map<string, StoreEvent>();
  /** Keys written more than once in the window: older messages of theirs are in the stream. */
  const rewritten = new Set<string>();
  for (const ev of window) {
    if (last.has(ev.kv.key)) rewritten.add(ev.kv.key);
    last.set(ev.kv.key, ev);
  }
  const cuts: [string, number][] = [];
  for (const [key, ev] of last) {
    const r = rejections.get(key);
    if (ev.type === 'delete') cuts.push([key, (r && r.last <= revision ? Math.max(r.last, ev.revision) : ev.revision) + 1]);
    else if (ev.prev || rewritten.has(key) || (r && r.first < ev.revision)) cuts.push([key, ev.revision]);
  }
  for (const [key, r] of rejections) {
    if (r.last > revision) continue;
    rejections.delete(key);
    // Absent since before the window and not written since: all its messages up to here are tombstones or rejected.
    if (!last.has(key) && !mem.get(key) && mem.lastWriteRevision(key) <= before) cuts.push([key, r.last + 1]);
  }
  return cuts;
}

/** Returns the StoreUnavailableError saying what to do about a log that cannot be had; other errors as they are. */
export function unavailable(err: unknown, servers: string | undefined, stream: string): unknown {
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
