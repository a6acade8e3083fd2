// Abuse over HTTP (issue 15), as a user would try it: against `kubus up` with its defaults, a view-only
// user (`kubus kubeconfig --user viewer`, bound to view) gets upstream's 403 on writes through real
// kubectl and @kubernetes/client-node, a forged token 401; an expired token 401 too (signed by the
// API server's own key, on an in-process HTTPS gateway); the cluster keeps working after each. And a
// user's watch rides the gateway's shared watch only after its access review. `kubus up` runs with
// --audit-log: each denied request is in the log (ResponseComplete, 403 with decision forbid, or 401).
import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { decodeJwt, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { Auditor, type AuditEvent } from '../api/audit-event.ts';
import { METADATA_FOR_ALL } from '../api/audit-policy.ts';
import type { TokenRequest } from '../api/kinds/authentication.ts';
import type { KubeObject } from '../api/meta.ts';
import { SigningKeyRing } from '../actors/apiserver/authn/signing-key.ts';
import { gatewayAuthenticator } from '../actors/gateway/authn.ts';
import { close, createGatewayServer, listen } from '../actors/gateway/server.ts';
import { WatchCache } from '../actors/gateway/watch-cache.ts';
import { realClock } from '../bus/clock.ts';
import { silentLogger } from '../bus/types.ts';
import { ADMIN, ensureCA, gatewayTls, issue, type KeyPair } from '../runtime/pki.ts';
import { startApi } from './helpers/api.ts';
import { KUBECTL, runKubus, startKubus } from './helpers/proc.ts';
import { secureGateway } from './helpers/secure-gateway.ts';
import { waitFor } from './helpers/wait.ts';

type Run = { code: number; stdout: string; stderr: string };

const kubectlIn = (home: string) => (args: string[]) =>
  new Promise<Run>((resolve) =>
    execFile(KUBECTL, ['--cache-dir', join(home, 'kubectl-cache'), ...args], { env: { PATH: process.env.PATH, HOME: home }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })));

/** Returns the Status of a client-node call that must fail. */
async function apiFailure(t: ExecutionContext, call: Promise<unknown>): Promise<{ code: number; message: string; status?: { reason?: string; message?: string } }> {
  const err = await t.throwsAsync(call);
  t.true(err instanceof k8s.ApiException, String(err));
  const e = err as k8s.ApiException<unknown>;
  return { code: e.code, message: e.message, status: typeof e.body === 'string' ? JSON.parse(e.body) : (e.body as object | undefined) };
}

/** A client-node CoreV1Api that trusts `ca` and sends `token`. */
function tokenClient(server: string, ca: string, token: string): k8s.CoreV1Api {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, caData: Buffer.from(ca).toString('base64') }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc.makeApiClient(k8s.CoreV1Api);
}

// kubectl's words for a 401 (in discovery it says what the 401 means, not its reason).
const UNAUTHORIZED = /^error: You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)$/m;

