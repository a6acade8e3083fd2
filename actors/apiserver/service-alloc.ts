// Cluster IPs (10.96.0.0/12 by default) and node ports (30000-32767) for Services, exclusive across
// every API server that shares the store.
//
// How: as upstream's current allocator (networking.k8s.io/v1 IPAddress objects, KEP-1880), each
// address in use is a key of its own, `/registry/ipaddresses/<ip>`, holding an IPAddress whose
// parentRef names the Service, created with create-if-absent: whichever replica's create lands
// owns the address; the others pick again. Node ports get the same treatment under
// `/registry/servicenodeports/<port>` (upstream still keeps ports in one RangeAllocation bitmap
// updated by CAS; one key per port spares replicas that single contended key). Chosen over the
// bitmap because concurrent creates never conflict on a shared key; the single-server path pays
// one extra write per address (measured on the memory store: about a third more API server CPU
// per NodePort Service create, still over 5,000 creates/s of CPU).
//
// A replica's view of what is taken is its store cache of those keys (fed by the change feed,
// so always current), plus what it has picked for a create still in flight. Release: the
// handler of a Service's deletion deletes its keys; a change of a Service that drops an IP or
// node port is followed from the services prefix; a repair pass (service-repair.ts) catches the rest.
import { badRequest, invalid, type FieldError } from '../../api/status.ts';
import { rfc3339 } from '../../api/names.ts';
import type { Clock } from '../../bus/clock.ts';
import type { Rng } from '../../bus/random.ts';
import type { Logger } from '../../bus/types.ts';
import { ServiceAddressRepair, type RepairResult } from './service-repair.ts';
import { SERVICES_PREFIX, belongsTo, hasIP, ipKey, ipReservation, keysOf, nodePortsOf, portKey, portReservation, type Reservation, type ServiceLike } from './service-reservations.ts';
import type { Store } from './store/store.ts';

export { IP_PREFIX, NODE_PORT_PREFIX } from './service-reservations.ts';

const ipToInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const intToIp = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

/** Picks tried when other replicas keep taking the free addresses this replica's cache shows. */
const PICK_ATTEMPTS = 32;
const PORT_BASE = 30000;
const PORT_COUNT = 2768;

/** One value of a Service to reserve: its key and reservation, where it is pending, how to pick another. */
interface Claim {
  key(): string;
  value(): Reservation;
  pending: Map<number, boolean>;
  picked(): number;
  inUse(): FieldError;
  pickAgain(): void;
}

export interface ServiceAllocatorOptions {
  store: Store;
  clock: Clock;
  rng: Rng;
  log: Logger;
  cidr?: string;
}

/** Hands out cluster IPs and node ports, never the same one twice while in use, on any replica. */
export class ServiceAllocator {
  private readonly base: number;
  private readonly size: number;
  /** Picked by allocate() for a create in flight, not yet reserved in the store; true when picked by us (may be re-picked). */
  private readonly pendingIPs = new Map<number, boolean>();
  private readonly pendingPorts = new Map<number, boolean>();
  /**
   * Where dynamic allocation starts: after the range's low band, which upstream keeps for IPs asked
   * for by name (min(max(16, size/16), 256) addresses: the kubernetes Service's .1, kube-dns's .10).
   */
  private nextIP: number;
  private nextPort = PORT_BASE;
  private unfollow?: () => void;
  private readonly repairs: ServiceAddressRepair;

  constructor(private readonly opts: ServiceAllocatorOptions) {
    this.repairs = new ServiceAddressRepair(opts);
    const [ip, bits] = (opts.cidr ?? '10.96.0.0/12').split('/');
    this.base = ipToInt(ip);
    this.size = 2 ** (32 - Number(bits));
    this.nextIP = Math.min(Math.max(16, Math.floor(this.size / 16)), 256);
  }

  /** Returns the range's first address, the `kubernetes` Service's (10.96.0.1 by default). */
  firstIP(): string {
    return intToIp(this.base + 1);
  }

