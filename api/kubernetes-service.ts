// The `kubernetes` Service in `default`, its Endpoints and its EndpointSlice, as upstream's
// bootstrap controller (pkg/controlplane/controller/kubernetesservice) and lease endpoint
// reconciler (pkg/controlplane/reconcilers, endpointsadapter.go) write them. The API server
// creates the Service at start; each HTTP gateway keeps the port and the endpoints (it is what
// serves the Kubernetes API over HTTP). Pure builders.
import type { Endpoint, EndpointSlice } from './kinds/endpointslice.ts';
import type { Endpoints } from './kinds/endpoints.ts';
import type { Service } from './kinds/service.ts';

export const KUBERNETES_SERVICE = 'kubernetes';
export const KUBERNETES_NAMESPACE = 'default';
/** Labels upstream puts on the Service. */
export const KUBERNETES_SERVICE_LABELS = { component: 'apiserver', provider: 'kubernetes' };

/** One HTTP gateway: the address it is reached at and its port. */
export interface ApiEndpoint {
  ip: string;
  port: number;
}

/** Returns the Service at `clusterIP` (the first address of the service range), port 443 `https` to `targetPort`. */
export function kubernetesService(clusterIP: string, targetPort = 443): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: KUBERNETES_SERVICE, namespace: KUBERNETES_NAMESPACE, labels: { ...KUBERNETES_SERVICE_LABELS } },
    spec: { type: 'ClusterIP', clusterIP, sessionAffinity: 'None', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort }] },
  };
}

/** Returns the Endpoints listing the gateways: one subset per port, addresses sorted; marked skip-mirror (the slice is written beside them). */
export function kubernetesEndpoints(servers: ApiEndpoint[]): Endpoints {
  const byPort = new Map<number, Set<string>>();
  for (const s of servers) byPort.set(s.port, (byPort.get(s.port) ?? new Set()).add(s.ip));
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: KUBERNETES_SERVICE, namespace: KUBERNETES_NAMESPACE, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [...byPort.entries()]
      .sort(([a], [b]) => a - b)
      .map(([port, ips]) => ({ addresses: [...ips].sort().map((ip) => ({ ip })), ports: [{ name: 'https', port, protocol: 'TCP' }] })),
  };
}

/** Returns the EndpointSlice of the Endpoints' first subset, named `kubernetes` (upstream endpointSliceFromEndpoints). */
export function kubernetesEndpointSlice(ep: Endpoints): EndpointSlice {
  const subset = ep.subsets?.[0];
  const addrs = subset?.addresses ?? [];
  const v6 = addrs.length > 0 && addrs.every((a) => a.ip.includes(':'));
  const endpoints: Endpoint[] = addrs.map((a) => ({ addresses: [a.ip], conditions: { ready: true } }));
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: KUBERNETES_SERVICE, namespace: KUBERNETES_NAMESPACE, labels: { 'kubernetes.io/service-name': KUBERNETES_SERVICE } },
    addressType: v6 ? 'IPv6' : 'IPv4',
    endpoints,
    ports: (subset?.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
  };
}
