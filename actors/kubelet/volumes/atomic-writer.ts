// Writes a volume's files as upstream's AtomicWriter does, so that a reader sees either the old set
// or the new one, never a mix: the files go into a fresh timestamped dir `..<time>.<rand>`, the
// `..data` symlink is swapped to it with a rename (atomic), and each top-level name is a symlink
// through `..data`. Nothing is written when the contents did not change.
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { VolumeFile } from './volume-plan.ts';

const DATA = '..data';

/** Upstream's timestamped dir prefix: `..2006_01_02_15_04_05.` in UTC. */
function stampPrefix(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

/** Whether the dir `..data` points at holds exactly `files` (bytes and modes). */
function unchanged(target: string, files: VolumeFile[]): boolean {
  const data = join(target, DATA);
  if (!existsSync(data)) return false;
  const listed = new Set<string>();
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(dir, e.name), r);
      else listed.add(r);
    }
  };
  walk(data, '');
  if (listed.size !== files.length) return false;
  return files.every((f) => {
    const p = join(data, f.path);
    return listed.has(f.path) && (statSync(p).mode & 0o777) === f.mode && readFileSync(p).equals(f.data);
  });
}

/** Makes `target` hold exactly `files` (a new dir stamped `now`); returns whether anything was written. */
export function writeAtomically(target: string, files: VolumeFile[], now: Date): boolean {
  mkdirSync(target, { recursive: true });
  if (unchanged(target, files)) return false;
  const old = existsSync(join(target, DATA)) ? readlinkSync(join(target, DATA)) : undefined;
  const fresh = mkdtempSync(join(target, stampPrefix(now)));
  chmodSync(fresh, 0o755);
  for (const f of files) {
    const p = join(fresh, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.data);
    // Explicit chmod: the process umask must not narrow the mode the pod asked for.
    chmodSync(p, f.mode);
  }
  const tmp = join(target, `${DATA}_tmp`);
  rmSync(tmp, { force: true });
  symlinkSync(fresh.slice(target.length + 1), tmp);
  renameSync(tmp, join(target, DATA));
  const top = new Set(files.map((f) => f.path.split('/')[0]));
  for (const name of top) {
    const link = join(target, name);
    if (!isLink(link)) symlinkSync(join(DATA, name), link);
  }
  // Names the new set no longer has, and the previous timestamped dir.
  for (const e of readdirSync(target)) if (!e.startsWith('..') && !top.has(e)) rmSync(join(target, e), { force: true, recursive: true });
  if (old && old !== fresh.slice(target.length + 1)) rmSync(join(target, old), { recursive: true, force: true });
  return true;
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