  /**
   * Fills clusterIP(s) and node ports of a Service being created, from what this replica sees free;
   * throws 422 when one asked for is taken. reserve() makes the picks the store's before the Service is written.
   */
  allocate(svc: ServiceLike): void {
    const spec = (svc.spec ??= {});
    const errs: FieldError[] = [];
    const picked: Array<[Map<number, boolean>, number]> = [];
    if (spec.type !== 'ExternalName') {
      if (!spec.clusterIP) {
        const off = this.freeIP();
        picked.push([this.pendingIPs, off]);
        spec.clusterIP = intToIp(this.base + off);
      } else if (spec.clusterIP !== 'None') {
        const off = ipToInt(spec.clusterIP) - this.base;
        if (off <= 0 || off >= this.size - 1)
          errs.push({ field: 'spec.clusterIPs', type: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify([spec.clusterIP])}: failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${intToIp(this.base)}/${32 - Math.log2(this.size)}` });
        else if (this.ipTaken(off)) errs.push(ipInUse(spec.clusterIP));
        else {
          this.pendingIPs.set(off, false);
          picked.push([this.pendingIPs, off]);
        }
      }
      spec.clusterIPs = [spec.clusterIP];
    }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      (spec.ports ?? []).forEach((p, i) => {
        if (!p.nodePort) {
          p.nodePort = this.freePort();
          picked.push([this.pendingPorts, p.nodePort]);
        } else if (this.portTaken(p.nodePort)) errs.push(portInUse(i, p.nodePort));
        else {
          this.pendingPorts.set(p.nodePort, false);
          picked.push([this.pendingPorts, p.nodePort]);
        }
      });
    }
    if (errs.length) {
      for (const [m, v] of picked) m.delete(v);
      throw invalid('Service', svc.metadata.name ?? '', errs);
    }
  }

  /**
   * Reserves in the store what allocate() picked (create-if-absent per key, all at once: one round
   * trip to a remote store). A pick another replica took meanwhile is picked again; an address
   * asked for by name that is taken is 422, and nothing stays reserved.
   */
  async reserve(svc: ServiceLike): Promise<void> {
    const spec = svc.spec ?? {};
    const claims: Array<Promise<string>> = [];
    if (hasIP(svc))
      claims.push(
        this.claimPicked(svc, {
          key: () => ipKey(spec.clusterIP!),
          value: () => ipReservation(spec.clusterIP!, svc, this.now()),
          pending: this.pendingIPs,
          picked: () => ipToInt(spec.clusterIP!) - this.base,
          inUse: () => ipInUse(spec.clusterIP!),
          // Another replica got there first: its cache is ahead of ours here, so look elsewhere.
          pickAgain: () => {
            this.nextIP = 1 + this.opts.rng.int(this.size - 2);
            spec.clusterIP = intToIp(this.base + this.freeIP());
            spec.clusterIPs = [spec.clusterIP];
          },
        }),
      );
    (spec.ports ?? []).forEach((p, i) => {
      if (!p.nodePort) return;
      claims.push(
        this.claimPicked(svc, {
          key: () => portKey(p.nodePort!),
          value: () => portReservation(p.nodePort!, svc, this.now()),
          pending: this.pendingPorts,
          picked: () => p.nodePort!,
          inUse: () => portInUse(i, p.nodePort!),
          pickAgain: () => {
            this.nextPort = PORT_BASE + this.opts.rng.int(PORT_COUNT);
            p.nodePort = this.freePort();
          },
        }),
      );
    });
    const results = await Promise.allSettled(claims);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) return;
    this.forget(svc);
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? this.drop(r.value, svc) : undefined)));
    throw failed.reason;
  }

  /** Claims one picked value, picking again (when it was our pick) while other replicas hold it; resolves with the key. */
  private async claimPicked(svc: ServiceLike, c: Claim): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const value = c.picked();
      const ours = c.pending.get(value);
      const ok = await this.claim(c.key(), c.value());
      c.pending.delete(value);
      if (ok) return c.key();
      if (!ours || attempt >= PICK_ATTEMPTS) throw invalid('Service', svc.metadata.name ?? '', [c.inUse()]);
      c.pickAgain();
    }
  }

  /** Frees what a Service held: picks still pending, and its reservations in the store (a deleted or refused Service). */
  async release(svc: ServiceLike): Promise<void> {
    this.forget(svc);
    await Promise.all(keysOf(svc).map((k) => this.drop(k, svc)));
  }

  /**
   * Follows the Services in this replica's cache: a change that drops an IP or node port frees it
   * (any replica may do it: the delete is compare-and-set, and only of the Service's own key).
   */
  follow(fromRevision: number): void {
    this.unfollow?.();
    this.unfollow = this.opts.store.watch(SERVICES_PREFIX, fromRevision, (ev) => {
      if (ev.type !== 'put' || !ev.prev) return;
      const now = new Set(keysOf(ev.kv.value as ServiceLike));
      const old = ev.prev.value as ServiceLike;
      for (const k of keysOf(old)) if (!now.has(k)) void this.drop(k, old);
    });
  }

  /** Runs one repair pass over this replica's cache (service-repair.ts). */
  repair(): Promise<RepairResult> {
    return this.repairs.pass();
  }

  /** Stops following the store. */
  close(): void {
    this.unfollow?.();
    this.unfollow = undefined;
  }

  private now(): string {
    return rfc3339(this.opts.clock.now());
  }

  /** Creates a reservation key; false when someone holds it. */
  private async claim(key: string, value: Reservation): Promise<boolean> {
    const r = await this.opts.store.txn({ op: 'create', key, value });
    return r.ok;
  }

  /** Deletes a reservation key when it is the Service's (compare-and-set; a lost race is fine). */
  private async drop(key: string, svc: ServiceLike): Promise<void> {
    const kv = this.opts.store.get(key);
    if (!belongsTo(kv, svc)) return;
    try {
      await this.opts.store.txn({ op: 'delete', key, ifModRevision: kv!.modRevision });
    } catch (err) {
      this.opts.log.warn({ key, err: (err as Error).message }, 'could not release a Service address; the repair pass will');
    }
  }

  /** Forgets picks of this Service not yet reserved. */
  private forget(svc: ServiceLike): void {
    if (hasIP(svc)) this.pendingIPs.delete(ipToInt(svc.spec!.clusterIP!) - this.base);
    for (const p of nodePortsOf(svc)) this.pendingPorts.delete(p);
  }

  private ipTaken(off: number): boolean {
    return this.pendingIPs.has(off) || this.opts.store.get(ipKey(intToIp(this.base + off))) !== undefined;
  }

  private portTaken(port: number): boolean {
    return this.pendingPorts.has(port) || this.opts.store.get(portKey(port)) !== undefined;
  }

  private freeIP(): number {
    for (let i = 0; i < this.size - 2; i++) {
      const off = ((this.nextIP - 1 + i) % (this.size - 2)) + 1;
      if (!this.ipTaken(off)) {
        this.pendingIPs.set(off, true);
        this.nextIP = off + 1;
        return off;
      }
    }
    throw badRequest('the service cluster IP range is full');
  }

  private freePort(): number {
    for (let i = 0; i < PORT_COUNT; i++) {
      const p = PORT_BASE + ((this.nextPort - PORT_BASE + i) % PORT_COUNT);
      if (!this.portTaken(p)) {
        this.pendingPorts.set(p, true);
        this.nextPort = p + 1;
        return p;
      }
    }
    throw badRequest('the node port range is full');
  }
}

const ipInUse = (ip: string): FieldError => ({ field: 'spec.clusterIPs', type: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify([ip])}: failed to allocate IP ${ip}: provided IP is already allocated` });
const portInUse = (i: number, port: number): FieldError => ({ field: `spec.ports[${i}].nodePort`, type: 'FieldValueInvalid', message: `Invalid value: ${port}: provided port is already allocated` });
