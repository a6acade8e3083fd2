// The planner: service ports and the node's addresses → the whole nftables ruleset of this
// proxy's own table, as upstream's nftables kube-proxy (pkg/proxy/nftables) lays it out: base
// chains per hook, a `services` chain dispatching through verdict maps, a chain per service port
// spreading over per-endpoint chains with `numgen random mod N`, DNAT in the endpoint chains,
// masquerading of marked packets, and rejection of services with no endpoints. Pure: no I/O.
import { createHash } from 'node:crypto';
import type { ServicePortPlan } from './proxy.ports.ts';

export interface RulesInput {
  /** The table's name (one per proxy, so several nodes on one host don't collide). */
  table: string;
  ports: readonly ServicePortPlan[];
  /** The node's addresses that accept NodePort traffic (upstream's --nodeport-addresses). */
  nodeIPs: readonly string[];
  /** Traffic to a ClusterIP from outside this CIDR is masqueraded (upstream's local detector). */
  clusterCIDR?: string;
  /** Which mark bit asks for masquerading (upstream's --masquerade-bit, default 14). */
  masqueradeBit?: number;
}

/** Returns the table name of the proxy of one node (nft names allow [A-Za-z0-9_./-]). */
export const proxyTableName = (node: string) => `kubus-proxy-${node.replace(/[^A-Za-z0-9_.-]/g, '_')}`;

/**
 * Base chains: hooked into netfilter; filter chains run before DNAT, as upstream's. Priorities are
 * numbers (dstnat = -100, srcnat = 100): nft 1.0.6 accepts the name `dstnat` only on prerouting.
 */
const BASE_CHAINS = [
  { name: 'filter-input', type: 'filter', hook: 'input', priority: -110 },
  { name: 'filter-forward', type: 'filter', hook: 'forward', priority: -110 },
  { name: 'filter-output', type: 'filter', hook: 'output', priority: -110 },
  { name: 'nat-prerouting', type: 'nat', hook: 'prerouting', priority: -100 },
  { name: 'nat-output', type: 'nat', hook: 'output', priority: -100 },
  { name: 'nat-postrouting', type: 'nat', hook: 'postrouting', priority: 100 },
] as const;

/** Jumps from base chains into the top-level regular chains (reject is only allowed in input/forward/output). */
const JUMPS = [
  { from: 'filter-input', match: 'ct state new ', to: 'endpoints-check' },
  { from: 'filter-forward', match: 'ct state new ', to: 'endpoints-check' },
  { from: 'filter-output', match: 'ct state new ', to: 'endpoints-check' },
  { from: 'nat-output', match: '', to: 'services' },
  { from: 'nat-prerouting', match: '', to: 'services' },
  { from: 'nat-postrouting', match: '', to: 'masquerading' },
] as const;

const REGULAR_CHAINS = ['endpoints-check', 'services', 'masquerading', 'mark-for-masquerade', 'reject-chain'];

/** Verdict maps and sets of the dispatch, with upstream's names and key types. */
const MAPS = [
  { name: 'no-endpoint-services', type: 'ipv4_addr . inet_proto . inet_service : verdict', comment: 'vmap to drop or reject packets to services with no endpoints' },
  { name: 'no-endpoint-nodeports', type: 'inet_proto . inet_service : verdict', comment: 'vmap to drop or reject packets to service nodeports with no endpoints' },
  { name: 'service-ips', type: 'ipv4_addr . inet_proto . inet_service : verdict', comment: 'ClusterIP, ExternalIP and LoadBalancer IP traffic' },
  { name: 'service-nodeports', type: 'inet_proto . inet_service : verdict', comment: 'NodePort traffic' },
] as const;

/** Returns upstream's hashAndTruncate prefix: the first 8 base32 characters of sha256(name). */
export function nameHash(name: string): string {
  const bytes = createHash('sha256').update(name).digest().subarray(0, 5); // 40 bits = 8 base32 characters
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 7; i >= 0; i--) out += alphabet[Number((bits >> BigInt(i * 5)) & 31n)];
  return out;
}

const MAX_BASE = 256 - 16; // nft's name limit minus the longest prefix, as upstream

const hashed = (name: string) => {
  const n = `${nameHash(name)}-${name}`;
  return n.length > MAX_BASE ? `${n.slice(0, MAX_BASE - 3)}...` : n;
};

/** Returns the chain name base of a service port: `HASH-ns/svc/proto/port`. */
export const servicePortBase = (sp: ServicePortPlan) => hashed(`${sp.namespace}/${sp.service}/${sp.protocol}/${sp.portName}`);

/** Returns the chain name base of one endpoint of a service port: `HASH-ns/svc/proto/port__ip/port`. */
export const endpointBase = (sp: ServicePortPlan, ip: string, port: number) =>
  hashed(`${sp.namespace}/${sp.service}/${sp.protocol}/${sp.portName}__${ip}/${port}`);

const hasExternal = (sp: ServicePortPlan) => sp.nodePort !== undefined || sp.externalIPs.length > 0;

