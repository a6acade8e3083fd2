// The scheduler's cache: nodes and the pods on them, including pods it has assumed onto a node
// before the binding shows up in the watch, so a node is never double-booked (upstream internal/cache).
import type { Node } from '../../api/kinds/node.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import { addPodToNode, newNodeInfo, removePodFromNode, setNode } from './node-info.ts';
import { NodeTree } from './node-tree.ts';
import { podInfoOf, podKey, sameLabels } from './pod-info.ts';
import type { ClusterView, Labels, NodeInfo, PodInfo, VolumeLister } from './types.ts';

interface PodState {
  info: PodInfo;
  node: string;
  assumed: boolean;
  /** When an assumed pod whose binding finished stops counting (undefined: binding in flight). */
  deadline?: number;
}

/** Returns whether a compiled pod still describes this version (binding changes spec.nodeName only, not the generation). */
function samePodSpec(info: PodInfo, pod: Pod): boolean {
  const m = pod.metadata;
  const old = info.pod.metadata;
  return m.uid === old.uid && m.generation === old.generation && m.deletionTimestamp === old.deletionTimestamp && sameLabels(old.labels, m.labels);
}

/** Returns whether a pod has finished for good (its resources are free again). */
const isTerminal = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** Nodes with their pods (bound and assumed); serves as the cycle's ClusterView (one thread: no snapshot copy needed). */
export class SchedulerCache implements ClusterView {
  private readonly infos = new Map<string, NodeInfo>();
  private readonly states = new Map<string, PodState>();
  /** Keys whose binding finished (expiry clock running): cleanup visits these, not every pod, each second. */
  private readonly expiring = new Set<string>();
  private readonly tree = new NodeTree();
  private ordered: NodeInfo[] | undefined;
  private readonly withAffinity = new Set<NodeInfo>();
  private readonly withAnti = new Set<NodeInfo>();
  /** Claims, volumes and classes for VolumeBinding (set by the runtime from its informers). */
  volumes?: VolumeLister;

  /**
   * @param ttlMs how long an assumed pod counts after its binding finished without the watch
   *   confirming it (0 = forever, as upstream since v1.23)
   */
  constructor(
    private readonly ttlMs: number,
    private readonly nsLabels: (namespace: string) => Labels | undefined = () => undefined,
  ) {}

  // --- ClusterView ---------------------------------------------------------------------------

  nodes(): readonly NodeInfo[] {
    this.ordered ??= this.tree.list().map((n) => this.infos.get(n)!);
    return this.ordered;
  }

  get(name: string): NodeInfo | undefined {
    const ni = this.infos.get(name);
    return ni?.node ? ni : undefined;
  }

  *nodesWithAffinityPods(): Iterable<NodeInfo> {
    for (const n of this.withAffinity) if (n.node) yield n;
  }

  *nodesWithRequiredAntiAffinityPods(): Iterable<NodeInfo> {
    for (const n of this.withAnti) if (n.node) yield n;
  }

  namespaceLabels(namespace: string): Labels | undefined {
    return this.nsLabels(namespace);
  }

  // --- nodes ---------------------------------------------------------------------------------

  private info(name: string): NodeInfo {
    let ni = this.infos.get(name);
    if (!ni) this.infos.set(name, (ni = newNodeInfo(name)));
    return ni;
  }

  /** Adds or updates a node; returns its NodeInfo. */
  setNode(node: Node): NodeInfo {
    const ni = this.info(node.metadata.name!);
    setNode(ni, node);
    if (this.tree.add(ni.name, ni.labels)) this.ordered = undefined;
    return ni;
  }

  removeNode(name: string): void {
    const ni = this.infos.get(name);
    if (!ni) return;
    this.tree.remove(name);
    this.ordered = undefined;
    ni.node = undefined;
    if (ni.pods.size === 0) this.dropInfo(ni);
  }

  private dropInfo(ni: NodeInfo): void {
    this.infos.delete(ni.name);
    this.withAffinity.delete(ni);
    this.withAnti.delete(ni);
  }

