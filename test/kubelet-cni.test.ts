// The kubelet's pod network parts: the node's CNI conflist (run here through Debian's real bridge,
// host-local and portmap plugins in namespaces of the test's own) and host-gw routes (planned
// purely, then applied with iproute2 inside a network namespace the test creates and removes).
import test, { type ExecutionContext } from 'ava';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Node } from '../api/kinds/node.ts';
import { bridgeName, CNI_BIN_DIR, cniConfList, NoPodCidrError, type CniConfList } from '../actors/kubelet/cni/cni-config.ts';
import { HostGwRoutes, ipRunner } from '../actors/kubelet/cni/host-gw.effects.ts';
import { desiredRoutes, parseIpRoutes, planRoutes } from '../actors/kubelet/cni/host-gw.plan.ts';
import { PodNetwork, type NodeSource } from '../actors/kubelet/cni/pod-network.ts';
import type { InformerHandlers } from '../bus/informer.ts';
import { silentLogger } from '../bus/types.ts';
import { waitFor } from './helpers/wait.ts';

const run = promisify(execFile);

const node = (name: string, ip: string | undefined, cidrs: string[]): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: cidrs.length ? { podCIDR: cidrs[0], podCIDRs: cidrs } : {},
  status: ip ? { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] } : {},
});

/** Creates a network namespace removed in teardown (pass or fail). */
async function netns(t: ExecutionContext, suffix: string): Promise<string> {
  const name = `kubus-${process.pid}-${suffix}`;
  await run('ip', ['netns', 'add', name]);
  t.teardown(() => run('ip', ['netns', 'del', name]).then(() => undefined, () => undefined));
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return name;
}

