// The store's record of Service addresses in use (see service-alloc.ts for why): one key per cluster
// IP, `/registry/ipaddresses/<ip>` holding an IPAddress as upstream's allocator stores it, and one
// per node port, `/registry/servicenodeports/<port>`; each names its Service (parentRef) and the
// Service's uid (a label), so a Service recreated under the same name is told apart.
import type { KeyValue } from './store/store.ts';

export const IP_PREFIX = '/registry/ipaddresses/';
export const NODE_PORT_PREFIX = '/registry/servicenodeports/';
export const SERVICES_PREFIX = '/registry/services/';
/** Which Service (by uid) a reservation belongs to: parentRef names it, the uid tells a recreated one apart. */
export const SERVICE_UID_LABEL = 'kubus.io/service-uid';

/** What the allocator reads of a Service. */
export interface ServiceLike {
  metadata: { name?: string; namespace?: string; uid?: string };
  spec?: { type?: string; clusterIP?: string; clusterIPs?: string[]; ports?: Array<{ port?: number; nodePort?: number }> };
}

/** A reservation as stored. */
export interface Reservation {
  apiVersion: string;
  kind: string;
  metadata: { name: string; creationTimestamp?: string; labels?: Record<string, string> };
  spec: { parentRef: { group: string; resource: string; namespace?: string; name: string } };
}

export const ipKey = (ip: string) => IP_PREFIX + ip;
export const portKey = (port: number) => NODE_PORT_PREFIX + port;
/** Returns true when a Service holds a cluster IP (not headless, not ExternalName). */
export const hasIP = (svc: ServiceLike) => svc.spec?.type !== 'ExternalName' && !!svc.spec?.clusterIP && svc.spec.clusterIP !== 'None';
export const nodePortsOf = (svc: ServiceLike) => (svc.spec?.ports ?? []).map((p) => p.nodePort).filter((p): p is number => !!p);
/** Returns the reservation keys a Service holds. */
export const keysOf = (svc: ServiceLike) => [...(hasIP(svc) ? [ipKey(svc.spec!.clusterIP!)] : []), ...nodePortsOf(svc).map(portKey)];
/** Returns true when a stored reservation is this Service's (same uid). */
export const belongsTo = (kv: KeyValue | undefined, svc: ServiceLike) => {
  const r = kv?.value as Reservation | undefined;
  return !!r && r.metadata.labels?.[SERVICE_UID_LABEL] === svc.metadata.uid;
};

const parentRef = (svc: ServiceLike) => ({ group: '', resource: 'services', namespace: svc.metadata.namespace, name: svc.metadata.name ?? '' });

/** Returns the IPAddress upstream's allocator stores for a Service's cluster IP. */
export function ipReservation(ip: string, svc: ServiceLike, now: string): Reservation {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IPAddress',
    metadata: {
      name: ip,
      creationTimestamp: now,
      labels: { 'ipaddress.kubernetes.io/ip-family': 'IPv4', 'ipaddress.kubernetes.io/managed-by': 'ipallocator.k8s.io', [SERVICE_UID_LABEL]: svc.metadata.uid ?? '' },
    },
    spec: { parentRef: parentRef(svc) },
  };
}

/** Returns the same shape for a node port (kubus's own kind: upstream has no object per port). */
export function portReservation(port: number, svc: ServiceLike, now: string): Reservation {
  return {
    apiVersion: 'kubus.io/v1',
    kind: 'ServiceNodePort',
    metadata: { name: String(port), creationTimestamp: now, labels: { [SERVICE_UID_LABEL]: svc.metadata.uid ?? '' } },
    spec: { parentRef: parentRef(svc) },
  };
}

/** Returns the reservation a stored Service should have under `key` (repair). */
export const reservationFor = (key: string, svc: ServiceLike, now: string) =>
  key.startsWith(IP_PREFIX) ? ipReservation(svc.spec!.clusterIP!, svc, now) : portReservation(Number(key.slice(NODE_PORT_PREFIX.length)), svc, now);
