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

/** Returns the pids of the containerd processes running with config file `config` (`containerd --config FILE`). */
export function containerdPids(config: string): number[] {
  return pids().filter((pid) => {
    const a = argv(pid);
    return !!a?.[0]?.endsWith('containerd') && a[a.indexOf('--config') + 1] === config;
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

/** Where the runc v2 shim keeps runc's state when the runtime options name no root. */
export const DEFAULT_RUNC_ROOT = '/run/containerd/runc';

/** The task bundles (one per container a shim runs) under a containerd's state dir. */
function taskBundles(stateDir: string): { ns: string; id: string; bundle: string }[] {
  const tasks = join(stateDir, 'io.containerd.runtime.v2.task');
  if (!existsSync(tasks)) return [];
  return readdirSync(tasks).flatMap((ns) => readdirSync(join(tasks, ns)).map((id) => ({ ns, id, bundle: join(tasks, ns, id) })));
}

const readOr = <T>(file: string, parse: (s: string) => T, fallback: T): T => {
  try {
    return parse(readFileSync(file, 'utf8'));
  } catch {
    return fallback;
  }
};

/**
 * Runs `runc delete --force` on each container with a task bundle under `stateDir`: kills its
 * processes and removes its cgroups and runc state. runc's root is the one in the bundle's runtime
 * options (the CRI plugin's, under our dir) or the shim's default (containers `ctr run` made).
 */
export function deleteRuncContainers(stateDir: string): void {
  for (const { ns, id, bundle } of taskBundles(stateDir)) {
    const options = readOr(join(bundle, 'options.json'), (s) => JSON.parse(s) as { root?: string; Root?: string }, {});
    const root = join(options.root || options.Root || DEFAULT_RUNC_ROOT, ns);
    try {
      execFileSync('runc', ['--root', root, 'delete', '--force', id], { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // already deleted by its shim; what is left is unmounted and removed with the dir
    }
  }
}

/** Returns the shim sockets (unix paths, outside `stateDir`) named by the `address` files of the task bundles under `stateDir`. */
export function shimSockets(stateDir: string): string[] {
  return taskBundles(stateDir)
    .map(({ bundle }) => readOr(join(bundle, 'address'), (s) => s.trim().replace(/^unix:\/\//, ''), ''))
    .filter(Boolean);
}

/** Where libcni (in containerd's CRI plugin) caches each sandbox's network results: CNI DEL removes them, a killed node leaves them. */
export const CNI_CACHE_DIR = '/var/lib/cni/results';

/** Removes libcni's cached results (`<network>-<sandbox id>-<ifname>`) of the sandboxes the containerd with root `rootDir` has. */
export function removeCniResults(rootDir: string, cacheDir = CNI_CACHE_DIR): void {
  const sandboxes = join(rootDir, 'io.containerd.grpc.v1.cri', 'sandboxes');
  if (!existsSync(sandboxes) || !existsSync(cacheDir)) return;
  const ids = new Set(readdirSync(sandboxes));
  for (const f of readdirSync(cacheDir)) {
    const id = /-([0-9a-f]{64})-[^-]+$/.exec(f)?.[1];
    if (id && ids.has(id)) rmSync(join(cacheDir, f), { force: true });
  }
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

/** Unmounts everything under `dir`, deepest first (lazily when busy; again for mounts stacked on one point); returns what is still mounted. */
export function unmountAll(dir: string): string[] {
  for (let round = 0; round < 3 && mountsUnder(dir).length; round++) {
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
  }
  return mountsUnder(dir);
}
