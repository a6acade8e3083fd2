// What kube-proxy programs, as data: one entry per (Service, port) with its ready endpoints,
// worked out from Services and their EndpointSlices as upstream's ServiceChangeTracker and
// EndpointsChangeTracker (endpointslicecache.go) do.
import { isIPv4 as isIPv4Text } from 'node:net';
import { LABEL_SERVICE_NAME, type Endpoint, type EndpointSlice } from '../../api/kinds/endpointslice.ts';
import type { Service } from '../../api/kinds/service.ts';

/** One endpoint of a service port: a ready address and the port its subset names. */
export interface EndpointTarget {
  ip: string;
  port: number;
}

/** One service port as the rules need it (upstream's ServicePort + its EndpointsMap entry). */
export interface ServicePortPlan {
  namespace: string;
  service: string;
  /** The Service's port name ('' when unnamed). */
  portName: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  clusterIP: string;
  port: number;
  /** Set for NodePort and LoadBalancer Services. */
  nodePort?: number;
  externalIPs: string[];
  /** sessionAffinity ClientIP: how long a client sticks to its endpoint, in seconds. */
  affinitySeconds?: number;
  /** Ready endpoints, sorted by IP then port (so the rules are stable). */
  endpoints: EndpointTarget[];
}

/** Upstream's default stickiness (DefaultClientIPServiceAffinitySeconds). */
export const DEFAULT_AFFINITY_SECONDS = 10800;

const PROTOCOLS = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' } as const;

const keyOf = (ns: string | undefined, name: string | undefined) => `${ns ?? ''}/${name ?? ''}`;

const isIPv4 = (ip: unknown): ip is string => typeof ip === 'string' && isIPv4Text(ip);

const compareTargets = (a: EndpointTarget, b: EndpointTarget) => {
  const pa = a.ip.split('.').map(Number);
  const pb = b.ip.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return a.port - b.port;
};

// An unset condition counts as true (upstream: nil ready/serving means ready/serving).
const isReady = (e: Endpoint) => e.conditions?.ready !== false;
const isServingTerminating = (e: Endpoint) => e.conditions?.serving !== false && e.conditions?.terminating === true;

/**
 * Returns the endpoints of one service port from its IPv4 slices (slice ports matched by name and
 * protocol, as upstream): the ready ones, or when none is ready the serving terminating ones
 * (upstream's ProxyTerminatingEndpoints fallback).
 */
function portTargets(slices: readonly EndpointSlice[], portName: string, protocol: string): EndpointTarget[] {
  const ready: EndpointTarget[] = [];
  const terminating: EndpointTarget[] = [];
  const seen = new Set<string>();
  for (const slice of slices) {
    // kube-proxy here programs IPv4 only (one table of family ip).
    if (slice.addressType !== 'IPv4') continue;
    const port = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (!port || typeof port.port !== 'number') continue;
    for (const e of slice.endpoints ?? []) {
      const ip = e.addresses?.[0];
      if (!isIPv4(ip) || seen.has(`${ip}:${port.port}`)) continue;
      seen.add(`${ip}:${port.port}`);
      if (isReady(e)) ready.push({ ip, port: port.port });
      else if (isServingTerminating(e)) terminating.push({ ip, port: port.port });
    }
  }
  return (ready.length ? ready : terminating).sort(compareTargets);
}

/** Returns every service port kube-proxy handles (headless, ExternalName and IPv6-only Services have none), sorted by name. */
export function servicePorts(services: readonly Service[], slices: readonly EndpointSlice[]): ServicePortPlan[] {
  const byService = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const name = s.metadata.labels?.[LABEL_SERVICE_NAME];
    if (!name) continue;
    const k = keyOf(s.metadata.namespace, name);
    byService.set(k, [...(byService.get(k) ?? []), s]);
  }
  const out: ServicePortPlan[] = [];
  for (const svc of services) {
    const spec = svc.spec ?? {};
    if (spec.type === 'ExternalName' || !isIPv4(spec.clusterIP)) continue;
    const own = byService.get(keyOf(svc.metadata.namespace, svc.metadata.name)) ?? [];
    const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
    for (const p of spec.ports ?? []) {
      const protocol = PROTOCOLS[(p.protocol ?? 'TCP') as keyof typeof PROTOCOLS];
      if (!protocol || !Number.isInteger(p.port)) continue;
      const plan: ServicePortPlan = {
        namespace: svc.metadata.namespace ?? 'default',
        service: svc.metadata.name ?? '',
        portName: p.name ?? '',
        protocol,
        clusterIP: spec.clusterIP,
        port: p.port,
        externalIPs: (spec.externalIPs ?? []).filter(isIPv4),
        endpoints: portTargets(own, p.name ?? '', p.protocol ?? 'TCP'),
      };
      if (external && p.nodePort) plan.nodePort = p.nodePort;
      if (spec.sessionAffinity === 'ClientIP') plan.affinitySeconds = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS;
      out.push(plan);
    }
  }
  const name = (s: ServicePortPlan) => `${s.namespace}/${s.service}/${s.protocol}/${s.portName}`;
  return out.sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
}
