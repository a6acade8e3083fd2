// Snapshots: every key at one revision, as WAL-framed records in snap-<revision>.snap, written atomically.
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { decode, encode } from '../../../bus/codec.ts';
import type { KeyValue } from './store.ts';
import { FILE_MODE, fsyncDir, snapshotName } from './data-dir.ts';
import { frame, scan } from './wal.ts';

const FORMAT = 1;
const KVS_PER_RECORD = 256;
const WRITE_BYTES = 4 * 1024 * 1024;

type Row = [key: string, value: unknown, createRevision: number, modRevision: number, version: number];

/** Thrown when a snapshot file is incomplete or damaged. */
export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

/**
 * Writes kvs (the state at `revision`) to a temp file, fsyncs, renames it into place and fsyncs dir;
 * yields to the event loop between chunks. Returns the snapshot's path.
 */
export async function writeSnapshot(dir: string, revision: number, kvs: readonly KeyValue[]): Promise<string> {
  const final = join(dir, snapshotName(revision));
  const temp = `${final}.tmp`;
  const fh = await open(temp, 'w', FILE_MODE);
  try {
    let pending: Uint8Array[] = [encode(['snap', FORMAT, revision, kvs.length])];
    let bytes = 0;
    for (let i = 0; i < kvs.length; i += KVS_PER_RECORD) {
      const rows: Row[] = kvs
        .slice(i, i + KVS_PER_RECORD)
        .map((kv) => [kv.key, kv.value, kv.createRevision, kv.modRevision, kv.version]);
      const p = encode(['kvs', rows]);
      pending.push(p);
      bytes += p.length;
      if (bytes >= WRITE_BYTES) {
        await fh.write(frame(pending));
        pending = [];
        bytes = 0;
      }
    }
    pending.push(encode(['end', kvs.length]));
    await fh.write(frame(pending));
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(temp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(temp, final);
  await fsyncDir(dir);
  return final;
}

/** Returns the revision and keys a snapshot file holds; throws SnapshotError (or DecodeError) when it is not complete and valid. */
export async function readSnapshot(path: string): Promise<{ revision: number; kvs: KeyValue[] }> {
  const { payloads, problem } = scan(await readFile(path));
  if (problem) throw new SnapshotError(`snapshot ${path}: ${problem}`);
  const head = payloads.length > 0 ? decode<unknown[]>(payloads[0]) : undefined;
  if (!Array.isArray(head) || head[0] !== 'snap' || head[1] !== FORMAT || typeof head[2] !== 'number') {
    throw new SnapshotError(`snapshot ${path}: no format ${FORMAT} header`);
  }
  const revision = head[2];
  const kvs: KeyValue[] = [];
  for (let i = 1; i < payloads.length; i++) {
    const rec = decode<unknown[]>(payloads[i]);
    if (Array.isArray(rec) && rec[0] === 'kvs' && Array.isArray(rec[1])) {
      for (const [key, value, createRevision, modRevision, version] of rec[1] as Row[]) {
        kvs.push({ key, value, createRevision, modRevision, version });
      }
    } else if (Array.isArray(rec) && rec[0] === 'end' && i === payloads.length - 1) {
      if (rec[1] !== kvs.length || rec[1] !== head[3]) {
        throw new SnapshotError(`snapshot ${path}: holds ${kvs.length} keys, header says ${head[3]}, trailer ${rec[1]}`);
      }
      return { revision, kvs };
    } else {
      throw new SnapshotError(`snapshot ${path}: unexpected record ${i}`);
    }
  }
  throw new SnapshotError(`snapshot ${path}: no trailer (incomplete)`);
}
