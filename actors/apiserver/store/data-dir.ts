// The data directory: file names of log segments and snapshots, directory fsync, and the LOCK file.
import { chmod, mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreLockedError } from './errors.ts';
import { pidAlive } from '../../lib/pid.ts';

const pad = (n: number) => String(n).padStart(16, '0');

/** Returns the file name of the log segment whose first record has revision `start` (or later). */
export const segmentName = (start: number) => `wal-${pad(start)}.log`;
/** Returns the file name of the snapshot of the state at `revision`. */
export const snapshotName = (revision: number) => `snap-${pad(revision)}.snap`;

/** What a data directory holds, each list ascending by revision. */
export interface DirListing {
  segments: number[];
  snapshots: number[];
  /** Leftover temporary files from an interrupted snapshot. */
  temps: string[];
}

/** Returns the segments, snapshots and temp files in dir. */
export async function listDir(dir: string): Promise<DirListing> {
  const out: DirListing = { segments: [], snapshots: [], temps: [] };
  for (const name of await readdir(dir)) {
    const m = /^(wal|snap)-(\d{16})\.(log|snap)$/.exec(name);
    if (m && m[1] === 'wal' && m[3] === 'log') out.segments.push(Number(m[2]));
    else if (m && m[1] === 'snap' && m[3] === 'snap') out.snapshots.push(Number(m[2]));
    else if (name.endsWith('.tmp')) out.temps.push(name);
  }
  out.segments.sort((a, b) => a - b);
  out.snapshots.sort((a, b) => a - b);
  return out;
}

/** The mode of the store's files: owner-only, as they hold secrets (the service-account signing key). */
export const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** Creates dir owner-only; one that already holds a kubus store (made before modes were set) is made so too. */
export async function makeDataDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  const { segments, snapshots } = await listDir(dir);
  if (segments.length || snapshots.length) await chmod(dir, DIR_MODE);
}

/** Makes renames, creations and deletions in dir durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Creates dir/LOCK holding our pid, exclusively; returns its release function. Throws StoreLockedError
 * when a live process (this one included) holds it; a lock left by a dead process is taken over.
 */
export async function acquireLock(dir: string, onWarn: (message: string) => void): Promise<() => Promise<void>> {
  const path = join(dir, 'LOCK');
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(path, 'wx', FILE_MODE);
      try {
        await fh.writeFile(`${process.pid}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if ((Number.isInteger(pid) && pid > 0 && pidAlive(pid)) || attempt > 0) throw new StoreLockedError(dir, pid);
      onWarn(`taking over stale lock ${path} of pid ${Number.isNaN(pid) ? '?' : pid} (process is gone)`);
      await rm(path, { force: true });
    }
  }
}
