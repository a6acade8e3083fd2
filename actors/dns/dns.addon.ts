// The kube-dns addon objects: the Service in kube-system at 10.96.0.10 (ports dns/UDP and
// dns-tcp/TCP, 53) and its Endpoints, which list the DNS servers. The servers are not pods, so
// the dns actors keep the Endpoints themselves, as the API servers do for the `kubernetes`
// Service; the Service therefore has no selector (the endpoints controller would empty Endpoints
// it selects). Pure: what to write is planned here, written by dns.addon-sync.ts.
import type { Endpoints } from '../../api/kinds/endpoints.ts';
import type { Service, ServicePort } from '../../api/kinds/service.ts';

/** Where the addon's Service and Endpoints live, and their name (upstream's). */
export const DNS_NAMESPACE = 'kube-system';
export const DNS_SERVICE = 'kube-dns';
/** The cluster DNS Service IP (kubeadm's: the tenth address of 10.96.0.0/12; the kubelet's clusterDNS default). */
export const DNS_CLUSTER_IP = '10.96.0.10';
/** Labels of upstream's kube-dns Service (`k8s-app: kube-dns` is what clients and kubectl cluster-info look for). */
export const DNS_LABELS = { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' };

/** Where one DNS server can be reached: its address in the Endpoints and the port it listens on. */
export interface DnsBackend {
  ip: string;
  port: number;
}

/** The Service ports (targetPort as upstream's; without a selector, the Endpoints' ports are what count). */
const SERVICE_PORTS: ServicePort[] = [
  { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
  { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
];

/** Returns the kube-dns Service as the actor creates it. */
export function desiredService(): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: DNS_SERVICE, namespace: DNS_NAMESPACE, labels: { ...DNS_LABELS } },
    spec: { type: 'ClusterIP', clusterIP: DNS_CLUSTER_IP, ports: SERVICE_PORTS.map((p) => ({ ...p })) },
  };
}

/** Returns the subsets listing the servers: one subset per port, addresses sorted (a stable form to compare). */
export function desiredSubsets(servers: DnsBackend[]): NonNullable<Endpoints['subsets']> {
  const byPort = new Map<number, string[]>();
  for (const s of servers) byPort.set(s.port, [...(byPort.get(s.port) ?? []), s.ip]);
  return [...byPort.entries()]
    .sort(([a], [b]) => a - b)
    .map(([port, ips]) => ({
      addresses: [...new Set(ips)].sort().map((ip) => ({ ip })),
      ports: [
        { name: 'dns', port, protocol: 'UDP' },
        { name: 'dns-tcp', port, protocol: 'TCP' },
      ],
    }));
}

/** Returns the kube-dns Endpoints listing the servers. */
export function desiredEndpoints(servers: DnsBackend[]): Endpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: DNS_SERVICE, namespace: DNS_NAMESPACE, labels: { ...DNS_LABELS } },
    subsets: desiredSubsets(servers),
  };
}

const samePorts = (a: ServicePort[] = [], b: ServicePort[]) =>
  a.length === b.length && a.every((p, i) => p.name === b[i].name && p.port === b[i].port && p.protocol === b[i].protocol && String(p.targetPort) === String(b[i].targetPort));
const sameSubsets = (a: Endpoints['subsets'] = [], b: Endpoints['subsets'] = []) => JSON.stringify(a) === JSON.stringify(b);

/** What the API holds for the addon, and what to write to make it right. */
export type AddonStep =
  | { verb: 'create'; resource: 'services' | 'endpoints'; object: Service | Endpoints }
  | { verb: 'update'; resource: 'services' | 'endpoints'; object: Service | Endpoints };

/** Returns the writes that bring the current objects to the desired ones for these servers (none when right). */
export function planAddon(servers: DnsBackend[], svc: Service | undefined, ep: Endpoints | undefined): AddonStep[] {
  const steps: AddonStep[] = [];
  const want = desiredService();
  if (!svc) steps.push({ verb: 'create', resource: 'services', object: want });
  else if (!samePorts(svc.spec?.ports, want.spec.ports!) || svc.spec?.selector) {
    // The cluster IP cannot change, so a Service someone made at another IP keeps it; ports and selector are ours.
    const { selector: _, ...spec } = svc.spec ?? {};
    steps.push({ verb: 'update', resource: 'services', object: { ...svc, spec: { ...spec, ports: want.spec.ports } } });
  }
  const wantEp = desiredEndpoints(servers);
  if (!ep) steps.push({ verb: 'create', resource: 'endpoints', object: wantEp });
  else if (!sameSubsets(ep.subsets, wantEp.subsets)) steps.push({ verb: 'update', resource: 'endpoints', object: { ...ep, subsets: wantEp.subsets } });
  return steps;
}
