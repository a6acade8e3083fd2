// Pod admission on the node, as upstream's resource predicate (lifecycle/predicate.go): a pod
// bound to a node without room for it is rejected (phase Failed, reason OutOfcpu …). Pure.
import { podRequests, resourceNumbers, type Resources } from '../../api/kinds/pod-helpers.ts';
import type { ResourceList } from '../../api/kinds/common.ts';
import type { Pod } from '../../api/kinds/pod.ts';

/** Why a pod was not admitted: the status reason and message upstream writes. */
export interface Rejection {
  reason: string;
  message: string;
}

const ORDER = ['cpu', 'memory', 'ephemeral-storage'];

/** A kubelet's allocatable as numbers: parsed once per list, not once per pod. */
const capacities = new WeakMap<ResourceList, Resources>();

/** Returns the rejection of `pod` given the requests of the pods already admitted, or undefined when it fits; `want` is the pod's requests when already known. */
export function admit(pod: Pod, admitted: Iterable<Resources>, allocatable: ResourceList, want: Resources = podRequests(pod)): Rejection | undefined {
  let capacity = capacities.get(allocatable);
  if (!capacity) capacities.set(allocatable, (capacity = resourceNumbers(allocatable)));
  const used: Resources = {};
  let count = 0;
  for (const r of admitted) {
    count++;
    for (const k in r) used[k] = (used[k] ?? 0) + r[k];
  }
  const checks: Array<[string, number, number, number]> = [['pods', 1, count, capacity.pods ?? Infinity]];
  const names = [...ORDER.filter((k) => k in want), ...Object.keys(want).filter((k) => !ORDER.includes(k) && k !== 'pods').sort()];
  for (const k of names) if (want[k] > 0) checks.push([k, want[k], used[k] ?? 0, capacity[k] ?? 0]);
  for (const [name, requested, inUse, cap] of checks) {
    if (requested + inUse <= cap) continue;
    const message = `Node didn't have enough resource: ${name}, requested: ${requested}, used: ${inUse}, capacity: ${cap}`;
    return { reason: `OutOf${name}`, message: `Pod was rejected: ${message}` };
  }
  return undefined;
}

/** Returns the requests a pod holds on its node once admitted. */
export const admittedRequests = (pod: Pod): Resources => podRequests(pod);
