// Built image archives kept per machine (~/.cache/kubus/images, or $XDG_CACHE_HOME/kubus/images),
// named by a content key: the builds are deterministic (same inputs, same bytes), so every node
// start after the first imports the same archive instead of building it again. One builder at a time
// per key (a lock file holding its pid); the archive appears whole (written aside, then renamed).
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pidAlive } from '../../actors/lib/pid.ts';

/** Bump when what the builders write changes for the same inputs and sources (the keys hash runtime/images/*.ts, not what those call). */
export const ARCHIVE_FORMAT = 1;

const HERE = dirname(fileURLToPath(import.meta.url));
// From source (runtime/images/) or from the CLI's bundle (.cache/): the repository root holds runtime/images.
const ROOT = [join(HERE, '..', '..'), join(HERE, '..')].find((d) => existsSync(join(d, 'runtime', 'images', 'image-cache.ts'))) ?? join(HERE, '..', '..');

/** The builders' source files (runtime/images/*.ts, sorted), hashed into the keys: a changed builder makes new archives. */
export function builderSources(root = ROOT): string[] {
  const dir = join(root, 'runtime', 'images');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.ts')).sort().map((f) => join(dir, f));
}

/** The folder the archives are kept in. */
export const imageCacheDir = (env: NodeJS.ProcessEnv = process.env) => join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kubus', 'images');

/** A key for an archive built from these inputs: strings as they are, and the contents of the files named by `files`. */
export function cacheKey(parts: string[], files: string[] = []): string {
  const h = createHash('sha256').update(`format ${ARCHIVE_FORMAT}\n`);
  for (const p of parts) h.update(`${p}\n`);
  for (const f of files) h.update(readFileSync(f));
  return h.digest('hex').slice(0, 32);
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A lock older than this is stale even if its pid is alive (a pid reused by another process); a build takes seconds. */
export const LOCK_STALE_MS = 5 * 60_000;

function holderAlive(lock: string): boolean {
  try {
    const pid = Number(readFileSync(lock, 'utf8'));
    const age = Date.now() - statSync(lock).mtimeMs;
    if (!pid) return age < 5_000; // just created, pid not written yet
    return age <= LOCK_STALE_MS && pidAlive(pid);
  } catch {
    return false; // the lock is gone
  }
}

/**
 * Returns the path of the archive `name`-`key`.tar in `dir`, calling `build(tmpPath)` to write it when
 * it is not there yet. While another process builds the same key, waits for it (up to `waitMs`, then
 * builds aside itself); a lock left by a process that died, or older than LOCK_STALE_MS, is taken over.
 */
export async function cachedArchive(name: string, key: string, build: (out: string) => unknown | Promise<unknown>, opts: { dir?: string; waitMs?: number } = {}): Promise<string> {
  const dir = opts.dir ?? imageCacheDir();
  const archive = join(dir, `${name}-${key}.tar`);
  if (existsSync(archive)) return archive;
  mkdirSync(dir, { recursive: true });
  const lock = `${archive}.lock`;
  const deadline = Date.now() + (opts.waitMs ?? 120_000);
  for (;;) {
    if (existsSync(archive)) return archive;
    let fd: number | undefined;
    try {
      fd = openSync(lock, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (fd !== undefined) {
      try {
        writeSync(fd, String(process.pid));
        closeSync(fd);
        if (existsSync(archive)) return archive; // finished between our check and the lock
        return await buildAside(archive, build);
      } finally {
        rmSync(lock, { force: true });
      }
    }
    // Two waiters may both take over a dead holder's lock and both build: the same bytes, each renamed whole.
    if (!holderAlive(lock)) rmSync(lock, { force: true });
    else if (Date.now() > deadline) return buildAside(archive, build);
    else await delay(50);
  }
}

let builds = 0;

async function buildAside(archive: string, build: (out: string) => unknown | Promise<unknown>): Promise<string> {
  const tmp = `${archive}.${process.pid}-${++builds}.tmp`; // two builds in one process each write their own
  try {
    await build(tmp);
    renameSync(tmp, archive);
  } finally {
    rmSync(tmp, { force: true });
  }
  return archive;
}
