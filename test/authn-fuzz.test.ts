// Authentication fuzzed over the real HTTPS gateway (issue 15): malformed bearer tokens and JWTs that
// are wrong in every way the API server's TokenReview checks (algorithm, key, kid, issuer, audience,
// expiry, not-before, a bound object or service account gone) all get upstream's 401 `Unauthorized`
// Status, never a crash, and the gateway keeps serving; forged client certificates (self-signed, or
// another CA's naming the admin) are refused at the TLS handshake. Random cases come from fixed seeds.
import test from 'ava';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { decodeJwt, decodeProtectedHeader, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import type { TokenRequest } from '../api/kinds/authentication.ts';
import type { KubeObject } from '../api/meta.ts';
import { ISSUER, KUBERNETES_CLAIM } from '../actors/apiserver/authn/claims.ts';
import { SigningKeyRing } from '../actors/apiserver/authn/signing-key.ts';
import { seededRng } from '../bus/random.ts';
import { ADMIN, ensureCA, issue, type KeyPair } from '../runtime/pki.ts';
import { pod } from './helpers/api.ts';
import { secureGateway } from './helpers/secure-gateway.ts';

type Gateway = Awaited<ReturnType<typeof secureGateway>>;

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const PATH = '/api/v1/namespaces/default/configmaps';
/** True when two tokens have the same three segments' bytes. */
const sameBytes = (a: string, b: string) => {
  const [x, y] = [a.split('.'), b.split('.')];
  return x.length === 3 && x.every((seg, i) => Buffer.from(seg, 'base64url').equals(Buffer.from(y[i]!, 'base64url')));
};
const SEED = 15;

/** Asserts upstream's 401 for a GET with this bearer token. */
async function refused(t: { like(a: unknown, b: unknown, m?: string): void }, g: Gateway, token: string, what: string) {
  const r = await g.get(PATH, { headers: { Authorization: `Bearer ${token}` } });
  t.like(r, { code: 401, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 } }, what);
}

