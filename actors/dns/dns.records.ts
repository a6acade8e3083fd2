// The cluster DNS resolver: answers one question from the informer caches as CoreDNS's
// kubernetes plugin does (DNS-based service discovery spec 1.1.0 with `pods verified`). Pure:
// the caches come in as a DnsView, the answer goes out as records for dns-packet to encode.
import type { Answer } from 'dns-packet';
import { LABEL_SERVICE_NAME, type Endpoint, type EndpointSlice } from '../../api/kinds/endpointslice.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import type { Service, ServicePort } from '../../api/kinds/service.ts';
import { canonical, dashed, inZone, parseName, reverseIPv4, serviceName, type ParsedName } from './dns.names.ts';

/** What the resolver reads: lookups on the informer caches. */
export interface DnsView {
  service(namespace: string, name: string): Service | undefined;
  /** The EndpointSlices of a service (those labelled with its name). */
  endpointSlices(namespace: string, name: string): EndpointSlice[];
  namespaceExists(name: string): boolean;
  servicesWithIP(ip: string): Service[];
  /** The EndpointSlices with a ready endpoint at this address. */
  slicesWithIP(ip: string): EndpointSlice[];
  podsWithIP(ip: string): Pod[];
}

/** The zone and the numbers answers carry. */
export interface ResolverOptions {
  /** The cluster domain (default `cluster.local`). */
  zone: string;
  /** TTL of answers (CoreDNS's plugin default is 5 s; kubeadm's Corefile says `ttl 30`, which we follow). */
  ttl: number;
  /** The SOA serial: CoreDNS uses the time of the caches' last change, in Unix seconds. */
  serial: number;
  /** The address of the `ns.dns.<zone>` name (the kube-dns Service IP), when known. */
  nameserverIP?: string;
}

/** The cluster domain and answer TTL unless told (kubeadm's Corefile). */
export const DEFAULT_ZONE = 'cluster.local';
export const DEFAULT_TTL = 30;
/** The schema version of the DNS spec implemented, served as TXT at `dns-version.<zone>`. */
export const SPEC_VERSION = '1.1.0';

/** One DNS question: a name and a record type (dns-packet's spelling, e.g. `A`, `SRV`). */
export interface Question {
  name: string;
  type: string;
}

/** The answer to a question in our zones, or `forward` for names another server knows. */
export type Resolution =
  | { forward: true }
  | { forward?: false; rcode: 'NOERROR' | 'NXDOMAIN'; answers: Answer[]; authorities: Answer[]; additionals: Answer[] };

/** One address behind a name with the ports of its record: a ClusterIP, or an endpoint address. */
interface Backend {
  ip: string;
  /** The name SRV records point at. */
  target: string;
  ports: Array<{ port: number }>;
}

/** Returns the answer to one question. */
export function resolve(q: Question, view: DnsView, o: ResolverOptions): Resolution {
  const name = canonical(q.name);
  const owner = q.name.replace(/\.$/, '');
  const rr = <T extends Answer['type']>(type: T, data: unknown, at = owner): Answer => ({ name: at, type, ttl: o.ttl, class: 'IN', data }) as Answer;
  const soa: Answer = {
    name: o.zone,
    type: 'SOA',
    ttl: Math.min(o.ttl, 300),
    class: 'IN',
    data: { mname: `ns.dns.${o.zone}`, rname: `hostmaster.${o.zone}`, serial: o.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: o.ttl },
  };
  const found = (answers: Answer[], additionals: Answer[] = []): Resolution =>
    answers.length ? { rcode: 'NOERROR', answers, authorities: [], additionals } : { rcode: 'NOERROR', answers: [], authorities: [soa], additionals: [] };
  const nxdomain: Resolution = { rcode: 'NXDOMAIN', answers: [], authorities: [soa], additionals: [] };

  if (q.type === 'PTR' && name.endsWith('.in-addr.arpa')) {
    const ip = reverseIPv4(name);
    const targets = ip ? ptrTargets(ip, view, o.zone) : [];
    // Addresses not in the cluster fall through to the upstream servers (CoreDNS: fallthrough in-addr.arpa).
    return targets.length ? found(targets.map((t) => rr('PTR', t))) : { forward: true };
  }
  if (!inZone(name, o.zone)) return { forward: true };
  const p = parseName(name, o.zone);
  switch (p.kind) {
    case 'apex':
      if (q.type === 'SOA') return found([{ ...soa, name: owner }]);
      if (q.type === 'NS') return found([rr('NS', `ns.dns.${o.zone}`)], o.nameserverIP ? [rr('A', o.nameserverIP, `ns.dns.${o.zone}`)] : []);
      return found([]);
    case 'ns':
      return found(q.type === 'A' && o.nameserverIP ? [rr('A', o.nameserverIP)] : []);
    case 'dns-version':
      return found(q.type === 'TXT' ? [rr('TXT', SPEC_VERSION)] : []);
    case 'root':
      return found([]);
    case 'namespace':
      return view.namespaceExists(p.namespace) ? found([]) : nxdomain;
    case 'pod': {
      const verified = view.podsWithIP(p.ip).some((pod) => pod.metadata.namespace === p.namespace);
      if (!verified) return nxdomain;
      return found(q.type === 'A' ? [rr('A', p.ip)] : []);
    }
    case 'service':
      return serviceAnswer(p, q.type, view, o, rr, found, nxdomain);
    case 'none':
      return nxdomain;
  }
}

