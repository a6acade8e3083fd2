// The kubus CA and the certificates it issues (the gateway's serving certificate, users' client
// certificates), through the openssl command: no crypto of our own, and no extra npm dependency.
// Keys are EC P-256 (node:crypto makes them; openssl signs). A client certificate names the user as
// upstream reads it: CN = user name, one O per group.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isIP } from 'node:net';
import { hostIPv4 } from '../actors/lib/host-address.ts';
import { kubusHome } from './connection.ts';

/** A PEM certificate and its PEM (PKCS#8) private key. */
export interface KeyPair {
  cert: string;
  key: string;
}

export interface CertRequest {
  /** The subject's common name (for a client: the user name). */
  cn: string;
  /** Organizations (for a client: the user's groups). */
  orgs?: string[];
  /** DNS names and IP addresses the certificate serves (a serving certificate). */
  sans?: string[];
  usage: 'server' | 'client';
  days?: number;
}

/** The user `kubus kubeconfig` and `kubus up` issue by default: in system:masters, as upstream's admin.conf. */
export const ADMIN = { cn: 'kubus-admin', orgs: ['system:masters'] };

/** Where the CA lives unless told: under the kubus home (~/.kubus/pki). */
export const pkiDir = (home = kubusHome()) => join(home, 'pki');

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });

/** Returns an openssl -subj string; `/`, `+`, `=` and `\` in names are escaped. */
function subject(cn: string, orgs: string[] = []): string {
  const esc = (s: string) => s.replace(/[\\/+=]/g, (c) => `\\${c}`);
  return [...orgs.map((o) => `/O=${esc(o)}`), `/CN=${esc(cn)}`].join('');
}

const newKey = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** Runs `fn` with a private temporary directory (keys pass through it), removed afterwards. */
function inTemp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'kubus-pki-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Makes the CA in a private directory beside `dir` and renames it into place whole, so two processes on
 * a fresh kubus home never mix one's ca.key with the other's ca.crt: if `dir` appeared meanwhile, it wins.
 */
function createCA(dir: string): void {
  mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
  const temp = mkdtempSync(`${dir}.tmp-`);
  try {
    const keyPath = join(temp, 'ca.key');
    writeFileSync(keyPath, newKey(), { mode: 0o600 });
    openssl(['req', '-x509', '-new', '-key', keyPath, '-subj', '/CN=kubus-ca', '-days', '3650', '-out', join(temp, 'ca.crt'),
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature']);
    renameSync(temp, dir); // replaces an empty `dir`; fails on one that holds files
  } catch (err) {
    if (!['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/** Returns the CA in `dir`, creating it the first time (ca.key is 0600) unless `create` is false (then a missing one throws). */
export function ensureCA(dir = pkiDir(), create = true): KeyPair {
  const certPath = join(dir, 'ca.crt');
  const keyPath = join(dir, 'ca.key');
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    if (!create) throw new Error(`no kubus CA in ${dir} (kubus up and kubus control-plane make it there)`);
    createCA(dir);
  }
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}

/** Issues a certificate signed by `ca` (a fresh key each time). */
export function issue(ca: KeyPair, req: CertRequest): KeyPair {
  const key = newKey();
  return inTemp((dir) => {
    const p = (name: string) => join(dir, name);
    writeFileSync(p('key.pem'), key, { mode: 0o600 });
    writeFileSync(p('ca.key'), ca.key, { mode: 0o600 });
    writeFileSync(p('ca.crt'), ca.cert);
    const sans = (req.sans ?? []).map((s) => (isIP(s.replace(/^\[|\]$/g, '')) ? `IP:${s.replace(/^\[|\]$/g, '')}` : `DNS:${s}`));
    writeFileSync(p('ext.cnf'), [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${req.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
      ...(sans.length ? [`subjectAltName=${sans.join(',')}`] : []),
    ].join('\n'));
    openssl(['req', '-new', '-key', p('key.pem'), '-subj', subject(req.cn, req.orgs), '-out', p('req.csr')]);
    openssl(['x509', '-req', '-in', p('req.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-set_serial', `0x${randomBytes(16).toString('hex').replace(/^./, '1')}`,
      '-days', String(req.days ?? 365), '-extfile', p('ext.cnf'), '-out', p('cert.pem')]);
    return { cert: readFileSync(p('cert.pem'), 'utf8'), key };
  });
}

/** What an HTTPS gateway needs: its serving certificate and the CA its clients' certificates are checked against. */
export interface GatewayTls extends KeyPair {
  ca: string;
}

/** Names any serving certificate holds: the loopback ones. */
export const LOOPBACK_SANS = ['localhost', '127.0.0.1', '::1'];

/**
 * The names the gateway's serving certificate holds: the loopback ones, plus the listen address's host
 * when one is given; for every interface (0.0.0.0, ::), the host's IPv4, which the gateway advertises
 * in the `kubernetes` Endpoints. Never a name nobody asked for (the host name, other interfaces).
 */
export function gatewaySans(host?: string): string[] {
  const h = host?.replace(/^\[|\]$/g, '');
  const extra = !h ? [] : h === '0.0.0.0' || h === '::' ? [hostIPv4()] : [h];
  return [...new Set([...LOOPBACK_SANS, ...extra])];
}

/** Issues the gateway's serving certificate for `gatewaySans(host)` (host: the listen address's). */
export function gatewayTls(ca: KeyPair, host?: string): GatewayTls {
  const sans = gatewaySans(host);
  return { ...issue(ca, { cn: 'kubus-gateway', sans, usage: 'server' }), ca: ca.cert };
}
