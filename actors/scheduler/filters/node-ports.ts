// NodePorts: the pod's host ports must be free on the node (upstream HostPortInfo.CheckConflict).
import { SKIP, type FilterPlugin, type HostPort, type NodeInfo, type Status } from '../types.ts';

/** Upstream's reason (nodeports ErrReason). */
export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";
const REJECTED: Status = { plugin: 'NodePorts', code: 'Unschedulable', reasons: [ERR_REASON_NODE_PORTS] };
const ALL = '0.0.0.0';

/** Returns whether a wanted port clashes with one in use: same protocol and port, and either side binds 0.0.0.0 or both the same IP. */
export function portConflicts(used: readonly HostPort[], want: HostPort): boolean {
  if (want.port <= 0) return false;
  const ip = want.hostIP || ALL;
  const proto = want.protocol || 'TCP';
  for (const u of used) {
    if (u.port !== want.port || (u.protocol || 'TCP') !== proto) continue;
    const uip = u.hostIP || ALL;
    if (ip === ALL || uip === ALL || uip === ip) return true;
  }
  return false;
}

/** Returns whether any of the pod's host ports is taken on the node. */
export const nodePortsConflict = (ports: readonly HostPort[], node: NodeInfo): boolean => ports.some((p) => portConflicts(node.usedPorts, p));

/** Rejects nodes where a wanted host port is in use; skipped for pods without host ports. */
export const nodePortsFilter: FilterPlugin = {
  name: 'NodePorts',
  preFilter: (pod) => (pod.ports.length ? undefined : SKIP),
  filter: (pod, node) => (pod.ports.length && node.usedPorts.length && nodePortsConflict(pod.ports, node) ? REJECTED : undefined),
};