test('cni - the conflist: cniVersion 1.0.0, a bridge per node with host-local over its pod CIDRs, portmap', (t) => {
  const conf = cniConfList({ nodeName: 'worker-1', podCIDRs: ['10.244.1.0/24'] });
  t.is(conf.cniVersion, '1.0.0');
  t.is(conf.name, 'kubus');
  t.deepEqual(conf.plugins.map((p) => p.type), ['bridge', 'portmap']);
  t.like(conf.plugins[0], { bridge: bridgeName('worker-1'), isGateway: true, ipMasq: true, ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.1.0/24' }]], routes: [{ dst: '0.0.0.0/0' }] } });
  t.deepEqual(conf.plugins[1].capabilities, { portMappings: true });
  t.regex(bridgeName('worker-1'), /^kubus[0-9a-f]{8}$/);
  t.true(bridgeName('a-very-long-node-name.example.com').length <= 15);
  t.not(bridgeName('node-1'), bridgeName('node-2'));
  t.throws(() => cniConfList({ nodeName: 'n', podCIDRs: [] }), { instanceOf: NoPodCidrError });
});

test('cni - host-gw plan: other nodes’ CIDRs via their InternalIP; only kubus routes are changed', (t) => {
  const nodes = [node('self', '10.0.0.1', ['10.244.0.0/24']), node('b', '10.0.0.2', ['10.244.1.0/24']), node('c', '10.0.0.3', ['10.244.2.0/24']), node('no-ip', undefined, ['10.244.3.0/24']), node('no-cidr', '10.0.0.5', []), node('same-host', '10.0.0.9', ['10.244.9.0/24'])];
  const want = desiredRoutes(nodes, 'self', ['10.0.0.1', '10.0.0.9']);
  t.deepEqual(want.map((r) => `${r.dst} via ${r.via}`), ['10.244.1.0/24 via 10.0.0.2', '10.244.2.0/24 via 10.0.0.3']);
  const current = parseIpRoutes(
    JSON.stringify([
      { dst: '10.0.0.0/24', dev: 'eth0', protocol: 'kernel' },
      { dst: '10.244.1.0/24', gateway: '10.0.0.2', dev: 'eth0', protocol: '75' },
      { dst: '10.244.2.0/24', gateway: '10.0.0.7', dev: 'eth0', protocol: '75' },
      { dst: '10.244.7.0/24', gateway: '10.0.0.7', dev: 'eth0', protocol: '75' },
      { dst: '192.168.5.5', gateway: '10.0.0.254', dev: 'eth0' },
    ]),
  );
  t.is(current[4].dst, '192.168.5.5/32');
  t.is(current[4].protocol, 'boot');
  const plan = planRoutes(want, current);
  t.deepEqual(plan.replace.map((r) => `${r.dst} via ${r.via}`), ['10.244.2.0/24 via 10.0.0.3']);
  t.deepEqual(plan.remove.map((r) => r.dst), ['10.244.7.0/24']);
  // A CIDR someone else routes (a local bridge's kernel route) is never replaced.
  const clash = planRoutes([{ dst: '10.0.0.0/24', via: '10.0.0.2', node: 'x' }], current);
  t.deepEqual([clash.replace, clash.conflicts.map((c) => c.existing.protocol)], [[], ['kernel']]);
});

test('cni - host-gw routes in a network namespace follow the nodes and go away on clear', async (t) => {
  const ns = await netns(t, 'gw');
  const ip = ipRunner(ns);
  await ip(['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  for (const l of ['v0', 'v1']) await ip(['link', 'set', l, 'up']);
  await ip(['addr', 'add', '10.0.0.1/24', 'dev', 'v0']);
  // Routes that are not ours: a local bridge's subnet (kernel) and a static route.
  await ip(['addr', 'add', '10.244.9.1/24', 'dev', 'v1']);
  await ip(['route', 'add', '192.168.77.0/24', 'via', '10.0.0.254']);
  const gw = new HostGwRoutes({ netns: ns });
  const ours = async () => (await gw.routes()).filter((r) => r.protocol === '75').map((r) => `${r.dst} via ${r.gateway}`);
  const nodes = [node('self', '10.0.0.1', ['10.244.0.0/24']), node('b', '10.0.0.2', ['10.244.1.0/24']), node('c', '10.0.0.3', ['10.244.2.0/24']), node('clash', '10.0.0.4', ['10.244.9.0/24'])];
  const plan = await gw.sync(nodes, 'self');
  t.deepEqual(plan.conflicts.map((c) => c.route.dst), ['10.244.9.0/24']);
  t.deepEqual(await ours(), ['10.244.1.0/24 via 10.0.0.2', '10.244.2.0/24 via 10.0.0.3']);
  // Node c moved to another address, node b is gone.
  await gw.sync([nodes[0], node('c', '10.0.0.13', ['10.244.2.0/24'])], 'self');
  t.deepEqual(await ours(), ['10.244.2.0/24 via 10.0.0.13']);
  t.deepEqual((await gw.sync([nodes[0], node('c', '10.0.0.13', ['10.244.2.0/24'])], 'self')).replace, [], 'a second sync changes nothing');
  // Another node process of this host keeps a route of its own: clear() leaves it.
  await ip(['route', 'add', '10.244.50.0/24', 'via', '10.0.0.50', 'proto', '75']);
  await gw.clear();
  t.deepEqual(await ours(), ['10.244.50.0/24 via 10.0.0.50']);
  const left = (await gw.routes()).map((r) => r.dst);
  t.true(left.includes('10.244.9.0/24') && left.includes('192.168.77.0/24') && left.includes('10.0.0.0/24'), left.join(' '));
});

/** Runs a conflist's plugins in order as a CNI runtime does (ADD), in the node namespace `nodeNs`, for a pod namespace. */
async function cniAdd(conf: CniConfList, nodeNs: string, podNs: string, id: string): Promise<Record<string, unknown>> {
  let prev: unknown;
  for (const p of conf.plugins) {
    const cfg: Record<string, unknown> = { ...p, cniVersion: conf.cniVersion, name: conf.name };
    if (prev) cfg.prevResult = prev;
    if ((p.capabilities as Record<string, boolean> | undefined)?.portMappings) cfg.runtimeConfig = { portMappings: [{ hostPort: 18080, containerPort: 80, protocol: 'tcp' }] };
    const env = { ...process.env, CNI_COMMAND: 'ADD', CNI_CONTAINERID: id, CNI_NETNS: `/var/run/netns/${podNs}`, CNI_IFNAME: 'eth0', CNI_PATH: CNI_BIN_DIR };
    const child = spawn('ip', ['netns', 'exec', nodeNs, join(CNI_BIN_DIR, String(p.type))], { env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stdin.end(JSON.stringify(cfg));
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
    if (code !== 0) throw new Error(`${p.type} ADD failed (${code}): ${out}`);
    prev = JSON.parse(out);
  }
  return prev as Record<string, unknown>;
}

test('cni - Debian’s bridge, host-local and portmap plugins accept the conflist and give a pod its IP', async (t) => {
  const nodeNs = await netns(t, 'node');
  const podNs = await netns(t, 'pod');
  const dataDir = mkdtempSync(join(tmpdir(), 'kubus-cni-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const conf = cniConfList({ nodeName: `cni-${process.pid}`, podCIDRs: ['10.244.7.0/24'] });
  (conf.plugins[0].ipam as Record<string, unknown>).dataDir = dataDir;
  const result = await cniAdd(conf, nodeNs, podNs, `pod-${process.pid}`);
  const ips = (result.ips as Array<{ address: string; gateway: string }>).map((i) => [i.address, i.gateway]);
  t.deepEqual(ips, [['10.244.7.2/24', '10.244.7.1']]);
  // The pod's default route leads to the bridge, which is the node's gateway address.
  const podRoutes = parseIpRoutes((await ipRunner(podNs)(['-j', 'route', 'show'])));
  t.true(podRoutes.some((r) => r.dst === 'default' && r.gateway === '10.244.7.1'));
  const bridge = JSON.parse(await ipRunner(nodeNs)(['-j', 'addr', 'show', 'dev', bridgeName(`cni-${process.pid}`)])) as Array<{ addr_info: Array<{ local: string }> }>;
  t.true(bridge[0].addr_info.some((a) => a.local === '10.244.7.1'));
  const ping = await run('ip', ['netns', 'exec', podNs, '/bin/busybox', 'ping', '-c', '1', '-W', '2', '10.244.7.1']).then(() => true, () => false);
  t.true(ping, 'the pod reaches its gateway');
});

/** Nodes held in memory with informer-style handlers (the pod network's NodeSource). */
function fakeNodes(): NodeSource & { put(n: Node): void; remove(name: string): void } {
  const items = new Map<string, Node>();
  const hs: InformerHandlers<Node>[] = [];
  return {
    get: (k) => items.get(k),
    list: () => [...items.values()],
    on: (h) => hs.push(h),
    off: (h) => void hs.splice(hs.indexOf(h), 1),
    put(n) {
      const old = items.get(n.metadata.name!);
      items.set(n.metadata.name!, n);
      for (const h of hs) (old ? h.update?.(old, n) : h.add?.(n));
    },
    remove(name) {
      const old = items.get(name);
      items.delete(name);
      if (old) for (const h of hs) h.delete?.(old);
    },
  };
}

test('cni - the pod network writes the conflist once the node has a CIDR and routes follow the other nodes', async (t) => {
  const ns = await netns(t, 'pn');
  const ip = ipRunner(ns);
  await ip(['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  for (const l of ['v0', 'v1']) await ip(['link', 'set', l, 'up']);
  await ip(['addr', 'add', '10.0.0.1/24', 'dev', 'v0']);
  const confDir = mkdtempSync(join(tmpdir(), 'kubus-cni-conf-'));
  t.teardown(() => rmSync(confDir, { recursive: true, force: true }));
  const nodes = fakeNodes();
  nodes.put(node('self', '10.0.0.1', []));
  const routes = new HostGwRoutes({ netns: ns });
  const net = new PodNetwork({ nodeName: 'self', confDir, nodes, routes, log: silentLogger });
  net.start();
  t.teardown(() => net.stop());
  const file = join(confDir, '10-kubus.conflist');
  nodes.put(node('b', '10.0.0.2', ['10.244.1.0/24']));
  await waitFor(async () => (await routes.routes()).some((r) => r.dst === '10.244.1.0/24'), 'the route to b');
  t.false(existsSync(file), 'no conflist before the node has a CIDR');
  nodes.put(node('self', '10.0.0.1', ['10.244.0.0/24']));
  await net.ready();
  t.deepEqual(JSON.parse(readFileSync(file, 'utf8')).plugins[0].ipam.ranges, [[{ subnet: '10.244.0.0/24' }]]);
  nodes.remove('b');
  await waitFor(async () => !(await routes.routes()).some((r) => r.dst === '10.244.1.0/24'), 'the route to b gone');
  nodes.put(node('c', '10.0.0.3', ['10.244.2.0/24']));
  await waitFor(async () => (await routes.routes()).some((r) => r.dst === '10.244.2.0/24' && r.gateway === '10.0.0.3'), 'the route to c');
  await net.stop();
  t.deepEqual((await routes.routes()).filter((r) => r.protocol === '75'), [], 'stop removes our routes');
});

test('cni - host-gw: a pod on one node reaches a pod on another by its IP (two node netns joined by a link)', async (t) => {
  const [nodeA, nodeB, podA, podB] = [await netns(t, 'na'), await netns(t, 'nb'), await netns(t, 'pa'), await netns(t, 'pb')];
  // The nodes' own network: one link between them, 10.0.0.1 and 10.0.0.2.
  await ipRunner(nodeA)(['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', nodeB]);
  for (const [ns, ip] of [[nodeA, '10.0.0.1'], [nodeB, '10.0.0.2']]) {
    await ipRunner(ns)(['addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    await ipRunner(ns)(['link', 'set', 'eth0', 'up']);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'kubus-cni-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const nodes = [node(`a-${process.pid}`, '10.0.0.1', ['10.244.10.0/24']), node(`b-${process.pid}`, '10.0.0.2', ['10.244.11.0/24'])];
  const ips: string[] = [];
  for (const [i, [nodeNs, podNs]] of [[nodeA, podA], [nodeB, podB]].entries()) {
    const n = nodes[i];
    const conf = cniConfList({ nodeName: n.metadata.name!, podCIDRs: n.spec!.podCIDRs!, dataDir: join(dataDir, String(i)) });
    const result = await cniAdd(conf, nodeNs, podNs, `pod-${i}-${process.pid}`);
    ips.push((result.ips as Array<{ address: string }>)[0].address.split('/')[0]);
    await new HostGwRoutes({ netns: nodeNs }).sync(nodes, n.metadata.name!);
  }
  t.deepEqual(ips, ['10.244.10.2', '10.244.11.2']);
  const ping = (from: string, to: string) => run('ip', ['netns', 'exec', from, '/bin/busybox', 'ping', '-c', '1', '-W', '2', to]).then(() => true, () => false);
  t.true(await ping(podA, ips[1]), 'pod A reaches pod B');
  t.true(await ping(podB, ips[0]), 'pod B reaches pod A');
});
