// The topology of the real-node tests: a nats-server and the whole control plane (API server,
// scheduler, controller manager with node IPAM and node lifecycle, cluster DNS) on host 1, and a
// `kubus node --runtime containerd` on each further host: its own containerd, node IP (the host's),
// pod CIDR, bridge, host-gw routes to the other nodes' CIDRs and kube-proxy tables, all inside that
// host's namespace. Teardown kills each node host and removes what its containerd left. The bus is
// locked (nkeys, permissions, TLS): host 1 holds the API server's identity, each node host its node's.
import type { ExecutionContext } from 'ava';
import { existsSync, readdirSync } from 'node:fs';
import type { Node } from '../../api/kinds/node.ts';
import { ApiClient } from '../../bus/client.ts';
import { NatsBus } from '../../bus/nats-bus.ts';
import { startNatsServer } from '../../runtime/nats-server.ts';
import { NODE_STATE_DIR } from '../../runtime/node-cri.ts';
import { isReady } from '../helpers/cluster.ts';
import { cleanUpNode } from '../helpers/containerd-node.ts';
import { runKubus } from '../helpers/proc.ts';
import { waitFor } from '../helpers/wait.ts';
import { lockedBus } from './bus-lock.ts';
import { LIFECYCLE, LOG, PERIODS, s } from './cluster.ts';
import { hosts, type Hosts, type TestHost } from './harness.ts';
import type { HostProc } from './host-proc.ts';
import { claimed } from './netns.ts';

/** A node host: one containerd node named as the host (so its dirs, cgroups and tables are this run's own). */
export interface RealNode {
  host: TestHost;
  name: string;
  proc: HostProc;
}

export interface RealCluster {
  hosts: Hosts;
  natsUrl: string;
  controlPlane: HostProc;
  nodes: RealNode[];
  bus: NatsBus;
  client: ApiClient;
  /** Starts node `n`'s process again (after it was killed), with the same flags; waits until it runs. */
  restartNode(n: RealNode): Promise<HostProc>;
  /** `kubus ARGS...` from the test process, against this cluster. */
  kubus(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** `kubus exec POD -- sh -c SCRIPT` (over the bus, then CRI streaming on the pod's node). */
  exec(pod: string, script: string): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Removes what containerd nodes of dead runs left (the harness's sweep removes their namespaces, not their containerd's dirs, shims, mounts and cgroups). */
function sweepStaleNodes(): void {
  if (!existsSync(NODE_STATE_DIR)) return;
  for (const name of readdirSync(NODE_STATE_DIR)) {
    const id = /^kh-(\d+)-\d+$/.exec(name)?.[1];
    if (id && !claimed(Number(id))) cleanUpNode(name);
  }
}

/**
 * Returns whether pods can be scheduled onto a node: Ready, with a pod CIDR, and (as upstream's e2e
 * framework waits for) no NoSchedule/NoExecute taint: Ready comes back a moment before the node
 * lifecycle controller lifts its not-ready taint, and a Deployment created in that moment all went
 * to the other node (CI: 4 of 4 web pods on one node).
 */
const schedulable = (n: Node) =>
  isReady(n) && !!n.spec?.podCIDR && !n.spec.unschedulable && !(n.spec.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');

/** Builds the cluster (1 + `nodeHosts` hosts, default 2 node hosts) and waits until every node is schedulable (Ready, pod CIDR, untainted). */
export async function realCluster(t: ExecutionContext, { nodeHosts = 2 } = {}): Promise<RealCluster> {
  const hs = await hosts(t, 1 + nodeHosts);
  sweepStaleNodes();
  const [cp, ...nodeHs] = hs;
  const lock = lockedBus(t, nodeHs.map((h) => h.name), [cp!.ip]);
  const nats = await startNatsServer({ netns: cp!.name, host: cp!.ip, port: 4222, config: lock.config });
  t.teardown(() => nats.stop('SIGKILL'));
  const at = ['--nats', nats.url];
  const actors = 'apiserver,scheduler,controller-manager,dns';
  const controlPlane = cp!.kubus([...at, 'control-plane', '--actors', actors, '--leader-elect', 'false', ...LIFECYCLE, ...LOG], 'control-plane', lock.env(cp!, 'apiserver'));

  const startNode = (host: TestHost, name: string) =>
    host.kubus([...at, 'node', '--name', name, '--runtime', 'containerd', '--node-lease-duration', s(PERIODS.nodeLeaseMs), ...LOG], 'node', { netOnly: true, ...lock.env(host, `node/${name}`) });
  const nodes = nodeHs.map((host): RealNode => {
    const name = host.name;
    // Whatever a killed run of this id left (the harness sweeps its namespaces, not containerd's dirs).
    cleanUpNode(name);
    // Runs before the harness's own teardown: the host's processes die first, then what they left goes.
    t.teardown(async () => {
      await host.kill('SIGKILL');
      cleanUpNode(name);
    });
    return { host, name, proc: startNode(host, name) };
  });
  await controlPlane.waitFor(/control plane .* running/, 30_000);
  await Promise.all(nodes.map((n) => n.proc.waitFor(/node\(s\) .* running/, 90_000)));

  const bus = await NatsBus.connect({ servers: nats.url, name: 'real-nodes-test', credentials: lock.admin });
  t.teardown(() => bus.close());
  const client = new ApiClient(bus, { timeoutMs: 5000 });
  await waitFor(
    async () => (await client.list<Node>('nodes')).items.filter(schedulable).length === nodes.length,
    `${nodes.length} Ready nodes with pod CIDRs and no NoSchedule/NoExecute taint`,
    30_000,
    200,
  );
  const kubus = (args: string[]) => runKubus([...at, ...args], { env: lock.adminEnv });
  const exec = (pod: string, script: string) => kubus(['exec', pod, '--', 'sh', '-c', script]);
  const restartNode = async (n: RealNode) => {
    n.proc = startNode(n.host, n.name);
    await n.proc.waitFor(/node\(s\) .* running/, 90_000);
    return n.proc;
  };
  return { hosts: hs, natsUrl: nats.url, controlPlane, nodes, bus, client, restartNode, kubus, exec };
}