test('http abuse - kubus up (defaults): a view-only user gets 403 on writes (kubectl, client-node), a forged token 401; the cluster keeps working', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'kubus-abuse-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const env = { KUBUS_HOME: home, HOME: home };
  const auditLog = join(home, 'audit.log');
  const up = startKubus(t, ['up', '--memory', '--port', '0', '--nodes', '1', '--log-level', 'warn', '--audit-log', auditLog], env);
  const [, url] = await up.waitFor(/Kubernetes API at (https:\/\/127\.0\.0\.1:\d+);/, 60_000);
  const [, admin] = await up.waitFor(/^export KUBECONFIG=(\S+)$/m);
  const kubectl = kubectlIn(home);
  const as = (config: string, args: string[]) => kubectl(['--kubeconfig', config, ...args]);
  let probes = 0;
  /** The admin still creates and reads, and node-0 is Ready. */
  const works = async (after: string) => {
    const made = await as(admin, ['create', 'configmap', `probe-${++probes}`]);
    t.is(made.code, 0, `${after}: ${made.stderr}`);
    await waitFor(async () => /^node-0\s+Ready\s/m.test((await as(admin, ['get', 'nodes'])).stdout), `node-0 Ready after ${after}`, 30_000, 200);
  };
  await works('start');

  const printed = await runKubus(['kubeconfig', '--user', 'viewer'], { env });
  t.is(printed.code, 0, printed.stderr);
  const viewer = join(home, 'viewer.kubeconfig');
  writeFileSync(viewer, printed.stdout);
  t.is((await as(admin, ['create', 'clusterrolebinding', 'viewer-view', '--clusterrole=view', '--user=viewer'])).code, 0);
  await waitFor(async () => (await as(viewer, ['get', 'configmaps'])).code === 0, 'the viewer reads', 10_000, 100);
  const denied: Array<[string[], string]> = [
    [['create', 'configmap', 'c'], 'error: failed to create configmap: configmaps is forbidden: User "viewer" cannot create resource "configmaps" in API group "" in the namespace "default"'],
    [['delete', 'configmap', 'probe-1'], 'Error from server (Forbidden): configmaps "probe-1" is forbidden: User "viewer" cannot delete resource "configmaps" in API group "" in the namespace "default"'],
    [['annotate', 'configmap', 'probe-1', 'x=y'], 'Error from server (Forbidden): configmaps "probe-1" is forbidden: User "viewer" cannot patch resource "configmaps" in API group "" in the namespace "default"'],
    [['create', 'clusterrolebinding', 'me-admin', '--clusterrole=cluster-admin', '--user=viewer'], 'error: failed to create clusterrolebinding: clusterrolebindings.rbac.authorization.k8s.io is forbidden: User "viewer" cannot create resource "clusterrolebindings" in API group "rbac.authorization.k8s.io" at the cluster scope'],
  ];
  for (const [args, text] of denied) {
    const r = await as(viewer, args);
    t.is(r.code, 1, args.join(' '));
    t.is(r.stderr.trim(), text);
    await works(`kubectl ${args.join(' ')}`);
  }

  const kc = new k8s.KubeConfig();
  kc.loadFromFile(viewer);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  t.true((await core.listNamespacedConfigMap({ namespace: 'default' })).items.length >= 1, 'client-node reads as the viewer');
  const create = await apiFailure(t, core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'c' } } }));
  t.like(create, { code: 403, status: { reason: 'Forbidden', message: 'configmaps is forbidden: User "viewer" cannot create resource "configmaps" in API group "" in the namespace "default"' } });
  const del = await apiFailure(t, core.deleteNode({ name: 'node-0' }));
  t.like(del, { code: 403, status: { reason: 'Forbidden', message: 'nodes "node-0" is forbidden: User "viewer" cannot delete resource "nodes" in API group "" at the cluster scope' } });
  await works('client-node writes');

  // A service account's real token, tampered with: 401 for kubectl and client-node.
  t.is((await as(admin, ['create', 'serviceaccount', 'robot'])).code, 0);
  const token = (await as(admin, ['create', 'token', 'robot'])).stdout.trim();
  const [h, p, s] = token.split('.');
  const ca = join(home, 'pki', 'ca.crt');
  const forged = [`${h}.${p}.${s!.slice(0, -6)}AAAAAA`, `${h}.${Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url')}.${s}`];
  for (const f of forged) {
    const r = await kubectl(['--kubeconfig', '/dev/null', '--server', url, '--certificate-authority', ca, '--token', f, 'get', 'pods']);
    t.is(r.code, 1);
    t.regex(r.stderr, UNAUTHORIZED);
    const viaNode = await apiFailure(t, tokenClient(url, readFileSync(ca, 'utf8'), f).listNamespacedPod({ namespace: 'default' }));
    // client-node keeps no body for a 401, only the code.
    t.like(viaNode, { code: 401 });
    t.regex(viaNode.message, /Unauthorized/);
    await works('a forged token');
  }
  up.child.kill('SIGINT');
  await up.waitFor(/stopped\./, 30_000);
  t.is(await up.exited, 0);

  // Each denial is in the audit log (written and closed by the stop): complete, its user, verb, object and code.
  const events = readFileSync(auditLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditEvent).filter((e) => e.stage === 'ResponseComplete');
  const forbidden = (verb: string, resource: string, name?: string) =>
    events.filter((e) => e.user.username === 'viewer' && e.verb === verb && e.objectRef?.resource === resource && e.objectRef?.name === name && e.responseStatus?.code === 403);
  const expected: Array<[string, string, string | undefined, number]> = [
    ['create', 'configmaps', undefined, 2], // kubectl and client-node
    ['delete', 'configmaps', 'probe-1', 1],
    ['patch', 'configmaps', 'probe-1', 1],
    ['create', 'clusterrolebindings', undefined, 1],
    ['delete', 'nodes', 'node-0', 1],
  ];
  for (const [verb, resource, name, count] of expected) {
    const found = forbidden(verb, resource, name);
    t.is(found.length, count, `${verb} ${resource} ${name ?? ''}`);
    for (const e of found) t.is(e.annotations?.['authorization.k8s.io/decision'], 'forbid', `${verb} ${resource}`);
  }
  t.like(forbidden('delete', 'nodes', 'node-0')[0], { level: 'Metadata', responseStatus: { reason: 'Forbidden', message: del.status!.message }, objectRef: { apiVersion: 'v1' } });
  t.true(forbidden('create', 'clusterrolebindings').every((e) => e.objectRef?.apiGroup === 'rbac.authorization.k8s.io'));
  // The forged tokens: client-node's list of pods, each answered 401 as the anonymous user, never authorized.
  const refused = events.filter((e) => e.responseStatus?.code === 401 && e.objectRef?.resource === 'pods' && e.verb === 'list');
  t.true(refused.length >= forged.length, `${refused.length} 401s for pods`);
  for (const e of refused) {
    t.is(e.user.username, 'system:anonymous');
    t.is(e.annotations?.['authorization.k8s.io/decision'], undefined);
  }
});

