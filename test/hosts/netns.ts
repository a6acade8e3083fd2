// The `ip` commands of the hosts harness: a bridge per run, a network namespace per host with a
// veth on that bridge, and the sweep of what a killed run left behind.
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killAll, withDescendants } from '../../runtime/containerd-cleanup.ts';

/** Claims of running harnesses: `<id>` holds the owner's pid and start time. */
const CLAIMS = '/run/kubus-hosts';

/** Thrown when this machine cannot create network namespaces (not root, no CAP_NET_ADMIN, no `ip`). */
export class NetnsUnavailableError extends Error {
  override name = 'NetnsUnavailableError';
}

/** Runs `ip ARGS...` and returns its stdout; throws with its stderr. */
export function ip(...args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')}: ${(e.stderr || e.message).trim()}`);
  }
}

/** Runs `ip ARGS...`, ignoring failure (for cleanup of things that may already be gone). */
const ipQuiet = (...args: string[]) => {
  try {
    ip(...args);
  } catch {
    // already gone: nothing to clean
  }
};

/** Throws a NetnsUnavailableError saying what is missing, unless namespaces can be made here. */
export function requireNetns(): void {
  const why = 'the hosts tests create network namespaces, veth pairs and a bridge';
  if (process.getuid?.() !== 0) throw new NetnsUnavailableError(`${why}, which needs root: run them as root (sudo npm run test:hosts)`);
  const probe = `kh-probe-${process.pid}`;
  try {
    ip('netns', 'add', probe);
  } catch (err) {
    throw new NetnsUnavailableError(`${why}, but \`ip netns add\` failed here (${(err as Error).message})`);
  } finally {
    ipQuiet('netns', 'del', probe);
  }
}

/** One run's network: bridge `kbr-<id>` at 10.77.<id>.1/24 in the root namespace. */
export interface Net {
  id: number;
  bridge: string;
  gateway: string;
}

/** Names and address of host `i` (1-based) of a run. */
export const hostNames = (id: number, i: number) => ({ ns: `kh-${id}-${i}`, veth: `kv-${id}-${i}`, ip: `10.77.${id}.${10 + i}` });

const startTime = (pid: number) => {
  try {
    // Field 22 of /proc/PID/stat (after the parenthesised command name): start time in ticks.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
};

const ownerAlive = (claim: string) => {
  const [pid, started] = claim.trim().split(' ');
  return startTime(Number(pid)) === started;
};

/** Claims a free run id (an exclusive claim file, then the bridge) and brings the bridge up. */
export function claimNet(): Net {
  mkdirSync(CLAIMS, { recursive: true });
  // Written aside, then hard-linked into place: a claim is never seen half-written.
  const mine = join(CLAIMS, `.${process.pid}`);
  writeFileSync(mine, `${process.pid} ${startTime(process.pid)}\n`);
  const taken = ip('-o', 'addr', 'show');
  let id = 1;
  try {
    for (; id < 255; id++) {
      if (taken.includes(` 10.77.${id}.`)) continue;
      try {
        linkSync(mine, join(CLAIMS, String(id)));
        break;
      } catch {
        // another run holds this id
      }
    }
  } finally {
    rmSync(mine, { force: true });
  }
  if (id < 255) {
    const net = { id, bridge: `kbr-${id}`, gateway: `10.77.${id}.1` };
    try {
      ip('link', 'add', net.bridge, 'type', 'bridge');
      ip('addr', 'add', `${net.gateway}/24`, 'dev', net.bridge);
      ip('link', 'set', net.bridge, 'up');
    } catch (err) {
      removeNet(id);
      throw err;
    }
    return net;
  }
  throw new Error('no free 10.77.<id>.0/24 subnet for the hosts harness (ids 1-254 all taken)');
}

/** Creates host `i`: namespace, a veth pair (eth0 inside, on the bridge outside), address, lo up. */
export function addHost(net: Net, i: number) {
  const h = hostNames(net.id, i);
  ip('netns', 'add', h.ns);
  ip('link', 'add', h.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns);
  ip('link', 'set', h.veth, 'master', net.bridge, 'up');
  ip('-n', h.ns, 'addr', 'add', `${h.ip}/24`, 'dev', 'eth0');
  ip('-n', h.ns, 'link', 'set', 'eth0', 'up');
  ip('-n', h.ns, 'link', 'set', 'lo', 'up');
  return h;
}

/**
 * Kills every process inside namespace `ns` and their descendants elsewhere (SIGKILL): the
 * containers of a containerd node run in pod namespaces of their own, as children of its shims.
 * Returns the pids signalled (they may take a moment to be gone).
 */
export function killNamespace(ns: string): number[] {
  let pids: number[] = [];
  try {
    pids = ip('netns', 'pids', ns).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // no such namespace
  }
  const all = withDescendants(pids);
  killAll(all);
  return all;
}

const namespacesOf = (id: number) =>
  ip('netns', 'list')
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(`kh-${id}-`));

/** Removes run `id`: kills its processes, deletes its namespaces, veths and bridge, and its claim. */
export function removeNet(id: number): void {
  for (const ns of namespacesOf(id)) {
    killNamespace(ns);
    ipQuiet('link', 'del', `kv-${ns.slice(3)}`);
    ipQuiet('netns', 'del', ns);
  }
  for (const link of ip('-o', 'link', 'show').matchAll(new RegExp(`^\\d+: (kv-${id}-\\d+)@`, 'gm'))) ipQuiet('link', 'del', link[1]);
  ipQuiet('link', 'del', `kbr-${id}`);
  rmSync(join(CLAIMS, String(id)), { force: true });
}

/** Whether run `id` is claimed (by a live run: sweepStale removes the claims of dead ones). */
export const claimed = (id: number) => existsSync(join(CLAIMS, String(id)));

/** Removes the runs whose owner process is gone (a runner killed before its cleanup); returns their ids. */
export function sweepStale(): number[] {
  mkdirSync(CLAIMS, { recursive: true });
  const ids = new Set<number>();
  for (const n of ip('netns', 'list').matchAll(/^kh-(\d+)-\d+/gm)) ids.add(Number(n[1]));
  for (const b of ip('-o', 'link', 'show').matchAll(/^\d+: kbr-(\d+):/gm)) ids.add(Number(b[1]));
  // Claims are read after the objects are listed: whoever created an object had claimed first.
  const claims = new Map<number, string>();
  for (const f of readdirSync(CLAIMS).filter((f) => /^\d+$/.test(f))) {
    try {
      claims.set(Number(f), readFileSync(join(CLAIMS, f), 'utf8'));
    } catch {
      // removed meanwhile by its owner
    }
  }
  for (const id of claims.keys()) ids.add(id);
  const swept: number[] = [];
  for (const id of ids) {
    const claim = claims.get(id);
    // Objects without a claim are leftovers too: a run claims its id before it creates anything.
    if (claim !== undefined && ownerAlive(claim)) continue;
    removeNet(id);
    swept.push(id);
  }
  return swept;
}
