// The gateway locked (issue 15): HTTPS with the kubus CA, client certificates (CN = user, O = groups),
// bearer tokens by TokenReview, 401 without credentials, a foreign CA's certificate refused at the TLS
// handshake; kubectl and @kubernetes/client-node through a kubeconfig with everything embedded.
import test from 'ava';
import { statSync } from 'node:fs';
import { connect } from 'node:tls';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { gatewayAuthenticator, TOKEN_CACHE_MS } from '../actors/gateway/authn.ts';
import type { ApiClient } from '../bus/client.ts';
import type { Clock } from '../bus/clock.ts';
import { ensureCA, issue } from '../runtime/pki.ts';
import { secureGateway } from './helpers/secure-gateway.ts';

test('gateway tls: kubectl with the admin kubeconfig gets and creates over HTTPS; a view-only user gets upstream 403 on create', async (t) => {
  const g = await secureGateway(t);
  t.true(g.url.startsWith('https://127.0.0.1:'));
  t.is(statSync(join(g.dir, 'pki', 'ca.key')).mode & 0o777, 0o600);
  const admin = g.kubeconfig('kubus-admin', ['system:masters']);
  const created = await g.kubectl(admin, ['create', 'configmap', 'c1', '--from-literal=a=b']);
  t.is(created.code, 0, created.stderr);
  t.regex((await g.kubectl(admin, ['get', 'configmaps'])).stdout, /^c1\s+1\s/m);
  t.is((await g.kubectl(admin, ['create', 'rolebinding', 'viewer', '--clusterrole=view', '--user=vera'])).code, 0);
  const vera = g.kubeconfig('vera', ['readers']);
  t.regex((await g.kubectl(vera, ['get', 'configmap', 'c1'])).stdout, /^c1\s/m);
  const denied = await g.kubectl(vera, ['create', 'configmap', 'c2']);
  t.is(denied.code, 1);
  t.is(denied.stderr.trim(), 'error: failed to create configmap: configmaps is forbidden: User "vera" cannot create resource "configmaps" in API group "" in the namespace "default"');
});

test('gateway tls: no credentials and a bad bearer token get upstream 401; a foreign CA certificate is refused at the handshake', async (t) => {
  const g = await secureGateway(t);
  const none = await g.get('/api/v1/namespaces');
  t.is(none.code, 401);
  t.like(none.body, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  t.is((await g.get('/version')).code, 401);
  t.is((await g.get('/api/v1/namespaces', { headers: { Authorization: 'Bearer not-a-token' } })).code, 401);
  t.is((await g.get('/api/v1/namespaces', { headers: { Authorization: 'Basic YTpi' } })).code, 401);
  // A certificate from this CA is the user; one naming system:masters from another CA never gets an HTTP answer.
  const ok = await g.get('/api/v1/namespaces', { client: issue(g.ca, { cn: 'root', orgs: ['system:masters'], usage: 'client' }) });
  t.is(ok.code, 200);
  const foreign = issue(ensureCA(join(g.dir, 'other-ca')), { cn: 'root', orgs: ['system:masters'], usage: 'client' });
  const port = Number(new URL(g.url).port);
  const answer = await new Promise<{ bytes: string; error?: string }>((resolve) => {
    let bytes = '';
    const s = connect({ host: '127.0.0.1', port, ca: g.ca.cert, servername: 'localhost', ...foreign }, () => s.write('GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n\r\n'));
    s.setEncoding('utf8').on('data', (d: string) => (bytes += d));
    s.on('error', (err) => resolve({ bytes, error: err.message })).on('close', () => resolve({ bytes }));
  });
  t.is(answer.bytes, '', 'no HTTP answer to a foreign certificate');
  await t.throwsAsync(g.get('/api/v1/namespaces', { client: foreign }));
});

test('gateway tls: @kubernetes/client-node works from the kubeconfig file alone', async (t) => {
  const g = await secureGateway(t);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(g.kubeconfig('kubus-admin', ['system:masters']));
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'from-node' } } });
  t.deepEqual((await core.listNamespacedConfigMap({ namespace: 'default' })).items.map((c) => c.metadata?.name), ['from-node']);
});

test('gateway tls: bearer tokens are reviewed by TokenReview, verdicts cached for 10 s by token hash', async (t) => {
  let now = 1_000_000;
  const asked: string[] = [];
  const client = {
    call: async (_resource: string, _verb: string, { body }: { body: { spec: { token: string } } }) => {
      asked.push(body.spec.token);
      return body.spec.token === 'good'
        ? { status: { authenticated: true, user: { username: 'system:serviceaccount:ci:robot', uid: 'u1', groups: ['system:serviceaccounts'] } } }
        : { status: { authenticated: false, error: 'invalid bearer token' } };
    },
  } as unknown as ApiClient;
  const authenticate = gatewayAuthenticator(client, { now: () => now } as Clock);
  const req = (authorization?: string) => ({ headers: authorization ? { authorization } : {}, socket: {} }) as never;
  t.deepEqual(await authenticate(req('Bearer good')), { username: 'system:serviceaccount:ci:robot', uid: 'u1', groups: ['system:serviceaccounts', 'system:authenticated'] });
  await authenticate(req('Bearer good'));
  t.deepEqual(asked, ['good']);
  const e = await t.throwsAsync(authenticate(req('Bearer bad')));
  t.like(e, { code: 401, reason: 'Unauthorized' });
  await t.throwsAsync(authenticate(req('Bearer bad')));
  t.deepEqual(asked, ['good', 'bad']);
  now += TOKEN_CACHE_MS;
  await authenticate(req('Bearer good'));
  t.deepEqual(asked, ['good', 'bad', 'good']);
  await t.throwsAsync(authenticate(req()));
});
