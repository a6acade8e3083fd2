// The locked bus: one nkey per identity (credentials files under KUBUS_HOME/bus, 0600, one per
// identity so a host is handed only its own), and the nats-server configuration kubus generates from
// them: authentication by nkey, subject permissions per identity, TLS with the kubus CA.
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIdentity, identityToken, parseIdentity, type Identity } from '../bus/identity.ts';
import { nkeys, readCredentials, type BusCredentials } from '../bus/nats-bus.ts';
import { permittedSubjects, type BusRole } from '../bus/subjects.ts';
import { kubusHome } from './connection.ts';
import { ensureCA, issue, pkiDir } from './pki.ts';

/** Where the identities' credentials (and the NATS server's TLS files) live: KUBUS_HOME/bus. */
export const busDir = (home = kubusHome()) => join(home, 'bus');

/** Returns the file in `dir` that holds `identity`'s credentials (`<token>.creds`). */
export const credentialsFile = (dir: string, identity: string) => join(dir, `${identityToken(parseIdentity(identity))}.creds`);

/** Returns the file that holds `identity`'s credentials under `home`. */
export const credentialsPath = (identity: string, home = kubusHome()) => credentialsFile(busDir(home), identity);

/** Returns `identity`'s credentials, creating them (a new nkey; the kubus CA) the first time. */
export function ensureCredentials(identity: string, home = kubusHome()): BusCredentials {
  const path = credentialsPath(identity, home);
  if (existsSync(path)) return readCredentials(path);
  mkdirSync(busDir(home), { recursive: true, mode: 0o700 });
  const seed = new TextDecoder().decode(nkeys.createUser().getSeed());
  const creds: BusCredentials = { identity: formatIdentity(parseIdentity(identity)), seed, ca: ensureCA(pkiDir(home)).cert };
  writeFileSync(path, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return creds;
}

/** Returns every identity that has credentials under `home`. */
export function knownCredentials(home = kubusHome()): BusCredentials[] {
  if (!existsSync(busDir(home))) return [];
  return readdirSync(busDir(home))
    .filter((f) => f.endsWith('.creds'))
    .map((f) => readCredentials(join(busDir(home), f)));
}

/** Returns the public nkey of the credentials (all the server needs). */
export const publicKeyOf = (c: BusCredentials) => nkeys.fromSeed(new TextEncoder().encode(c.seed)).getPublicKey();

/** Returns what an identity may publish and subscribe to (bus/subjects.ts spells them). */
export const permissionsOf = (id: Identity) => permittedSubjects(identityToken(id), roleOf(id), id.name);

/** The part an identity's kind plays (who may serve, call kubelets, or only use the API). */
const roleOf = (id: Identity): BusRole =>
  id.kind === 'apiserver' ? 'apiserver' : id.kind === 'node' ? 'node' : id.kind === 'gateway' || id.kind === 'admin' ? 'front' : 'component';

const list = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;

/** Returns the nats-server `authorization` block for these identities (public keys and permissions only). */
export function authorizationConfig(all: BusCredentials[]): string[] {
  const users = all.map((c) => {
    const p = permissionsOf(parseIdentity(c.identity));
    // allow_responses lets an identity answer on its requesters' inboxes. One that may publish anywhere
    // (the API server) needs none, and it costs: nats-server 2.9 records the reply subject of every request
    // delivered to such a connection, drops a record only when the permission is used (never, as the
    // publish is allowed anyway) or after 2 minutes, and past 4,096 records scans them all on each delivery.
    const responses = p.publish.includes('>') ? '' : ', allow_responses: true';
    return `    { nkey: ${JSON.stringify(publicKeyOf(c))}, permissions: { publish: { allow: ${list(p.publish)} }, subscribe: { allow: ${list(p.subscribe)} }${responses} } } # ${c.identity}`;
  });
  return ['authorization {', '  users: [', ...users, '  ]', '}'];
}

/** Writes the NATS server's TLS certificate (kubus CA; for localhost, 127.0.0.1 and `hosts`) and returns its `tls` block. */
export function tlsConfig(hosts: string[] = [], home = kubusHome(), name = 'nats-server'): string[] {
  const ca = ensureCA(pkiDir(home));
  const sans = [...new Set(['localhost', '127.0.0.1', ...hosts.filter((h) => h && h !== '0.0.0.0' && h !== '::')])];
  const pair = issue(ca, { cn: name, sans, usage: 'server' });
  mkdirSync(busDir(home), { recursive: true, mode: 0o700 });
  const cert = join(busDir(home), `${name}.crt`);
  const key = join(busDir(home), `${name}.key`);
  writeFileSync(cert, pair.cert);
  writeFileSync(key, pair.key, { mode: 0o600 });
  chmodSync(key, 0o600);
  return ['tls {', `  cert_file: ${JSON.stringify(cert)}`, `  key_file: ${JSON.stringify(key)}`, '  timeout: 2', '}'];
}

/** The identities a cluster of these nodes runs (the API server, control plane components, gateway, cluster DNS, tracer, admin, each node). */
export const clusterIdentities = (nodes: string[] = []) => [
  'apiserver',
  'scheduler',
  'controller-manager',
  'gateway',
  'dns',
  'tracer',
  'admin',
  ...nodes.map((n) => `node/${n}`),
];

/** Creates what is missing of `identities`' credentials and returns the locked nats-server's config lines (every known identity). */
export function lockedConfig(identities: string[], hosts: string[] = [], home = kubusHome()): string[] {
  for (const id of identities) ensureCredentials(id, home);
  return [...authorizationConfig(knownCredentials(home)), ...tlsConfig(hosts, home)];
}
