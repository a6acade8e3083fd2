// Recovery of the jetstream store: its MVCC view rebuilt from the stream's messages on open.
import type { JetStreamLog, LogMessage } from '../../../bus/jetstream-log.ts';
import type { KeyValue, TxnOp } from './store.ts';
import { StoreCorruptError } from './errors.ts';
import { MemoryStore } from './memory-store.ts';
import { decodeRecord } from './wal.ts';

/** Headers carrying what a compacted stream can no longer replay: the key's create revision and version. */
export const CREATED = 'Kubus-Create-Revision';
export const VERSION = 'Kubus-Version';

/** A write read back from the stream. */
interface Entry {
  seq: number;
  key: string;
  /** undefined for a delete. */
  value?: unknown;
  createRevision: number;
  version: number;
}

/** Returns the entry a stream message holds; throws StoreCorruptError for anything else. */
function entryOf(m: LogMessage): Entry {
  let rec;
  try {
    rec = decodeRecord(m.data);
  } catch (err) {
    throw new StoreCorruptError(`stream message ${m.seq} is not a store record: ${(err as Error).message}`);
  }
  if (rec.t === 'compact' || rec.rev !== m.seq) throw new StoreCorruptError(`stream message ${m.seq} holds revision ${rec.rev}`);
  const num = (name: string, dflt: number) => Number(m.header(name) || dflt);
  if (rec.t === 'del') return { seq: m.seq, key: rec.key, createRevision: 0, version: 0 };
  return { seq: m.seq, key: rec.key, value: rec.value, createRevision: num(CREATED, m.seq), version: num(VERSION, 1) };
}

/**
 * Reads the whole stream with an ordered consumer and rebuilds the MVCC view: what is at or below the
 * compacted revision (recorded, or implied by purged sequences) is the snapshot, what is above it is
 * replayed. Returns the purges an interrupted compaction left undone.
 */
export async function load(log: JetStreamLog, stream: string, warn: (m: string, e?: unknown) => void) {
  const recorded = Number((await log.getMeta('compacted')) || 0);
  const entries: Entry[] = [];
  const lastSeq = await log.scan((m) => entries.push(entryOf(m)));
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
