// host-gw routing, planned: every other node's pod CIDRs via that node's InternalIP (flannel's
// host-gw backend). The plan is a diff against the routes the kernel has: only routes kubus
// added (marked with its own route protocol number) are ever replaced or removed. Pure.
import type { Node } from '../../../api/kinds/node.ts';

/** The route protocol number marking kubus's routes (`ip route ... proto 75`; unassigned in rt_protos). */
export const KUBUS_ROUTE_PROTO = 75;

/** A route to another node's pods. */
export interface HostGwRoute {
  /** The other node's pod CIDR. */
  dst: string;
  /** The other node's InternalIP. */
  via: string;
  /** Which node it leads to (for logs). */
  node: string;
}

/** A route as `ip -j route show` prints it, reduced to what the plan needs. */
export interface KernelRoute {
  dst: string;
  gateway?: string;
  /** `kernel`, `boot`, `static` … or a number (kubus's: "75"). */
  protocol: string;
}

/** What to change: routes to add or repoint, kubus routes to delete, and CIDRs someone else routes. */
export interface RoutePlan {
  replace: HostGwRoute[];
  remove: KernelRoute[];
  /** A desired CIDR that a route not ours covers exactly (e.g. a local bridge): left alone. */
  conflicts: Array<{ route: HostGwRoute; existing: KernelRoute }>;
}

const isV6 = (s: string) => s.includes(':');
/** Normalises `ip`'s dst (a host route prints without its prefix length). */
const normDst = (dst: string) => (dst === 'default' || dst.includes('/') ? dst : `${dst}/${isV6(dst) ? 128 : 32}`);

/** Returns the routes this node needs: for every other node with an InternalIP and pod CIDRs of that IP's family. */
export function desiredRoutes(nodes: Node[], self: string, localIPs: string[] = []): HostGwRoute[] {
  const local = new Set(localIPs);
  const out: HostGwRoute[] = [];
  for (const n of nodes) {
    const name = n.metadata.name!;
    if (name === self) continue;
    const ips = (n.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address);
    const cidrs = n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : []);
    for (const dst of cidrs) {
      const via = ips.find((ip) => isV6(ip) === isV6(dst));
      // A node on this same host: its bridge's own (kernel) route reaches its pods already.
      if (!via || local.has(via)) continue;
      out.push({ dst, via, node: name });
    }
  }
  return out.sort((a, b) => a.dst.localeCompare(b.dst));
}

/** Returns the routes of `ip -j route show` output (an array of objects); missing protocol is `boot`, as ip prints it. */
export function parseIpRoutes(json: string): KernelRoute[] {
  const rows = JSON.parse(json || '[]') as Array<{ dst?: string; gateway?: string; protocol?: string | number }>;
  return rows.filter((r) => typeof r.dst === 'string').map((r) => ({ dst: normDst(r.dst!), gateway: r.gateway, protocol: String(r.protocol ?? 'boot') }));
}

/** Diffs desired routes against the kernel's; `proto` marks ours. */
export function planRoutes(desired: HostGwRoute[], current: KernelRoute[], proto = KUBUS_ROUTE_PROTO): RoutePlan {
  const ours = (r: KernelRoute) => r.protocol === String(proto);
  const byDst = new Map<string, KernelRoute[]>();
  for (const r of current) byDst.set(r.dst, [...(byDst.get(r.dst) ?? []), r]);
  const plan: RoutePlan = { replace: [], remove: [], conflicts: [] };
  const wanted = new Set<string>();
  for (const d of desired) {
    wanted.add(d.dst);
    const existing = byDst.get(d.dst) ?? [];
    const foreign = existing.find((r) => !ours(r));
    if (foreign) plan.conflicts.push({ route: d, existing: foreign });
    else if (!existing.some((r) => r.gateway === d.via)) plan.replace.push(d);
  }
  for (const r of current) if (ours(r) && !wanted.has(r.dst)) plan.remove.push(r);
  // A conflicted CIDR's old kubus route (if any) goes too: the other route now owns the CIDR.
  for (const c of plan.conflicts) for (const r of byDst.get(c.route.dst) ?? []) if (ours(r)) plan.remove.push(r);
  return plan;
}
