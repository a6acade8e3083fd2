// A pod's resolv.conf by its dnsPolicy, as upstream's kubelet (pkg/kubelet/network/dns): the
// cluster DNS with `<ns>.svc.<domain> svc.<domain> <domain>` ahead of the host's search path and
// ndots:5 (ClusterFirst), the node's own (Default), nothing (None); then spec.dnsConfig merged
// in, and the result cut to resolv.conf's limits with a DNSConfigForming event. Pure.
import type { Pod } from '../../api/kinds/pod.ts';

/** CRI's DNSConfig (runtime.v1): what RunPodSandbox writes into the pod's resolv.conf. */
export interface CriDnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

/** A pod's spec.dnsConfig (v1 PodDNSConfig). */
export interface PodDnsConfig {
  nameservers?: string[];
  searches?: string[];
  options?: Array<{ name?: string; value?: string }>;
}

/** The kubelet's DNS settings (--cluster-dns, --cluster-domain, --resolv-conf). */
export interface DnsSettings {
  /** Default ['10.96.0.10'] (the kube-dns Service); empty: ClusterFirst falls back to Default. */
  clusterDNS?: string[];
  /** Default cluster.local. */
  clusterDomain?: string;
  /** The node's resolv.conf parsed (parseResolvConf); undefined: --resolv-conf="" (no host DNS). */
  host?: CriDnsConfig;
  /** The node's IPs: with no host resolv.conf, Default pods ask the local resolver. */
  nodeIPs?: string[];
}

/** An Event the kubelet records while forming the config (on the pod, or on the node too). */
export interface DnsWarning {
  reason: 'DNSConfigForming' | 'MissingClusterDNS';
  message: string;
  onNode?: boolean;
}

/** Upstream's API limits (validation.MaxDNSNameservers, MaxDNSSearchPaths, MaxDNSSearchListChars). */
export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
const MAX_SEARCH_NAME_LEN = 253;

export const DEFAULT_CLUSTER_DNS = '10.96.0.10';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

const unique = (xs: string[]) => [...new Set(xs)];

/** Merges resolv.conf options by name, later ones winning (upstream mergeDNSOptions / appendOptions). */
function mergeOptions(base: string[], extra: Array<{ name?: string; value?: string }>): string[] {
  const opts = new Map<string, string>();
  for (const o of base) {
    const i = o.indexOf(':');
    opts.set(i === -1 ? o : o.slice(0, i), i === -1 ? '' : o.slice(i + 1));
  }
  for (const o of extra) opts.set(o.name ?? '', o.value ?? '');
  return [...opts].map(([k, v]) => (v ? `${k}:${v}` : k));
}

