// What the EndpointSlice mirroring controller makes of an Endpoints object (upstream
// pkg/controller/endpointslicemirroring reconciler.go and utils.go): each subset's addresses as
// endpoints (ready or not), grouped by the subset's ports and address family, in slices owned by
// the Endpoints and labelled managed-by endpointslicemirroring-controller.k8s.io. Pure.
import { LABEL_SKIP_MIRROR, type Endpoint, type EndpointSlice, type EndpointSlicePort } from '../../../api/kinds/endpointslice.ts';
import type { EndpointAddress, Endpoints } from '../../../api/kinds/endpoints.ts';
import { parseRfc3339 } from '../../../api/names.ts';
import { ipFamily } from '../../../api/validation/strings.ts';
import { newControllerRef } from '../shared/ownership.ts';
import { LAST_CHANGE_TRIGGER_TIME } from '../shared/trigger-time.ts';
import { ownedSliceLabels } from './slice-ownership.ts';
import { portsKey, type DesiredGroup } from './slices.plan.ts';

/** The managed-by value of mirrored slices. */
export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
/** Upstream --mirroring-max-endpoints-per-subset default: addresses taken from one subset, and endpoints in one mirrored slice. */
export const MAX_ENDPOINTS_PER_SUBSET = 1000;
/** Endpoints kept by leader election are never mirrored. */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Returns whether Endpoints should be mirrored: not marked skip-mirror, not a leader-election lock (upstream shouldMirror). */
export const shouldMirror = (ep: Endpoints | undefined): ep is Endpoints =>
  !!ep && ep.metadata.labels?.[LABEL_SKIP_MIRROR] !== 'true' && !(LEADER_ANNOTATION in (ep.metadata.annotations ?? {}));

/** Returns the labels of mirrored slices: the Endpoints' own, the service name and the manager. */
export function mirroredLabels(ep: Endpoints): Record<string, string> {
  return ownedSliceLabels(ep.metadata.labels, ep.metadata.name!, MIRRORING_CONTROLLER_NAME);
}

/** Returns the trigger time the Endpoints carry (0 when none). */
export function endpointsTriggerTime(ep: Endpoints): number {
  const t = parseRfc3339(ep.metadata.annotations?.[LAST_CHANGE_TRIGGER_TIME] ?? '');
  return Number.isNaN(t) ? 0 : t;
}

/** Returns a new, empty mirrored slice owned by the Endpoints. */
export function newMirroredSlice(ep: Endpoints, labels: Record<string, string>, addressType: string, ports: EndpointSlicePort[]): EndpointSlice {
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(ep.metadata.annotations ?? {})) if (k !== LAST_APPLIED && k !== LAST_CHANGE_TRIGGER_TIME) annotations[k] = v;
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${ep.metadata.name}-`,
      namespace: ep.metadata.namespace,
      labels: { ...labels },
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ownerReferences: [newControllerRef(ep, 'v1', 'Endpoints')],
    },
    addressType,
    endpoints: [],
    ports,
  };
}

/** Returns an address as an endpoint (upstream addressToEndpoint). */
function addressToEndpoint(a: EndpointAddress, ready: boolean): Endpoint {
  const e: Endpoint = { addresses: [a.ip], conditions: { ready } };
  if (a.hostname) e.hostname = a.hostname;
  if (a.targetRef) e.targetRef = a.targetRef;
  if (a.nodeName) e.nodeName = a.nodeName;
  return e;
}

/** Returns the Endpoints' addresses by address family and port set, at most `maxPerSubset` from each subset (ready first). */
export function desiredFromEndpoints(ep: Endpoints, maxPerSubset = MAX_ENDPOINTS_PER_SUBSET): Map<string, DesiredGroup> {
  const groups = new Map<string, DesiredGroup>();
  for (const ss of ep.subsets ?? []) {
    const ports: EndpointSlicePort[] = (ss.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
    const addrs = [...(ss.addresses ?? []).map((a) => [a, true] as const), ...(ss.notReadyAddresses ?? []).map((a) => [a, false] as const)].slice(0, maxPerSubset);
    for (const [a, ready] of addrs) {
      const fam = ipFamily(a.ip);
      if (!fam) continue; // an address that is no IP cannot be mirrored
      const key = portsKey(fam === 6 ? 'IPv6' : 'IPv4', ports);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { ports, endpoints: [] }));
      g.endpoints.push(addressToEndpoint(a, ready));
    }
  }
  return groups;
}