test('http abuse - an expired token (signed by the API server\'s own key) gets 401 from kubectl and client-node; the admin keeps working', async (t) => {
  // The gateway audits what it answers itself (a 401 never reaches the API server) into `audited`.
  const audited: AuditEvent[] = [];
  const g = await secureGateway(t, { audit: new Auditor(METADATA_FOR_ALL, { write: (e) => audited.push(e) }, () => Date.now(), () => randomUUID()) });
  const c = g.env.client;
  await c.create<KubeObject>('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot', namespace: 'default' } });
  const good = (await c.createToken<TokenRequest>('default', 'robot', {})).status!.token;
  const key = await new SigningKeyRing(g.env.store).key();
  const now = Math.floor(Date.now() / 1000);
  const expired = await new SignJWT({ ...decodeJwt(good), iat: now - 7200, nbf: now - 7200, exp: now - 3600 }).setProtectedHeader({ alg: 'RS256', kid: key.kid }).sign(key.privateKey);
  const ca = join(g.dir, 'ca.crt');
  writeFileSync(ca, g.ca.cert);
  const r = await g.kubectl('/dev/null', ['--server', g.url, '--certificate-authority', ca, '--token', expired, 'get', 'pods']);
  t.is(r.code, 1);
  t.regex(r.stderr, UNAUTHORIZED);
  const viaNode = await apiFailure(t, tokenClient(g.url, g.ca.cert, expired).listNamespacedPod({ namespace: 'default' }));
  // client-node keeps no body for a 401, only the code.
  t.like(viaNode, { code: 401 });
  t.regex(viaNode.message, /Unauthorized/);
  // Both refusals are in the audit log: kubectl's (at discovery) and client-node's list of pods, as the anonymous user.
  const refused = audited.filter((e) => e.stage === 'ResponseComplete' && e.responseStatus?.code === 401);
  t.true(refused.length >= 2, `${refused.length} 401s audited`);
  t.true(refused.every((e) => e.user.username === 'system:anonymous' && e.annotations?.['authorization.k8s.io/decision'] === undefined));
  t.like(refused.find((e) => e.objectRef?.resource === 'pods'), { verb: 'list', objectRef: { namespace: 'default' }, requestURI: '/api/v1/namespaces/default/pods' });
  // The same account's live token is authenticated (403: robot has no role), and the admin writes.
  const live = await g.kubectl('/dev/null', ['--server', g.url, '--certificate-authority', ca, '--token', good, 'get', 'pods']);
  t.regex(live.stderr, /pods is forbidden: User "system:serviceaccount:default:robot" cannot list resource "pods"/);
  t.is((await g.kubectl(g.kubeconfig('kubus-admin', ['system:masters']), ['create', 'configmap', 'after'])).code, 0);
});

