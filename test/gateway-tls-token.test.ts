// Bearer tokens on the HTTPS gateway, reviewed by the API server's TokenReview: a service account's
// token (kubectl create token) is that account, RBAC applies to it; a forged one is 401.
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { secureGateway } from './helpers/secure-gateway.ts';

test('gateway tls token - a service account token authenticates as the account; view-only gets 403 on create; forged gets 401', async (t) => {
  const g = await secureGateway(t);
  const admin = g.kubeconfig('kubus-admin', ['system:masters']);
  t.is((await g.kubectl(admin, ['create', 'serviceaccount', 'robot'])).code, 0);
  t.is((await g.kubectl(admin, ['create', 'rolebinding', 'robot-view', '--clusterrole=view', '--serviceaccount=default:robot'])).code, 0);
  const created = await g.kubectl(admin, ['create', 'token', 'robot']);
  t.is(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  const bearer = (tok: string) => ({ headers: { Authorization: `Bearer ${tok}` } });
  const list = await g.get('/api/v1/namespaces/default/configmaps', bearer(token));
  t.is(list.code, 200);
  t.is(list.body.kind, 'ConfigMapList');
  // kubectl with only the CA and the token (a client certificate would be taken first, as upstream's authenticators).
  const ca = join(g.dir, 'ca.crt');
  writeFileSync(ca, g.ca.cert);
  const denied = await g.kubectl('/dev/null', ['--server', g.url, '--certificate-authority', ca, '--token', token, 'create', 'configmap', 'c']);
  t.regex(denied.stderr, /configmaps is forbidden: User "system:serviceaccount:default:robot" cannot create resource "configmaps" in API group "" in the namespace "default"/);
  const forged = await g.get('/api/v1/namespaces/default/configmaps', bearer(`${token.slice(0, -4)}AAAA`));
  t.is(forged.code, 401);
  t.like(forged.body, { reason: 'Unauthorized', message: 'Unauthorized' });
});
