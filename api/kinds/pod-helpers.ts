// Pure helpers over pods and nodes for controllers, the scheduler and the kubelet (upstream resourcehelper, qos, podutil).
import { parseQuantity } from '../quantity.ts';
import type { Condition, ResourceList } from './common.ts';
import type { Container } from './container.ts';
import type { Node } from './node.ts';
import type { Pod } from './pod.ts';

/** Resource amounts as plain numbers: cpu in millicores, everything else (memory bytes, pods, …) in whole units. */
export type Resources = Record<string, number>;

/** Returns a resource list as numbers (cpu → millicores, others → units rounded up); invalid entries are skipped. */
export function resourceNumbers(list: ResourceList | undefined): Resources {
  const out: Resources = {};
  for (const k in list ?? {}) {
    try {
      const q = parseQuantity(list![k]);
      const div = k === 'cpu' ? 1_000_000n : 1_000_000_000n;
      const v = q.nanos / div + (q.nanos % div > 0n ? 1n : 0n);
      out[k] = Number(v);
    } catch {
      // Malformed quantities never pass validation; a stale or foreign object simply contributes nothing.
    }
  }
  return out;
}

function addInto(acc: Resources, r: Resources): void {
  for (const k in r) acc[k] = (acc[k] ?? 0) + r[k];
}

function maxInto(acc: Resources, r: Resources): void {
  for (const k in r) if (r[k] > (acc[k] ?? 0)) acc[k] = r[k];
}

const isRestartableInit = (c: Container) => c.restartPolicy === 'Always';

/** Returns a pod's effective requests as upstream's PodRequests: max(sum of app + sidecar containers, each init container) + overhead. */
export function podRequests(pod: Pod): Resources {
  const reqs: Resources = {};
  for (const c of pod.spec.containers ?? []) addInto(reqs, resourceNumbers(c.resources?.requests));
  const restartable: Resources = {};
  const initMax: Resources = {};
  for (const c of pod.spec.initContainers ?? []) {
    const cr = resourceNumbers(c.resources?.requests);
    if (isRestartableInit(c)) {
      addInto(reqs, cr);
      addInto(restartable, cr);
      maxInto(initMax, { ...restartable });
    } else {
      const tmp = { ...cr };
      addInto(tmp, restartable);
      maxInto(initMax, tmp);
    }
  }
  maxInto(reqs, initMax);
  addInto(reqs, resourceNumbers(pod.spec.overhead));
  return reqs;
}

/** Default cpu (millicores) and memory (bytes) the scheduler's scoring assumes for containers without requests. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** Returns podRequests with cpu/memory replaced by scoring defaults where a container requests none (upstream non-zero requests). */
export function podNonZeroRequests(pod: Pod): Resources {
  const withDefaults = (c: Container): Container => {
    const r = { ...(c.resources?.requests ?? {}) };
    if (r.cpu === undefined) r.cpu = `${DEFAULT_MILLI_CPU_REQUEST}m`;
    if (r.memory === undefined) r.memory = String(DEFAULT_MEMORY_REQUEST);
    return { ...c, resources: { ...c.resources, requests: r } };
  };
  return podRequests({ ...pod, spec: { ...pod.spec, containers: (pod.spec.containers ?? []).map(withDefaults), initContainers: (pod.spec.initContainers ?? []).map(withDefaults) } });
}

/** A pod's quality-of-service class. */
export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** Returns a pod's QoS class as upstream's ComputePodQOS (cpu and memory of app and init containers). */
export function qosClass(pod: Pod): QOSClass {
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let guaranteed = true;
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  const positive = (list: ResourceList | undefined, name: string): bigint | undefined => {
    const raw = list?.[name];
    if (raw === undefined) return undefined;
    try {
      const n = parseQuantity(raw).nanos;
      return n > 0n ? n : undefined;
    } catch {
      return undefined;
    }
  };
  for (const c of all) {
    let found = 0;
    for (const name of ['cpu', 'memory']) {
      const r = positive(c.resources?.requests, name);
      if (r !== undefined) requests.set(name, (requests.get(name) ?? 0n) + r);
      const l = positive(c.resources?.limits, name);
      if (l !== undefined) {
        limits.set(name, (limits.get(name) ?? 0n) + l);
        found++;
      }
    }
    if (found < 2) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) for (const [name, r] of requests) if (limits.get(name) !== r) guaranteed = false;
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/**
 * Returns the first condition of a type in `conditions`, or undefined. A loop, not find: it runs on every
 * pod event in controllers and the kubelet, and find's closure per call was ~0.3 % of the CPU at 1,000
 * nodes and 30,000 pods.
 */
export function conditionOf<C extends { type: string }>(conditions: readonly C[] | undefined, type: string): C | undefined {
  if (conditions) for (let i = 0; i < conditions.length; i++) if (conditions[i].type === type) return conditions[i];
  return undefined;
}

/** Returns the pod condition of a type, or undefined. */
export const podCondition = (pod: Pod, type: string): Condition | undefined => conditionOf(pod.status?.conditions, type);

/** Returns whether the pod's Ready condition is True. */
export const isPodReady = (pod: Pod): boolean => podCondition(pod, 'Ready')?.status === 'True';

/** Returns whether the pod has finished for good (phase Succeeded or Failed). */
export const isPodTerminal = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** Returns whether the pod is active: not terminal and not being deleted (upstream controller.IsPodActive). */
export const isPodActive = (pod: Pod): boolean => !isPodTerminal(pod) && !pod.metadata.deletionTimestamp;

/** Returns whether the pod is Ready and has been so for at least minReadySeconds at time `nowMs` (upstream IsPodAvailable). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  const c = podCondition(pod, 'Ready');
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= nowMs;
}

/** Returns the node condition of a type, or undefined. */
export const nodeCondition = (node: Node, type: string): Condition | undefined => node.status?.conditions?.find((c) => c.type === type);

/** Returns whether the node's Ready condition is True. */
export const isNodeReady = (node: Node): boolean => nodeCondition(node, 'Ready')?.status === 'True';

/** Returns a node's allocatable resources as numbers (capacity when allocatable is absent). */
export const nodeAllocatable = (node: Node): Resources => resourceNumbers(node.status?.allocatable ?? node.status?.capacity);

/** Returns a node's capacity as numbers. */
export const nodeCapacity = (node: Node): Resources => resourceNumbers(node.status?.capacity);

/** Returns the host ports a pod uses, as `protocol/hostIP/port` keys (the scheduler's NodePorts filter). */
export function podHostPorts(pod: Pod): { protocol: string; hostIP: string; port: number }[] {
  const out: { protocol: string; hostIP: string; port: number }[] = [];
  for (const c of [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])])
    for (const p of c.ports ?? []) if (p.hostPort) out.push({ protocol: p.protocol ?? 'TCP', hostIP: p.hostIP || '0.0.0.0', port: p.hostPort });
  return out;
}

export { firstUntoleratedTaint, nodeSelectorTermMatches, tolerates, toleratesTaint } from './scheduling.ts';
