// Real containerd nodes on separate hosts (issue 11): pods on different hosts reach each other by
// pod IP (host-gw routes via the nodes' own IPs), through a Service's ClusterIP (kube-proxy's
// nftables on each host) and by its DNS name (the cluster DNS on the control-plane host); a node
// host killed with -9 takes its containers with it, its pods come back on the other node, and the
// Service reaches them there. Teardown leaves no shim, mount, cgroup or containerd dir behind.
import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../../api/kinds/pod.ts';
import type { Service } from '../../api/kinds/service.ts';
import type { KubeObject } from '../../api/meta.ts';
import { cgroupDirs } from '../../actors/kubelet/runtimes/cri/cri-cgroups.ts';
import { containerdPaths } from '../../runtime/containerd-config.ts';
import { CNI_CACHE_DIR, mountsUnder, shimPids } from '../../runtime/containerd-cleanup.ts';
import { NODE_STATE_DIR } from '../../runtime/node-cri.ts';
import { isReady, readyOf } from '../helpers/cluster.ts';
import { cleanUpNode } from '../helpers/containerd-node.ts';
import { waitFor } from '../helpers/wait.ts';
import { PERIODS } from './cluster.ts';
import { realCluster } from './real-cluster.ts';
import { httpd, nodesByName, podsOf, since, tolerateDownFor } from './workloads.ts';

/** `replicas` busybox httpds spread over the nodes. */
const web = (replicas: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        tolerations: tolerateDownFor(1),
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'web' } } }],
        containers: [httpd],
      },
    },
  },
});

const service: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
};

/** A pod that stays (and asks from) node `nodeName`. */
const client = (nodeName: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'client', namespace: 'default' },
  spec: { nodeName, terminationGracePeriodSeconds: 1, containers: [{ name: 'sh', image: 'busybox', imagePullPolicy: 'Never', command: ['sleep', '3600'] }] },
});

/** The pids in a cgroup and its children. */
const processesIn = (dir: string): string[] => {
  if (!existsSync(dir)) return [];
  const here = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
  return [...here, ...readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).flatMap((e) => processesIn(join(dir, e.name)))];
};

/** A shell loop fetching `url` n times, one answer (or `failed`) a line (no `-T`: Debian's busybox wget crashes with it). */
const fetchLoop = (url: string, n: number) => `for i in $(seq ${n}); do wget -qO- ${url} || echo failed; done`;

