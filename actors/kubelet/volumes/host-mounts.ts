// The host side of volumes that is not plain files: hostPath type checks (as upstream's hostPath
// plugin), tmpfs for emptyDir medium Memory, and unmounting what lies under a pod's dir.
import { execFile } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { parseQuantity } from '../../../api/quantity.ts';

const run = promisify(execFile);

/** Checks (or creates) a hostPath by its type; returns an upstream message when the check fails. */
export function checkHostPath(path: string, type: string): string | undefined {
  const st = () => (existsSync(path) ? statSync(path) : undefined);
  const fail = (what: string) => `hostPath type check failed: ${path} is not ${what}`;
  switch (type) {
    case '':
      return undefined;
    case 'DirectoryOrCreate':
      if (!existsSync(path)) mkdirSync(path, { recursive: true, mode: 0o755 });
      return st()?.isDirectory() ? undefined : fail('a directory');
    case 'Directory':
      return st()?.isDirectory() ? undefined : fail('a directory');
    case 'FileOrCreate':
      if (!existsSync(path)) {
        mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
        closeSync(openSync(path, 'a', 0o644));
      }
      return st()?.isFile() ? undefined : fail('a file');
    case 'File':
      return st()?.isFile() ? undefined : fail('a file');
    case 'Socket':
      return st()?.isSocket() ? undefined : fail('a socket file');
    case 'CharDevice':
      return st()?.isCharacterDevice() ? undefined : fail('a character device');
    case 'BlockDevice':
      return st()?.isBlockDevice() ? undefined : fail('a block device');
  }
  return `hostPath type check failed: unknown type ${type}`;
}

/** The mount points at or under `dir`, deepest first (from /proc/self/mounts; octal escapes decoded). */
export function mountsUnder(dir: string): string[] {
  const points = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p): p is string => !!p && (p === dir || p.startsWith(`${dir}/`)));
  return points.sort((a, b) => b.length - a.length);
}

/** Mounts a tmpfs at `dir` unless one is there already (a restarted kubelet). */
export async function mountTmpfs(dir: string, sizeLimit?: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  if (mountsUnder(dir).includes(dir)) return;
  // The size in bytes, rounded up (a quantity such as 64Mi or 1G).
  const bytes = sizeLimit ? (parseQuantity(sizeLimit).nanos + 999_999_999n) / 1_000_000_000n : 0n;
  const opts = ['-t', 'tmpfs', ...(bytes > 0n ? ['-o', `size=${bytes}`] : []), 'tmpfs', dir];
  await run('mount', opts);
}

/** Unmounts everything mounted under `dir` (deepest first). */
export async function unmountUnder(dir: string): Promise<void> {
  for (const p of mountsUnder(dir)) await run('umount', [p]);
}
