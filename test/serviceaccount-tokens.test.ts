// ServiceAccount tokens over the bus: TokenRequest (serviceaccounts/<name>/token) signs a JWT with
// upstream's claims; TokenReview authenticates it while the service account (and the bound pod) still
// holds, with the audiences asked for; both are authorized with RBAC when the request has a user.
import test from 'ava';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { TokenRequest, TokenReview } from '../api/kinds/authentication.ts';
import type { KubeObject } from '../api/meta.ts';
import { ISSUER } from '../actors/apiserver/authn/claims.ts';
import { pod, startApi, statusOf, type ApiEnv } from './helpers/api.ts';

const AUTHN = 'authentication.k8s.io/v1';
const sa = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'default' } });
const reviewOf = (token: string, audiences?: string[]) => ({ apiVersion: AUTHN, kind: 'TokenReview', metadata: {}, spec: { token, ...(audiences ? { audiences } : {}) } }) as unknown as KubeObject;
const review = (env: ApiEnv, token: string, audiences?: string[]) => env.client.create<KubeObject>('tokenreviews', reviewOf(token, audiences)) as unknown as Promise<TokenReview>;
const tokenFor = (env: ApiEnv, name: string, spec: Record<string, unknown> = {}) => env.client.createToken<TokenRequest>('default', name, spec);

test('tokens - a TokenRequest signs upstream\'s claims, and a TokenReview authenticates the service account', async (t) => {
  const env = await startApi(t);
  const bot = await env.client.create('serviceaccounts', sa('bot'));
  const before = Math.floor(Date.now() / 1000);
  const tr = await tokenFor(env, 'bot');
  t.is(tr.kind, 'TokenRequest');
  t.deepEqual(tr.spec.audiences, [ISSUER]);
  t.is(tr.spec.expirationSeconds, 3600);
  const claims = decodeJwt(tr.status!.token);
  t.is(decodeProtectedHeader(tr.status!.token).alg, 'RS256');
  t.is(claims.iss, ISSUER);
  t.is(claims.sub, 'system:serviceaccount:default:bot');
  t.deepEqual(claims.aud, [ISSUER]);
  t.true(claims.iat! >= before && claims.nbf === claims.iat);
  t.is(claims.exp! - claims.iat!, 3600);
  t.is(tr.status!.expirationTimestamp, new Date(claims.exp! * 1000).toISOString().replace('.000Z', 'Z'));
  t.deepEqual(claims['kubernetes.io'], { namespace: 'default', serviceaccount: { name: 'bot', uid: bot.metadata.uid } });

  const r = await review(env, tr.status!.token);
  t.is(r.status!.authenticated, true);
  t.deepEqual(r.status!.audiences, [ISSUER]);
  t.is(r.status!.user!.username, 'system:serviceaccount:default:bot');
  t.is(r.status!.user!.uid, bot.metadata.uid);
  t.deepEqual(r.status!.user!.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
  t.deepEqual(r.status!.user!.extra, { 'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`] });
  t.is((await statusOf(env.client.list('tokenreviews'))).code, 405, 'create-only: never stored, nothing to list');
});

test('tokens - a pod-bound token holds while its pod and service account do, with the same uids', async (t) => {
  const env = await startApi(t);
  await env.client.create('serviceaccounts', sa('bot'));
  const p = await env.client.create('pods', pod('web', { serviceAccountName: 'bot' }));
  const tr = await tokenFor(env, 'bot', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' }, expirationSeconds: 600 });
  t.deepEqual(decodeJwt(tr.status!.token)['kubernetes.io'], { namespace: 'default', serviceaccount: { name: 'bot', uid: (await env.client.get('serviceaccounts', 'bot', { namespace: 'default' })).metadata.uid }, pod: { name: 'web', uid: p.metadata.uid } });
  const ok = await review(env, tr.status!.token);
  t.true(ok.status!.authenticated);
  t.deepEqual(ok.status!.user!.extra!['authentication.kubernetes.io/pod-name'], ['web']);
  t.deepEqual(ok.status!.user!.extra!['authentication.kubernetes.io/pod-uid'], [p.metadata.uid]);

  await env.client.delete('pods', 'web', { namespace: 'default', gracePeriodSeconds: 0 });
  const gone = await review(env, tr.status!.token);
  t.is(gone.status!.authenticated, false);
  t.is(gone.status!.error, 'service account token has been invalidated');
  t.deepEqual(gone.status!.user, {});

  // The service account deleted and created again: same name, another uid.
  const plain = await tokenFor(env, 'bot');
  await env.client.delete('serviceaccounts', 'bot', { namespace: 'default' });
  t.is((await review(env, plain.status!.token)).status!.error, 'service account token has been invalidated');
  const again = await env.client.create('serviceaccounts', sa('bot'));
  const uid = decodeJwt(plain.status!.token)['kubernetes.io'] as { serviceaccount: { uid: string } };
  t.is((await review(env, plain.status!.token)).status!.error, `service account UID (${again.metadata.uid}) does not match claim (${uid.serviceaccount.uid})`);
});

test('tokens - TokenRequest refuses as upstream: short durations, unknown accounts, and bound objects that do not fit', async (t) => {
  const env = await startApi(t);
  await env.client.create('serviceaccounts', sa('bot'));
  await env.client.create('pods', pod('other-sa', { serviceAccountName: 'someone' }));
  const short = await statusOf(tokenFor(env, 'bot', { expirationSeconds: 599 }));
  t.is(short.code, 422);
  t.regex(short.message, /spec\.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes/);
  t.is((await statusOf(tokenFor(env, 'nobody'))).message, 'serviceaccounts "nobody" not found');
  t.is((await statusOf(tokenFor(env, 'bot', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'missing' } }))).message, 'pods "missing" not found');
  t.is((await statusOf(tokenFor(env, 'bot', { boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: 'n1' } }))).code, 400);
  const uid = await statusOf(tokenFor(env, 'bot', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'other-sa', uid: 'not-it' } }));
  t.is(uid.code, 409);
  t.is((await statusOf(tokenFor(env, 'bot', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'other-sa' } }))).message,
    'cannot bind token for serviceaccount "bot" to pod running with different serviceaccount name.');
  t.is((await statusOf(env.client.create('tokenreviews', { ...reviewOf(''), spec: {} } as KubeObject))).message, 'token is required for TokenReview in authentication');
});

