// Each HTTP gateway announces itself as an endpoint of the `kubernetes` Service, as upstream's API
// servers do with the lease endpoint reconciler: it renews a Lease of its own in kube-system
// (holder IP:PORT), then makes the Service's targetPort its port and the Endpoints and
// EndpointSlice `kubernetes` list every gateway whose Lease is live; when it stops, it drops its
// Lease and its address. planKubernetes is pure; the rest are its effects.
import type { EndpointSlice } from '../../api/kinds/endpointslice.ts';
import type { Endpoints } from '../../api/kinds/endpoints.ts';
import type { Service } from '../../api/kinds/service.ts';
import { KUBERNETES_NAMESPACE, KUBERNETES_SERVICE, kubernetesEndpoints, kubernetesEndpointSlice, type ApiEndpoint } from '../../api/kubernetes-service.ts';
import type { KubeObject } from '../../api/meta.ts';
import { unlessNotFound } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import { dropPeer, peers, renewPeer, type PeerGroup } from '../lib/peer-leases.ts';

/** Where the gateways' Leases live (labelled as upstream labels its API servers' identity Leases). */
export const GATEWAY_PEERS: PeerGroup = { namespace: 'kube-system', prefix: 'apiserver-gateway', label: ['apiserver.kubernetes.io/identity', 'kube-apiserver'] };
/** Upstream's endpoint reconcile interval (10 s) and master lease TTL (15 s). */
export const ANNOUNCE_INTERVAL_MS = 10_000;
export const GATEWAY_LEASE_SECONDS = 15;

/** One write that brings the `kubernetes` objects in line. */
export type KubernetesStep = { verb: 'create' | 'update' | 'delete'; resource: 'services' | 'endpoints' | 'endpointslices'; object: KubeObject };

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Returns the writes that make the Service target `port` and the Endpoints and slice list `servers` (none when right). */
export function planKubernetes(servers: ApiEndpoint[], port: number, svc: Service | undefined, ep: Endpoints | undefined, slice: EndpointSlice | undefined): KubernetesStep[] {
  const steps: KubernetesStep[] = [];
  // The API server creates the Service (it owns the cluster IP range); a gateway only keeps its port.
  const https = svc?.spec.ports?.find((p) => p.name === 'https');
  if (svc && https && https.targetPort !== port)
    steps.push({ verb: 'update', resource: 'services', object: { ...svc, spec: { ...svc.spec, ports: svc.spec.ports!.map((p) => (p === https ? { ...p, targetPort: port } : p)) } } as KubeObject });
  const wantEp = kubernetesEndpoints(servers);
  if (!ep) steps.push({ verb: 'create', resource: 'endpoints', object: wantEp as KubeObject });
  else if (!same(ep.subsets, wantEp.subsets) || !same(ep.metadata.labels, wantEp.metadata.labels))
    steps.push({ verb: 'update', resource: 'endpoints', object: { ...ep, metadata: { ...ep.metadata, labels: wantEp.metadata.labels }, subsets: wantEp.subsets } as KubeObject });
  const wantSlice = kubernetesEndpointSlice(wantEp);
  if (!slice) steps.push({ verb: 'create', resource: 'endpointslices', object: wantSlice as unknown as KubeObject });
  else if (slice.addressType !== wantSlice.addressType) {
    // addressType is immutable: such a slice is deleted, and the next round creates it anew.
    steps.push({ verb: 'delete', resource: 'endpointslices', object: slice as unknown as KubeObject });
  } else if (!same(slice.endpoints, wantSlice.endpoints) || !same(slice.ports, wantSlice.ports) || !same(slice.metadata.labels, wantSlice.metadata.labels))
    steps.push({ verb: 'update', resource: 'endpointslices', object: { ...slice, metadata: { ...slice.metadata, labels: wantSlice.metadata.labels }, endpoints: wantSlice.endpoints, ports: wantSlice.ports } as unknown as KubeObject });
  return steps;
}

const read = <T extends KubeObject>(client: ApiClient, resource: string) => unlessNotFound(client.get<T>(resource, KUBERNETES_SERVICE, { namespace: KUBERNETES_NAMESPACE }));

async function apply(client: ApiClient, servers: ApiEndpoint[], port: number): Promise<number> {
  const [svc, ep, slice] = await Promise.all([read<Service>(client, 'services'), read<Endpoints>(client, 'endpoints'), read<EndpointSlice>(client, 'endpointslices')]);
  const steps = planKubernetes(servers, port, svc, ep, slice);
  for (const s of steps) {
    if (s.verb === 'create') await client.create(s.resource, s.object);
    else if (s.verb === 'update') await client.update(s.resource, s.object);
    else await client.delete(s.resource, s.object.metadata.name!, { namespace: KUBERNETES_NAMESPACE });
  }
  return steps.length;
}

/** Renews this gateway's Lease, then brings the `kubernetes` objects in line with every live gateway; resolves with the writes made. */
export async function announceGateway(client: ApiClient, self: ApiEndpoint, now: number): Promise<number> {
  await renewPeer(client, GATEWAY_PEERS, self, now, GATEWAY_LEASE_SECONDS);
  return apply(client, await peers(client, GATEWAY_PEERS, self, now), self.port);
}

/** Takes this gateway out: its Lease, and its address from the Endpoints and slice (the others keep theirs). */
export async function leaveGateway(client: ApiClient, self: ApiEndpoint, now: number): Promise<void> {
  await dropPeer(client, GATEWAY_PEERS, self);
  const others = (await peers(client, GATEWAY_PEERS, self, now)).filter((p) => p.ip !== self.ip || p.port !== self.port);
  await apply(client, others, others[0]?.port ?? self.port);
}
