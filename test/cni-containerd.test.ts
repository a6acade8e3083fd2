// The pod network with a real containerd: the node's PodNetwork writes its conflist once the node
// has a pod CIDR, containerd's CRI plugin runs Debian's bridge/host-local/portmap plugins with it,
// and a busybox httpd in a pod (not hostNetwork) answers the node on its pod IP. Root. The node is
// a network namespace of the test's own (containerd runs in it), so the bridge, veths and NAT rules
// the plugins make are there, never in the host's namespace; teardown removes it all.
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
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

/** Returns the body of GET url fetched from inside a network namespace (a node one-liner; rejects when nothing answers). */
const fetchIn = async (netns: string, url: string) =>
  (await run('nsenter', [`--net=/run/netns/${netns}`, process.execPath, '-e', `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(2000) }).then((r) => r.text()).then((b) => process.stdout.write(b))`])).stdout;

test('cni containerd - a pod gets an IP of the node CIDR from the conflist and serves the host on it', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'kcni-'));
  const nodeName = `cni-ctd-${process.pid}`;
  const cgroupRoot = `/kubus-test-cni-${process.pid}`;
  // A CIDR of this test's own (outside the cluster default, one per pid).
  const cidr = `10.251.${process.pid % 250}.0/24`;
  const prefix = cidr.split('.').slice(0, 3).join('.');
  // libcni (in containerd) caches results under /var/lib/cni: what it creates empty goes too.
  const cniCache = ['/var/lib/cni/results', '/var/lib/cni'].filter((d) => !existsSync(d));
  const netns = `kcni${process.pid}`;
  await run('ip', ['netns', 'add', netns]);
  await run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  const containerd = await startContainerd({ dir: join(work, 'ctd'), log: silentLogger, netns });
  t.teardown(async () => {
    await containerd.stop();
    await run('ip', ['netns', 'del', netns]).catch(() => undefined);
    for (const d of cniCache) {
      try {
        rmdirSync(d); // only when empty: another user's entries stay
      } catch {
        /* not empty or gone */
      }
    }
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
  const body = await waitFor(() => fetchIn(netns, `http://${sb.ip}:8080/hostname`).catch(() => undefined), 'httpd on the pod IP', 20_000, 200);
  t.true(body.length > 0);
  // The pod's gateway is the node's bridge, with the CIDR's first address, in the node's namespace only.
  const addrs = JSON.parse((await run('ip', ['-n', netns, '-j', 'addr', 'show', 'dev', bridgeName(nodeName)])).stdout) as Array<{ addr_info: Array<{ local: string }> }>;
  t.true(addrs[0].addr_info.some((a) => a.local === `${prefix}.1`));
  t.true((await run('ip', ['link', 'show', bridgeName(nodeName)]).catch(() => undefined)) === undefined, "no bridge in the host's namespace");
});
