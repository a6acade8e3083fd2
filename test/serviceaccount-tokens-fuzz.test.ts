// TokenReview against bad tokens, on the API server's token code with a clock the test moves: expired
// and not-yet-valid tokens, `none`, HMAC and foreign-key signatures, tampered claims, and fuzzed strings
// are all refused with an error (authenticated false), never a crash; the signing key is created once
// per store even when two API servers ask at the same time.
import test from 'ava';
import fc from 'fast-check';
import { exportSPKI, generateKeyPair, SignJWT, decodeJwt } from 'jose';
import type { TokenReview } from '../api/kinds/authentication.ts';
import type { ApiRequest } from '../api/protocol.ts';
import { resourceFor } from '../api/resources.ts';
import { ISSUER } from '../actors/apiserver/authn/claims.ts';
import { SigningKeyRing } from '../actors/apiserver/authn/signing-key.ts';
import { requestToken } from '../actors/apiserver/authn/token-request.ts';
import { answerTokenReview } from '../actors/apiserver/authn/token-review.ts';
import type { ServerContext } from '../actors/apiserver/context.ts';
import { FileStore, MemoryStore } from '../actors/apiserver/store/index.ts';
import { seededRng } from '../bus/random.ts';
import { tempDir } from './fixtures/store-helpers.ts';

const T0 = Date.UTC(2030, 0, 1);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** The API server's token code over a store holding one service account and its pod, at a time the test sets. */
async function setup() {
  const store = new MemoryStore();
  let now = T0;
  const ctx = { store, clock: { now: () => now, setTimeout: () => 0, clearTimeout: () => {} }, rng: seededRng(7) } as unknown as ServerContext;
  await store.txn({ op: 'create', key: '/registry/serviceaccounts/default/bot', value: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bot', namespace: 'default', uid: 'sa-uid' } } });
  const keys = new SigningKeyRing(store);
  const def = resourceFor('tokenreviews')!;
  const issue = async (spec: Record<string, unknown> = {}) =>
    (await requestToken(ctx, keys, { namespace: 'default', name: 'bot', body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec } } as unknown as ApiRequest)).status!.token;
  const review = async (token: unknown, audiences?: string[]) =>
    (await answerTokenReview(ctx, keys, def, 'create', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: { token, audiences } } } as unknown as ApiRequest) as TokenReview).status!;
  return { store, keys, issue, review, at: (ms: number) => (now = ms) };
}

test('token fuzz - expiry and not-before, with upstream\'s minute of leeway', async (t) => {
  const s = await setup();
  const token = await s.issue({ expirationSeconds: 600 });
  s.at(T0 + 659_000);
  t.true((await s.review(token)).authenticated, 'within the leeway');
  s.at(T0 + 661_000);
  t.deepEqual(await s.review(token), { authenticated: false, user: {}, error: 'service account token has expired' });
  s.at(T0 - 61_000);
  t.is((await s.review(token)).error, 'service account token is not valid yet');
});

test('token fuzz - only this server\'s RS256 key: none, HMAC (even keyed with the public key), other keys and tampered claims are refused', async (t) => {
  const s = await setup();
  const good = await s.issue();
  const claims = decodeJwt(good);
  const [header, , signature] = good.split('.');
  const refused = async (token: string, why: RegExp) => {
    const r = await s.review(token);
    t.false(r.authenticated);
    t.regex(r.error!, why);
  };
  await refused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`, /^invalid bearer token, /);
  const publicPem = await exportSPKI((await s.keys.key()).publicKey);
  await refused(await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(publicPem)), /^invalid bearer token, /);
  for (const alg of ['RS256', 'ES256', 'PS256'] as const) {
    const other = await generateKeyPair(alg);
    await refused(await new SignJWT(claims).setProtectedHeader({ alg }).sign(other.privateKey), /^invalid bearer token, /);
  }
  // Another account's claims under the genuine header and signature.
  const forged = { ...claims, sub: 'system:serviceaccount:kube-system:admin', 'kubernetes.io': { namespace: 'kube-system', serviceaccount: { name: 'admin', uid: 'x' } } };
  await refused(`${header}.${b64(forged)}.${signature}`, /^invalid bearer token, signature verification failed/);
  await refused(`${header}.${b64({ ...claims, iss: 'https://elsewhere' })}.${signature}`, /^invalid bearer token, /);
  t.true((await s.review(good)).authenticated, 'the genuine token still holds');
});

test('token fuzz - arbitrary strings and JWT-shaped garbage are refused with an error, never a crash', async (t) => {
  const s = await setup();
  const part = fc.oneof(fc.base64String(), fc.string(), fc.json().map((j) => Buffer.from(j).toString('base64url')), fc.constant(b64({ alg: 'RS256' })));
  const token = fc.oneof(fc.string(), fc.tuple(part, part, part).map((p) => p.join('.')), fc.array(part, { maxLength: 6 }).map((p) => p.join('.')));
  await fc.assert(
    fc.asyncProperty(token, async (tk) => {
      if (tk === '') return (await s.review(tk).then(() => 'answered', (err: Error) => err.message)) === 'token is required for TokenReview in authentication';
      const r = await s.review(tk);
      return r.authenticated === false && typeof r.error === 'string' && r.error.length > 0;
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('token fuzz - a changed character anywhere authenticates only when it decodes to the same bytes', async (t) => {
  const s = await setup();
  const good = await s.issue();
  const decoded = (tk: string) => tk.split('.').map((p) => Buffer.from(p, 'base64url').toString('hex')).join('.');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=!';
  await fc.assert(
    fc.asyncProperty(fc.nat(good.length - 1), fc.constantFrom(...alphabet), async (i, c) => {
      const tk = good.slice(0, i) + c + good.slice(i + 1);
      const r = await s.review(tk);
      return r.authenticated ? decoded(tk) === decoded(good) && tk.split('.').length === 3 : typeof r.error === 'string';
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('token fuzz - two API servers creating the key at once end up signing with the same one', async (t) => {
  const store = new MemoryStore();
  const [a, b] = await Promise.all([new SigningKeyRing(store).key(), new SigningKeyRing(store).key()]);
  t.is(a.kid, b.kid);
  t.is(typeof a.kid, 'string');
  t.true(store.get('/registry/kubus-internal/serviceaccount-signing-key') !== undefined);
  t.is(ISSUER, 'https://kubernetes.default.svc.cluster.local');
});

test('token fuzz - the file store keeps the key: an API server restarted on the same data dir verifies the old tokens', async (t) => {
  const dir = await tempDir(t, 'kubus-sa-key-');
  const first = await FileStore.open(dir);
  const kid = (await new SigningKeyRing(first).key()).kid;
  await first.close();
  const again = await FileStore.open(dir);
  t.teardown(() => again.close());
  t.is((await new SigningKeyRing(again).key()).kid, kid);
});

test('token fuzz - a deleted service account invalidates its tokens; TokenRequest defaults and refuses as upstream', async (t) => {
  const s = await setup();
  const token = await s.issue({ audiences: ['a'] });
  t.true((await s.review(token, ['a'])).authenticated);
  await s.store.txn({ op: 'delete', key: '/registry/serviceaccounts/default/bot' });
  t.deepEqual(await s.review(token, ['a']), { authenticated: false, user: {}, error: 'service account token has been invalidated' });
  await t.throwsAsync(s.issue(), { message: 'serviceaccounts "bot" not found' });
  const tooLong = s.issue({ expirationSeconds: 2 ** 32 + 1 });
  await t.throwsAsync(tooLong, { message: /may not specify a duration larger than 2\^32 seconds/ });
});
