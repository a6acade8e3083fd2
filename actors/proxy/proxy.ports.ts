// What kube-proxy programs, as data: one entry per (Service, port) with its ready endpoints,
// worked out from Services and Endpoints as upstream's ServiceChangeTracker and
// EndpointsChangeTracker do (EndpointSlices do not exist yet in kubus).
import { isIPv4 as isIPv4Text } from 'node:net';
import type { Endpoints } from '../../api/kinds/endpoints.ts';
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

/** Returns the ready endpoints of one service port: subset ports are matched by name and protocol, as upstream. */
function readyTargets(ep: Endpoints | undefined, portName: string, protocol: string): EndpointTarget[] {
  const seen = new Set<string>();
  const out: EndpointTarget[] = [];
  for (const subset of ep?.subsets ?? []) {
    const port = (subset.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (!port) continue;
    for (const a of subset.addresses ?? []) {
      // kube-proxy here programs IPv4 only (one table of family ip).
      if (!isIPv4(a.ip) || seen.has(`${a.ip}:${port.port}`)) continue;
      seen.add(`${a.ip}:${port.port}`);
      out.push({ ip: a.ip, port: port.port });
    }
  }
  return out.sort(compareTargets);
}

/** Returns every service port kube-proxy handles (headless, ExternalName and IPv6-only Services have none), sorted by name. */
export function servicePorts(services: readonly Service[], endpoints: readonly Endpoints[]): ServicePortPlan[] {
  const eps = new Map(endpoints.map((e) => [keyOf(e.metadata.namespace, e.metadata.name), e]));
  const out: ServicePortPlan[] = [];
  for (const svc of services) {
    const spec = svc.spec ?? {};
    if (spec.type === 'ExternalName' || !isIPv4(spec.clusterIP)) continue;
    const ep = eps.get(keyOf(svc.metadata.namespace, svc.metadata.name));
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
        endpoints: readyTargets(ep, p.name ?? '', p.protocol ?? 'TCP'),
      };
      if (external && p.nodePort) plan.nodePort = p.nodePort;
      if (spec.sessionAffinity === 'ClientIP') plan.affinitySeconds = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS;
      out.push(plan);
    }
  }
  const name = (s: ServicePortPlan) => `${s.namespace}/${s.service}/${s.protocol}/${s.portName}`;
  return out.sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
}