/** The gateway over an API server holding service account `bot` (with a pod and a secret), a good token for it, and the server's signing key. */
async function setup(t: Parameters<typeof secureGateway>[0]) {
  const g = await secureGateway(t);
  const c = g.env.client;
  await c.create<KubeObject>('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bot', namespace: 'default' } });
  await c.create<KubeObject>('clusterrolebindings', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'bot-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'bot', namespace: 'default' }] } as unknown as KubeObject);
  const good = (await c.createToken<TokenRequest>('default', 'bot', {})).status!.token;
  const key = await new SigningKeyRing(g.env.store).key();
  const claims = decodeJwt(good);
  const now = Math.floor(Date.now() / 1000);
  /** A token signed with the server's own key and kid, with these claims over the good token's. */
  const signed = (over: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT({ ...claims, ...over }).setProtectedHeader({ alg: 'RS256', kid: key.kid, ...header }).sign(key.privateKey);
  return { g, c, good, key, claims, now, signed };
}

test('authn fuzz - JWTs wrong in algorithm, key, kid, issuer, audience, expiry or not-before get 401; the good token still works', async (t) => {
  const { g, good, key, claims, now, signed } = await setup(t);
  t.is((await g.get(PATH, { headers: { Authorization: `Bearer ${good}` } })).code, 200, 'the control: a good token lists');
  const [header, payload] = good.split('.');
  const other = await generateKeyPair('RS256');
  const es = await generateKeyPair('ES256');
  const publicPem = await exportSPKI(key.publicKey);
  const cases: Array<[string, string]> = [
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`],
    ['alg none, kid kept', `${b64({ alg: 'none', kid: key.kid })}.${payload}.`],
    ['HS256 keyed with the public key', await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: key.kid }).sign(new TextEncoder().encode(publicPem))],
    ['ES256 with the server kid', await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(es.privateKey)],
    ['RS256 by another key, the server kid', await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid }).sign(other.privateKey)],
    ['header says ES256, RS256 signature', `${b64({ alg: 'ES256', kid: key.kid })}.${payload}.${good.split('.')[2]}`],
    // The server has one key and checks the signature against it: a kid names no other key to try.
    ['another key under its own kid', await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'not-the-key' }).sign(other.privateKey)],
    ['another key, no kid', await new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).sign(other.privateKey)],
    ['wrong issuer', await signed({ iss: 'https://evil.example' })],
    ['wrong audience', await signed({ aud: ['https://evil.example'] })],
    ['expired (past the minute of leeway)', await signed({ iat: now - 7200, nbf: now - 7200, exp: now - 120 })],
    ['not yet valid (past the leeway)', await signed({ nbf: now + 600, iat: now + 600, exp: now + 4200 })],
    ['no exp', await signed({ exp: undefined })],
    ['service account uid changed', await signed({ [KUBERNETES_CLAIM]: { ...(claims[KUBERNETES_CLAIM] as object), serviceaccount: { name: 'bot', uid: 'another-uid' } } })],
    ['an unknown service account', await signed({ sub: 'system:serviceaccount:default:ghost', [KUBERNETES_CLAIM]: { namespace: 'default', serviceaccount: { name: 'ghost', uid: 'x' } } })],
    ['claims swapped under a good signature', `${header}.${b64({ ...claims, sub: 'system:serviceaccount:kube-system:admin' })}.${good.split('.')[2]}`],
  ];
  for (const [what, token] of cases) await refused(t, g, token, what);
  t.is(decodeProtectedHeader(cases[6][1]).kid, 'not-the-key');
  t.is((await g.get(PATH, { headers: { Authorization: `Bearer ${good}` } })).code, 200, 'the gateway keeps serving the good token');
});

test('authn fuzz - a token whose bound pod, bound secret or service account is gone gets 401; one whose pod lives is the account', async (t) => {
  const { g, c } = await setup(t);
  const podOf = (name: string) => ({ ...pod(name), spec: { serviceAccountName: 'bot', containers: [{ name: 'c', image: 'busybox' }] } }) as KubeObject;
  const secretOf = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' } }) as KubeObject;
  const bound = async (kind: string, o: KubeObject) => (await c.createToken<TokenRequest>('default', 'bot', { boundObjectRef: { kind, apiVersion: 'v1', name: o.metadata.name, uid: o.metadata.uid } })).status!.token;
  const live = await bound('Pod', await c.create<KubeObject>('pods', podOf('alive')));
  t.is((await g.get(PATH, { headers: { Authorization: `Bearer ${live}` } })).code, 200, 'the control: its pod lives');
  // Each token is first shown to the gateway after its object is gone: no cached verdict can answer for it.
  const podToken = await bound('Pod', await c.create<KubeObject>('pods', podOf('worker')));
  const secretToken = await bound('Secret', await c.create<KubeObject>('secrets', secretOf('holder')));
  const saToken = (await c.createToken<TokenRequest>('default', 'bot', {})).status!.token;
  await c.delete('pods', 'worker', { namespace: 'default' });
  await refused(t, g, podToken, 'bound pod deleted');
  // A pod of the same name again is another object (another uid): still refused.
  await c.create<KubeObject>('pods', podOf('worker'));
  await refused(t, g, podToken, 'bound pod replaced by a namesake');
  await c.delete('secrets', 'holder', { namespace: 'default' });
  await refused(t, g, secretToken, 'bound secret deleted');
  await c.delete('serviceaccounts', 'bot', { namespace: 'default' });
  await refused(t, g, saToken, 'service account deleted');
});

test('authn fuzz - malformed bearer tokens (seeded): random strings, truncations, segment counts, base64 and JSON junk all get 401', async (t) => {
  const { g, good } = await setup(t);
  const rng = seededRng(SEED);
  const printable = (n: number) => Array.from({ length: n }, () => String.fromCharCode(0x21 + rng.int(94))).join('');
  const [h, p, s] = good.split('.');
  const fixed: Array<[string, string]> = [
    ['one segment', h!],
    ['two segments', `${h}.${p}`],
    ['four segments', `${good}.${s}`],
    ['five segments', `${h}.${p}.${s}.${h}.${p}`],
    ['empty segments', '..'],
    ['dots only', '....'],
    ['base64 junk', `${b64('\u0000\u00ff junk')}.${b64('not json')}.${b64('x')}`],
    ['JSON junk header', `${b64('[1,2,3]')}.${p}.${s}`],
    ['null header', `${b64('null')}.${p}.${s}`],
    ['JSON junk claims', `${h}.${b64('{"exp":"soon","sub":[]}')}.${s}`],
    ['claims a number', `${h}.${b64('42')}.${s}`],
    ['not base64url', `${h}!*.${p}.${s}`],
    ['a huge token', 'a'.repeat(8_000)],
  ];
  for (const [what, token] of fixed) await refused(t, g, token, what);
  for (let i = 0; i < 40; i++) await refused(t, g, printable(1 + rng.int(300)), `random string #${i} (seed ${SEED})`);
  for (let i = 0; i < 20; i++) await refused(t, g, good.slice(0, rng.int(good.length - 1)), `truncation #${i} (seed ${SEED})`);
  // Each mutation of the good token (a character changed, junk appended, segments shuffled) is refused.
  await fc.assert(
    fc.asyncProperty(fc.nat(good.length - 1), fc.constantFrom(...'ABCxyz019-_.='.split('')), fc.constantFrom('flip', 'append', 'shuffle'), async (at, ch, how) => {
      const token = how === 'flip' ? good.slice(0, at) + ch + good.slice(at + 1) : how === 'append' ? good + ch : [p, h, s].join('.');
      if (token === good) return;
      const r = await g.get(PATH, { headers: { Authorization: `Bearer ${token}` } });
      // Only a spelling of the same bytes may pass (a flip in the last character's unused bits).
      if (r.code === 200) t.true(sameBytes(token, good), `accepted a different token: ${token}`);
      else t.like(r, { code: 401, body: { reason: 'Unauthorized', message: 'Unauthorized' } });
    }),
    { seed: SEED, numRuns: 60 },
  );
  // Raw bytes in the header never reach a handler that could crash: the HTTP parser answers 400, or the gateway 401.
  const port = Number(new URL(g.url).port);
  for (let i = 0; i < 5; i++) {
    const junk = Buffer.from(Array.from({ length: 64 }, () => rng.int(256)));
    const answer = await new Promise<string>((resolve) => {
      let bytes = '';
      const sock = connect({ host: '127.0.0.1', port, ca: g.ca.cert, servername: 'localhost' }, () => {
        sock.write(Buffer.concat([Buffer.from('GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer '), junk, Buffer.from('\r\n\r\n')]));
      });
      sock.setEncoding('latin1').on('data', (d: string) => (bytes += d));
      sock.on('error', () => resolve(bytes)).on('close', () => resolve(bytes));
    });
    t.regex(answer, /^HTTP\/1\.1 40[01] /, `raw junk #${i} (seed ${SEED})`);
  }
  t.is((await g.get(PATH, { headers: { Authorization: `Bearer ${good}` } })).code, 200, 'the gateway keeps serving');
  t.is((await g.get(PATH, { client: issue(g.ca, { ...ADMIN, usage: 'client' }) })).code, 200);
});

/** Tries a TLS connection with `client` and one request; resolves with whatever HTTP bytes came back. */
function handshake(g: Gateway, client: KeyPair): Promise<string> {
  const port = Number(new URL(g.url).port);
  return new Promise((resolve) => {
    let bytes = '';
    const s = connect({ host: '127.0.0.1', port, ca: g.ca.cert, servername: 'localhost', ...client }, () => s.write('GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    s.setEncoding('utf8').on('data', (d: string) => (bytes += d));
    s.on('error', () => resolve(bytes)).on('close', () => resolve(bytes));
  });
}

/** A self-signed certificate naming the admin (CN kubus-admin, O system:masters), made with openssl. */
function selfSigned(dir: string): KeyPair {
  const key = (generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey as KeyObject).export({ type: 'pkcs8', format: 'pem' }).toString();
  const keyPath = join(dir, 'self.key');
  writeFileSync(keyPath, key, { mode: 0o600 });
  execFileSync('openssl', ['req', '-x509', '-new', '-key', keyPath, '-subj', `/O=${ADMIN.orgs[0]}/CN=${ADMIN.cn}`, '-days', '1', '-out', join(dir, 'self.crt'), '-addext', 'extendedKeyUsage=clientAuth']);
  return { cert: readFileSync(join(dir, 'self.crt'), 'utf8'), key };
}

test('authn fuzz - forged client certificates (self-signed admin, another CA\'s admin) are refused at the TLS handshake; the real one works', async (t) => {
  const g = await secureGateway(t);
  const forged: Array<[string, KeyPair]> = [
    ['self-signed admin', selfSigned(g.dir)],
    ['another CA, CN kubus-admin in system:masters', issue(ensureCA(join(g.dir, 'other-ca')), { ...ADMIN, usage: 'client' })],
  ];
  for (const [what, cert] of forged) {
    t.is(await handshake(g, cert), '', `${what}: no HTTP answer`);
    await t.throwsAsync(g.get('/api/v1/namespaces', { client: cert }), undefined, what);
  }
  const real = await handshake(g, issue(g.ca, { ...ADMIN, usage: 'client' }));
  t.regex(real, /^HTTP\/1\.1 200 /, 'the CA-signed admin certificate is answered');
});
