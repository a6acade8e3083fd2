// Upstream's CEL IP and CIDR libraries (k8s.io/apiserver/pkg/cel/library ip.go, cidr.go): the net.IP and net.CIDR
// types, their constructors and checks, with Go netip's parsing rules and the library's error texts.
import { isIPv4, isIPv6 } from 'node:net';
import type { Environment } from '@marcbachmann/cel-js';

/** An IP address: its 32 or 128 bits. */
export class CelIP {
  constructor(
    readonly bits: bigint,
    readonly v4: boolean,
  ) {}
  get width(): number {
    return this.v4 ? 32 : 128;
  }
  toString(): string {
    return this.v4 ? v4String(this.bits) : v6String(this.bits);
  }
}

/** A network: an address and a prefix length (the address is kept as written, as Go's netip.Prefix). */
export class CelCIDR {
  constructor(
    readonly ip: CelIP,
    readonly prefix: number,
  ) {}
  masked(): CelCIDR {
    const host = (1n << BigInt(this.ip.width - this.prefix)) - 1n;
    return new CelCIDR(new CelIP(this.ip.bits & ~host, this.ip.v4), this.prefix);
  }
  contains(ip: CelIP): boolean {
    if (ip.v4 !== this.ip.v4) return false;
    const shift = BigInt(ip.width - this.prefix);
    return ip.bits >> shift === this.ip.bits >> shift;
  }
  toString(): string {
    return `${this.ip}/${this.prefix}`;
  }
}

const v4String = (b: bigint) => [24n, 16n, 8n, 0n].map((s) => String((b >> s) & 255n)).join('.');

/** RFC 5952 text, as Go prints it: the longest run (first on a tie) of two or more zero groups becomes "::". */
function v6String(b: bigint): string {
  const g = Array.from({ length: 8 }, (_, i) => Number((b >> BigInt(112 - 16 * i)) & 0xffffn));
  let [start, len] = [-1, 0];
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > len && j - i >= 2) [start, len] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  return start < 0 ? hex(g) : `${hex(g.slice(0, start))}::${hex(g.slice(start + len))}`;
}

const v4Bits = (s: string) => s.split('.').reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);