test('tokens - audiences: a token holds only for the audiences it names, status.audiences is the overlap', async (t) => {
  const env = await startApi(t);
  await env.client.create('serviceaccounts', sa('bot'));
  const tr = await tokenFor(env, 'bot', { audiences: ['vault', 'other'] });
  t.deepEqual(decodeJwt(tr.status!.token).aud, ['vault', 'other']);
  const api = await review(env, tr.status!.token);
  t.is(api.status!.authenticated, false, 'not for the API server by default');
  t.is(api.status!.error, `token audiences ["vault" "other"] is invalid for the target audiences ["${ISSUER}"]`);
  const vault = await review(env, tr.status!.token, ['vault', 'elsewhere']);
  t.true(vault.status!.authenticated);
  t.deepEqual(vault.status!.audiences, ['vault']);
});

test('tokens - with a user, RBAC decides: create serviceaccounts/token and create tokenreviews', async (t) => {
  const env = await startApi(t);
  await env.client.create('serviceaccounts', sa('bot'));
  const jane = env.client.as({ username: 'jane' });
  t.is((await statusOf(jane.createToken('default', 'bot'))).message,
    'serviceaccounts "bot" is forbidden: User "jane" cannot create resource "serviceaccounts/token" in API group "" in the namespace "default"');
  t.is((await statusOf(jane.create('tokenreviews', reviewOf('x')))).message,
    'tokenreviews.authentication.k8s.io is forbidden: User "jane" cannot create resource "tokenreviews" in API group "authentication.k8s.io" at the cluster scope');
  // The default edit role in the namespace may request tokens; a ClusterRole as the scheduler's may review them.
  const RBAC = 'rbac.authorization.k8s.io';
  await env.client.create('clusterroles', { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'reviewer' }, rules: [{ apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] }] } as unknown as KubeObject);
  await env.client.create('rolebindings', { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'jane-edit', namespace: 'default' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'edit' }, subjects: [{ kind: 'User', apiGroup: RBAC, name: 'jane' }] } as unknown as KubeObject);
  await env.client.create('clusterrolebindings', { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'jane-delegator' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'reviewer' }, subjects: [{ kind: 'User', apiGroup: RBAC, name: 'jane' }] } as unknown as KubeObject);
  const tr = await jane.createToken<TokenRequest>('default', 'bot');
  t.true(((await jane.create('tokenreviews', reviewOf(tr.status!.token))) as unknown as TokenReview).status!.authenticated);
});

test('tokens - a second API server on the same store verifies the first one\'s tokens (one key, kept in the store)', async (t) => {
  const { MemoryStore } = await import('../actors/apiserver/store/index.ts');
  const store = new MemoryStore();
  const first = await startApi(t, { store });
  await first.client.create('serviceaccounts', sa('bot'));
  const tr = await tokenFor(first, 'bot');
  const second = await startApi(t, { store });
  t.true((await review(second, tr.status!.token)).status!.authenticated);
});
