// Table columns of core/v1 pods, nodes, namespaces, services and endpoints, column for column as printers.go (v1.32).
import { AGE, ageOf, col, meta, NAME, nameOf, wideCol } from './column.ts';
import { arr, formatLabels, int, rec, recs, str, strMap, byString } from './loose.ts';
import { podSummary, podWideCells } from './pod-status.ts';
import type { KindColumns, TableRowCondition } from './types.ts';

// Upstream marks finished pods' rows Completed, so clients can hide them.
const podConditions = (o: unknown): TableRowCondition[] => {
  const phase = rec(rec(o).status).phase;
  if (phase === 'Succeeded') return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
  if (phase === 'Failed') return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
  return [];
};

const pods: KindColumns = {
  columns: [
    NAME,
    col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE,
    wideCol('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
    wideCol('Node', 'string', 'NodeName indicates in which node this pod is scheduled.'),
    wideCol('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.'),
    wideCol('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.'),
  ],
  cells: (o, { now }) => {
    const s = podSummary(o, now);
    return [nameOf(o), s.ready, s.status, s.restarts, ageOf(o, now), ...podWideCells(o)];
  },
  conditions: podConditions,
};

/** Returns a node's roles from node-role.kubernetes.io/<role> and kubernetes.io/role labels, sorted. */
export function nodeRoles(node: unknown): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(strMap(meta(node).labels))) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') roles.add(v);
  }
  return [...roles].sort(byString);
}

const nodeAddress = (node: unknown, type: string): string =>
  str(recs(rec(rec(node).status).addresses).find((a) => a.type === type)?.address) || '<none>';

const ADDRESSES_DOC = 'List of addresses reachable to the node.';

const nodes: KindColumns = {
  columns: [
    NAME,
    col('Status', 'string', 'The status of the node'),
    col('Roles', 'string', 'The roles of the node'),
    AGE,
    col('Version', 'string', 'Kubelet Version reported by the node.'),
    wideCol('Internal-IP', 'string', ADDRESSES_DOC),
    wideCol('External-IP', 'string', ADDRESSES_DOC),
    wideCol('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).'),
    wideCol('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
    wideCol('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).'),
  ],
  cells: (o, { now }) => {
    const status = rec(rec(o).status);
    // The last Ready condition wins, as upstream's condition map.
    const ready = recs(status.conditions).filter((c) => c.type === 'Ready').pop();
    const st = ready ? [ready.status === 'True' ? 'Ready' : 'NotReady'] : ['Unknown'];
    if (rec(rec(o).spec).unschedulable === true) st.push('SchedulingDisabled');
    const info = rec(status.nodeInfo);
    const orUnknown = (v: unknown) => str(v) || '<unknown>';
    return [nameOf(o), st.join(','), nodeRoles(o).join(',') || '<none>', ageOf(o, now), str(info.kubeletVersion), nodeAddress(o, 'InternalIP'), nodeAddress(o, 'ExternalIP'), orUnknown(info.osImage), orUnknown(info.kernelVersion), orUnknown(info.containerRuntimeVersion)];
  },
};

const namespaces: KindColumns = {
  columns: [NAME, col('Status', 'string', 'The status of the namespace'), AGE],
  cells: (o, { now }) => [nameOf(o), str(rec(rec(o).status).phase), ageOf(o, now)],
};

// loadBalancerStatusStringer: sorted unique IPs/hostnames, clipped to 16 bytes unless wide.
function loadBalancerIPs(status: unknown, wide: boolean): string {
  const set = new Set<string>();
  for (const i of recs(rec(rec(status).loadBalancer).ingress)) {
    if (str(i.ip)) set.add(str(i.ip));
    else if (str(i.hostname)) set.add(str(i.hostname));
  }
  const r = [...set].sort(byString).join(',');
  return !wide && r.length > 16 ? `${r.slice(0, 13)}...` : r;
}

/** Returns a service's EXTERNAL-IP cell (getServiceExternalIP). */
export function serviceExternalIP(svc: unknown, wide: boolean): string {
  const spec = rec(rec(svc).spec);
  const externalIPs = arr(spec.externalIPs).map(str);
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIPs(rec(svc).status, wide);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
  }
  return '<unknown>';
}

/** Returns a service's PORT(S) cell: "80/TCP,30080:31000/TCP". */
export const servicePorts = (svc: unknown): string =>
  recs(rec(rec(svc).spec).ports)
    .map((p) => (int(p.nodePort) > 0 ? `${int(p.port)}:${int(p.nodePort)}/${str(p.protocol)}` : `${int(p.port)}/${str(p.protocol)}`))
    .join(',');

const services: KindColumns = {
  columns: [
    NAME,
    col('Type', 'string', 'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.'),
    col('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    col('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    col('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    AGE,
    wideCol('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.'),
  ],
  cells: (o, { now, wide }) => {
    const spec = rec(rec(o).spec);
    // Stored services carry clusterIPs (defaulted from clusterIP), which the printer reads.
    const clusterIP = str(arr(spec.clusterIPs)[0]) || str(spec.clusterIP) || '<none>';
    return [nameOf(o), str(spec.type), clusterIP, serviceExternalIP(o, wide), servicePorts(o) || '<none>', ageOf(o, now), formatLabels(spec.selector)];
  },
};

const hostPort = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** Returns an Endpoints' ENDPOINTS cell: up to three "ip:port" then " + N more..."; ports filters by port name. */
export function formatEndpoints(ep: unknown, ports?: Set<string>): string {
  const subsets = recs(rec(ep).subsets);
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let more = false;
  let count = 0;
  const add = (s: string) => {
    if (list.length === 3) more = true;
    else if (!more) list.push(s);
  };
  for (const ss of subsets) {
    const addrs = recs(ss.addresses);
    const sPorts = recs(ss.ports);
    if (sPorts.length === 0) {
      for (const a of addrs) add(str(a.ip));
      count += addrs.length;
      continue;
    }
    for (const p of sPorts) {
      if (ports && !ports.has(str(p.name))) continue;
      for (const a of addrs) add(hostPort(str(a.ip), int(p.port)));
      count += addrs.length;
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - 3} more...` : ret;
}

const endpoints: KindColumns = {
  columns: [NAME, col('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'), AGE],
  cells: (o, { now }) => [nameOf(o), formatEndpoints(o), ageOf(o, now)],
};

/** Table columns of pods, nodes, namespaces, services and endpoints, by plural resource name. */
export const coreColumns: Record<string, KindColumns> = { pods, nodes, namespaces, services, endpoints };
