// Appends framed records to the active log segment with fdatasync, and starts new segments.
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FILE_MODE, fsyncDir, segmentName } from './data-dir.ts';

/** The active segment: writes go at `size`, which recovery set to the end of its last good record. */
export class SegmentWriter {
  private constructor(
    private readonly dir: string,
    private fh: FileHandle,
    private startRev: number,
    private size: number,
  ) {}

  /** Returns a writer appending to an existing segment at byte `size` (after recovery truncated it there). */
  static async reopen(dir: string, start: number, size: number): Promise<SegmentWriter> {
    const fh = await open(join(dir, segmentName(start)), 'r+');
    await fh.truncate(size);
    await fh.datasync();
    return new SegmentWriter(dir, fh, start, size);
  }

  /** Returns a writer on a new, empty segment whose records start at revision `start`. */
  static async create(dir: string, start: number): Promise<SegmentWriter> {
    const fh = await open(join(dir, segmentName(start)), 'wx', FILE_MODE);
    await fsyncDir(dir);
    return new SegmentWriter(dir, fh, start, 0);
  }

  /** The first revision this segment may hold (it names the file). */
  get start(): number {
    return this.startRev;
  }

  /** Appends buf and resolves once it is on disk. */
  async append(buf: Buffer): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, done, buf.length - done, this.size + done);
      done += bytesWritten;
    }
    this.size += buf.length;
    await this.fh.datasync();
  }

  /** Closes this segment and continues in a new one starting at revision `start` (no-op if this one does). */
  async rotate(start: number): Promise<void> {
    if (start === this.startRev) return;
    const fh = await open(join(this.dir, segmentName(start)), 'wx', FILE_MODE);
    await fsyncDir(this.dir);
    const old = this.fh;
    this.fh = fh;
    this.startRev = start;
    this.size = 0;
    await old.close();
  }

  /** Releases the file. */
  close(): Promise<void> {
    return this.fh.close();
  }
}