/** Returns the nft script (for `nft -f -`) that replaces the whole table in one transaction. */
export function planRules(input: RulesInput): string {
  const t = `ip ${input.table}`;
  const mark = `0x${(1 << (input.masqueradeBit ?? 14)).toString(16).padStart(8, '0')}`;
  const chains: string[] = [];
  const sets: string[] = [];
  const rules: string[] = [];
  const elements: Record<string, string[]> = { 'nodeport-ips': input.nodeIPs.filter((ip) => !ip.startsWith('127.')) };
  for (const m of MAPS) elements[m.name] = [];
  const chain = (name: string) => chains.push(`add chain ${t} ${name}`);
  const rule = (c: string, r: string) => rules.push(`add rule ${t} ${c} ${r}`);

  for (const sp of input.ports) {
    const base = servicePortBase(sp);
    const svcChain = `service-${base}`;
    const extChain = `external-${base}`;
    const clusterKey = `${sp.clusterIP} . ${sp.protocol} . ${sp.port}`;
    const extKeys = sp.externalIPs.map((ip) => `${ip} . ${sp.protocol} . ${sp.port}`);
    const nodePortKey = sp.nodePort === undefined ? undefined : `${sp.protocol} . ${sp.nodePort}`;
    if (sp.endpoints.length === 0) {
      // No ready endpoints: no nat chains at all; the filter chains reject new connections.
      elements['no-endpoint-services']!.push(`${clusterKey} : goto reject-chain`, ...extKeys.map((k) => `${k} : goto reject-chain`));
      if (nodePortKey) elements['no-endpoint-nodeports']!.push(`${nodePortKey} : goto reject-chain`);
      continue;
    }
    elements['service-ips']!.push(`${clusterKey} : goto ${svcChain}`, ...extKeys.map((k) => `${k} : goto ${extChain}`));
    if (nodePortKey) elements['service-nodeports']!.push(`${nodePortKey} : goto ${extChain}`);

    chain(svcChain);
    if (input.clusterCIDR) rule(svcChain, `ip daddr ${sp.clusterIP} ${sp.protocol} dport ${sp.port} ip saddr != ${input.clusterCIDR} jump mark-for-masquerade`);
    if (hasExternal(sp)) {
      // External traffic may leave the node to reach an endpoint: masquerade so replies come back.
      chain(extChain);
      rule(extChain, 'jump mark-for-masquerade');
      rule(extChain, `goto ${svcChain}`);
    }
    const eps = sp.endpoints.map((e) => ({ ...e, base: endpointBase(sp, e.ip, e.port) }));
    if (sp.affinitySeconds !== undefined) {
      for (const e of eps) {
        sets.push(`add set ${t} affinity-${e.base} { type ipv4_addr ; flags dynamic,timeout ; timeout ${sp.affinitySeconds}s ; }`);
        rule(svcChain, `ip saddr @affinity-${e.base} goto endpoint-${e.base}`);
      }
    }
    rule(svcChain, `numgen random mod ${eps.length} vmap { ${eps.map((e, i) => `${i} : goto endpoint-${e.base}`).join(' , ')} }`);
    for (const e of eps) {
      const epChain = `endpoint-${e.base}`;
      chain(epChain);
      // Hairpin: a pod reaching itself through its Service must see the reply come back via the node.
      rule(epChain, `ip saddr ${e.ip} jump mark-for-masquerade`);
      if (sp.affinitySeconds !== undefined) rule(epChain, `update @affinity-${e.base} { ip saddr }`);
      rule(epChain, `meta l4proto ${sp.protocol} dnat to ${e.ip}:${e.port}`);
    }
  }

  const head = [
    `add table ${t}`,
    `delete table ${t}`,
    `add table ${t} { comment "rules for kubus kube-proxy" ; }`,
    ...BASE_CHAINS.map((c) => `add chain ${t} ${c.name} { type ${c.type} hook ${c.hook} priority ${c.priority} ; policy accept ; }`),
    ...REGULAR_CHAINS.map((c) => `add chain ${t} ${c}`),
    `add set ${t} nodeport-ips { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }`,
    ...MAPS.map((m) => `add map ${t} ${m.name} { type ${m.type} ; comment "${m.comment}" ; }`),
  ];
  const fixed = [
    ...JUMPS.map((j) => `add rule ${t} ${j.from} ${j.match}jump ${j.to}`),
    `add rule ${t} mark-for-masquerade mark set mark or ${mark}`,
    `add rule ${t} masquerading mark and ${mark} == 0 return`,
    `add rule ${t} masquerading mark set mark xor ${mark}`,
    `add rule ${t} masquerading masquerade fully-random`,
    `add rule ${t} reject-chain reject`,
    `add rule ${t} endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services`,
    `add rule ${t} endpoints-check ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports`,
    `add rule ${t} services ip daddr . meta l4proto . th dport vmap @service-ips`,
    `add rule ${t} services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports`,
  ];
  const elementLines = Object.entries(elements)
    .filter(([, els]) => els.length > 0)
    .map(([name, els]) => `add element ${t} ${name} { ${els.join(' , ')} }`);
  return [...head, ...chains, ...sets, ...fixed, ...rules, ...elementLines].join('\n') + '\n';
}

/** Returns the nft script that removes the table (and succeeds when it is already gone). */
export const deleteTableScript = (table: string) => `add table ip ${table}\ndelete table ip ${table}\n`;
