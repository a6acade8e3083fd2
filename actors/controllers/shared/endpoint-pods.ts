// What the endpoints and endpointslice controllers both ask of a pod (upstream
// pkg/api/v1/endpoints and endpointsliceutil): whether it belongs behind a service, its IPs,
// the container port a service port targets, and whether its hostname is published. Pure.
import type { Pod } from '../../../api/kinds/pod.ts';
import type { Service, ServicePort } from '../../../api/kinds/service.ts';

/** Returns whether a pod belongs in Endpoints at all: it has an IP, is not terminal, and (unless asked) not terminating. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (!pod.status?.podIP && !pod.status?.podIPs?.length) return false;
  return includeTerminating || !pod.metadata.deletionTimestamp;
}

/** Returns the container port a service port targets on this pod: a number as is, a name looked up in the pod (upstream FindPort). */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  const protocol = sp.protocol ?? 'TCP';
  const sidecars = (pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  for (const c of [...(pod.spec.containers ?? []), ...sidecars])
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  return undefined;
}

/** Returns a pod's IPs (podIPs, else podIP). */
export const podIPs = (pod: Pod) => (pod.status?.podIPs?.length ? pod.status.podIPs.map((p) => p.ip) : pod.status?.podIP ? [pod.status.podIP] : []);

/** Returns whether an endpoint of this pod carries its hostname: it names one and its subdomain is the service (upstream ShouldSetHostname). */
export const shouldSetHostname = (pod: Pod, svc: Service): boolean =>
  !!pod.spec.hostname && pod.spec.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace;