/** Parses a resolv.conf (upstream parseResolvConf): nameservers, the last search line, options. */
export function parseResolvConf(text: string): CriDnsConfig {
  const out: CriDnsConfig = { servers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const fields = raw.replace(/[#;].*$/, '').trim().split(/\s+/).filter(Boolean);
    if (fields[0] === 'nameserver' && fields[1]) out.servers.push(fields[1]);
    if (fields[0] === 'search') out.searches = fields.slice(1).filter((s) => s !== '.').map((s) => s.replace(/\.$/, ''));
    if (fields[0] === 'options') out.options = mergeOptions(out.options, fields.slice(1).map((o) => ({ name: o.split(':')[0], value: o.split(':').slice(1).join(':') })));
  }
  return out;
}

/** Renders a DNS config as the resolv.conf the runtime writes. */
export function formatResolvConf(c: CriDnsConfig): string {
  const lines = c.servers.map((s) => `nameserver ${s}`);
  if (c.searches.length) lines.push(`search ${c.searches.join(' ')}`);
  if (c.options.length) lines.push(`options ${c.options.join(' ')}`);
  return lines.join('\n') + '\n';
}

/** Which base a pod's DNS starts from (upstream getPodDNSType; an unknown policy counts as ClusterFirst). */
export function podDnsType(pod: Pod): 'none' | 'cluster' | 'host' {
  switch (pod.spec.dnsPolicy ?? 'ClusterFirst') {
    case 'None':
      return 'none';
    case 'ClusterFirstWithHostNet':
      return 'cluster';
    case 'Default':
      return 'host';
    case 'ClusterFirst':
      return pod.spec.hostNetwork ? 'host' : 'cluster';
    default:
      return 'cluster';
  }
}

/** Cuts the search list to upstream's limits (formDNSSearchFitsLimits); returns it and whether it was cut. */
function fitSearches(searches: string[]): [string[], boolean] {
  let cut = searches.length > MAX_DNS_SEARCH_PATHS;
  let s = searches.slice(0, MAX_DNS_SEARCH_PATHS).filter((x) => x.length <= MAX_SEARCH_NAME_LEN);
  if (s.length !== Math.min(searches.length, MAX_DNS_SEARCH_PATHS)) cut = true;
  let len = s.join(' ').length;
  while (len > MAX_DNS_SEARCH_LIST_CHARS && s.length) {
    len -= s[s.length - 1].length + 1;
    s = s.slice(0, -1);
    cut = true;
  }
  return [s, cut];
}

/** Returns the pod's DNS config for RunPodSandbox and the Events to record (upstream GetPodDNS). */
export function podDnsConfig(pod: Pod, settings: DnsSettings = {}): { config: CriDnsConfig; warnings: DnsWarning[] } {
  const clusterDNS = settings.clusterDNS ?? [DEFAULT_CLUSTER_DNS];
  const domain = settings.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const host = settings.host ?? { servers: [], searches: [], options: [] };
  const warnings: DnsWarning[] = [];
  let c: CriDnsConfig = { servers: [...host.servers], searches: [...host.searches], options: [...host.options] };
  let type = podDnsType(pod);
  if (type === 'none') c = { servers: [], searches: [], options: [] };
  if (type === 'cluster' && clusterDNS.length) {
    const ns = pod.metadata.namespace ?? 'default';
    const cluster = domain ? [`${ns}.svc.${domain}`, `svc.${domain}`, domain] : [];
    c = { servers: [...clusterDNS], searches: unique([...cluster, ...host.searches]), options: ['ndots:5'] };
  } else if (type === 'cluster') {
    const msg = `kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`;
    warnings.push({ reason: 'MissingClusterDNS', message: msg, onNode: true });
    warnings.push({ reason: 'MissingClusterDNS', message: `pod: "${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})". ${msg}` });
    type = 'host';
  }
  if (type === 'host' && !settings.host) {
    // No host resolv.conf: the local resolver, and a search path that searches nothing.
    const ips = settings.nodeIPs ?? [];
    c.servers = ips.length ? ips.map((ip) => (ip.includes(':') ? '::1' : '127.0.0.1')) : ['127.0.0.1'];
    c.searches = ['.'];
  }
  const dc = (pod.spec as { dnsConfig?: PodDnsConfig }).dnsConfig;
  if (dc) {
    c.servers = unique([...c.servers, ...(dc.nameservers ?? [])]);
    c.searches = unique([...c.searches, ...(dc.searches ?? [])]);
    c.options = mergeOptions(c.options, dc.options ?? []);
  }
  if (c.servers.length > MAX_DNS_NAMESERVERS) {
    c.servers = c.servers.slice(0, MAX_DNS_NAMESERVERS);
    warnings.push({ reason: 'DNSConfigForming', message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${c.servers.join(' ')}` });
  }
  const [searches, cut] = fitSearches(c.searches);
  c.searches = searches;
  if (cut) warnings.push({ reason: 'DNSConfigForming', message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(' ')}` });
  return { config: c, warnings };
}

/**
 * Returns podDnsConfig over `settings`, remembered for pods with no dnsConfig of their own and no
 * warning: those get the same config per namespace, policy and host network (30,000 pod starts at
 * 1,000 nodes formed ~30 configs per node). The configs are shared, so frozen: a reader that changes one throws.
 */
export function podDnsConfigs(settings: DnsSettings): (pod: Pod) => { config: CriDnsConfig; warnings: DnsWarning[] } {
  const memo = new Map<string, { config: CriDnsConfig; warnings: DnsWarning[] }>();
  return (pod) => {
    if ((pod.spec as { dnsConfig?: PodDnsConfig }).dnsConfig) return podDnsConfig(pod, settings);
    const key = `${pod.metadata.namespace ?? 'default'}|${pod.spec.dnsPolicy ?? ''}|${!!pod.spec.hostNetwork}`;
    let r = memo.get(key);
    if (!r) {
      r = podDnsConfig(pod, settings);
      if (r.warnings.length) return r;
      for (const part of [r.config.servers, r.config.searches, r.config.options, r.config, r.warnings, r]) Object.freeze(part);
      memo.set(key, r);
    }
    return r;
  };
}
