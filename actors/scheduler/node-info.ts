// One node's scheduling view: allocatable, what its pods request (assumed ones included), used
// host ports and affinity bookkeeping (upstream framework.NodeInfo).
import type { Node } from '../../api/kinds/node.ts';
import { nodeAllocatable } from '../../api/kinds/pod-helpers.ts';
import { nodeLabels, toResourceVec } from './pod-info.ts';
import type { NodeInfo, PodInfo, ResourceVec } from './types.ts';

const emptyVec = (): ResourceVec => ({ cpu: 0, memory: 0, eph: 0, scalars: undefined });

/** Returns an empty NodeInfo for a node name (the Node object may come later). */
export function newNodeInfo(name: string): NodeInfo {
  return {
    name,
    node: undefined,
    labels: nodeLabels(undefined),
    unschedulable: false,
    hardTaints: [],
    softTaints: [],
    allocatable: emptyVec(),
    allowedPods: 0,
    requested: emptyVec(),
    nonZeroCpu: 0,
    nonZeroMemory: 0,
    pods: new Map(),
    roomCpu: 0,
    roomMemory: 0,
    roomEph: 0,
    roomPods: 0,
    podsWithAffinity: 0,
    podsWithRequiredAntiAffinity: 0,
    usedPorts: [],
    generation: 0,
  };
}

/** Sets (or replaces) the Node object of a NodeInfo, re-deriving labels, taints and allocatable. */
export function setNode(ni: NodeInfo, node: Node): void {
  ni.node = node;
  ni.labels = nodeLabels(node);
  ni.unschedulable = !!node.spec?.unschedulable;
  const taints = node.spec?.taints ?? [];
  ni.hardTaints = taints.filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  ni.softTaints = taints.filter((t) => t.effect === 'PreferNoSchedule');
  const alloc = nodeAllocatable(node);
  ni.allocatable = toResourceVec(alloc);
  ni.allowedPods = alloc.pods ?? 0;
  updateRoom(ni);
  ni.generation++;
}

/** Re-derives the room left on a node from allocatable, requested and its pods. */
function updateRoom(ni: NodeInfo): void {
  ni.roomCpu = ni.allocatable.cpu - ni.requested.cpu;
  ni.roomMemory = ni.allocatable.memory - ni.requested.memory;
  ni.roomEph = ni.allocatable.eph - ni.requested.eph;
  ni.roomPods = ni.allowedPods - ni.pods.size;
}

function addScalars(into: ResourceVec, from: ResourceVec, sign: 1 | -1): void {
  if (!from.scalars) return;
  into.scalars ??= {};
  for (const k in from.scalars) into.scalars[k] = (into.scalars[k] ?? 0) + sign * from.scalars[k];
}

function account(ni: NodeInfo, p: PodInfo, sign: 1 | -1): void {
  const r = ni.requested;
  r.cpu += sign * p.requests.cpu;
  r.memory += sign * p.requests.memory;
  r.eph += sign * p.requests.eph;
  addScalars(r, p.requests, sign);
  ni.nonZeroCpu += sign * p.nonZeroCpu;
  ni.nonZeroMemory += sign * p.nonZeroMemory;
  if (p.hasAffinity) ni.podsWithAffinity += sign;
  if (p.requiredAntiAffinityTerms.length) ni.podsWithRequiredAntiAffinity += sign;
  updateRoom(ni);
  ni.generation++;
}

/** Adds a pod's requests, ports and affinity to the node (no-op when already there). */
export function addPodToNode(ni: NodeInfo, p: PodInfo): void {
  if (ni.pods.has(p.key)) return;
  ni.pods.set(p.key, p);
  account(ni, p, 1);
  if (p.ports.length) ni.usedPorts = ni.usedPorts.concat(p.ports);
}

/** Removes a pod from the node; returns whether it was there. */
export function removePodFromNode(ni: NodeInfo, key: string): boolean {
  const p = ni.pods.get(key);
  if (!p) return false;
  ni.pods.delete(key);
  account(ni, p, -1);
  if (p.ports.length) {
    ni.usedPorts = [];
    for (const q of ni.pods.values()) if (q.ports.length) ni.usedPorts.push(...q.ports);
  }
  return true;
}

/** Returns a copy of a NodeInfo without some pods (preemption's dry run, explain of a bound pod). */
export function nodeInfoWithout(ni: NodeInfo, keys: ReadonlySet<string>): NodeInfo {
  const copy = newNodeInfo(ni.name);
  if (ni.node) setNode(copy, ni.node);
  for (const p of ni.pods.values()) if (!keys.has(p.key)) addPodToNode(copy, p);
  return copy;
}
