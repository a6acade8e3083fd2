// The jetstream store's cache built from the stream: the initial load (an ordered consumer over the
// whole stream) and the one rule, shared with the live feed, that turns a message into a change.
import type { JetStreamLog, LogMessage } from '../../../bus/jetstream-log.ts';
import type { HandlingContext } from '../../../bus/trace.ts';
import type { KeyValue, StoreEvent } from './store.ts';
import { MemoryStore } from './memory-store.ts';
import { decodeRecord } from './wal.ts';

/** Headers carrying what a compacted stream can no longer replay: the key's create revision and version. */
export const CREATED = 'Kubus-Create-Revision';
export const VERSION = 'Kubus-Version';

type Warn = (message: string, err?: unknown) => void;

/** A write read back from the stream. */
export interface Entry {
  seq: number;
  key: string;
  /** undefined for a delete. */
  value?: unknown;
  createRevision: number;
  version: number;
}

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
  if (rec.t === 'del') return { seq: m.seq, key, createRevision: 0, version: 0 };
  return { seq: m.seq, key, value: rec.value, createRevision: num(CREATED, m.seq), version: num(VERSION, 1) };
}

/**
 * Applies one write to the cache at its stream sequence; returns the event (undefined for a delete of
 * a key the cache does not hold). The headers decide createRevision and version, as on reload, so
 * every replica and every reload agree.
 */
export function applyEntry(mem: MemoryStore, e: Entry, cause?: HandlingContext): StoreEvent | undefined {
  const prev = mem.get(e.key);
  let ev: StoreEvent;
  if (e.value === undefined) {
    if (!prev) return undefined;
    ev = { type: 'delete', revision: e.seq, kv: { ...prev, modRevision: e.seq }, prev };
  } else {
    const kv: KeyValue = { key: e.key, value: e.value, createRevision: e.createRevision, modRevision: e.seq, version: e.version };
    ev = prev ? { type: 'put', revision: e.seq, kv, prev } : { type: 'put', revision: e.seq, kv };
  }
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
  const lastSeq = await log.scan((m) => {
    seqs.push(m.seq);
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
  const latest = new Map<string, Entry>();
  const older = new Map<string, number>();
  let i = 0;
  for (; i < entries.length && entries[i].seq <= compacted; i++) {
    const e = entries[i];
    if (latest.has(e.key)) older.set(e.key, e.seq);
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
  const mem = MemoryStore.restore(kvs, compacted, { onWarn: warn });
  for (; i < entries.length; i++) applyEntry(mem, entries[i]);
  return { mem, lastSeq, leftovers };
}
