// Cluster DNS names as CoreDNS's kubernetes plugin reads them (its parse.go): what a question's
// name asks for, and the name forms the answers use. Pure; names are compared in lower case.

/** What a name inside the cluster zone refers to. */
export type ParsedName =
  | { kind: 'apex' }
  | { kind: 'dns-version' }
  | { kind: 'ns' }
  /** `svc.<zone>` or `pod.<zone>`: they always exist, with no records of their own. */
  | { kind: 'root' }
  | { kind: 'namespace'; namespace: string }
  /** `[endpoint.|_port._proto.]<service>.<ns>.svc.<zone>`. */
  | { kind: 'service'; namespace: string; service: string; endpoint?: string; port?: string; protocol?: string }
  /** `<dashed-ip>.<ns>.pod.<zone>`. */
  | { kind: 'pod'; namespace: string; ip: string }
  /** Under the zone but no name the plugin serves (NXDOMAIN). */
  | { kind: 'none' };

/** Returns the name without its trailing dot, lower case (DNS names compare case-insensitively). */
export const canonical = (name: string) => name.replace(/\.$/, '').toLowerCase();

/** Returns whether `name` is `zone` or a name under it. */
export const inZone = (name: string, zone: string) => name === zone || name.endsWith(`.${zone}`);

/** Returns the IPv4 address a dashed label spells (`10-0-0-1` → `10.0.0.1`), or undefined. */
export function dashedIP(label: string): string | undefined {
  const parts = label.split('-');
  if (parts.length !== 4) return undefined;
  if (!parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number).join('.');
}

/** Returns an IPv4 address as the dashed label of pod and endpoint names (`10.0.0.1` → `10-0-0-1`). */
export const dashed = (ip: string) => ip.replace(/\./g, '-');

/** Strips the leading underscore of a port or protocol label, as CoreDNS does. */
const bare = (label: string) => (label.startsWith('_') ? label.slice(1) : label);

/** Returns what a canonical name under `zone` asks for. */
export function parseName(name: string, zone: string): ParsedName {
  if (name === zone) return { kind: 'apex' };
  const labels = name.slice(0, name.length - zone.length - 1).split('.');
  const last = labels[labels.length - 1];
  if (labels.length === 1 && last === 'dns-version') return { kind: 'dns-version' };
  if (labels.length === 2 && last === 'dns' && labels[0] === 'ns') return { kind: 'ns' };
  if (last !== 'svc' && last !== 'pod') return { kind: 'none' };
  if (labels.length === 1) return { kind: 'root' };
  const namespace = labels[labels.length - 2];
  if (labels.length === 2) return { kind: 'namespace', namespace };
  if (last === 'pod') {
    const ip = labels.length === 3 ? dashedIP(labels[0]) : undefined;
    return ip ? { kind: 'pod', namespace, ip } : { kind: 'none' };
  }
  const service = labels[labels.length - 3];
  if (labels.length === 3) return { kind: 'service', namespace, service };
  if (labels.length === 4) return { kind: 'service', namespace, service, endpoint: labels[0] };
  if (labels.length === 5) return { kind: 'service', namespace, service, port: bare(labels[0]), protocol: bare(labels[1]) };
  return { kind: 'none' };
}

/** Returns the IPv4 address of a full `d.c.b.a.in-addr.arpa` name, or undefined. */
export function reverseIPv4(name: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa$/.exec(name);
  if (!m) return undefined;
  const octets = m.slice(1, 5).reverse().map(Number);
  return octets.every((o) => o <= 255) ? octets.join('.') : undefined;
}

/** Returns the reverse name of an IPv4 address (`10.0.0.1` → `1.0.0.10.in-addr.arpa`). */
export const reverseName = (ip: string) => `${ip.split('.').reverse().join('.')}.in-addr.arpa`;

/** Returns the FQDN of a service (`web.default.svc.cluster.local`). */
export const serviceName = (service: string, namespace: string, zone: string) => `${service}.${namespace}.svc.${zone}`;
