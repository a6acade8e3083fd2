// Recovery on open: the newest valid snapshot, then the log segments after it, up to the first bad record.
import { readFile, rename, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreCorruptError } from './errors.ts';
import { MemoryStore } from './memory-store.ts';
import type { MemoryStoreOptions } from './memory-store.ts';
import { fsyncDir, listDir, segmentName, snapshotName } from './data-dir.ts';
import { readSnapshot } from './snapshot.ts';
import { decodeRecord, scan } from './wal.ts';
import type { WalRecord } from './wal.ts';

/** The recovered state and where the log continues. */
export interface Recovered {
  mem: MemoryStore;
  /** The segment to append to, and its valid length; undefined when a new one must be created. */
  segment?: { start: number; size: number };
  /** Revision of the snapshot loaded (0 if none). */
  snapshotRevision: number;
  /** Records and bytes in the log since that snapshot (to schedule the next one). */
  records: number;
  bytes: number;
}

/** Applies one logged record to mem; returns a reason when it does not fit (then the log ends there). */
function replay(mem: MemoryStore, r: WalRecord): string | undefined {
  if (r.t === 'compact') {
    if (r.rev > mem.compactedRevision && r.rev <= mem.revision) mem.compact(r.rev);
    return undefined;
  }
  if (r.rev <= mem.revision) return undefined; // already in the snapshot
  if (r.rev !== mem.revision + 1) return `gap: expected revision ${mem.revision + 1}, found ${r.rev}`;
  const res =
    r.t === 'del'
      ? mem.apply({ op: 'delete', key: r.key })
      : mem.apply(mem.get(r.key) ? { op: 'update', key: r.key, value: r.value } : { op: 'create', key: r.key, value: r.value });
  return res.ok ? undefined : `record for revision ${r.rev} (${r.t} ${r.key}) does not apply: ${res.reason}`;
}

/** Loads dir into a MemoryStore; truncates a torn or corrupt log tail and reports it through onWarn. */
export async function recover(
  dir: string,
  memOpts: MemoryStoreOptions,
  onWarn: (message: string) => void,
): Promise<Recovered> {
  const listing = await listDir(dir);
  for (const t of listing.temps) {
    onWarn(`removing leftover temp file ${t} (interrupted snapshot)`);
    await rm(join(dir, t), { force: true });
  }
  let mem: MemoryStore | undefined;
  let snapshotRevision = 0;
  for (const rev of [...listing.snapshots].reverse()) {
    try {
      const snap = await readSnapshot(join(dir, snapshotName(rev)));
      mem = MemoryStore.restore(snap.kvs, snap.revision, memOpts);
      snapshotRevision = snap.revision;
      break;
    } catch (err) {
      onWarn(`skipping invalid snapshot ${snapshotName(rev)}: ${(err as Error).message}`);
    }
  }
  mem ??= new MemoryStore(memOpts);

  const segs = listing.segments;
  let records = 0;
  let bytes = 0;
  let last: { start: number; size: number } | undefined;
  for (let i = 0; i < segs.length; i++) {
    // A segment ends where the next one starts; skip those wholly inside the snapshot.
    if (i + 1 < segs.length && segs[i + 1] - 1 <= mem.revision) continue;
    const name = segmentName(segs[i]);
    const buf = await readFile(join(dir, name));
    const { payloads, offsets, end, problem: tail } = scan(buf);
    let problem = tail;
    let good = end;
    for (let j = 0; j < payloads.length; j++) {
      let why: string | undefined;
      try {
        why = replay(mem, decodeRecord(payloads[j]));
      } catch (err) {
        why = `undecodable record: ${(err as Error).message}`;
      }
      if (why?.startsWith('gap') && mem.revision === snapshotRevision) {
        throw new StoreCorruptError(`${dir}: log ${name} starts after the newest valid snapshot (${why}); data is missing`);
      }
      if (why) {
        problem = `${why} at offset ${offsets[j]}`;
        good = offsets[j];
        break;
      }
    }
    records += good === end ? payloads.length : offsets.indexOf(good);
    bytes += good;
    last = { start: segs[i], size: good };
    if (!problem) continue;
    onWarn(`log ${name}: ${problem}; truncating to ${good} bytes (revision ${mem.revision})`);
    await truncate(join(dir, name), good);
    for (const later of segs.slice(i + 1)) {
      onWarn(`log ${segmentName(later)} follows a damaged record; renamed to ${segmentName(later)}.corrupt`);
      await rename(join(dir, segmentName(later)), join(dir, `${segmentName(later)}.corrupt`));
    }
    await fsyncDir(dir);
    break;
  }
  mem.markDurable(mem.revision);
  return { mem, segment: last, snapshotRevision, records, bytes };
}
