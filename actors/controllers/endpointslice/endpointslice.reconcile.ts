// The EndpointSlices a Service with a selector should have, from its pods (upstream
// staging/src/k8s.io/endpointslice reconciler.go and utils.go: podToEndpoint, getEndpointPorts,
// setEndpointSliceLabels, ownerRef). Pure.
import type { Endpoint, EndpointSlice, EndpointSlicePort } from '../../../api/kinds/endpointslice.ts';
import { isPodReady } from '../../../api/kinds/pod-helpers.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import type { Service } from '../../../api/kinds/service.ts';
import { ipFamily, nameIsDNSSubdomain } from '../../../api/validation/strings.ts';
import { findPort, podIPs, shouldPodBeInEndpoints, shouldSetHostname } from '../shared/endpoint-pods.ts';
import { newControllerRef } from '../shared/ownership.ts';
import { ownedSliceLabels } from './slice-ownership.ts';
import { portsKey, type DesiredGroup } from './slices.plan.ts';

/** The managed-by value of this controller's slices. */
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
/** Upstream --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;
/** Label of the slices of a service without a cluster IP (v1.IsHeadlessService). */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
/** The node label an endpoint's zone comes from. */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** Returns an IP's address type, or undefined for what is no IP (such a pod address is left out rather than failing the whole slice). */
const familyType = (ip: string) => ({ 4: 'IPv4', 6: 'IPv6' } as Record<number, string>)[ipFamily(ip)];

/** Returns the address types of a service's slices: its IP families, else its cluster IP's, else IPv4 (upstream getAddressTypesForService). */
export function addressTypesOf(svc: Service): string[] {
  const fams = svc.spec.ipFamilies ?? [];
  if (fams.length) return fams.map((f) => (f === 'IPv6' ? 'IPv6' : 'IPv4'));
  const ip = svc.spec.clusterIP;
  return [(ip && ip !== 'None' && familyType(ip)) || 'IPv4'];
}

/** Returns the labels every slice of the service carries: the service's own, the service name, the manager, and headless when it is. */
export function sliceLabels(svc: Service, managedBy: string): Record<string, string> {
  const labels = ownedSliceLabels(svc.metadata.labels, svc.metadata.name!, managedBy);
  if (!svc.spec.clusterIP || svc.spec.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  return labels;
}

/** Returns a new, empty slice owned by the service (generateName `<service>-`, or `slice-` when that is no valid prefix). */
export function newServiceSlice(svc: Service, labels: Record<string, string>, addressType: string, ports: EndpointSlicePort[]): EndpointSlice {
  const prefix = nameIsDNSSubdomain(`${svc.metadata.name}-`, true).length ? 'slice-' : `${svc.metadata.name}-`;
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: prefix,
      namespace: svc.metadata.namespace,
      labels: { ...labels },
      ownerReferences: [newControllerRef(svc, 'v1', 'Service')],
    },
    addressType,
    endpoints: [],
    ports,
  };
}

/** Returns the slice ports of a pod: each service port whose target the pod has (upstream getEndpointPorts). */
function endpointPorts(svc: Service, pod: Pod): EndpointSlicePort[] {
  const out: EndpointSlicePort[] = [];
  for (const sp of svc.spec.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const p: EndpointSlicePort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol) p.appProtocol = sp.appProtocol;
    out.push(p);
  }
  return out;
}

/** Returns a pod's endpoint with these addresses (upstream podToEndpoint): ready unless terminating (or published anyway), serving when Ready. */
function podToEndpoint(pod: Pod, svc: Service, addresses: string[], zone: string | undefined): Endpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  const ready = svc.spec.publishNotReadyAddresses === true || (serving && !terminating);
  const ep: Endpoint = { addresses, conditions: { ready, serving, terminating } };
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec.hostname;
  ep.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
  if (pod.spec.nodeName) ep.nodeName = pod.spec.nodeName;
  if (zone) ep.zone = zone;
  return ep;
}

/** What the pods ask for: endpoints grouped by port set, and whether a pod's node was unknown (try again later). */
export interface DesiredFromPods {
  groups: Map<string, DesiredGroup>;
  missingNodes: boolean;
}

/**
 * Returns the endpoints of a service's pods, by port set. `zoneOf` gives a node's zone label,
 * or null for a node the cache does not know (its pods are left out, as upstream does).
 */
export function desiredFromPods(svc: Service, pods: Pod[], zoneOf: (node: string) => string | undefined | null): DesiredFromPods {
  const groups = new Map<string, DesiredGroup>();
  let missingNodes = false;
  const types = addressTypesOf(svc);
  const sorted = [...pods].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0));
  for (const pod of sorted) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    let zone: string | undefined;
    if (pod.spec.nodeName) {
      const z = zoneOf(pod.spec.nodeName);
      if (z === null) {
        missingNodes = true;
        continue;
      }
      zone = z;
    }
    const ports = endpointPorts(svc, pod);
    for (const addressType of types) {
      const addresses = podIPs(pod).filter((ip) => familyType(ip) === addressType);
      if (!addresses.length) continue;
      const key = portsKey(addressType, ports);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { ports, endpoints: [] }));
      g.endpoints.push(podToEndpoint(pod, svc, addresses, zone));
    }
  }
  return { groups, missingNodes };
}
