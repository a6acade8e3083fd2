// ServiceAccount tokens through the real kubectl: `kubectl create token` (serviceaccounts/<name>/token)
// prints a token that a TokenReview created from a file authenticates; discovery lists both as upstream.
import test from 'ava';
import { decodeJwt } from 'jose';
import { parse, stringify } from 'yaml';
import { startGateway } from './helpers/gateway.ts';

test('tokens kubectl - create token default, then create -f tokenreview.yaml -o yaml authenticates it', async (t) => {
  const g = await startGateway(t);
  t.is((await g.kubectl(['create', 'serviceaccount', 'default'])).code, 0);
  const created = await g.kubectl(['create', 'token', 'default', '--duration=20m', '--audience=https://kubernetes.default.svc.cluster.local']);
  t.is(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  const claims = decodeJwt(token);
  t.is(claims.sub, 'system:serviceaccount:default:default');
  t.is(claims.exp! - claims.iat!, 1200);

  const review = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } };
  const reviewed = await g.kubectl(['create', '-f', '-', '-o', 'yaml'], stringify(review));
  t.is(reviewed.code, 0, reviewed.stderr);
  const status = parse(reviewed.stdout).status;
  t.true(status.authenticated);
  t.is(status.user.username, 'system:serviceaccount:default:default');
  t.deepEqual(status.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);

  const forged = await g.kubectl(['create', '-f', '-', '-o', 'yaml'], stringify({ ...review, spec: { token: `${token.slice(0, -4)}AAAA` } }));
  t.is(forged.code, 0, forged.stderr);
  t.false(parse(forged.stdout).status.authenticated ?? false);
  t.regex(parse(forged.stdout).status.error, /^invalid bearer token, /);

  t.regex((await g.kubectl(['create', 'token', 'nobody'])).stderr, /serviceaccounts "nobody" not found/);
});

test('tokens kubectl - discovery: tokenreviews in authentication.k8s.io/v1, serviceaccounts/token in v1', async (t) => {
  const g = await startGateway(t);
  const resources = await g.kubectl(['api-resources', '--api-group=authentication.k8s.io', '-o', 'wide']);
  t.regex(resources.stdout, /tokenreviews\s+authentication\.k8s\.io\/v1\s+false\s+TokenReview\s+create/);
  const core = JSON.parse((await g.kubectl(['get', '--raw', '/api/v1'])).stdout) as { resources: Array<{ name: string; kind: string; group?: string; version?: string; verbs: string[] }> };
  const sub = core.resources.find((r) => r.name === 'serviceaccounts/token');
  t.like(sub, { kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] });
});
