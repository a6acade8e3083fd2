// FileStore: the memory store made durable in a data directory (group-committed log + periodic snapshots).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyValue, TxnOp, TxnResult } from './store.ts';
import { StoreClosedError, StoreFailedError } from './errors.ts';
import { MemoryBackedStore } from './memory-backed.ts';
import type { MemoryStore } from './memory-store.ts';
import { acquireLock, listDir, makeDataDir, segmentName, snapshotName } from './data-dir.ts';
import { GroupCommit } from './group-commit.ts';
import { recover } from './recovery.ts';
import { SegmentWriter } from './segment-writer.ts';
import { writeSnapshot } from './snapshot.ts';
import { encodeRecord } from './wal.ts';

/** Options of a FileStore: snapshot cadence and where warnings go. */
export interface FileStoreOptions {
  /** Snapshot after this many log records since the last one (default 100,000). */
  snapshotEveryRecords?: number;
  /** Snapshot after this many log bytes since the last one (default 64 MiB). */
  snapshotEveryBytes?: number;
  /** Hears what must not crash the store: a damaged log tail, a stale lock, a failed snapshot (default console.warn). */
  onWarn?: (message: string, err?: unknown) => void;
}

const defaultWarn = (message: string, err?: unknown) => console.warn(`store: ${message}`, err ?? '');

/**
 * The file backend. Reads and the write order come from a MemoryStore; each txn resolves once its
 * log record is fsynced (batched with every other write that arrived meanwhile), and watchers get
 * events only then (asynchronously, in revision order).
 */
export class FileStore extends MemoryBackedStore {
  /** Counters since open: fsynced batches, records written, snapshots completed (batching = records / syncs). */
  readonly stats = { syncs: 0, records: 0, snapshots: 0 };
  private closed = false;
  private closing: Promise<void> | undefined;
  private failed = false;
  private records: number;
  private bytes: number;
  private snapshotting: Promise<number | undefined> | undefined;
  private readonly commit: GroupCommit;
  private readonly everyRecords: number;
  private readonly everyBytes: number;
  private readonly warn: (message: string, err?: unknown) => void;

  private constructor(
    /** The data directory. */
    readonly dir: string,
    mem: MemoryStore,
    private readonly writer: SegmentWriter,
    private readonly release: () => Promise<void>,
    opts: FileStoreOptions,
    since: { records: number; bytes: number },
  ) {
    super(mem);
    this.everyRecords = opts.snapshotEveryRecords ?? 100_000;
    this.everyBytes = opts.snapshotEveryBytes ?? 64 * 1024 * 1024;
    this.warn = opts.onWarn ?? defaultWarn;
    this.records = since.records;
    this.bytes = since.bytes;
    this.commit = new GroupCommit({
      write: (frames, n) => this.append(frames, n),
      durable: (rev) => {
        this.mem.markDurable(rev);
        this.maybeSnapshot();
      },
    });
  }

  /** Returns the store recovered from dir (created if missing); throws StoreLockedError if another process has it. */
  static async open(dir: string, opts: FileStoreOptions = {}): Promise<FileStore> {
    const warn = opts.onWarn ?? defaultWarn;
    await makeDataDir(dir);
    const release = await acquireLock(dir, warn);
    try {
      const rec = await recover(dir, { deferDurability: true, onWarn: warn }, warn);
      const writer = rec.segment
        ? await SegmentWriter.reopen(dir, rec.segment.start, rec.segment.size)
        : await SegmentWriter.create(dir, rec.mem.revision + 1);
      return new FileStore(dir, rec.mem, writer, release, opts, rec);
    } catch (err) {
      await release();
      throw err;
    }
  }

  txn(op: TxnOp): Promise<TxnResult> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    if (this.commit.failure !== undefined) return Promise.reject(this.commit.failure);
    try {
      // Encode before applying, so a value the codec rejects never reaches memory.
      const put = op.op === 'delete' ? undefined : encodeRecord({ t: 'put', rev: this.mem.revision + 1, key: op.key, value: op.value });
      const res = this.mem.apply(op);
      if (!res.ok) return Promise.resolve(res);
      const payload = put ?? encodeRecord({ t: 'del', rev: res.revision, key: op.key });
      return this.commit.add(payload, res.revision).then(() => res);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  compact(revision: number): void {
    if (this.closed) throw new StoreClosedError();
    const before = this.mem.compactedRevision;
    this.mem.compact(revision);
    if (this.mem.compactedRevision > before) this.commit.addQuiet(encodeRecord({ t: 'compact', rev: revision }));
  }

  /** Takes a snapshot now (after any in progress); resolves with its revision once it is durable. */
  async snapshot(): Promise<number | undefined> {
    if (this.closed) throw new StoreClosedError();
    while (this.snapshotting) await this.snapshotting;
    this.snapshotting = this.takeSnapshot().finally(() => (this.snapshotting = undefined));
    return this.snapshotting;
  }

  /** Waits for queued writes and any snapshot, then closes the log and releases the lock. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    await this.commit.drained();
    while (this.snapshotting) await this.snapshotting.catch(() => undefined);
    await this.writer.close();
    await this.release();
  }

  private async append(frames: Buffer, n: number): Promise<void> {
    try {
      await this.writer.append(frames);
    } catch (err) {
      const failure = new StoreFailedError(err);
      if (!this.failed) this.warn(failure.message, err);
      this.failed = true;
      throw failure;
    }
    this.records += n;
    this.bytes += frames.length;
    this.stats.syncs++;
    this.stats.records += n;
  }

  private maybeSnapshot(): void {
    if (this.closed || this.snapshotting) return;
    if (this.records < this.everyRecords && this.bytes < this.everyBytes) return;
    this.snapshotting = this.takeSnapshot()
      .catch((err) => {
        this.warn(`snapshot failed (the log is kept, so nothing is lost): ${(err as Error).message}`, err);
        return undefined;
      })
      .finally(() => (this.snapshotting = undefined));
  }

  /** Captures the state at the durable revision, starts a new segment, writes the snapshot, drops what it covers. */
  private async takeSnapshot(): Promise<number | undefined> {
    let rev = 0;
    let kvs: KeyValue[] | undefined;
    await this.commit.barrier(async () => {
      rev = this.mem.durableRevision;
      // Nothing durable yet, or a compaction ahead of the durable revision hides that state: try later.
      if (rev === 0 || rev < this.mem.compactedRevision) return;
      kvs = this.mem.range('', { revision: rev }).kvs;
      await this.writer.rotate(rev + 1);
      this.records = 0;
      this.bytes = 0;
    });
    if (!kvs) return undefined;
    await writeSnapshot(this.dir, rev, kvs);
    const { segments, snapshots } = await listDir(this.dir);
    for (const s of segments) if (s <= rev) await rm(join(this.dir, segmentName(s)), { force: true });
    for (const s of snapshots) if (s < rev) await rm(join(this.dir, snapshotName(s)), { force: true });
    this.stats.snapshots++;
    return rev;
  }
}
