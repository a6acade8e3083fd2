// Cleaning up after a containerd node process that a test killed or that died mid-test.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { masqTable } from '../../actors/kubelet/cni/pod-masq.ts';
import { cgroupDirs } from '../../actors/kubelet/runtimes/cri/cri-cgroups.ts';
import { killAll, shimPids, unmountAll, withDescendants } from '../../runtime/containerd-cleanup.ts';
import { NODE_STATE_DIR } from '../../runtime/node-cri.ts';

/** Removes a cgroup and its children, deepest first. */
export function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  rmdirSync(dir);
}

/** What a node process killed mid-test leaves: its containerd (a process group of its own), shims, containers, mounts, cgroups and pod masquerade table. */
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
