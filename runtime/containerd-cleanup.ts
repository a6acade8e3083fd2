// What stopping a containerd leaves unless removed: its shims (they outlive containerd by design),
// runc containers and their cgroups, mounts under its dir (snapshots, rootfs, netns), shim sockets.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const pids = (): number[] =>
  readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);

/** The argv of a process, or undefined when it is gone. */
function argv(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** The parent pid of a process, or undefined when it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    // The comm field may hold spaces and parentheses: the fields after the last ')' are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Returns the pids of the containerd-shim processes serving the containerd at `socket` (their `-address`). */
export function shimPids(socket: string): number[] {
  return pids().filter((pid) => {
    const a = argv(pid);
    if (!a?.[0]?.includes('containerd-shim')) return false;
    const i = a.indexOf('-address');
    return i >= 0 && a[i + 1] === socket;
  });
}

/** Returns `roots` and all their descendants. */
export function withDescendants(roots: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const pid of pids()) {
    const ppid = parentOf(pid);
    if (ppid !== undefined) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const queue = [...roots];
  while (queue.length) {
    const pid = queue.shift()!;
    if (out.includes(pid)) continue;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Whether a process still runs (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Sends SIGKILL to each pid still there. */
export function killAll(list: number[]): void {
  for (const pid of list) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Runs `runc delete --force` on every container runc knows under `runcRoot` (per namespace): kills its processes, removes its cgroups. */
export function deleteRuncContainers(runcRoot: string): void {
  if (!existsSync(runcRoot)) return;
  for (const ns of readdirSync(runcRoot)) {
    const root = join(runcRoot, ns);
    for (const id of readdirSync(root)) {
      try {
        execFileSync('runc', ['--root', root, 'delete', '--force', id], { stdio: 'ignore', timeout: 10_000 });
      } catch {
        // already deleted by its shim; what is left is unmounted and removed with the dir
      }
    }
  }
}

/** Returns the shim sockets (unix paths, outside `stateDir`) named by the `address` files of the task bundles under `stateDir`. */
export function shimSockets(stateDir: string): string[] {
  const tasks = join(stateDir, 'io.containerd.runtime.v2.task');
  if (!existsSync(tasks)) return [];
  const out: string[] = [];
  for (const ns of readdirSync(tasks)) {
    for (const id of readdirSync(join(tasks, ns))) {
      try {
        const address = readFileSync(join(tasks, ns, id, 'address'), 'utf8').trim();
        out.push(address.replace(/^unix:\/\//, ''));
      } catch {
        // no address file: the shim never started
      }
    }
  }
  return out;
}

/** Removes each file, ignoring those already gone. */
export function removeFiles(paths: string[]): void {
  for (const p of paths) rmSync(p, { force: true });
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Returns the mount points at or under `dir` (from /proc/self/mountinfo), deepest first. */
export function mountsUnder(dir: string): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => unescape(line.split(' ')[4]!))
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Unmounts everything under `dir`, deepest first (lazily when busy); returns what is still mounted. */
export function unmountAll(dir: string): string[] {
  for (const point of mountsUnder(dir)) {
    try {
      execFileSync('umount', [point], { stdio: 'ignore' });
    } catch {
      try {
        execFileSync('umount', ['-l', point], { stdio: 'ignore' });
      } catch {
        // reported by the caller through what is still mounted
      }
    }
  }
  return mountsUnder(dir);
}
