// `kubectl describe node` (describeNode), including its lease, non-terminated pods and allocated resources.
import { nodeRoles } from '../../api/table/columns-core.ts';
import { describeEvents, DescribeWriter, printAnnotations, printLabels, printTaints } from './describe-writer.ts';
import { rfc1123z, since } from './duration.ts';
import { arr, rec, recs, str } from '../../api/table/loose.ts';
import { addInto, milli, percent, podRequestsAndLimits, quantityString, resources, sortedNames, totalString, whole, type Resources } from './quantities.ts';

function describeLease(w: DescribeWriter, nodeName: string, lease: unknown): void {
  if (lease == null) return w.write(0, `Lease:\tFailed to get lease: leases.coordination.k8s.io "${nodeName}" not found\n`);
  const spec = rec(rec(lease).spec);
  w.write(0, 'Lease:\n');
  w.write(1, `HolderIdentity:\t${spec.holderIdentity != null ? str(spec.holderIdentity) : '<unset>'}\n`);
  w.write(1, `AcquireTime:\t${spec.acquireTime != null ? rfc1123z(spec.acquireTime) : '<unset>'}\n`);
  w.write(1, `RenewTime:\t${spec.renewTime != null ? rfc1123z(spec.renewTime) : '<unset>'}\n`);
}

const STANDARD = new Set(['cpu', 'memory', 'ephemeral-storage']);
const isHugePages = (n: string) => n.startsWith('hugepages-');
// IsStandardContainerResourceName: cpu, memory, ephemeral-storage, hugepages-*; extended resources are the rest (pods excluded).
const isExtended = (n: string) => !STANDARD.has(n) && !isHugePages(n) && n !== 'pods';

function describeNodeResources(w: DescribeWriter, node: unknown, pods: unknown[], now: number): void {
  const status = rec(rec(node).status);
  const allocList = Object.keys(rec(status.allocatable)).length > 0 ? status.allocatable : status.capacity;
  const alloc = resources(allocList);
  w.write(0, `Non-terminated Pods:\t(${pods.length} in total)\n`);
  w.write(1, 'Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n');
  w.write(1, '---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n');
  const reqs: Resources = new Map();
  const limits: Resources = new Map();
  const cpu = (r: Resources) => `${totalString(r, 'cpu')} (${percent(milli(r.get('cpu')), milli(alloc.get('cpu')))}%)`;
  const mem = (r: Resources, n = 'memory') => `${totalString(r, n)} (${percent(whole(r.get(n)), whole(alloc.get(n)))}%)`;
  for (const pod of pods) {
    const { requests, limits: lim } = podRequestsAndLimits(pod);
    addInto(reqs, requests);
    addInto(limits, lim);
    const meta = rec(rec(pod).metadata);
    w.write(1, `${str(meta.namespace)}\t${str(meta.name)}\t\t${cpu(requests)}\t${cpu(lim)}\t${mem(requests)}\t${mem(lim)}\t${since(meta.creationTimestamp, now)}\n`);
  }
  w.write(0, 'Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n');
  w.write(1, 'Resource\tRequests\tLimits\n');
  w.write(1, '--------\t--------\t------\n');
  w.write(1, `cpu\t${cpu(reqs)}\t${cpu(limits)}\n`);
  w.write(1, `memory\t${mem(reqs)}\t${mem(limits)}\n`);
  w.write(1, `ephemeral-storage\t${mem(reqs, 'ephemeral-storage')}\t${mem(limits, 'ephemeral-storage')}\n`);
  const names = sortedNames(allocList);
  for (const n of names.filter(isHugePages)) w.write(1, `${n}\t${mem(reqs, n)}\t${mem(limits, n)}\n`);
  for (const n of names.filter(isExtended)) w.write(1, `${n}\t${totalString(reqs, n)}\t${totalString(limits, n)}\n`);
}

/** Extra objects `describe node` shows: the pods bound to it (terminal ones are left out) and its lease (null: not found). */
export interface NodeContext {
  pods?: readonly unknown[];
  lease?: unknown;
}

/** Returns `kubectl describe node` output. */
export function describeNode(node: unknown, events: readonly unknown[], now: number, ctx: NodeContext = {}): string {
  const n = rec(node);
  const meta = rec(n.metadata);
  const spec = rec(n.spec);
  const status = rec(n.status);
  const w = new DescribeWriter();
  w.write(0, `Name:\t${str(meta.name)}\n`);
  w.write(0, `Roles:\t${nodeRoles(node).join(',') || '<none>'}\n`);
  printLabels(w, 'Labels', meta.labels);
  printAnnotations(w, 'Annotations', meta.annotations);
  w.write(0, `CreationTimestamp:\t${rfc1123z(meta.creationTimestamp)}\n`);
  printTaints(w, 'Taints', spec.taints);
  w.write(0, `Unschedulable:\t${spec.unschedulable === true}\n`);
  describeLease(w, str(meta.name), ctx.lease);
  const conds = recs(status.conditions);
  if (conds.length > 0) {
    w.write(0, 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n');
    w.write(1, '----\t------\t-----------------\t------------------\t------\t-------\n');
    for (const c of conds)
      w.write(1, `${str(c.type)} \t${str(c.status)} \t${rfc1123z(c.lastHeartbeatTime)} \t${rfc1123z(c.lastTransitionTime)} \t${str(c.reason)} \t${str(c.message)}\n`);
  }
  w.write(0, 'Addresses:\n');
  for (const a of recs(status.addresses)) w.write(1, `${str(a.type)}:\t${str(a.address)}\n`);
  for (const [title, list] of [['Capacity', status.capacity], ['Allocatable', status.allocatable]] as const) {
    const names = sortedNames(list);
    if (names.length === 0) continue;
    w.write(0, `${title}:\n`);
    for (const name of names) w.write(0, `  ${name}:\t${quantityString(rec(list)[name])}\n`);
  }
  const info = rec(status.nodeInfo);
  w.write(0, 'System Info:\n');
  const infoFields = [
    ['Machine ID', 'machineID'],
    ['System UUID', 'systemUUID'],
    ['Boot ID', 'bootID'],
    ['Kernel Version', 'kernelVersion'],
    ['OS Image', 'osImage'],
    ['Operating System', 'operatingSystem'],
    ['Architecture', 'architecture'],
    ['Container Runtime Version', 'containerRuntimeVersion'],
    ['Kubelet Version', 'kubeletVersion'],
    ['Kube-Proxy Version', 'kubeProxyVersion'],
  ];
  for (const [title, field] of infoFields) w.write(0, `  ${title}:\t${str(info[field])}\n`);
  if (str(spec.podCIDR)) w.write(0, `PodCIDR:\t${str(spec.podCIDR)}\n`);
  const cidrs = arr(spec.podCIDRs).map(str);
  if (cidrs.length > 0) w.write(0, `PodCIDRs:\t${cidrs.join(',')}\n`);
  if (str(spec.providerID)) w.write(0, `ProviderID:\t${str(spec.providerID)}\n`);
  const phaseOf = (p: unknown) => str(rec(rec(p).status).phase);
  const pods = (ctx.pods ?? []).filter((p) => str(rec(rec(p).spec).nodeName) === str(meta.name) && phaseOf(p) !== 'Succeeded' && phaseOf(p) !== 'Failed');
  describeNodeResources(w, node, pods, now);
  describeEvents(w, events, now);
  return w.toString();
}