test('hosts - real containerd nodes on two hosts: pods reach each other by pod IP, Service IP and DNS name; kill -9 of a node host moves its pods to the other, reachable through the Service', async (t) => {
  const started = Date.now();
  const c = await realCluster(t);
  const upMs = since(started);
  const [keep, victim] = c.nodes as [(typeof c.nodes)[0], (typeof c.nodes)[0]];

  // Each node: the host's own address as its InternalIP, a pod CIDR of its own.
  const nodes = await nodesByName(c.client);
  const cidr = new Map(c.nodes.map((n) => [n.name, nodes.get(n.name)?.spec?.podCIDR]));
  for (const n of c.nodes) t.like(nodes.get(n.name)?.status?.addresses?.find((a) => a.type === 'InternalIP'), { address: n.host.ip }, `${n.name}'s InternalIP`);
  t.not(cidr.get(keep.name), cidr.get(victim.name));

  await c.client.create('services', service);
  await c.client.create('deployments', web(4));
  await c.client.create('pods', client(keep.name));
  const applied = Date.now();
  await waitFor(async () => (await podsOf(c.client, 'web')).filter(isReady).length === 4, '4 Ready web pods', 60_000, 200);
  await waitFor(async () => (await c.client.get<Pod>('pods', 'client', { namespace: 'default' })).status?.phase === 'Running', 'the client pod Running', 30_000, 200);
  const readyMs = since(applied);
  const pods = await podsOf(c.client, 'web');
  const on = (n: (typeof c.nodes)[0]) => pods.filter((p) => p.spec.nodeName === n.name);
  t.true(on(keep).length > 0 && on(victim).length > 0, `web pods on both nodes: ${pods.map((p) => `${p.metadata.name}@${p.spec.nodeName}`).join(' ')}`);
  for (const p of pods) {
    const prefix = cidr.get(p.spec.nodeName!)!.split('.').slice(0, 3).join('.');
    t.true(p.status?.podIP?.startsWith(`${prefix}.`), `${p.metadata.name}'s IP ${p.status?.podIP} is of ${p.spec.nodeName}'s CIDR ${cidr.get(p.spec.nodeName!)}`);
  }

  // Pod IP to pod IP across the hosts, both ways (the page is the serving pod's name).
  const [far, near] = [on(victim)[0]!, on(keep)[0]!];
  // Each node programs its route to the other's CIDR when it sees that Node: retried until it answers, with a deadline.
  const fetchFrom = async (from: string, url: string, want: string, what: string) => {
    let last = { code: null as number | null, stdout: '', stderr: '' };
    await waitFor(async () => (last = await c.exec(from, `wget -qO- ${url}`)).stdout.trim() === want, what, 20_000, 250).catch(() => undefined);
    return last;
  };
  const there = await fetchFrom('client', `http://${far.status!.podIP}:8080/`, far.metadata.name!, 'client → far pod by IP');
  t.is(there.stdout.trim(), far.metadata.name!, `client on ${keep.name} → ${far.metadata.name} on ${victim.name}: exit ${there.code} ${there.stderr}`);
  // No NAT between pods: httpd -v logs the client pod's own IP (it listens on IPv6 too, hence ::ffff:).
  const clientIP = (await c.client.get<Pod>('pods', 'client', { namespace: 'default' })).status!.podIP!;
  t.true((await c.kubus(['logs', far.metadata.name!])).stdout.includes(`[::ffff:${clientIP}]:`), `${far.metadata.name} saw the client pod's IP ${clientIP}`);
  const back = await fetchFrom(far.metadata.name!, `http://${near.status!.podIP}:8080/`, near.metadata.name!, 'far pod → near pod by IP');
  t.is(back.stdout.trim(), near.metadata.name!, `${far.metadata.name} on ${victim.name} → ${near.metadata.name} on ${keep.name}: exit ${back.code} ${back.stderr}`);

  // The Service's ClusterIP, and its DNS names: answered by replicas on both hosts.
  const svc = await c.client.get<Service>('services', 'web', { namespace: 'default' });
  const names = new Set(pods.map((p) => p.metadata.name!));
  const viaVip = (await c.exec('client', fetchLoop(`http://${svc.spec!.clusterIP}/`, 30))).stdout.trim().split('\n');
  t.true(viaVip.length === 30 && viaVip.every((l) => names.has(l)), `every request through ${svc.spec!.clusterIP} answered by a replica: ${viaVip.join(' ')}`);
  t.true(on(victim).some((p) => viaVip.includes(p.metadata.name!)) && on(keep).some((p) => viaVip.includes(p.metadata.name!)), `replicas on both hosts answered: ${viaVip.join(' ')}`);
  const viaDns = (await c.exec('client', `${fetchLoop('http://web/', 3)}; ${fetchLoop('http://web.default.svc.cluster.local/', 3)}`)).stdout.trim().split('\n');
  t.true(viaDns.length === 6 && viaDns.every((l) => names.has(l)), `by DNS name: ${viaDns.join(' ')}`);

  // The victim host dies: its node goes Unknown, its pods are evicted and come back on the other node.
  const killedAt = Date.now();
  await victim.host.kill('SIGKILL');
  t.deepEqual(shimPids(`${NODE_STATE_DIR}/${victim.name}/containerd.sock`), [], 'no shim of the dead host runs');
  await waitFor(() => cgroupDirs(`/kubus/${victim.name}`).flatMap(processesIn).length === 0, `no process left in ${victim.name}'s pod cgroups`, 5000, 50);
  await waitFor(async () => readyOf((await nodesByName(c.client)).get(victim.name)) === 'Unknown', `${victim.name} Unknown`, 20_000, 100);
  const unknownMs = since(killedAt);
  await waitFor(
    async () => {
      const live = await podsOf(c.client, 'web', { live: true });
      return live.length === 4 && live.every((p) => p.spec.nodeName === keep.name && isReady(p));
    },
    `4 Ready web pods on ${keep.name}`,
    60_000,
    200,
  );
  const movedMs = since(killedAt);
  const live = new Set((await podsOf(c.client, 'web', { live: true })).map((p) => p.metadata.name!));
  // Through the Service again: only the replicas on the live host answer, none fails.
  await waitFor(
    async () => {
      const answers = (await c.exec('client', fetchLoop(`http://${svc.spec!.clusterIP}/`, 10))).stdout.trim().split('\n');
      return answers.length === 10 && answers.every((l) => live.has(l));
    },
    'the Service answered by the live replicas only',
    20_000,
    500,
  );
  const servedMs = since(killedAt);
  const viaName = (await c.exec('client', fetchLoop('http://web/', 5))).stdout.trim().split('\n');
  t.true(viaName.length === 5 && viaName.every((l) => live.has(l)), `by DNS name after the move: ${viaName.join(' ')}`);

  t.log(
    `cluster up (3 hosts, 2 containerd nodes Ready): ${upMs} ms; 4 replicas + client Ready: ${readyMs} ms; after kill -9: node Unknown ${unknownMs} ms (lease ${PERIODS.nodeLeaseMs} ms, grace ${PERIODS.graceMs} ms), 4 replicas Ready on ${keep.name} ${movedMs} ms, Service answered by them ${servedMs} ms`,
  );

  // What the dead host left goes with teardown; checked here, after doing it.
  const sandboxIds = c.nodes.flatMap((n) => readdirSync(join(containerdPaths(`${NODE_STATE_DIR}/${n.name}`).root, 'io.containerd.grpc.v1.cri', 'sandboxes')));
  t.true(sandboxIds.length >= 6, `the sandboxes of both nodes: ${sandboxIds.length}`);
  await c.hosts.remove();
  for (const n of c.nodes) {
    cleanUpNode(n.name);
    const dir = `${NODE_STATE_DIR}/${n.name}`;
    t.deepEqual(shimPids(`${dir}/containerd.sock`), [], `no shim of ${n.name} left`);
    t.deepEqual(mountsUnder(dir), [], `nothing mounted under ${dir}`);
    t.false(existsSync(dir), `${dir} removed`);
    t.deepEqual(cgroupDirs(`/kubus/${n.name}`).filter(existsSync), [], `no cgroup of ${n.name} left`);
  }
  const cached = existsSync(CNI_CACHE_DIR) ? readdirSync(CNI_CACHE_DIR) : [];
  t.deepEqual(cached.filter((f) => sandboxIds.some((id) => f.includes(id))), [], "no libcni result of the nodes' sandboxes left");
});
