// What a kubelet is started with (its input), the defaults (upstream kubelet v1.32 and DESIGN
// §4), and the resolved configuration every part reads. Pure.
import type { ResourceList } from '../../api/kinds/common.ts';
import type { Taint } from '../../api/kinds/scheduling.ts';
import type { BackoffPolicy } from '../../bus/backoff.ts';
import type { LogShippingSettings } from './log-shipper.ts';
import type { RestartBackoff } from './pod-worker.types.ts';

/** The kubelet actor's input; everything but `nodeName` has a default. */
export interface KubeletInput {
  nodeName: string;
  /** Container runtime: `sim` (default) or `containerd` (CRI v1, with `cri` saying where). */
  runtime?: 'sim' | 'containerd';
  /** The CRI runtime's endpoint and where pod logs and cgroups go (runtime `containerd`). */
  cri?: CriSettings;
  /** Ship containers' lines to the cluster log stream in batches (log-shipper.ts); unset: not shipped (simulations). */
  clusterLogs?: LogShippingSettings;
  /** Node capacity; default cpu 4, memory 16Gi, pods 110, ephemeral-storage 100Gi. */
  capacity?: ResourceList;
  /** Allocatable; default = capacity. */
  allocatable?: ResourceList;
  /** Extra node labels (the kubelet's --node-labels). */
  labels?: Record<string, string>;
  /** Taints set when the node is first registered (--register-with-taints). */
  taints?: Taint[];
  /** node.kubernetes.io/instance-type label, when given. */
  instanceType?: string;
  /** This node's number in its fleet: picks the default InternalIP and pod CIDR without clashes. */
  index?: number;
  /** Default: 10.0.x.y from `index` (or a hash of the name). */
  internalIP?: string;
  /** Default (sim runtime): 10.(128+x).y.0/24 from `index` (or a hash of the name); other runtimes: none, the node IPAM controller's. */
  podCIDR?: string;
  /** Default amd64 / linux. */
  architecture?: string;
  operatingSystem?: string;
  /** Default v1.32.0-kubus. */
  kubeletVersion?: string;
  /** Lease duration (default 40 s) and renew interval (default 10 s = a quarter of it, as upstream). */
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
  /** Renew-interval jitter factor (upstream JitterUntil 0.04). */
  renewJitter?: number;
  /** Lease retry backoff (default 200 ms → 7 s). */
  leaseRetry?: BackoffPolicy;
  /** Node status is written when it changes, and at least this often (default 5 min). */
  nodeStatusReportMs?: number;
  /** Registration and node-status retry backoff (default 100 ms → 7 s, as upstream registration). */
  registerRetry?: BackoffPolicy;
  /** Container restart backoff (default 10 s → 300 s, reset after 10 min). */
  restartBackoff?: Partial<RestartBackoff>;
  /** Pod status write retry backoff (default 200 ms → 7 s). */
  statusRetry?: BackoffPolicy;
  /** Record Kubernetes Events (default true; benchmarks turn them off). */
  events?: boolean;
  /** Hear of its own Node from the process's shared watch of all Nodes, not a watch of its own (many kubelets on one connection; default false). */
  sharedNodeWatch?: boolean;
  /** DNS servers of ClusterFirst pods (--cluster-dns; default 10.96.0.10, the kube-dns Service). */
  clusterDNS?: string[];
  /** --cluster-domain (default cluster.local). */
  clusterDomain?: string;
  /** The node's resolv.conf for dnsPolicy Default (--resolv-conf; default /etc/resolv.conf, '' for none). */
  resolvConf?: string;
}

