// A node's CNI network configuration: Debian's containernetworking-plugins (/usr/lib/cni), a
// bridge of the node's own with host-local IPAM over the node's pod CIDRs and the bridge as the
// pods' gateway, then portmap for hostPort. containerd adds loopback itself. Pure.

/** The plugin directory of Debian's containernetworking-plugins. */
export const CNI_BIN_DIR = '/usr/lib/cni';
/** The network's name: containerd's CRI plugin picks the first conflist of its conf dir. */
export const CNI_NETWORK_NAME = 'kubus';
export const CNI_VERSION = '1.0.0';
/** The conflist's file name in the node's conf dir. */
export const CNI_CONF_FILE = '10-kubus.conflist';

/** Linux interface names hold at most 15 bytes (IFNAMSIZ - 1). */
const IFNAMSIZ = 15;

/** FNV-1a of a string (stable across processes and hosts). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Returns the node's bridge: `kubus` and 8 hex digits of its name's hash (several nodes on one host never share one). */
export function bridgeName(nodeName: string): string {
  const name = `kubus${fnv1a(nodeName).toString(16).padStart(8, '0')}`;
  return name.slice(0, IFNAMSIZ);
}

/** What the conflist is built from. */
export interface CniNodeConfig {
  nodeName: string;
  /** The node's spec.podCIDRs (one range set each; IPv4 and IPv6 for dual stack). */
  podCIDRs: string[];
  /** Default bridgeName(nodeName). */
  bridge?: string;
  /** Masquerade pod traffic leaving the pod CIDR (default true). */
  ipMasq?: boolean;
  mtu?: number;
  /** host-local's lease store (default /var/lib/cni/networks/kubus, shared by every node of the host). */
  dataDir?: string;
}

/** A CNI network configuration list (the CNI spec's conflist). */
export interface CniConfList {
  cniVersion: string;
  name: string;
  plugins: Array<Record<string, unknown>>;
}

/** Thrown when the node has no pod CIDR yet: no pod network can be configured. */
export class NoPodCidrError extends Error {
  override name = 'NoPodCidrError';
}

/** Returns the node's conflist; throws NoPodCidrError when it has no pod CIDR. */
export function cniConfList(cfg: CniNodeConfig): CniConfList {
  if (!cfg.podCIDRs.length) throw new NoPodCidrError(`node ${cfg.nodeName} has no pod CIDR yet`);
  const v6 = (c: string) => c.includes(':');
  const bridge: Record<string, unknown> = {
    type: 'bridge',
    bridge: cfg.bridge ?? bridgeName(cfg.nodeName),
    isGateway: true,
    ipMasq: cfg.ipMasq ?? true,
    // A pod reaching itself through a Service IP comes back through the bridge port it left by.
    hairpinMode: true,
    ipam: {
      type: 'host-local',
      ranges: cfg.podCIDRs.map((subnet) => [{ subnet }]),
      routes: cfg.podCIDRs.map((c) => ({ dst: v6(c) ? '::/0' : '0.0.0.0/0' })),
      ...(cfg.dataDir && { dataDir: cfg.dataDir }),
    },
  };
  if (cfg.mtu) bridge.mtu = cfg.mtu;
  return {
    cniVersion: CNI_VERSION,
    name: CNI_NETWORK_NAME,
    plugins: [bridge, { type: 'portmap', capabilities: { portMappings: true }, snat: true }],
  };
}
