// A test's cluster of one real containerd node, and cleaning up after a node process that a test
// killed or that died mid-test.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { masqTable } from '../../actors/kubelet/cni/pod-masq.ts';
import { cgroupDirs } from '../../actors/kubelet/runtimes/cri/cri-cgroups.ts';
import { containerdPaths } from '../../runtime/containerd-config.ts';
import { killAll, removeCniResults, shimPids, unmountAll, withDescendants } from '../../runtime/containerd-cleanup.ts';
import { NODE_STATE_DIR } from '../../runtime/node-cri.ts';
import { cliBusyboxArchive } from './images.ts';
import { natsServer } from './nats.ts';
import { KUBECTL, runKubus, startKubus, type Proc } from './proc.ts';

/** Removes a cgroup and its children, deepest first. */
export function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  rmdirSync(dir);
}

/** What a node process killed mid-test leaves: its containerd (a process group of its own), shims, containers, mounts, libcni's cached results, cgroups and pod masquerade table. */
export function cleanUpNode(name: string): void {
  const dir = `${NODE_STATE_DIR}/${name}`;
  const containerd = readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
      } catch {
        return false;
      }
    });
  killAll(withDescendants([...containerd, ...shimPids(`${dir}/containerd.sock`)]));
  if (existsSync(dir)) {
    removeCniResults(containerdPaths(dir).root);
    unmountAll(dir);
    rmSync(dir, { recursive: true, force: true });
  }
  for (const cg of cgroupDirs(`/kubus/${name}`)) removeCgroupTree(cg);
  try {
    execFileSync('nft', ['delete', 'table', 'ip', masqTable(name)], { stdio: 'ignore', env: { PATH: '/usr/sbin:/sbin:/usr/bin:/bin' } });
  } catch {
    // none: the node stopped cleanly, or never had a pod CIDR
  }
}

/** A TCP port nothing listens on now (one just closed). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** What kubectl printed and how it ended. */
export type KubectlResult = { code: number; stdout: string; stderr: string };

export interface ContainerdCluster {
  natsUrl: string;
  /** KUBUS_HOME of the test's processes (removed in teardown). */
  home: string;
  env: Record<string, string>;
  /** The gateway's URL. */
  url: string;
  /** The containerd node's name. */
  name: string;
  node: Proc;
  /** Runs the real kubectl against the gateway (stdin when given); never rejects. */
  kubectl(args: string[], input?: string): Promise<KubectlResult>;
}

/**
 * Starts a test's cluster of one real node: nats-server, `kubus control-plane` with `actors` and a
 * gateway, and `kubus node --runtime containerd` named `<prefix>-<pid>` with busybox imported (the
 * archive of `kubus image build`, from the machine's image cache: see helpers/images.ts).
 * Everything, the node's containerd state included, is removed in teardown.
 */
export async function startContainerdCluster(t: ExecutionContext, prefix: string, actors = 'apiserver,scheduler,gateway'): Promise<ContainerdCluster> {
  const nats = await natsServer(t);
  const home = mkdtempSync(join(tmpdir(), `kubus-${prefix}-`));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const env = { KUBUS_HOME: home };
  // The gateway's plain-HTTP loopback mode: these tests are about containers, not security.
  const cp = startKubus(t, ['--nats', nats.url, 'control-plane', '--actors', actors, '--insecure-http', '--http-address', '127.0.0.1:0', '--log-level', 'warn'], env);
  const [, url] = await cp.waitFor(/Kubernetes API at (http:\/\/127\.0\.0\.1:\d+);/);
  const name = `${prefix}-${process.pid}`;
  // Registered before the node process, so it runs after that is stopped.
  t.teardown(() => cleanUpNode(name));
  const node = startKubus(t, ['--nats', nats.url, 'node', '--name', name, '--runtime', 'containerd', '--proxy', 'none', '--log-level', 'warn'], env);
  await node.waitFor(/node\(s\) .* running/, 60_000);
  const archive = await cliBusyboxArchive(t);
  const imported = await runKubus(['image', 'import', '--node', name, archive], { env });
  t.is(imported.code, 0, imported.stderr);
  const kubectl = (args: string[], input?: string) =>
    new Promise<KubectlResult>((resolve) => {
      const child = execFile(KUBECTL, ['--server', url, '--cache-dir', join(home, 'cache'), ...args], { env: { PATH: process.env.PATH, HOME: home }, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      // kubectl may exit before it reads its input (EPIPE): its exit code tells what happened.
      child.stdin!.on('error', () => {});
      child.stdin!.end(input ?? '');
    });
  return { natsUrl: nats.url, home, env, url, name, node, kubectl };
}
