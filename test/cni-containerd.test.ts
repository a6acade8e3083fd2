// The pod network with a real containerd: the node's PodNetwork writes its conflist once the node
// has a pod CIDR, containerd's CRI plugin runs Debian's bridge/host-local/portmap plugins with it,
// and a busybox httpd in a pod (not hostNetwork) answers the host on its pod IP. Root. The bridge,
// veths and iptables rules the plugins make are removed in teardown (CNI DEL, then the bridge).
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Node } from '../api/kinds/node.ts';
import { bridgeName } from '../actors/kubelet/cni/cni-config.ts';
import { PodNetwork } from '../actors/kubelet/cni/pod-network.ts';
import { cgroupDirs } from '../actors/kubelet/runtimes/cri/cri-cgroups.ts';
import { CriRuntime } from '../actors/kubelet/runtimes/cri/cri.ts';
import type { SandboxConfig } from '../actors/kubelet/runtimes/runtime.ts';
import { realClock } from '../bus/clock.ts';
import { silentLogger } from '../bus/types.ts';
import { startContainerd } from '../runtime/containerd.ts';
import { waitFor } from './helpers/wait.ts';

const run = promisify(execFile);

function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  rmdirSync(dir);
}

/** Answers with the HTTP status of GET url (rejects when nothing answers). */
const httpStatus = (url: string) =>
  new Promise<number>((resolve, reject) => {
    const req = request(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });

test('cni containerd - a pod gets an IP of the node CIDR from the conflist and serves the host on it', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'kcni-'));
  const nodeName = `cni-ctd-${process.pid}`;
  const cgroupRoot = `/kubus-test-cni-${process.pid}`;
  // A CIDR of this test's own (outside the cluster default, one per pid).
  const cidr = `10.251.${process.pid % 250}.0/24`;
  const prefix = cidr.split('.').slice(0, 3).join('.');
  // libcni (in containerd) caches results under /var/lib/cni: what it creates empty goes too.
  const cniCache = ['/var/lib/cni/results', '/var/lib/cni'].filter((d) => !existsSync(d));
  const containerd = await startContainerd({ dir: join(work, 'ctd'), log: silentLogger });
  t.teardown(async () => {
    await containerd.stop();
    for (const d of cniCache) {
      try {
        rmdirSync(d); // only when empty: another user's entries stay
      } catch {
        /* not empty or gone */
      }
    }
    await run('ip', ['link', 'del', bridgeName(nodeName)]).catch(() => undefined);
    for (const dir of cgroupDirs(cgroupRoot)) removeCgroupTree(dir);
    rmSync(work, { recursive: true, force: true });
  });
  const confDir = join(containerd.dir, 'cni');
  const self: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName }, spec: { podCIDR: cidr, podCIDRs: [cidr] } };
  const net = new PodNetwork({ nodeName, confDir, nodes: { get: () => self, list: () => [self], on: () => undefined, off: () => undefined }, cni: { dataDir: `${confDir}-ipam` }, log: silentLogger });
  net.start();
  await net.ready();
  const rt = new CriRuntime({ endpoint: containerd.endpoint, clock: realClock, log: silentLogger, hostIP: '127.0.0.1', nodeName, logRoot: join(work, 'pods'), cgroupRoot, relistMs: 200, deadlineMs: 30_000 });
  t.teardown(() => rt.close());
  const sandbox: SandboxConfig = { podUid: `uid-${process.pid}`, name: 'web', namespace: 'default', annotations: {}, labels: {} };
  // containerd loads the conflist by itself (it watches its conf dir): retry until it has.
  const sb = await waitFor(() => rt.runPodSandbox(sandbox).catch(() => undefined), 'a sandbox on the pod network', 30_000, 500);
  t.teardown(async () => {
    await rt.stopPodSandbox(sb.id).catch(() => undefined);
    await rt.removePodSandbox(sb.id).catch(() => undefined);
  });
  t.true(sb.ip.startsWith(`${prefix}.`) && sb.ip !== `${prefix}.1`, `pod IP ${sb.ip} in ${cidr}`);
  const c = { name: 'httpd', image: 'busybox', attempt: 0, init: false, command: ['httpd', '-f', '-p', '8080', '-h', '/etc'] };
  await rt.ensureImage(c.image, 'IfNotPresent', sandbox, c.name);
  const id = await rt.createContainer(sb.id, c, sandbox);
  await rt.startContainer(id);
  const status = await waitFor(() => httpStatus(`http://${sb.ip}:8080/hostname`).catch(() => undefined), 'httpd on the pod IP', 20_000, 200);
  t.is(status, 200);
  // The pod's gateway is the node's bridge, with the CIDR's first address.
  const addrs = JSON.parse((await run('ip', ['-j', 'addr', 'show', 'dev', bridgeName(nodeName)])).stdout) as Array<{ addr_info: Array<{ local: string }> }>;
  t.true(addrs[0].addr_info.some((a) => a.local === `${prefix}.1`));
});
