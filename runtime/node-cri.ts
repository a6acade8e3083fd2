// The containerd side of `kubus node --runtime containerd`: a containerd of the node process's own
// (or the one `--cri-endpoint` names), asked its version over CRI, and where pod logs and cgroups go.
import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { CriClient } from '../actors/kubelet/runtimes/cri/cri-client.ts';
import { cgroupDirs } from '../actors/kubelet/runtimes/cri/cri-cgroups.ts';
import type { CriSettings } from '../actors/kubelet/kubelet.config.ts';
import type { Logger } from '../bus/types.ts';
import { containerdPaths } from './containerd-config.ts';
import { startContainerd, type Containerd } from './containerd.ts';

/** Where node processes keep their containerd (short: a unix socket path must fit in 107 bytes). */
export const NODE_STATE_DIR = '/run/kubus';

/** Thrown when the containerd runtime is asked for without root. */
export class NotRootError extends Error {
  override name = 'NotRootError';
  constructor() {
    super('--runtime containerd needs root (containerd runs containers, mounts and cgroups); run as root, or use --runtime sim');
  }
}

/** What a node process's kubelets need to reach containerd, and how to let it go. */
export interface NodeCri {
  settings: CriSettings;
  containerd?: Containerd;
  stop(): Promise<void>;
}

/**
 * Returns the CRI runtime's version (`1.6.20~ds1`); throws a CriError when it does not answer. A
 * containerd whose CRI plugin is still starting (restoring the sandboxes of a previous run) says
 * `server is not initialized yet`: asked again until the deadline.
 */
export async function criVersion(endpoint: string, deadlineMs = 10_000): Promise<{ name: string; version: string }> {
  const c = new CriClient(endpoint, { deadlineMs });
  const deadline = Date.now() + deadlineMs;
  try {
    for (;;) {
      try {
        const v = await c.runtime.version({ version: 'v1' });
        return { name: v.runtimeName, version: v.runtimeVersion };
      } catch (err) {
        if (!/server is not initialized yet/.test((err as Error).message) || Date.now() >= deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    c.close();
  }
}

/** Returns this host's first external IPv4 address (hostNetwork pods' IP), or 127.0.0.1. */
export function hostAddress(): string {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // missing, or busy: something still runs there
  }
}

/**
 * Stops and removes every pod sandbox of our own containerd before it goes: StopPodSandbox runs the
 * CNI DEL that removes each pod's veth, address and NAT rules, which killing containerd would leave.
 */
async function removeSandboxes(endpoint: string, log: Logger): Promise<void> {
  const c = new CriClient(endpoint, { deadlineMs: 30_000 });
  try {
    const { items } = await c.runtime.listPodSandbox({});
    for (const sb of items) {
      await c.runtime.stopPodSandbox({ podSandboxId: sb.id }).catch((err: Error) => log.warn({ sandbox: sb.id, err: err.message }, 'pod sandbox not stopped'));
      await c.runtime.removePodSandbox({ podSandboxId: sb.id }).catch((err: Error) => log.warn({ sandbox: sb.id, err: err.message }, 'pod sandbox not removed'));
    }
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'pod sandboxes not listed; containerd removes their containers anyway');
  } finally {
    c.close();
  }
}

/** Removes a cgroup and its children, deepest first, where empty (pods still running keep theirs). */
function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  rmdirQuietly(dir);
}

/**
 * Starts a containerd for the node process `name` (its nodes `nodes`), or uses `endpoint`; asks its
 * version. Pod logs go under the containerd's dir (removed with it) or /var/log/kubus/<name>.
 */
export async function startNodeCri(opts: { name: string; nodes: string[]; endpoint?: string; log: Logger }): Promise<NodeCri> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) throw new NotRootError();
  let containerd: Containerd | undefined;
  let endpoint = opts.endpoint;
  let logRoot = join('/var/log/kubus', opts.name);
  // Pods' volume dirs (upstream /var/lib/kubelet/pods): with its own containerd, under its dir (removed with it).
  let podsDir = join('/var/lib/kubus', opts.name, 'pods');
  if (!endpoint) {
    const dir = join(NODE_STATE_DIR, opts.name);
    containerd = await startContainerd({ dir, log: opts.log, nodes: opts.nodes });
    endpoint = containerd.endpoint;
    logRoot = join(dir, 'pods');
    podsDir = join(dir, 'kubelet-pods');
  }
  const cgroupRoot = `/kubus/${opts.name}`;
  try {
    const v = await criVersion(endpoint);
    opts.log.info({ endpoint, runtime: `${v.name}://${v.version}` }, 'CRI runtime answers');
    return {
      settings: { endpoint, runtimeVersion: v.version, logRoot, podsDir, cgroupRoot, ...(containerd ? { cniConfDir: containerdPaths(containerd.dir).cni } : {}) },
      containerd,
      async stop() {
        if (containerd) await removeSandboxes(endpoint!, opts.log);
        await containerd?.stop();
        if (containerd) rmdirQuietly(NODE_STATE_DIR);
        // An existing containerd's node keeps pod volume dirs in /var/lib/kubus/<name>/pods: those left empty go.
        else for (const dir of [podsDir, join(podsDir, '..'), join(podsDir, '..', '..')]) rmdirQuietly(dir);
        for (const dir of cgroupDirs(cgroupRoot)) removeCgroupTree(dir);
        // The shared parent goes too once the last node process has left it.
        for (const dir of cgroupDirs('/kubus')) rmdirQuietly(dir);
      },
    };
  } catch (err) {
    await containerd?.stop();
    throw err;
  }
}
