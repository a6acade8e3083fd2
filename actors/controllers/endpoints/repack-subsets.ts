// Endpoints subsets in canonical form (upstream pkg/api/v1/endpoints RepackSubsets): one subset
// per distinct set of (address, ready) pairs, carrying every port those addresses offer; so a
// pod whose named port resolves to another number lands in a subset of its own. Pure.
import type { EndpointAddress, EndpointPort, EndpointSubset } from '../../../api/kinds/endpoints.ts';

const addrKey = (a: EndpointAddress) => `${a.ip}|${a.targetRef?.uid ?? ''}`;
const portKey = (p: EndpointPort) => `${p.name ?? ''}|${p.port}|${p.protocol ?? ''}|${p.appProtocol ?? ''}`;
/** Upstream's sentinel for subsets without ports (headless services without ports keep their addresses). */
const NO_PORT: EndpointPort = { port: -1 };

/** Orders addresses by IP, then by target uid (upstream LessEndpointAddress). */
export function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const ua = a.targetRef?.uid;
  const ub = b.targetRef?.uid;
  if (ua === ub) return 0;
  if (ub === undefined) return 1;
  if (ua === undefined) return -1;
  return ua < ub ? -1 : 1;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Returns the subsets sorted: addresses by IP and uid, ports and subsets by a stable key
 * (upstream sorts these by an md5 of their Go representation; any fixed order serves).
 */
export function sortSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  for (const ss of subsets) {
    ss.addresses?.sort(compareAddresses);
    ss.notReadyAddresses?.sort(compareAddresses);
    ss.ports?.sort((a, b) => cmp(portKey(a), portKey(b)));
  }
  const key = (ss: EndpointSubset) => JSON.stringify([ss.ports ?? [], ss.addresses ?? [], ss.notReadyAddresses ?? []]);
  return subsets.sort((a, b) => cmp(key(a), key(b)));
}

/** Returns the canonical layout of any list of subsets (a new array; the input is not changed). */
export function repackSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  const allAddrs = new Map<string, EndpointAddress>();
  // port key → (the port, address key → ready); not ready wins over ready for the same address and port.
  const byPort = new Map<string, { port: EndpointPort; addrs: Map<string, boolean> }>();
  const map = (addr: EndpointAddress, port: EndpointPort, ready: boolean) => {
    const ak = addrKey(addr);
    if (!allAddrs.has(ak)) allAddrs.set(ak, structuredClone(addr));
    const pk = portKey(port);
    let entry = byPort.get(pk);
    if (!entry) byPort.set(pk, (entry = { port, addrs: new Map() }));
    const was = entry.addrs.get(ak);
    if (was === undefined || was) entry.addrs.set(ak, ready);
  };
  for (const ss of subsets)
    for (const port of ss.ports?.length ? ss.ports : [NO_PORT]) {
      for (const a of ss.addresses ?? []) map(a, port, true);
      for (const a of ss.notReadyAddresses ?? []) map(a, port, false);
    }
  // Group the ports by the exact set of (address, ready) pairs that offer them.
  const groups = new Map<string, { addrs: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const { port, addrs } of byPort.values()) {
    const sig = [...addrs].map(([k, r]) => `${k}=${r}`).sort().join(',');
    let g = groups.get(sig);
    if (!g) groups.set(sig, (g = { addrs, ports: [] }));
    if (port.port > 0) g.ports.push(structuredClone(port));
  }
  const out: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ss: EndpointSubset = {};
    const ready = [...g.addrs].filter(([, r]) => r).map(([k]) => allAddrs.get(k)!);
    const notReady = [...g.addrs].filter(([, r]) => !r).map(([k]) => allAddrs.get(k)!);
    if (ready.length) ss.addresses = ready;
    if (notReady.length) ss.notReadyAddresses = notReady;
    if (g.ports.length) ss.ports = g.ports;
    out.push(ss);
  }
  return sortSubsets(out);
}
