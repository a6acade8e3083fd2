// The kubelet's Node: labels, spec at registration, and status (capacity, conditions with
// upstream reasons and messages, addresses, nodeInfo) as upstream's node status setters. Pure.
import { isDeepStrictEqual } from 'node:util';
import type { Condition } from '../../api/kinds/common.ts';
import type { Node, NodeStatus } from '../../api/kinds/node.ts';
import { rfc3339 } from '../../api/names.ts';
import type { KubeletConfig } from './kubelet.config.ts';

/** A node condition as the kubelet decides it (times are added when it is written). */
export interface NodeConditionState {
  type: 'MemoryPressure' | 'DiskPressure' | 'PIDPressure' | 'Ready' | (string & {});
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** Returns the condition upstream's setters report for a type and status. */
export function nodeConditionState(type: string, status: NodeConditionState['status'], message?: string): NodeConditionState {
  const table: Record<string, Record<string, [string, string]>> = {
    MemoryPressure: { False: ['KubeletHasSufficientMemory', 'kubelet has sufficient memory available'], True: ['KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'] },
    DiskPressure: { False: ['KubeletHasNoDiskPressure', 'kubelet has no disk pressure'], True: ['KubeletHasDiskPressure', 'kubelet has disk pressure'] },
    PIDPressure: { False: ['KubeletHasSufficientPID', 'kubelet has sufficient PID available'], True: ['KubeletHasInsufficientPID', 'kubelet has insufficient PID available'] },
    Ready: { True: ['KubeletReady', 'kubelet is posting ready status'], False: ['KubeletNotReady', 'container runtime is down'] },
  };
  const [reason, msg] = table[type]?.[status] ?? ['KubeletUnknown', `${type} is ${status}`];
  return { type, status, reason, message: message ?? msg };
}

/** The healthy sim node: no pressure, Ready. */
export const HEALTHY: NodeConditionState[] = [
  nodeConditionState('MemoryPressure', 'False'),
  nodeConditionState('DiskPressure', 'False'),
  nodeConditionState('PIDPressure', 'False'),
  nodeConditionState('Ready', 'True'),
];

/** Returns the labels the kubelet sets on its Node (upstream updateDefaultLabels) plus the configured ones. */
export function nodeLabels(cfg: KubeletConfig): Record<string, string> {
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': cfg.architecture,
    'beta.kubernetes.io/os': cfg.operatingSystem,
    'kubernetes.io/arch': cfg.architecture,
    'kubernetes.io/hostname': cfg.nodeName,
    'kubernetes.io/os': cfg.operatingSystem,
  };
  if (cfg.instanceType) {
    labels['node.kubernetes.io/instance-type'] = cfg.instanceType;
    labels['beta.kubernetes.io/instance-type'] = cfg.instanceType;
  }
  return { ...labels, ...cfg.labels };
}

/** Identity of this kubelet run, reported in nodeInfo. */
export interface NodeIdentity {
  machineID: string;
  systemUUID: string;
  bootID: string;
  runtimeVersion: string;
}

/** Returns the node's status at `now`; condition transition times carry over from `prev` when unchanged. */
export function nodeStatus(cfg: KubeletConfig, id: NodeIdentity, conditions: NodeConditionState[], prev: Condition[] | undefined, now: number): NodeStatus {
  const t = rfc3339(now);
  return {
    capacity: { ...cfg.capacity },
    allocatable: { ...cfg.allocatable },
    conditions: conditions.map((c) => {
      const old = prev?.find((o) => o.type === c.type);
      return { ...c, lastHeartbeatTime: t, lastTransitionTime: old?.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : t };
    }),
    addresses: [
      { type: 'InternalIP', address: cfg.internalIP },
      { type: 'Hostname', address: cfg.nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: id.machineID,
      systemUUID: id.systemUUID,
      bootID: id.bootID,
      kernelVersion: '6.8.0-kubus',
      osImage: 'kubus simulated node',
      containerRuntimeVersion: id.runtimeVersion,
      kubeletVersion: cfg.kubeletVersion,
      operatingSystem: cfg.operatingSystem,
      architecture: cfg.architecture,
    },
  };
}

/** Returns the Node the kubelet creates when it registers (labels, taints, pod CIDR, status). */
export function initialNode(cfg: KubeletConfig, status: NodeStatus): Node {
  const spec: Node['spec'] = cfg.podCIDR ? { podCIDR: cfg.podCIDR, podCIDRs: [cfg.podCIDR] } : {};
  if (cfg.taints.length) spec.taints = cfg.taints;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: cfg.nodeName, labels: nodeLabels(cfg), annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' } },
    spec,
    status,
  };
}

/** Returns an existing Node with the kubelet's default labels and an unset pod CIDR filled in, or undefined when nothing changes. */
export function reconcileExistingNode(cfg: KubeletConfig, node: Node): Node | undefined {
  const labels = { ...node.metadata.labels, ...nodeLabels(cfg) };
  const spec = { ...node.spec };
  if (!spec.podCIDR && cfg.podCIDR) Object.assign(spec, { podCIDR: cfg.podCIDR, podCIDRs: [cfg.podCIDR] });
  if (isDeepStrictEqual(labels, node.metadata.labels ?? {}) && isDeepStrictEqual(spec, node.spec ?? {})) return undefined;
  return { ...node, metadata: { ...node.metadata, labels }, spec };
}

const withoutHeartbeat = (s: NodeStatus | undefined) => ({ ...s, conditions: s?.conditions?.map(({ lastHeartbeatTime: _, ...c }) => c) });

/** Returns whether two statuses differ in anything but heartbeat times (upstream nodeStatusHasChanged). */
export const nodeStatusChanged = (a: NodeStatus | undefined, b: NodeStatus | undefined) => !isDeepStrictEqual(withoutHeartbeat(a), withoutHeartbeat(b));

/** Returns the conditions whose status differs from `prev` (each is an Event: NodeReady, NodeHasSufficientMemory …). */
export function changedConditions(next: NodeConditionState[], prev: Condition[] | undefined): NodeConditionState[] {
  return next.filter((c) => prev?.find((o) => o.type === c.type)?.status !== c.status);
}

/** Returns the Event reason upstream records when a node condition changes. */
export function conditionEventReason(c: NodeConditionState): string {
  if (c.type === 'Ready') return c.status === 'True' ? 'NodeReady' : 'NodeNotReady';
  return c.reason.replace(/^Kubelet/, 'Node');
}
