// The DaemonSet RollingUpdate strategy as upstream's update.go rollingUpdate: without surge, delete
// old pods while no more than maxUnavailable are unavailable (the core loop then recreates them);
// with surge, start new pods beside old ones and delete the old once the new are available. Pure.
import type { DaemonSet } from '../../../api/kinds/daemonset.ts';
import type { Node } from '../../../api/kinds/node.ts';
import { isPodAvailable } from '../../../api/kinds/pod-helpers.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import { CONTROLLER_REVISION_HASH_LABEL } from '../shared/controller-history.ts';
import { nodeShouldRunDaemonPod } from './daemonset.nodes.ts';
import { surgeCount, unavailableCount } from './daemonset.reconcile.ts';

/** What one rolling-update step wants done. */
export interface RollingPlan {
  create: string[];
  delete: Pod[];
}

/** Returns the single new and old (not deleted) pods of a node; ok false when there are several of either (findUpdatedPodsOnNode). */
function updatedPodsOnNode(pods: readonly Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    if (p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) {
      if (newPod) return { ok: false };
      newPod = p;
    } else {
      if (oldPod) return { ok: false };
      oldPod = p;
    }
  }
  return { newPod, oldPod, ok: true };
}

/** Returns maxSurge, maxUnavailable (1 when both would be 0) and the desired count (updatedDesiredNodeCounts). */
function desiredCounts(ds: DaemonSet, nodes: readonly Node[], byNode: Map<string, Pod[]>): { maxSurge: number; maxUnavailable: number; desired: number; all: Map<string, Pod[]> } {
  const all = new Map(byNode);
  let desired = 0;
  for (const n of nodes) {
    if (!nodeShouldRunDaemonPod(n, ds).shouldRun) continue;
    desired++;
    if (!all.has(n.metadata.name!)) all.set(n.metadata.name!, []);
  }
  let maxUnavailable = unavailableCount(ds, desired);
  const maxSurge = surgeCount(ds, desired);
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable, desired, all };
}

/** Returns the deletions (and, with surge, creations) of one rolling-update step (upstream rollingUpdate). */
export function rollingUpdate(ds: DaemonSet, nodes: readonly Node[], byNode: Map<string, Pod[]>, hash: string, now: number): RollingPlan {
  const { maxSurge, maxUnavailable, desired, all } = desiredCounts(ds, nodes, byNode);
  const minReady = ds.spec.minReadySeconds ?? 0;
  const available = (p: Pod) => isPodAvailable(p, minReady, now);
  const nodeNamed = new Map(nodes.map((n) => [n.metadata.name!, n]));
  const shouldRun = (name: string) => {
    const n = nodeNamed.get(name);
    return !!n && nodeShouldRunDaemonPod(n, ds).shouldRun;
  };
  const names = [...all.keys()].sort();

  if (maxSurge === 0) {
    let unavailable = 0;
    const replacements: Pod[] = [];
    const candidates: Pod[] = [];
    for (const name of names) {
      const { newPod, oldPod, ok } = updatedPodsOnNode(all.get(name)!, hash);
      if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) {
        unavailable++; // the core loop will create or prune here
        continue;
      }
      if (newPod) {
        if (!available(newPod)) unavailable++;
        continue;
      }
      if (!available(oldPod!)) {
        replacements.push(oldPod!);
        unavailable++;
      } else if (unavailable < maxUnavailable) candidates.push(oldPod!);
    }
    const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    return { create: [], delete: [...replacements, ...candidates.slice(0, room)] };
  }

  const del: Pod[] = [];
  const shouldNotRun: Pod[] = [];
  const candidateNodes: string[] = [];
  const allowedNodes: string[] = [];
  let surge = 0;
  let numAvailable = 0;
  for (const name of names) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(all.get(name)!, hash);
    if (!ok) {
      surge++;
      continue;
    }
    if (oldPod ? available(oldPod) : newPod && available(newPod)) numAvailable++;
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) {
        if (!shouldRun(name)) del.push(oldPod);
        else allowedNodes.push(name);
      } else if (!shouldRun(name)) shouldNotRun.push(oldPod);
      else if (surge < maxSurge) candidateNodes.push(name);
      continue;
    }
    if (!available(newPod)) surge++;
    else del.push(oldPod);
  }
  // Pods on nodes that no longer fit go only once enough pods elsewhere are available.
  const deletable = Math.min(Math.max(0, numAvailable - desired), shouldNotRun.length);
  del.push(...shouldNotRun.slice(0, deletable));
  const room = Math.min(Math.max(0, maxSurge - surge), candidateNodes.length);
  return { create: [...allowedNodes, ...candidateNodes.slice(0, room)], delete: del };
}