/** An HTTPS gateway whose shared watches the test holds. */
async function watchingGateway(t: ExecutionContext) {
  const env = await startApi(t);
  const dir = mkdtempSync(join(tmpdir(), 'kubus-abuse-watch-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const ca = ensureCA(join(dir, 'pki'));
  const client = env.connect('gateway');
  const cache = new WatchCache(silentLogger);
  const server = createGatewayServer({ client, clock: realClock, log: silentLogger, watches: cache, authenticate: gatewayAuthenticator(client, realClock) }, undefined, gatewayTls(ca, '127.0.0.1')) as unknown as Server;
  const url = await listen(server as never, '127.0.0.1:0');
  t.teardown(() => close(server as never));
  const cert = (user: string, groups: string[] = []) => issue(ca, { cn: user, orgs: groups, usage: 'client' });
  /** Opens an HTTPS watch as `who`; `lines` fills as events come; `answer` is the status code. */
  const watch = (who: KeyPair, path: string) => {
    const lines: string[] = [];
    let body = '';
    let res: IncomingMessage | undefined;
    let ended = false;
    const req = request(url + path, { ca: ca.cert, ...who }, (r) => {
      res = r;
      r.on('end', () => (ended = true));
      r.setEncoding('utf8').on('data', (d: string) => {
        body += d;
        lines.push(...d.split('\n').filter(Boolean));
      });
    });
    req.on('error', () => {}).end();
    t.teardown(() => req.destroy());
    return { lines, body: () => body, status: () => res?.statusCode, ended: () => ended };
  };
  return { env, cache, cert, watch };
}

test('http abuse - a user\'s watch from a resourceVersion rides the shared watch once its access review allows it; otherwise upstream\'s 403', async (t) => {
  const { env, cache, cert, watch } = await watchingGateway(t);
  const c = env.client;
  const rbac = (resource: string, o: Record<string, unknown>) => c.create<KubeObject>(resource, { apiVersion: 'rbac.authorization.k8s.io/v1', ...o } as unknown as KubeObject);
  const user = (name: string) => [{ kind: 'User', name, apiGroup: 'rbac.authorization.k8s.io' }];
  await rbac('rolebindings', { kind: 'RoleBinding', metadata: { name: 'vera-view', namespace: 'default' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: user('vera') });
  await rbac('roles', { kind: 'Role', metadata: { name: 'one-only', namespace: 'default' }, rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['one'], verbs: ['get', 'list', 'watch'] }] });
  await rbac('rolebindings', { kind: 'RoleBinding', metadata: { name: 'nina-one', namespace: 'default' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'one-only' }, subjects: user('nina') });
  const cm = (name: string) => c.create<KubeObject>('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' } } as KubeObject);
  const rv = (await cm('first')).metadata.resourceVersion;
  const path = `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}`;
  const veras = [watch(cert('vera'), path), watch(cert('vera'), path)];
  await waitFor(() => cache.watching === 2, 'both of vera\'s watches on the shared one', 10_000);
  t.is(cache.size, 1, 'one shared (bus) watch for both');
  await cm('second');
  await waitFor(() => veras.every((w) => w.lines.some((l) => l.includes('"second"'))), 'both see the new configmap', 10_000);
  t.deepEqual(veras.map((w) => w.status()), [200, 200]);

  const denied = async (who: string, p: string, message: string) => {
    const w = watch(cert(who), p);
    await waitFor(() => w.ended(), `${who} answered`, 10_000);
    t.is(w.status(), 403);
    t.like(JSON.parse(w.body()), { kind: 'Status', reason: 'Forbidden', code: 403, message });
  };
  await denied('nobody', path, 'configmaps is forbidden: User "nobody" cannot watch resource "configmaps" in API group "" in the namespace "default"');
  // A watch of one name is reviewed as that name, as the API server authorizes its own watch.
  await denied('nina', path, 'configmaps is forbidden: User "nina" cannot watch resource "configmaps" in API group "" in the namespace "default"');
  const nina = watch(cert('nina'), `${path}&fieldSelector=metadata.name%3Done`);
  await waitFor(() => cache.watching === 3, 'nina\'s watch of one on a shared one', 10_000);
  await cm('one');
  await waitFor(() => nina.lines.some((l) => l.includes('"one"')), 'nina sees configmap one', 10_000);
  t.is(nina.status(), 200);
  t.false(nina.lines.some((l) => l.includes('"second"')), 'and nothing else');
  t.is(cache.watching, 3, 'the denied watches never joined');
});