type ServiceQuery = Extract<ParsedName, { kind: 'service' }>;
type RecordMaker = (type: Answer['type'], data: unknown, at?: string) => Answer;

/** Answers a question about a Service name (with an endpoint, or a `_port._proto` prefix). */
function serviceAnswer(
  p: ServiceQuery,
  qtype: string,
  view: DnsView,
  o: ResolverOptions,
  rr: RecordMaker,
  found: (answers: Answer[], additionals?: Answer[]) => Resolution,
  nxdomain: Resolution,
): Resolution {
  const svc = view.service(p.namespace, p.service);
  if (!svc) return nxdomain;
  const spec = svc.spec ?? {};
  const fqdn = serviceName(p.service, p.namespace, o.zone);
  if (spec.type === 'ExternalName') {
    if (p.endpoint || !spec.externalName) return nxdomain;
    const target = canonical(spec.externalName);
    const ports = matching(spec.ports ?? [], p);
    if (p.port && !ports.length) return nxdomain;
    if (qtype === 'SRV') return found(srvRecords([{ ip: '', target, ports }], rr));
    return found(['A', 'AAAA', 'CNAME'].includes(qtype) ? [rr('CNAME', target)] : []);
  }
  const backends = backendsOf(svc, view.endpointSlices(p.namespace, p.service), p, fqdn);
  if ((p.endpoint || p.port) && !backends.length) return nxdomain;
  if (qtype === 'A') return found(unique(backends.map((b) => b.ip)).map((ip) => rr('A', ip)));
  if (qtype === 'SRV') {
    const additionals = unique(backends.map((b) => `${b.target} ${b.ip}`)).map((s) => {
      const [target, ip] = s.split(' ');
      return rr('A', ip, target);
    });
    const records = srvRecords(backends, rr);
    return found(records, records.length ? additionals : []);
  }
  return found([]);
}

/** Returns the addresses behind a service name: its ClusterIP, or its ready endpoints when headless or one is named. */
function backendsOf(svc: Service, slices: EndpointSlice[], p: ServiceQuery, fqdn: string): Backend[] {
  const spec = svc.spec ?? {};
  const headless = spec.clusterIP === 'None';
  if (!headless && !p.endpoint) {
    const ports = matching(spec.ports ?? [], p);
    if (p.port && !ports.length) return [];
    return spec.clusterIP ? [{ ip: spec.clusterIP, target: fqdn, ports }] : [];
  }
  const out: Backend[] = [];
  for (const slice of slices) {
    const ports = matching((slice.ports ?? []).filter((x): x is typeof x & { port: number } => typeof x.port === 'number'), p);
    if (p.port && !ports.length) continue;
    for (const e of slice.endpoints ?? []) {
      if (!isReady(e)) continue;
      for (const ip of e.addresses ?? []) {
        const host = endpointHostname({ ip, hostname: e.hostname });
        if (p.endpoint && host !== p.endpoint) continue;
        out.push({ ip, target: `${host}.${fqdn}`, ports });
      }
    }
  }
  return out;
}

/** Returns whether an endpoint answers: CoreDNS keeps those whose ready condition is unset or true. */
export const isReady = (e: Endpoint): boolean => e.conditions?.ready !== false;

/** Returns the ports a `_port._proto` query names (all ports when it names none); names compare case-insensitively. */
function matching<P extends Pick<ServicePort, 'name' | 'protocol' | 'port'>>(ports: P[], p: ServiceQuery): P[] {
  if (!p.port) return ports;
  return ports.filter((x) => (x.name ?? '').toLowerCase() === p.port && (x.protocol ?? 'TCP').toLowerCase() === p.protocol);
}

/** Returns an endpoint's own name: its hostname, else its dashed IP (CoreDNS endpointHostname). */
export const endpointHostname = (addr: { ip: string; hostname?: string }) => addr.hostname || dashed(addr.ip);

/** Returns SRV records for each backend and port; weights share 100 as CoreDNS's (floor(100/n), at least 1). */
function srvRecords(backends: Backend[], rr: RecordMaker): Answer[] {
  const n = backends.reduce((sum, b) => sum + b.ports.length, 0);
  const weight = Math.max(1, Math.floor(100 / Math.max(1, n)));
  const seen = new Set<string>();
  const out: Answer[] = [];
  for (const b of backends)
    for (const { port } of b.ports) {
      const key = `${b.target}:${port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(rr('SRV', { priority: 0, weight, port, target: b.target }));
    }
  return out;
}

/** Returns the names a cluster IP reverses to: Services holding it, then endpoints with it. */
function ptrTargets(ip: string, view: DnsView, zone: string): string[] {
  const names: string[] = [];
  for (const svc of view.servicesWithIP(ip)) names.push(serviceName(svc.metadata.name!, svc.metadata.namespace!, zone));
  for (const slice of view.slicesWithIP(ip)) {
    const svc = slice.metadata.labels?.[LABEL_SERVICE_NAME];
    if (!svc) continue;
    for (const e of slice.endpoints ?? [])
      if (isReady(e) && e.addresses?.includes(ip)) names.push(`${endpointHostname({ ip, hostname: e.hostname })}.${serviceName(svc, slice.metadata.namespace!, zone)}`);
  }
  return unique(names);
}

const unique = <T>(xs: T[]) => [...new Set(xs)];
