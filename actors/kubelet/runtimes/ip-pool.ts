// Pod IPs from the node's pod CIDR, handed out as CNI host-local IPAM does: the next free
// address after the last one given, skipping the network, gateway (.1) and broadcast addresses.

const toInt = (ip: string) => ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);
const toIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** Thrown when the range has no free address (the sandbox cannot be created). */
export class IpExhaustedError extends Error {
  override name = 'IpExhaustedError';
}

/** Allocates IPv4 addresses from one CIDR. */
export class IpPool {
  private readonly first: number;
  private readonly last: number;
  private readonly used = new Set<number>();
  private cursor: number;

  constructor(readonly cidr: string) {
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
    if (!m || Number(m[2]) > 30) throw new Error(`pod CIDR must be an IPv4 CIDR of /30 or larger, got ${JSON.stringify(cidr)}`);
    const size = 2 ** (32 - Number(m[2]));
    const base = toInt(m[1]) - (toInt(m[1]) % size);
    this.first = base + 2;
    this.last = base + size - 2;
    this.cursor = this.first - 1;
  }

  /** Returns a free address; throws IpExhaustedError when none is left. */
  allocate(): string {
    const n = this.last - this.first + 1;
    for (let i = 0; i < n; i++) {
      this.cursor = this.cursor >= this.last ? this.first : this.cursor + 1;
      if (!this.used.has(this.cursor)) {
        this.used.add(this.cursor);
        return toIp(this.cursor);
      }
    }
    throw new IpExhaustedError(`failed to allocate for range 0: no IP addresses available in range set: ${toIp(this.first - 1)}-${toIp(this.last)}`);
  }

  release(ip: string): void {
    this.used.delete(toInt(ip));
  }

  get size(): number {
    return this.used.size;
  }
}
