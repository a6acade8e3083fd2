// Table printers of core/v1 kinds and leases, column for column as printers.go (kubectl 1.32).
import { since, timeOf } from './duration.ts';
import { arr, formatLabels, int, rec, recs, str, strMap, byString, type Obj } from './loose.ts';
import { podSummary, podWideCells } from './pod-status.ts';
import type { KindPrinter } from './types.ts';

const meta = (o: unknown): Obj => rec(rec(o).metadata);
const nameOf = (o: unknown): string => str(meta(o).name);
const ageOf = (o: unknown, now: number): string => since(meta(o).creationTimestamp, now);

const pods: KindPrinter = {
  columns: [
    { name: 'Name' },
    { name: 'Ready' },
    { name: 'Status' },
    { name: 'Restarts' },
    { name: 'Age' },
    { name: 'IP', wide: true },
    { name: 'Node', wide: true },
    { name: 'Nominated Node', wide: true },
    { name: 'Readiness Gates', wide: true },
  ],
  cells: (o, { now, wide }) => {
    const s = podSummary(o, now);
    const base = [nameOf(o), s.ready, s.status, s.restarts, ageOf(o, now)];
    return wide ? [...base, ...podWideCells(o)] : base;
  },
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

const nodes: KindPrinter = {
  columns: [
    { name: 'Name' },
    { name: 'Status' },
    { name: 'Roles' },
    { name: 'Age' },
    { name: 'Version' },
    { name: 'Internal-IP', wide: true },
    { name: 'External-IP', wide: true },
    { name: 'OS-Image', wide: true },
    { name: 'Kernel-Version', wide: true },
    { name: 'Container-Runtime', wide: true },
  ],
  cells: (o, { now, wide }) => {
    const status = rec(rec(o).status);
    // The last Ready condition wins, as upstream's condition map.
    const ready = recs(status.conditions).filter((c) => c.type === 'Ready').pop();
    const st = ready ? [ready.status === 'True' ? 'Ready' : 'NotReady'] : ['Unknown'];
    if (rec(rec(o).spec).unschedulable === true) st.push('SchedulingDisabled');
    const info = rec(status.nodeInfo);
    const base = [nameOf(o), st.join(','), nodeRoles(o).join(',') || '<none>', ageOf(o, now), str(info.kubeletVersion)];
    if (!wide) return base;
    const orUnknown = (v: unknown) => str(v) || '<unknown>';
    return [...base, nodeAddress(o, 'InternalIP'), nodeAddress(o, 'ExternalIP'), orUnknown(info.osImage), orUnknown(info.kernelVersion), orUnknown(info.containerRuntimeVersion)];
  },
};

const namespaces: KindPrinter = {
  columns: [{ name: 'Name' }, { name: 'Status' }, { name: 'Age' }],
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

const services: KindPrinter = {
  columns: [{ name: 'Name' }, { name: 'Type' }, { name: 'Cluster-IP' }, { name: 'External-IP' }, { name: 'Port(s)' }, { name: 'Age' }, { name: 'Selector', wide: true }],
  cells: (o, { now, wide }) => {
    const spec = rec(rec(o).spec);
    // Stored services carry clusterIPs (defaulted from clusterIP), which the printer reads.
    const clusterIP = str(arr(spec.clusterIPs)[0]) || str(spec.clusterIP) || '<none>';
    const base = [nameOf(o), str(spec.type), clusterIP, serviceExternalIP(o, wide), servicePorts(o) || '<none>', ageOf(o, now)];
    return wide ? [...base, formatLabels(spec.selector)] : base;
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

const endpoints: KindPrinter = {
  columns: [{ name: 'Name' }, { name: 'Endpoints' }, { name: 'Age' }],
  cells: (o, { now }) => [nameOf(o), formatEndpoints(o), ageOf(o, now)],
};

const count = (v: unknown): number => Object.keys(rec(v)).length;

const configmaps: KindPrinter = {
  columns: [{ name: 'Name' }, { name: 'Data' }, { name: 'Age' }],
  cells: (o, { now }) => [nameOf(o), String(count(rec(o).data) + count(rec(o).binaryData)), ageOf(o, now)],
};

const secrets: KindPrinter = {
  columns: [{ name: 'Name' }, { name: 'Type' }, { name: 'Data' }, { name: 'Age' }],
  cells: (o, { now }) => [nameOf(o), str(rec(o).type), String(count(rec(o).data)), ageOf(o, now)],
};

const serviceaccounts: KindPrinter = {
  columns: [{ name: 'Name' }, { name: 'Secrets' }, { name: 'Age' }],
  cells: (o, { now }) => [nameOf(o), String(arr(rec(o).secrets).length), ageOf(o, now)],
};

/** Returns an event's SOURCE cell: component (or reportingController), then ", host" (or reportingInstance). */
export function eventSource(ev: unknown): string {
  const e = rec(ev);
  const component = str(rec(e.source).component) || str(e.reportingController);
  const instance = str(rec(e.source).host) || str(e.reportingInstance);
  return instance ? `${component}, ${instance}` : component;
}

const events: KindPrinter = {
  columns: [
    { name: 'Last Seen' },
    { name: 'Type' },
    { name: 'Reason' },
    { name: 'Object' },
    { name: 'Subobject', wide: true },
    { name: 'Source', wide: true },
    { name: 'Message' },
    { name: 'First Seen', wide: true },
    { name: 'Count', wide: true },
    { name: 'Name', wide: true },
  ],
  cells: (o, { now, wide }) => {
    const e = rec(o);
    const first = timeOf(e.firstTimestamp) !== undefined ? since(e.firstTimestamp, now) : since(e.eventTime, now);
    let last = timeOf(e.lastTimestamp) !== undefined ? since(e.lastTimestamp, now) : first;
    let n = int(e.count);
    if (e.series != null) {
      last = since(rec(e.series).lastObservedTime, now);
      n = int(rec(e.series).count);
    } else if (n === 0) n = 1; // Singleton events of the new API carry no count.
    const inv = rec(e.involvedObject);
    const kind = str(inv.kind).toLowerCase();
    const target = str(inv.name) ? `${kind}/${str(inv.name)}` : kind;
    const message = str(e.message).trim();
    if (!wide) return [last, str(e.type), str(e.reason), target, message];
    return [last, str(e.type), str(e.reason), target, str(inv.fieldPath), eventSource(e), message, first, String(n), nameOf(o)];
  },
};

const leases: KindPrinter = {
  columns: [{ name: 'Name' }, { name: 'Holder' }, { name: 'Age' }],
  cells: (o, { now }) => [nameOf(o), str(rec(rec(o).spec).holderIdentity), ageOf(o, now)],
};

/** The printer of kinds without one of their own (and of custom resources): NAME AGE. */
export const defaultPrinter: KindPrinter = {
  columns: [{ name: 'Name' }, { name: 'Age' }],
  cells: (o, { now }) => [nameOf(o), ageOf(o, now)],
};

/** Table printers of the core kinds, by plural resource name. */
export const corePrinters: Record<string, KindPrinter> = {
  pods,
  nodes,
  namespaces,
  services,
  endpoints,
  configmaps,
  secrets,
  serviceaccounts,
  events,
  leases,
};
