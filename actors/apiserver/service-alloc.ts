// Cluster IPs (10.96.0.0/12 by default) and node ports (30000-32767) for Services, as upstream allocates.
import { badRequest, invalid, type FieldError } from '../../api/status.ts';

const ipToInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const intToIp = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

interface ServiceLike {
  metadata: { name?: string };
  spec?: { type?: string; clusterIP?: string; clusterIPs?: string[]; ports?: Array<{ nodePort?: number }> };
}

/** Hands out cluster IPs and node ports, never the same one twice while in use. */
export class ServiceAllocator {
  private readonly base: number;
  private readonly size: number;
  private readonly usedIPs = new Set<number>();
  private readonly usedPorts = new Set<number>();
  /**
   * Where dynamic allocation starts: after the range's low band, which upstream keeps for IPs asked
   * for by name (min(max(16, size/16), 256) addresses: the kubernetes Service's .1, kube-dns's .10).
   */
  private nextIP: number;
  private nextPort = 30000;

  constructor(cidr = '10.96.0.0/12') {
    const [ip, bits] = cidr.split('/');
    this.base = ipToInt(ip);
    this.size = 2 ** (32 - Number(bits));
    this.nextIP = Math.min(Math.max(16, Math.floor(this.size / 16)), 256);
  }

  /** Returns the range's first address, the `kubernetes` Service's (10.96.0.1 by default). */
  firstIP(): string {
    return intToIp(this.base + 1);
  }

  /** Records what an existing Service holds (at startup). */
  adopt(svc: ServiceLike): void {
    const ip = svc.spec?.clusterIP;
    if (ip && ip !== 'None') this.usedIPs.add(ipToInt(ip) - this.base);
    for (const p of svc.spec?.ports ?? []) if (p.nodePort) this.usedPorts.add(p.nodePort);
  }

  /** Fills clusterIP(s) and node ports of a Service being created; throws 422 when one asked for is taken. */
  allocate(svc: ServiceLike): void {
    const spec = (svc.spec ??= {});
    const errs: FieldError[] = [];
    if (spec.type !== 'ExternalName') {
      if (!spec.clusterIP) spec.clusterIP = intToIp(this.base + this.freeIP());
      else if (spec.clusterIP !== 'None') {
        const off = ipToInt(spec.clusterIP) - this.base;
        if (off <= 0 || off >= this.size - 1)
          errs.push({ field: 'spec.clusterIPs', type: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify([spec.clusterIP])}: failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${intToIp(this.base)}/${32 - Math.log2(this.size)}` });
        else if (this.usedIPs.has(off))
          errs.push({ field: 'spec.clusterIPs', type: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify([spec.clusterIP])}: failed to allocate IP ${spec.clusterIP}: provided IP is already allocated` });
        else this.usedIPs.add(off);
      }
      spec.clusterIPs = [spec.clusterIP];
    }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      (spec.ports ?? []).forEach((p, i) => {
        if (!p.nodePort) p.nodePort = this.freePort();
        else if (this.usedPorts.has(p.nodePort))
          errs.push({ field: `spec.ports[${i}].nodePort`, type: 'FieldValueInvalid', message: `Invalid value: ${p.nodePort}: provided port is already allocated` });
        else this.usedPorts.add(p.nodePort);
      });
    }
    if (errs.length) throw invalid('Service', svc.metadata.name ?? '', errs);
  }

  /** Returns what a deleted Service held. */
  release(svc: ServiceLike): void {
    const ip = svc.spec?.clusterIP;
    if (ip && ip !== 'None') this.usedIPs.delete(ipToInt(ip) - this.base);
    for (const p of svc.spec?.ports ?? []) if (p.nodePort) this.usedPorts.delete(p.nodePort);
  }

  private freeIP(): number {
    for (let i = 0; i < this.size - 2; i++) {
      const off = ((this.nextIP - 1 + i) % (this.size - 2)) + 1;
      if (!this.usedIPs.has(off)) {
        this.usedIPs.add(off);
        this.nextIP = off + 1;
        return off;
      }
    }
    throw badRequest('the service cluster IP range is full');
  }

  private freePort(): number {
    for (let i = 0; i < 2768; i++) {
      const p = 30000 + ((this.nextPort - 30000 + i) % 2768);
      if (!this.usedPorts.has(p)) {
        this.usedPorts.add(p);
        this.nextPort = p + 1;
        return p;
      }
    }
    throw badRequest('the node port range is full');
  }
}
