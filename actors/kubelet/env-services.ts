// The Service environment variables a container gets (upstream pkg/kubelet/envvars and
// getServiceEnvVarMap): `FOO_SERVICE_HOST`, `FOO_SERVICE_PORT(_<NAME>)` and Docker's link
// variables `FOO_PORT`, `FOO_PORT_80_TCP(_PROTO|_PORT|_ADDR)`, for every Service with a cluster
// IP in the pod's namespace (when enableServiceLinks) and `kubernetes` in default. Pure.
import type { Service } from '../../api/kinds/service.ts';

/** The master services every pod gets, enableServiceLinks or not (upstream masterServices). */
const MASTER_SERVICES = new Set(['kubernetes']);

/** Returns a Service name as an env var prefix (upstream makeEnvVariableName). */
export const envVarPrefix = (name: string) => name.replaceAll('-', '_').toUpperCase();

/** Whether a Service has a cluster IP (upstream IsServiceIPSet: neither empty nor None). */
const hasClusterIP = (s: Service) => !!s.spec?.clusterIP && s.spec.clusterIP !== 'None';

/** host:port as Go's net.JoinHostPort writes it (IPv6 in brackets). */
const joinHostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** Returns the variables of the given Services, in upstream's order (envvars.FromServices). */
export function serviceEnvVars(services: Service[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const svc of services) {
    const ports = svc.spec?.ports ?? [];
    if (!hasClusterIP(svc) || ports.length === 0) continue;
    const ip = svc.spec.clusterIP!;
    const prefix = envVarPrefix(svc.metadata.name!);
    out.push([`${prefix}_SERVICE_HOST`, ip], [`${prefix}_SERVICE_PORT`, String(ports[0].port)]);
    for (const p of ports) if (p.name) out.push([`${prefix}_SERVICE_PORT_${envVarPrefix(p.name)}`, String(p.port)]);
    ports.forEach((p, i) => {
      const proto = (p.protocol || 'TCP').toLowerCase();
      const url = `${proto}://${joinHostPort(ip, p.port)}`;
      // Docker special-cases the first port.
      if (i === 0) out.push([`${prefix}_PORT`, url]);
      const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      out.push([pp, url], [`${pp}_PROTO`, proto], [`${pp}_PORT`, String(p.port)], [`${pp}_ADDR`, ip]);
    });
  }
  return out;
}

/** Returns the Service variables of a pod in `namespace` from all Services known (upstream getServiceEnvVarMap). */
export function serviceEnvMap(services: Service[], namespace: string, enableServiceLinks: boolean): Map<string, string> {
  const chosen = new Map<string, Service>();
  for (const s of services) {
    if (!hasClusterIP(s)) continue;
    const name = s.metadata.name!;
    const master = s.metadata.namespace === 'default' && MASTER_SERVICES.has(name);
    // The default namespace's master service wins over a namesake in the pod's namespace.
    if (master) chosen.set(name, s);
    else if (s.metadata.namespace === namespace && enableServiceLinks && chosen.get(name)?.metadata.namespace !== 'default') chosen.set(name, s);
  }
  const sorted = [...chosen.values()].sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
  return new Map(serviceEnvVars(sorted));
}