  private track(ni: NodeInfo): void {
    if (ni.podsWithAffinity > 0) this.withAffinity.add(ni);
    else this.withAffinity.delete(ni);
    if (ni.podsWithRequiredAntiAffinity > 0) this.withAnti.add(ni);
    else this.withAnti.delete(ni);
    if (!ni.node && ni.pods.size === 0) this.dropInfo(ni);
  }

  private place(info: PodInfo, node: string): void {
    const ni = this.info(node);
    addPodToNode(ni, info);
    this.track(ni);
  }

  private unplace(key: string, node: string): void {
    const ni = this.infos.get(node);
    if (!ni) return;
    removePodFromNode(ni, key);
    this.track(ni);
  }

  // --- pods ----------------------------------------------------------------------------------

  /** Counts a pod the scheduler chose a node for, before the binding is confirmed. */
  assume(info: PodInfo, node: string): void {
    if (this.states.has(info.key)) throw new Error(`pod ${info.key} is already in the scheduler cache`);
    this.states.set(info.key, { info, node, assumed: true });
    this.place(info, node);
  }

  /** Starts the expiry clock of an assumed pod once its binding request succeeded. */
  finishBinding(key: string, now: number): void {
    const s = this.states.get(key);
    if (s?.assumed && this.ttlMs > 0) {
      s.deadline = now + this.ttlMs;
      this.expiring.add(key);
    }
  }

  /** Drops an assumption (binding failed); a no-op when the watch already confirmed the pod elsewhere. */
  forget(key: string, node: string): void {
    const s = this.states.get(key);
    if (!s?.assumed || s.node !== node) return;
    this.states.delete(key);
    this.unplace(key, node);
  }

  isAssumed(key: string): boolean {
    return this.states.get(key)?.assumed ?? false;
  }

  /** Returns the node a pod counts on (assumed or bound), if any. */
  nodeOf(key: string): string | undefined {
    return this.states.get(key)?.node;
  }

  /** Adds or updates a bound pod from the watch; confirms (or moves) an assumed one. Terminal pods are dropped. Returns its PodInfo. */
  upsertBoundPod(pod: Pod): PodInfo {
    const key = podKey(pod);
    const node = pod.spec.nodeName!;
    const cur = this.states.get(key);
    const same = cur !== undefined && samePodSpec(cur.info, pod);
    // A confirmed pod whose status moved on (Pending → Running): what it counts on its node is unchanged.
    if (same && !cur.assumed && cur.node === node && !isTerminal(pod)) {
      cur.info.pod = pod;
      return cur.info;
    }
    if (cur) this.unplace(key, cur.node);
    const info = same ? { ...cur.info, pod } : podInfoOf(pod);
    if (isTerminal(pod)) {
      this.states.delete(key);
      return info;
    }
    this.states.set(key, { info, node, assumed: false });
    this.place(info, node);
    return info;
  }

  /** Removes a pod (deleted, or no longer bound). */
  removePod(key: string): void {
    const cur = this.states.get(key);
    if (!cur) return;
    this.states.delete(key);
    this.unplace(key, cur.node);
  }

  /** Removes assumed pods whose binding finished more than ttl ago without the watch confirming them; returns their keys. */
  cleanupExpired(now: number): string[] {
    const out: string[] = [];
    for (const key of this.expiring) {
      const s = this.states.get(key);
      // Confirmed, forgotten, removed or assumed again since: no clock runs for it any more.
      if (!s?.assumed || s.deadline === undefined) this.expiring.delete(key);
      else if (s.deadline <= now) {
        out.push(key);
        this.expiring.delete(key);
        this.states.delete(key);
        this.unplace(key, s.node);
      }
    }
    return out;
  }

  /** Counts for status output and tests. */
  stats(): { nodes: number; pods: number; assumed: number } {
    let assumed = 0;
    for (const s of this.states.values()) if (s.assumed) assumed++;
    return { nodes: this.tree.size, pods: this.states.size, assumed };
  }
}
