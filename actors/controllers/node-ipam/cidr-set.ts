// A cluster CIDR cut into equal node CIDRs, tracked in a bitmap as upstream's cidrset.CidrSet:
// AllocateNext hands out the next free block after the last one given (round robin, so a
// released block is reused once the others are taken), Occupy and Release mark ranges. IPv4.

/** Upstream's ErrCIDRRangeNoCIDRsRemaining text. */
export const NO_CIDRS_REMAINING = 'CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range';

/** Thrown when every node CIDR of the cluster CIDR is taken. */
export class CidrExhaustedError extends Error {
  override name = 'CidrExhaustedError';
  constructor() {
    super(NO_CIDRS_REMAINING);
  }
}

/** Thrown for a CIDR that cannot be parsed or does not fit the cluster CIDR. */
export class CidrRangeError extends Error {
  override name = 'CidrRangeError';
}

/** An IPv4 network: its first address as a number and its prefix length. */
export interface Ipv4Net {
  base: number;
  bits: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Returns an IPv4 address as a number, or undefined when it is not one. */
export function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** Returns the dotted form of an IPv4 address held as a number. */
export const intToIpv4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** Parses `a.b.c.d/n` into its network (host bits cleared, as Go's net.ParseCIDR); throws CidrRangeError. */
export function parseIpv4Cidr(cidr: string): Ipv4Net {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(cidr);
  const ip = m ? ipv4ToInt(m[1]) : undefined;
  const bits = m ? Number(m[2]) : NaN;
  if (ip === undefined || !(bits >= 0 && bits <= 32)) throw new CidrRangeError(`invalid IPv4 CIDR address: ${cidr}`);
  const size = 2 ** (32 - bits);
  return { base: ip - (ip % size), bits };
}

/** Returns the CIDR text of a network. */
export const formatCidr = (n: Ipv4Net) => `${intToIpv4(n.base)}/${n.bits}`;

/** Returns whether network `a` contains address `ip`. */
const contains = (a: Ipv4Net, ip: number) => ip >= a.base && ip < a.base + 2 ** (32 - a.bits);

/** The node CIDRs of one cluster CIDR. */
export class CidrSet {
  readonly cluster: Ipv4Net;
  readonly max: number;
  private readonly used: Uint8Array;
  private allocated = 0;
  private nextCandidate = 0;

  constructor(
    clusterCidr: string,
    readonly nodeMaskSize: number,
  ) {
    this.cluster = parseIpv4Cidr(clusterCidr);
    if (nodeMaskSize < this.cluster.bits || nodeMaskSize > 32)
      throw new CidrRangeError(`node CIDR mask size ${nodeMaskSize} does not fit cluster CIDR ${clusterCidr}`);
    // Upstream caps the bitmap at 16 bits of difference for IPv6; a /8 cut into /32s stays in memory bounds here too.
    if (nodeMaskSize - this.cluster.bits > 24) throw new CidrRangeError('New CIDR set failed; the node CIDR size is too big');
    this.max = 2 ** (nodeMaskSize - this.cluster.bits);
    this.used = new Uint8Array(this.max);
  }

  /** How many node CIDRs are taken. */
  get size(): number {
    return this.allocated;
  }

  /** Takes the next free node CIDR; throws CidrExhaustedError when none is left. */
  allocateNext(): string {
    if (this.allocated === this.max) throw new CidrExhaustedError();
    let candidate = this.nextCandidate;
    for (let i = 0; i < this.max && this.used[candidate]; i++) candidate = (candidate + 1) % this.max;
    this.nextCandidate = (candidate + 1) % this.max;
    this.used[candidate] = 1;
    this.allocated++;
    return formatCidr({ base: this.cluster.base + candidate * 2 ** (32 - this.nodeMaskSize), bits: this.nodeMaskSize });
  }

  /** Marks a CIDR (a node's, or a larger range such as the service CIDR) as used; idempotent. */
  occupy(cidr: string): void {
    const [begin, end] = this.indices(cidr);
    for (let i = begin; i <= end; i++) if (!this.used[i]) ((this.used[i] = 1), this.allocated++);
  }

  /** Marks a CIDR as free again; idempotent. */
  release(cidr: string): void {
    const [begin, end] = this.indices(cidr);
    for (let i = begin; i <= end; i++) if (this.used[i]) ((this.used[i] = 0), this.allocated--);
  }

  /** Returns whether a node CIDR is taken. */
  isUsed(cidr: string): boolean {
    const [begin, end] = this.indices(cidr);
    for (let i = begin; i <= end; i++) if (this.used[i]) return true;
    return false;
  }

  /** Whether `cidr` overlaps the cluster CIDR (upstream's test before occupying a range). */
  overlaps(cidr: string): boolean {
    const n = parseIpv4Cidr(cidr);
    return contains(this.cluster, n.base) || contains(n, this.cluster.base);
  }

  /** The first and last node-CIDR index a CIDR covers (upstream getBeginningAndEndIndices). */
  private indices(cidr: string): [number, number] {
    const n = parseIpv4Cidr(cidr);
    if (!this.overlaps(cidr)) throw new CidrRangeError(`cidr ${cidr} is out the range of cluster cidr ${formatCidr(this.cluster)}`);
    if (n.bits <= this.cluster.bits) return [0, this.max - 1];
    const step = 2 ** (32 - this.nodeMaskSize);
    const first = Math.floor((n.base - this.cluster.base) / step);
    const last = Math.floor((n.base + 2 ** (32 - n.bits) - 1 - this.cluster.base) / step);
    return [first, last];
  }
}
