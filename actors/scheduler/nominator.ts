// Pods nominated to a node by preemption, whose room there is kept from lower-priority pods until
// they bind (upstream internal/queue nominator and RunFilterPluginsWithNominatedPods).
import { addPodToNode, nodeInfoWithout } from './node-info.ts';
import type { NodeInfo, PodInfo } from './types.ts';

const NONE: ReadonlySet<string> = new Set();

/** Nominations by node, and each nominated pod's node. */
export class Nominator {
  private readonly byNode = new Map<string, Map<string, PodInfo>>();
  private readonly nodeOf = new Map<string, string>();

  /** Nominates a pod to a node (replacing an earlier nomination). */
  add(info: PodInfo, node: string): void {
    this.delete(info.key);
    let pods = this.byNode.get(node);
    if (!pods) this.byNode.set(node, (pods = new Map()));
    pods.set(info.key, info);
    this.nodeOf.set(info.key, node);
  }

  /** Drops a pod's nomination (it was bound, deleted, or its nomination cleared). */
  delete(key: string): void {
    const node = this.nodeOf.get(key);
    if (node === undefined) return;
    this.nodeOf.delete(key);
    const pods = this.byNode.get(node)!;
    pods.delete(key);
    if (pods.size === 0) this.byNode.delete(node);
  }

  /** Returns the node a pod is nominated to, if any. */
  nominatedNode(key: string): string | undefined {
    return this.nodeOf.get(key);
  }

  /** Returns the pods nominated to a node. */
  podsOn(node: string): readonly PodInfo[] {
    return [...(this.byNode.get(node)?.values() ?? [])];
  }

  get size(): number {
    return this.nodeOf.size;
  }

  /**
   * Returns the node as a pod must see it: with the pods nominated there of equal or higher
   * priority counted as if bound (the node itself when there are none).
   */
  withNominated(node: NodeInfo, pod: PodInfo): NodeInfo {
    const pods = this.byNode.get(node.name);
    if (!pods) return node;
    let copy: NodeInfo | undefined;
    for (const p of pods.values()) {
      if (p.key === pod.key || p.priority < pod.priority) continue;
      copy ??= nodeInfoWithout(node, NONE);
      addPodToNode(copy, p);
    }
    return copy ?? node;
  }
}
