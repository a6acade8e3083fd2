// The node process: K kubelets (sim runtime) in one process, on one bus connection, for
// clusters whose nodes run on other machines than the control plane.
import { kubeletActor, type KubeletInput } from '../actors/kubelet/kubelet.actor.ts';
import { proxyActor } from '../actors/proxy/proxy.actor.ts';
import { realClock } from '../bus/clock.ts';
import { NatsBus, readCredentials, type BusCredentials } from '../bus/nats-bus.ts';
import { credentialsFile } from './bus-auth.ts';
import { cryptoRng } from '../bus/random.ts';
import type { Bus, Logger } from '../bus/types.ts';
import { Host } from './host.ts';
import { hostAddress, startNodeCri } from './node-cri.ts';
import { serveStatus } from './status.ts';

export interface NodesOptions {
  nats: string;
  /** One node of this name, or with `count`, nodes `<name>-<nameFrom> … <name>-<nameFrom+count-1>`. */
  name: string;
  count?: number;
  /** With `count`: the number the node names start from (default 0), so several processes can share a prefix. */
  nameFrom?: number;
  /** Everything else a kubelet takes (capacity, labels, taints, timings). */
  kubelet?: Omit<KubeletInput, 'nodeName' | 'index'>;
  /** Number of the first node (picks its pod CIDR and address): lets several node processes not clash. */
  firstIndex?: number;
  /** Runtime `containerd`: use this CRI endpoint instead of starting a containerd of our own. */
  criEndpoint?: string;
  /** kube-proxy per node: `nftables` programs this host's nftables (a table per node); default none. */
  proxy?: ProxyMode;
  /** The bus identity of this process (a locked bus: node/<name>, one node per process); unset: KUBUS_CREDS's file, if any. */
  credentials?: BusCredentials | null;
  /** A directory of node/<name> credentials files (`kubus credentials`): each node connects as itself, on a connection of its own. */
  credentialsDir?: string;
  log: Logger;
}

export const PROXY_MODES = ['nftables', 'none'] as const;
export type ProxyMode = (typeof PROXY_MODES)[number];

/** Returns the kube-proxy mode a runtime gets by default: real containers need real Service routing; sim pods have nothing to route. */
export const defaultProxyMode = (runtime: string): ProxyMode => (runtime === 'containerd' ? 'nftables' : 'none');

export interface NodeProcess {
  bus: Bus;
  host: Host;
  names: string[];
  stop(): Promise<void>;
}

/** Returns the node names `kubus node --name N [--count K]` runs. */
export const nodeNames = (name: string, count?: number, from = 0) =>
  count === undefined ? [name] : Array.from({ length: count }, (_, i) => `${name}-${from + i}`);

/** Starts each node of `opts` with `start` on a connection of its own as node/<name> (`credentialsFor`; undefined: KUBUS_CREDS's, if any); one NodeProcess for all. */
export async function startEachNode(start: (o: NodesOptions) => Promise<NodeProcess>, opts: NodesOptions, credentialsFor: (node: string) => NodesOptions['credentials']): Promise<NodeProcess> {
  const all: NodeProcess[] = [];
  try {
    for (const [i, name] of nodeNames(opts.name, opts.count, opts.nameFrom).entries()) {
      const firstIndex = opts.firstIndex === undefined ? undefined : opts.firstIndex + i;
      all.push(await start({ ...opts, name, count: undefined, firstIndex, credentialsDir: undefined, credentials: credentialsFor(name) }));
    }
  } catch (err) {
    await Promise.all(all.map((n) => n.stop()));
    throw err;
  }
  const stop = async () => void (await Promise.all(all.map((n) => n.stop())));
  return { bus: all[0]!.bus, host: all[0]!.host, names: all.flatMap((n) => n.names), stop };
}

/** Starts the kubelets of this process on an existing bus (in `kubus up`) or a new NATS connection. */
export async function startNodes(opts: NodesOptions, bus?: Bus): Promise<NodeProcess> {
  const dir = opts.credentialsDir;
  if (dir && !bus) return startEachNode(startNodes, opts, (node) => readCredentials(credentialsFile(dir, `node/${node}`)));
  const names = nodeNames(opts.name, opts.count, opts.nameFrom);
  const own = !bus;
  // Real containers: a containerd (ours, or the endpoint given) before any kubelet starts.
  const cri = opts.kubelet?.runtime === 'containerd' && !opts.kubelet.cri ? await startNodeCri({ name: opts.name, nodes: names, endpoint: opts.criEndpoint, log: opts.log }) : undefined;
  const kubelet = cri ? { ...opts.kubelet, cri: cri.settings, internalIP: opts.kubelet?.internalIP ?? hostAddress() } : opts.kubelet;
  const b = bus ?? (await NatsBus.connect({ servers: opts.nats, name: `node/${opts.name}`, log: opts.log, credentials: opts.credentials }).catch(async (err) => {
    await cri?.stop();
    throw err;
  }));
  const host = new Host({ bus: b, clock: realClock, rng: cryptoRng(), log: opts.log });
  names.forEach((nodeName, i) => {
    // Real processes ship their containers' lines to the cluster log stream (log-shipper.ts) unless told otherwise.
    // Many kubelets on one connection share one watch of all Nodes (own-node.ts), not one each.
    const input: KubeletInput = { clusterLogs: {}, sharedNodeWatch: names.length > 1, ...kubelet, nodeName };
    if (opts.firstIndex !== undefined) input.index = opts.firstIndex + i;
    host.start(kubeletActor, `kubelet/${nodeName}`, input);
    if (opts.proxy === 'nftables') host.start(proxyActor, `kube-proxy/${nodeName}`, { nodeName });
  });
  serveStatus(b, 'node', () => [
    { name: 'kubelet', count: names.length, nodes: names },
    ...(opts.proxy === 'nftables' ? [{ name: 'kube-proxy', count: names.length, nodes: names }] : []),
  ]);
  return {
    bus: b,
    host,
    names,
    async stop() {
      await host.stopAll();
      await cri?.stop();
      if (own) await b.drain().catch(() => b.close());
    },
  };
}
