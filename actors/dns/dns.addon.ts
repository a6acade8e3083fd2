// The kube-dns addon objects: the Service in kube-system at 10.96.0.10 (ports dns/UDP and
// dns-tcp/TCP, 53) and its Endpoints, which point at this DNS server. The server is not a pod, so
// the actor keeps the Endpoints itself, as the API server does for the `kubernetes` Service; the
// Service therefore has no selector (the endpoints controller would empty Endpoints it selects).
import type { Endpoints } from '../../api/kinds/endpoints.ts';
import type { Service, ServicePort } from '../../api/kinds/service.ts';
import type { KubeObject } from '../../api/meta.ts';
import { isNotFound } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';

/** Where the addon's Service and Endpoints live, and their name (upstream's). */
export const DNS_NAMESPACE = 'kube-system';
export const DNS_SERVICE = 'kube-dns';
/** The cluster DNS Service IP (kubeadm's: the tenth address of 10.96.0.0/12; the kubelet's clusterDNS default). */
export const DNS_CLUSTER_IP = '10.96.0.10';
/** Labels of upstream's kube-dns Service (`k8s-app: kube-dns` is what clients and kubectl cluster-info look for). */
export const DNS_LABELS = { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' };

/** Where the DNS server can be reached: the address in its Endpoints and the port it listens on. */
export interface DnsBackend {
  ip: string;
  port: number;
}

/** Returns the Service ports: 53 for clients, the server's own port behind it. */
const servicePorts = (port: number): ServicePort[] => [
  { name: 'dns', port: 53, protocol: 'UDP', targetPort: port },
  { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: port },
];

/** Returns the kube-dns Service as the actor creates it. */
export function desiredService(backend: DnsBackend): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: DNS_SERVICE, namespace: DNS_NAMESPACE, labels: { ...DNS_LABELS } },
    spec: { type: 'ClusterIP', clusterIP: DNS_CLUSTER_IP, ports: servicePorts(backend.port) },
  };
}

/** Returns the kube-dns Endpoints: one address, the server's. */
export function desiredEndpoints(backend: DnsBackend): Endpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: DNS_SERVICE, namespace: DNS_NAMESPACE, labels: { ...DNS_LABELS } },
    subsets: [
      {
        addresses: [{ ip: backend.ip }],
        ports: [
          { name: 'dns', port: backend.port, protocol: 'UDP' },
          { name: 'dns-tcp', port: backend.port, protocol: 'TCP' },
        ],
      },
    ],
  };
}

const samePorts = (a: ServicePort[] = [], b: ServicePort[]) =>
  a.length === b.length && a.every((p, i) => p.name === b[i].name && p.port === b[i].port && p.protocol === b[i].protocol && String(p.targetPort) === String(b[i].targetPort));
const sameSubsets = (a: Endpoints['subsets'] = [], b: Endpoints['subsets'] = []) => JSON.stringify(a) === JSON.stringify(b);

/** What the API holds for the addon, and what to write to make it right. */
export type AddonStep =
  | { verb: 'create'; resource: 'services' | 'endpoints'; object: Service | Endpoints }
  | { verb: 'update'; resource: 'services' | 'endpoints'; object: Service | Endpoints };

/** Returns the writes that bring the current objects to the desired ones (none when right). Pure. */
export function planAddon(backend: DnsBackend, svc: Service | undefined, ep: Endpoints | undefined): AddonStep[] {
  const steps: AddonStep[] = [];
  const want = desiredService(backend);
  if (!svc) steps.push({ verb: 'create', resource: 'services', object: want });
  else if (!samePorts(svc.spec?.ports, want.spec.ports!) || svc.spec?.selector) {
    // The cluster IP cannot change, so a Service someone made at another IP keeps it; ports and selector are ours.
    const { selector: _, ...spec } = svc.spec ?? {};
    steps.push({ verb: 'update', resource: 'services', object: { ...svc, spec: { ...spec, ports: want.spec.ports } } });
  }
  const wantEp = desiredEndpoints(backend);
  if (!ep) steps.push({ verb: 'create', resource: 'endpoints', object: wantEp });
  else if (!sameSubsets(ep.subsets, wantEp.subsets)) steps.push({ verb: 'update', resource: 'endpoints', object: { ...ep, subsets: wantEp.subsets } });
  return steps;
}

/** Reads the addon's objects, then writes what `planAddon` says; resolves with the number of writes. */
export async function ensureAddon(client: ApiClient, backend: DnsBackend): Promise<number> {
  const read = <T extends KubeObject>(resource: string) =>
    client.get<T>(resource, DNS_SERVICE, { namespace: DNS_NAMESPACE }).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
  const [svc, ep] = await Promise.all([read<Service>('services'), read<Endpoints>('endpoints')]);
  const steps = planAddon(backend, svc, ep);
  for (const s of steps) {
    if (s.verb === 'create') await client.create(s.resource, s.object);
    else await client.update(s.resource, s.object);
  }
  return steps.length;
}
