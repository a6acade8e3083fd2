// Shared shapes of the scheduler: compiled pods and nodes, plugin statuses, and the plugin contracts
// (upstream framework/interface.go and types.go, reduced to what the default profile uses).
import type { Node } from '../../api/kinds/node.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import type { Taint, Toleration, TopologySpreadConstraint } from '../../api/kinds/scheduling.ts';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../api/kinds/storage.ts';
import type { LabelMatcher } from '../../api/selectors.ts';

/** Highest score a plugin gives a node after normalization (upstream MaxNodeScore). */
export const MAX_NODE_SCORE = 100;

/** Labels as the scheduler reads them (never undefined). */
export type Labels = Readonly<Record<string, string>>;

/** Requests or capacity in the scheduler's units: cpu millicores, bytes, counts; `scalars` hold extended resources. */
export interface ResourceVec {
  cpu: number;
  memory: number;
  eph: number;
  scalars: Record<string, number> | undefined;
}

/** A pod (anti-)affinity term, compiled (upstream fwk.AffinityTerm). */
export interface AffinityTerm {
  namespaces: ReadonlySet<string>;
  /** Undefined = no namespaceSelector (matches no namespace by labels). */
  nsSelector: LabelMatcher | undefined;
  selector: LabelMatcher;
  topologyKey: string;
}

/** A preferred term with its weight. */
export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

/** A host port a pod binds (protocol, IP, port). */
export interface HostPort {
  protocol: string;
  hostIP: string;
  port: number;
}

/** A pod compiled once for scheduling: requests parsed, selectors compiled (upstream framework.PodInfo). */
export interface PodInfo {
  pod: Pod;
  key: string;
  uid: string;
  namespace: string;
  labels: Labels;
  priority: number;
  terminating: boolean;
  requests: ResourceVec;
  /** cpu/memory with the scoring defaults (100m / 200Mi) for containers that request none. */
  nonZeroCpu: number;
  nonZeroMemory: number;
  ports: HostPort[];
  tolerations: Toleration[];
  /** nodeSelector + required node affinity; undefined when the pod has neither. */
  requiredNodeAffinity: ((node: NodeInfo) => boolean) | undefined;
  preferredNodeAffinity: Array<{ weight: number; matches: (node: NodeInfo) => boolean }>;
  requiredAffinityTerms: AffinityTerm[];
  requiredAntiAffinityTerms: AffinityTerm[];
  preferredAffinityTerms: WeightedAffinityTerm[];
  preferredAntiAffinityTerms: WeightedAffinityTerm[];
  /** Any pod (anti-)affinity at all (upstream NodeInfo.PodsWithAffinity membership). */
  hasAffinity: boolean;
  spreadConstraints: TopologySpreadConstraint[];
}

/** What the scheduler knows of one node: the object plus the pods on it, incl. assumed ones (upstream NodeInfo). */
export interface NodeInfo {
  name: string;
  /** Undefined while pods are known on a node the informer has not shown yet. */
  node: Node | undefined;
  labels: Labels;
  unschedulable: boolean;
  /** Taints with effect NoSchedule or NoExecute (the filter), and PreferNoSchedule (the score). */
  hardTaints: Taint[];
  softTaints: Taint[];
  allocatable: ResourceVec;
  allowedPods: number;
  requested: ResourceVec;
  nonZeroCpu: number;
  nonZeroMemory: number;
  pods: Map<string, PodInfo>;
  /**
   * Room left: allocatable − requested for cpu, memory and ephemeral storage, and pods; kept beside
   * them so the fit filter, run per node per pod, reads this object alone.
   */
  roomCpu: number;
  roomMemory: number;
  roomEph: number;
  roomPods: number;
  podsWithAffinity: number;
  podsWithRequiredAntiAffinity: number;
  usedPorts: HostPort[];
  /** Bumped on every change (explain and tests use it). */
  generation: number;
}

/** Upstream status codes a filter can return; only Unschedulable nodes are preemption candidates. */
export type StatusCode = 'Unschedulable' | 'UnschedulableAndUnresolvable';

/** Why a node was rejected: the plugin and its reasons (upstream framework.Status). */
export interface Status {
  plugin: string;
  code: StatusCode;
  reasons: readonly string[];
  /** Set when the pod failed the plugin's PreFilter: every node gets this status, and the message names it once. */
  preFilter?: boolean;
}

/** Returned by preFilter/preScore when the plugin has nothing to do for this pod (upstream Skip). */
export const SKIP = Symbol('skip');
/** The type of SKIP. */
export type Skip = typeof SKIP;

/** The cluster as the plugins see it during one cycle (upstream SharedLister over the snapshot). */
export interface ClusterView {
  /** Every node with a Node object, in zone-interleaved order. */
  nodes(): readonly NodeInfo[];
  get(name: string): NodeInfo | undefined;
  /** Nodes hosting pods with any (anti-)affinity, and with required anti-affinity. */
  nodesWithAffinityPods(): Iterable<NodeInfo>;
  nodesWithRequiredAntiAffinityPods(): Iterable<NodeInfo>;
  namespaceLabels(namespace: string): Labels | undefined;
  /** Claims, volumes and classes (VolumeBinding); absent where the scheduler runs without them. */
  volumes?: VolumeLister;
}

/** Claims, volumes and storage classes as the VolumeBinding plugin reads them (informer caches). */
export interface VolumeLister {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  volumes(): Iterable<PersistentVolume>;
  storageClass(name: string): StorageClass | undefined;
}

/** A filter plugin: an optional per-pod precomputation, then a check per node. */
export interface FilterPlugin<S = unknown> {
  name: string;
  preFilter?(pod: PodInfo, view: ClusterView): S | Skip;
  filter(pod: PodInfo, node: NodeInfo, state: S): Status | undefined;
  /** Copies the state and removes a pod from it (preemption's dry run). */
  withoutPod?(state: S, pod: PodInfo, removed: PodInfo, node: NodeInfo, view: ClusterView): S;
}

/** A score plugin with its weight in the default profile. */
export interface ScorePlugin<S = unknown> {
  name: string;
  weight: number;
  preScore?(pod: PodInfo, feasible: readonly NodeInfo[], view: ClusterView): S | Skip;
  score(pod: PodInfo, node: NodeInfo, state: S): number;
  /** Rewrites the raw scores in place to 0..MAX_NODE_SCORE. */
  normalize?(scores: number[], nodes: readonly NodeInfo[], state: S): void;
}