function v6Bits(s: string): bigint {
  let text = s;
  const tail: number[] = [];
  const dot = text.lastIndexOf(':');
  if (text.includes('.')) {
    const b = v4Bits(text.slice(dot + 1));
    tail.push(Number(b >> 16n), Number(b & 0xffffn));
    text = text.slice(0, dot + 1);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (p: string) => (p === '' ? [] : p.split(':').map((x) => parseInt(x, 16)));
  const front = parse(head);
  const back = [...(rest === undefined ? [] : parse(rest)), ...tail];
  const all = rest === undefined ? [...front, ...tail] : [...front, ...Array(8 - front.length - back.length).fill(0), ...back];
  return all.reduce((acc, x) => (acc << 16n) | BigInt(x), 0n);
}

/** Why Go's netip.ParseAddr refuses a dotted IPv4 text (its common cases; anything else is "unable to parse IP"). */
function v4Problem(raw: string): string {
  const fields = raw.split('.');
  if (fields.some((f) => f === '')) return 'IPv4 field must have at least one digit';
  if (fields.length > 4) return 'IPv4 address too long';
  if (fields.length < 4) return 'IPv4 address too short';
  if (fields.some((f) => f.length > 1 && f[0] === '0')) return 'IPv4 field has octet with leading zero';
  return 'IPv4 field has value >255';
}

/** Returns Go's netip.ParseAddr of a string (zones kept), or its error text. */
function parseAddr(raw: string): CelIP | string {
  const q = JSON.stringify(raw);
  const plain = raw.split('%')[0];
  if (isIPv4(raw)) return new CelIP(v4Bits(raw), true);
  if (raw.includes(':') && isIPv6(raw)) return new CelIP(v6Bits(plain), false);
  if (/^[0-9.]+$/.test(raw)) return `ParseAddr(${q}): ${v4Problem(raw)}`;
  return `ParseAddr(${q}): unable to parse IP`;
}

/** Returns the address of a string as upstream's parseIPAddr (no zone, no IPv4-mapped IPv6), or the error text. */
export function parseIP(raw: string): CelIP | string {
  const q = JSON.stringify(raw);
  const ip = parseAddr(raw);
  if (typeof ip === 'string') return `IP Address ${q} parse error during conversion from string: ${ip}`;
  if (raw.includes('%')) return `IP address ${q} with zone value is not allowed`;
  if (!ip.v4 && ip.bits >> 32n === 0xffffn) return `IPv4-mapped IPv6 address ${q} is not allowed`;
  return ip;
}

/** Returns the network of a string as upstream's parseCIDR over Go's netip.ParsePrefix, or the error text. */
export function parseCIDR(raw: string): CelCIDR | string {
  const fail = (why: string) => `network address parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(raw)}): ${why}`;
  const slash = raw.lastIndexOf('/');
  if (slash < 0) return fail("no '/'");
  const [addr, len] = [raw.slice(0, slash), raw.slice(slash + 1)];
  const ip = parseAddr(addr);
  if (typeof ip === 'string') return fail(ip);
  if (addr.includes('%')) return fail('IPv6 zones cannot be present in a prefix');
  if (!/^(0|[1-9][0-9]*)$/.test(len)) return fail(`bad bits after slash: ${JSON.stringify(len)}`);
  if (Number(len) > ip.width) return fail('prefix length out of range');
  if (!ip.v4 && ip.bits >> 32n === 0xffffn) return `IPv4-mapped IPv6 address ${JSON.stringify(raw)} is not allowed`;
  return new CelCIDR(ip, Number(len));
}

class IPNamespace {}

const orThrow = <T>(v: T | string): T => {
  if (typeof v === 'string') throw new Error(v);
  return v;
};
const inRange = (ip: CelIP, net: string) => orThrow(parseCIDR(net)).contains(ip);

/** Registers net.IP and net.CIDR with their functions, as upstream's IP() and CIDR() libraries. */
export function registerIPLibrary(e: Environment): void {
  e.registerType('net.IP', CelIP);
  e.registerType('net.CIDR', CelCIDR);
  e.registerFunction('ip(string): net.IP', (s: string) => orThrow(parseIP(s)));
  e.registerFunction('isIP(string): bool', (s: string) => typeof parseIP(s) !== 'string');
  // `ip.isCanonical(s)` is a call on the `ip` namespace, which cel-js models (as its `optional`) with a constant.
  e.registerType('IPNamespace', IPNamespace);
  e.registerConstant('ip', 'IPNamespace', new IPNamespace());
  e.registerFunction('IPNamespace.isCanonical(string): bool', (_: IPNamespace, s: string) => orThrow(parseIP(s)).toString() === s);
  e.registerFunction('string(net.IP): string', (ip: CelIP) => ip.toString());
  e.registerFunction('net.IP.family(): int', (ip: CelIP) => (ip.v4 ? 4n : 6n));
  e.registerFunction('net.IP.isUnspecified(): bool', (ip: CelIP) => ip.bits === 0n);
  e.registerFunction('net.IP.isLoopback(): bool', (ip: CelIP) => (ip.v4 ? inRange(ip, '127.0.0.0/8') : ip.bits === 1n));
  e.registerFunction('net.IP.isLinkLocalMulticast(): bool', (ip: CelIP) =>
    ip.v4 ? inRange(ip, '224.0.0.0/24') : ((ip.bits >> 112n) & 0xff0fn) === 0xff02n,
  );
  e.registerFunction('net.IP.isLinkLocalUnicast(): bool', (ip: CelIP) => inRange(ip, ip.v4 ? '169.254.0.0/16' : 'fe80::/10'));
  e.registerFunction('net.IP.isGlobalUnicast(): bool', (ip: CelIP) => {
    if (ip.bits === 0n || (ip.v4 && ip.bits === 0xffffffffn)) return false;
    const multicast = inRange(ip, ip.v4 ? '224.0.0.0/4' : 'ff00::/8');
    const loopback = ip.v4 ? inRange(ip, '127.0.0.0/8') : ip.bits === 1n;
    return !multicast && !loopback && !inRange(ip, ip.v4 ? '169.254.0.0/16' : 'fe80::/10');
  });
  e.registerOperator('net.IP == net.IP', (a: CelIP, b: CelIP) => a.v4 === b.v4 && a.bits === b.bits);

  const toCIDR = (s: string) => {
    const c = parseCIDR(s);
    if (typeof c === 'string') throw new Error(`network address parse error during conversion from string: ${c}`);
    return c;
  };
  e.registerFunction('cidr(string): net.CIDR', toCIDR);
  e.registerFunction('isCIDR(string): bool', (s: string) => typeof parseCIDR(s) !== 'string');
  e.registerFunction('string(net.CIDR): string', (c: CelCIDR) => c.toString());
  e.registerFunction('net.CIDR.containsIP(net.IP): bool', (c: CelCIDR, ip: CelIP) => c.contains(ip));
  e.registerFunction('net.CIDR.containsIP(string): bool', (c: CelCIDR, s: string) => c.contains(orThrow(parseIP(s))));
  const containsCIDR = (c: CelCIDR, o: CelCIDR) => c.prefix <= o.prefix && c.contains(o.ip);
  e.registerFunction('net.CIDR.containsCIDR(net.CIDR): bool', containsCIDR);
  e.registerFunction('net.CIDR.containsCIDR(string): bool', (c: CelCIDR, s: string) => containsCIDR(c, toCIDR(s)));
  e.registerFunction('net.CIDR.ip(): net.IP', (c: CelCIDR) => c.ip);
  e.registerFunction('net.CIDR.masked(): net.CIDR', (c: CelCIDR) => c.masked());
  e.registerFunction('net.CIDR.prefixLength(): int', (c: CelCIDR) => BigInt(c.prefix));
  e.registerOperator('net.CIDR == net.CIDR', (a: CelCIDR, b: CelCIDR) => a.toString() === b.toString());
}