/** Where a kubelet finds its CRI runtime (serializable: actor inputs cross the bus). */
export interface CriSettings {
  /** `unix:///…/containerd.sock`. */
  endpoint: string;
  /** The runtime's version, asked with CRI Version before the kubelet starts (reported in nodeInfo). */
  runtimeVersion?: string;
  /** Pod log directories go under here (upstream: /var/log/pods). */
  logRoot: string;
  /** cgroupfs parent of this node's pods (e.g. /kubus/node-1). */
  cgroupRoot?: string;
  /** The CNI conf dir this containerd reads (its own under its dir; unknown for a --cri-endpoint one). */
  cniConfDir?: string;
  /** Pods' volume dirs go under here (upstream /var/lib/kubelet/pods; default kubelet-pods next to logRoot). */
  podsDir?: string;
  /** How often mounted ConfigMap, Secret and downward API files are brought up to date (default 5 s). */
  volumeResyncMs?: number;
}

/** The resolved configuration: every knob set. */
export type KubeletConfig = Required<Omit<KubeletInput, 'instanceType' | 'taints' | 'restartBackoff' | 'cri' | 'clusterLogs'>> & {
  cri?: CriSettings;
  clusterLogs?: LogShippingSettings;
  instanceType?: string;
  taints: Taint[];
  restartBackoff: RestartBackoff;
};

/** A node's capacity when none is given: a modest 4-core machine with upstream's 110-pod limit. */
export const DEFAULT_CAPACITY: ResourceList = { cpu: '4', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' };

/** FNV-1a of a name: a stable stand-in for `index` when none is given. */
function hash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Returns the node's number: `index`, the trailing number of its name (`node-12` → 12), or a hash. */
export function nodeNumber(input: Pick<KubeletInput, 'nodeName' | 'index'>): number {
  if (input.index !== undefined) return input.index;
  const m = /(\d+)$/.exec(input.nodeName);
  return m ? Number(m[1]) % 32768 : hash(input.nodeName) % 32768;
}

/** Returns the input with every default filled in. */
export function resolveConfig(input: KubeletInput): KubeletConfig {
  const n = nodeNumber(input);
  const leaseDurationSeconds = input.leaseDurationSeconds ?? 40;
  return {
    nodeName: input.nodeName,
    runtime: input.runtime ?? 'sim',
    cri: input.cri,
    clusterLogs: input.clusterLogs,
    capacity: input.capacity ?? DEFAULT_CAPACITY,
    allocatable: input.allocatable ?? input.capacity ?? DEFAULT_CAPACITY,
    labels: input.labels ?? {},
    taints: input.taints ?? [],
    instanceType: input.instanceType,
    index: n,
    internalIP: input.internalIP ?? `10.0.${((n + 2) >> 8) & 255}.${(n + 2) & 255}`,
    // A real runtime's node gets its CIDR from the node IPAM controller, as upstream (no --pod-cidr).
    podCIDR: input.podCIDR ?? ((input.runtime ?? 'sim') === 'sim' ? `10.${128 + ((n >> 8) & 127)}.${n & 255}.0/24` : ''),
    architecture: input.architecture ?? 'amd64',
    operatingSystem: input.operatingSystem ?? 'linux',
    kubeletVersion: input.kubeletVersion ?? 'v1.32.0-kubus',
    leaseDurationSeconds,
    renewIntervalMs: input.renewIntervalMs ?? leaseDurationSeconds * 250,
    renewJitter: input.renewJitter ?? 0.04,
    leaseRetry: input.leaseRetry ?? { initialMs: 200, maxMs: 7000 },
    nodeStatusReportMs: input.nodeStatusReportMs ?? 5 * 60_000,
    registerRetry: input.registerRetry ?? { initialMs: 100, maxMs: 7000 },
    restartBackoff: { initialMs: 10_000, maxMs: 300_000, resetMs: 600_000, ...input.restartBackoff },
    statusRetry: input.statusRetry ?? { initialMs: 200, maxMs: 7000 },
    events: input.events ?? true,
    sharedNodeWatch: input.sharedNodeWatch ?? false,
    clusterDNS: input.clusterDNS ?? ['10.96.0.10'],
    clusterDomain: input.clusterDomain ?? 'cluster.local',
    resolvConf: input.resolvConf ?? '/etc/resolv.conf',
  };
}
