// Audit of real requests: the API server's bus requests (one event pair each, the authorization
// decision in it) and HTTP requests through the gateway (kubectl's URI, address and user agent in the
// API server's event; a 401 and a non-resource path written by the gateway itself).
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Auditor, type AuditEvent } from '../api/audit-event.ts';
import { checkPolicy, METADATA_FOR_ALL, type AuditPolicy } from '../api/audit-policy.ts';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { unauthorized } from '../actors/gateway/authn.ts';
import { close, createGatewayServer, listen } from '../actors/gateway/server.ts';
import type { UserInfo } from '../api/protocol.ts';
import type { Status } from '../api/status.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { seededRng } from '../bus/random.ts';
import { apiSubject, unwatchSubject, watchOwner } from '../bus/subjects.ts';
import { silentLogger } from '../bus/types.ts';
import { serving } from '../runtime/control-plane.ts';
import { Host } from '../runtime/host.ts';
import { writeKubeconfig } from '../runtime/kubeconfig.ts';
import { statusOf } from './helpers/api.ts';
import { KUBECTL } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

/** An API server and a plain-HTTP gateway (optionally authenticating) sharing one auditor that writes into an array. */
async function auditedCluster(t: import('ava').ExecutionContext, policy: AuditPolicy = METADATA_FOR_ALL, authenticate?: Parameters<typeof createGatewayServer>[0]['authenticate']) {
  const events: AuditEvent[] = [];
  const rng = seededRng(7);
  const auditor = new Auditor(policy, { write: (e) => events.push(e) }, () => realClock.now(), () => rng.uuid());
  const broker = new MemoryBroker({ clock: realClock, rng: seededRng(1) });
  const host = new Host({ bus: broker.connect('control-plane'), clock: realClock, rng: seededRng(2), log: silentLogger });
  await serving(host.start(apiserverActor, 'apiserver', { store: new MemoryStore(), audit: auditor }));
  const client = new ApiClient(broker.connect('client'), { clock: realClock });
  const gatewayBus = broker.connect('gateway');
  const server = createGatewayServer({ client: new ApiClient(gatewayBus, { clock: realClock }), clock: realClock, log: silentLogger, auditor, authenticate });
  const url = await listen(server, '127.0.0.1:0');
  t.teardown(async () => {
    await close(server);
    await client.bus.close();
    await gatewayBus.close();
    await host.stopAll();
  });
  return { events, client, url, host };
}

const get = (url: string, path: string, headers: Record<string, string> = {}) =>
  new Promise<{ code: number; auditId: string }>((resolve, reject) => {
    const req = request(url + path, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ code: res.statusCode!, auditId: String(res.headers['audit-id'] ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { a: '1' } });

test('audit - a bus request gives one RequestReceived/ResponseComplete pair in upstream Event shape', async (t) => {
  const { events, client } = await auditedCluster(t);
  events.length = 0;
  await client.create('configmaps', cm('one'));
  const mine = events.filter((e) => e.objectRef?.name === 'one' || e.requestURI === '/api/v1/namespaces/default/configmaps');
  t.deepEqual(mine.map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
  const done = mine[1];
  t.is(done.kind, 'Event');
  t.is(done.apiVersion, 'audit.k8s.io/v1');
  t.is(done.level, 'Metadata');
  t.regex(done.auditID, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.is(done.auditID, mine[0].auditID);
  t.is(done.verb, 'create');
  t.is(done.requestURI, '/api/v1/namespaces/default/configmaps');
  t.deepEqual(done.objectRef, { resource: 'configmaps', namespace: 'default', apiGroup: '', apiVersion: 'v1' });
  t.deepEqual(done.responseStatus, { metadata: {}, code: 201 });
  t.is(done.user.username, 'system:kubus:trusted-caller');
  t.regex(done.userAgent ?? '', /^kubus-bus/);
  t.regex(done.requestReceivedTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  t.regex(done.stageTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  t.is(done.annotations?.['authorization.k8s.io/decision'], 'allow');
  t.is(done.requestObject, undefined);
  t.is(done.responseObject, undefined);
});

test('audit - a denied request shows decision forbid and the 403 Status', async (t) => {
  const { events, client } = await auditedCluster(t);
  const err = await statusOf(client.as({ username: 'jane', groups: ['devs'] }).get('secrets', 'token', { namespace: 'default' }));
  t.is(err.status.code, 403);
  const done = events.find((e) => e.stage === 'ResponseComplete' && e.objectRef?.resource === 'secrets')!;
  t.truthy(done);
  t.is(done.user.username, 'jane');
  t.deepEqual(done.user.groups, ['devs', 'system:authenticated']);
  t.is(done.verb, 'get');
  t.is(done.requestURI, '/api/v1/namespaces/default/secrets/token');
  t.is(done.annotations?.['authorization.k8s.io/decision'], 'forbid');
  t.is(done.responseStatus?.code, 403);
  t.is(done.responseStatus?.reason, 'Forbidden');
  t.regex(done.responseStatus?.message ?? '', /User "jane" cannot get resource "secrets" in API group "" in the namespace "default"/);
});

test('audit - a node claiming another user is written as the node, the claim as impersonatedUser, decision forbid', async (t) => {
  const { events, client } = await auditedCluster(t);
  events.length = 0;
  const admin = { username: 'kubus-admin', groups: ['system:masters'] };
  const reply = await client.bus.request(apiSubject('configmaps', 'create', 'node_n1'), { namespace: 'default', body: cm('claimed'), user: admin });
  t.is((reply.data as Status).code, 403);
  const mine = events.filter((e) => e.objectRef?.resource === 'configmaps');
  t.deepEqual(mine.map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
  const done = mine[1];
  t.is(done.user.username, 'system:node:n1');
  t.deepEqual(done.user.groups, ['system:nodes', 'system:authenticated']);
  t.deepEqual(done.impersonatedUser, admin);
  t.is(done.annotations?.['authorization.k8s.io/decision'], 'forbid');
  t.is(done.responseStatus?.code, 403);
  // A node's own request is still written as the node, with no impersonation.
  events.length = 0;
  const own = await client.bus.request(apiSubject('configmaps', 'get', 'node_n1'), { namespace: 'default', name: 'x' });
  t.is((own.data as Status).code, 403);
  const ownDone = events.find((e) => e.stage === 'ResponseComplete' && e.objectRef?.resource === 'configmaps')!;
  t.is(ownDone.user.username, 'system:node:n1');
  t.is(ownDone.impersonatedUser, undefined);
});

test('audit - RequestResponse carries both objects; a policy of None writes nothing', async (t) => {
  const policy = checkPolicy({
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    rules: [
      { level: 'None', resources: [{ group: '', resources: ['secrets'] }] },
      { level: 'RequestResponse', resources: [{ group: '', resources: ['configmaps'] }] },
    ],
  });
  const { events, client } = await auditedCluster(t, policy);
  events.length = 0;
  await client.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, stringData: { k: 'v' } } as never);
  await client.list('secrets', { namespace: 'default' });
  t.is(events.length, 0);
  await client.create('configmaps', cm('two'));
  const done = events.find((e) => e.stage === 'ResponseComplete')!;
  t.is((done.requestObject as { metadata: { name: string } }).metadata.name, 'two');
  t.truthy((done.responseObject as { metadata: { uid?: string } }).metadata.uid);
});

test('audit - kubectl through the gateway: the API server writes one pair with the HTTP URI, address, user agent and auditID', async (t) => {
  const { events, url } = await auditedCluster(t);
  const dir = mkdtempSync(join(tmpdir(), 'kubus-audit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = writeKubeconfig(url, join(dir, 'kubeconfig'));
  const out = await new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'create', 'configmap', 'via-http', '--from-literal=a=1'], { env: { PATH: process.env.PATH, HOME: dir }, timeout: 20_000 }, (err, _o, stderr) =>
      resolve({ code: err ? 1 : 0, stderr }),
    ),
  );
  t.is(out.code, 0, out.stderr);
  await waitFor(() => events.some((e) => e.stage === 'ResponseComplete' && e.verb === 'create' && e.objectRef?.resource === 'configmaps'), 'the audit event', 5_000);
  const done = events.find((e) => e.stage === 'ResponseComplete' && e.verb === 'create' && e.objectRef?.resource === 'configmaps')!;
  t.regex(done.requestURI, /^\/api\/v1\/namespaces\/default\/configmaps\?/);
  t.deepEqual(done.sourceIPs, ['127.0.0.1']);
  t.regex(done.userAgent ?? '', /^kubectl/);
  t.deepEqual(done.responseStatus, { metadata: {}, code: 201 });
  t.deepEqual(events.filter((e) => e.auditID === done.auditID).map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
  // kubectl's /version never reaches the API server: the gateway writes it, as a non-resource request.
  const discovery = events.find((e) => e.requestURI.startsWith('/version') && e.stage === 'ResponseComplete');
  t.truthy(discovery);
  t.is(discovery!.objectRef, undefined);
  t.is(discovery!.verb, 'get');
});

test('audit - the gateway writes a request it refuses itself (401) and a non-resource path; Audit-Id header', async (t) => {
  const { events, url } = await auditedCluster(t, METADATA_FOR_ALL, async () => {
    throw unauthorized();
  });
  const r = await get(url, '/api/v1/namespaces/default/pods?limit=5', { 'User-Agent': 'probe/1.0' });
  t.is(r.code, 401);
  await waitFor(() => events.some((e) => e.auditID === r.auditId && e.stage === 'ResponseComplete'), 'the audit event', 5_000);
  const done = events.find((e) => e.auditID === r.auditId && e.stage === 'ResponseComplete')!;
  t.is(done.requestURI, '/api/v1/namespaces/default/pods?limit=5');
  t.is(done.verb, 'list');
  t.is(done.user.username, 'system:anonymous');
  t.is(done.userAgent, 'probe/1.0');
  t.deepEqual(done.responseStatus, { metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  t.deepEqual(done.objectRef, { resource: 'pods', namespace: 'default', apiGroup: '', apiVersion: 'v1' });
  t.is(done.annotations, undefined, 'never authorized');
  t.deepEqual(events.filter((e) => e.auditID === r.auditId).map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
});

test('audit - a non-resource path through the plain gateway is written once, by the gateway', async (t) => {
  const { events, url } = await auditedCluster(t);
  const r = await get(url, '/version');
  t.is(r.code, 200);
  await waitFor(() => events.some((e) => e.auditID === r.auditId && e.stage === 'ResponseComplete'), 'the audit event', 5_000);
  const mine = events.filter((e) => e.auditID === r.auditId);
  t.deepEqual(mine.map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
  t.is(mine[1].requestURI, '/version');
  t.is(mine[1].user.username, 'system:kubus:trusted-caller');
  t.deepEqual(mine[1].responseStatus, { metadata: {}, code: 200 });
});

test('audit - a request the gateway refuses after routing, before any bus request (a bad body), is written by the gateway', async (t) => {
  const { events, url } = await auditedCluster(t);
  const res = await fetch(`${url}/api/v1/namespaces/default/configmaps`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{not json' });
  t.is(res.status, 400);
  const id = res.headers.get('audit-id')!;
  await waitFor(() => events.some((e) => e.auditID === id && e.stage === 'ResponseComplete'), 'the audit event', 5_000);
  const mine = events.filter((e) => e.auditID === id);
  t.deepEqual(mine.map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
  t.is(mine[1].verb, 'create');
  t.is(mine[1].responseStatus?.code, 400);
  t.is(mine[1].responseStatus?.reason, 'BadRequest');
});

test('audit - impersonation through the gateway: user is the caller, impersonatedUser the one it acts as', async (t) => {
  const { events, client, url } = await auditedCluster(t);
  await client.create('configmaps', cm('seen'));
  const res = await fetch(`${url}/api/v1/namespaces/default/configmaps/seen`, { headers: { 'Impersonate-User': 'jane', 'Impersonate-Group': 'devs' } });
  t.is(res.status, 403);
  const id = res.headers.get('audit-id')!;
  await waitFor(() => events.some((e) => e.auditID === id && e.stage === 'ResponseComplete'), 'the audit event', 5_000);
  const done = events.find((e) => e.auditID === id && e.stage === 'ResponseComplete')!;
  t.is(done.user.username, 'system:kubus:trusted-caller');
  t.is(done.impersonatedUser?.username, 'jane');
  t.deepEqual(done.impersonatedUser?.groups, ['devs', 'system:authenticated']);
  t.is(done.annotations?.['authorization.k8s.io/decision'], 'forbid');
  const plain = await fetch(`${url}/api/v1/namespaces/default/configmaps/seen`);
  const pid = plain.headers.get('audit-id')!;
  await waitFor(() => events.some((e) => e.auditID === pid && e.stage === 'ResponseComplete'), 'the audit event', 5_000);
  t.is(events.find((e) => e.auditID === pid && e.stage === 'ResponseComplete')!.impersonatedUser, undefined);
});

test('audit - an exec upgrade is written by the gateway (here refused: no such pod)', async (t) => {
  const { events, url } = await auditedCluster(t);
  const path = '/api/v1/namespaces/default/pods/nope/exec?command=ls&stdout=true';
  t.is(await upgrade(url, path, WEBSOCKET, 'GET'), 404);
  await waitFor(() => events.some((e) => e.requestURI === path && e.stage === 'ResponseComplete'), 'the audit event', 5_000);
  const mine = events.filter((e) => e.requestURI === path);
  t.deepEqual(mine.map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
  t.deepEqual(mine[1].objectRef, { resource: 'pods', namespace: 'default', name: 'nope', apiGroup: '', apiVersion: 'v1', subresource: 'exec' });
  t.is(mine[1].responseStatus?.code, 404);
});

test('audit - HTTP watches: a node\'s pods by spec.nodeName from a resourceVersion are served (its own watch, written by the API server); a shared one is written once, by the gateway', async (t) => {
  let who: UserInfo = { username: 'system:node:n1', groups: ['system:nodes'] };
  const { events, client, url } = await auditedCluster(t, METADATA_FOR_ALL, async () => who);
  const rv = (await client.create('configmaps', cm('rv'))).metadata.resourceVersion;
  /** Opens a watch, takes its status and Audit-Id, and leaves. */
  const watch = async (path: string) => {
    const res = await fetch(url + path);
    await res.body?.cancel();
    return { code: res.status, id: res.headers.get('audit-id')! };
  };
  events.length = 0;
  const node = await watch(`/api/v1/pods?watch=1&resourceVersion=${rv}&fieldSelector=spec.nodeName%3Dn1`);
  t.is(node.code, 200);
  await waitFor(() => events.some((e) => e.auditID === node.id && e.stage === 'ResponseStarted'), 'the node watch audited', 5_000);
  // The client left: the gateway ends its bus watch, and the API server writes the watch's end under the same auditID.
  await waitFor(() => events.some((e) => e.auditID === node.id && e.stage === 'ResponseComplete'), 'the node watch\'s end audited', 5_000);
  const nodeEvents = events.filter((e) => e.auditID === node.id);
  t.deepEqual(nodeEvents.map((e) => e.stage), ['RequestReceived', 'ResponseStarted', 'ResponseComplete']);
  t.deepEqual(nodeEvents[2].responseStatus, { metadata: {}, code: 200 });
  t.is(nodeEvents[1].user.username, 'system:node:n1');
  t.is(nodeEvents[1].requestURI, `/api/v1/pods?watch=1&resourceVersion=${rv}&fieldSelector=spec.nodeName%3Dn1`);
  who = { username: 'root', groups: ['system:masters'] };
  events.length = 0;
  // The shared watch is written as it streams (RequestReceived, ResponseStarted), its end when the client leaves.
  const open = await fetch(`${url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}`);
  const shared = { code: open.status, id: open.headers.get('audit-id')! };
  t.is(shared.code, 200);
  await waitFor(() => events.some((e) => e.auditID === shared.id && e.stage === 'ResponseStarted'), 'the shared watch\'s start audited while it streams', 5_000);
  t.deepEqual(events.filter((e) => e.auditID === shared.id).map((e) => e.stage), ['RequestReceived', 'ResponseStarted']);
  await open.body?.cancel();
  await waitFor(() => events.some((e) => e.auditID === shared.id && e.stage === 'ResponseComplete'), 'the shared watch\'s end audited', 5_000);
  const sharedEvents = events.filter((e) => e.auditID === shared.id);
  t.deepEqual(sharedEvents.map((e) => e.stage), ['RequestReceived', 'ResponseStarted', 'ResponseComplete']);
  t.like(sharedEvents[1], { verb: 'watch', user: { username: 'root' }, responseStatus: { code: 200 }, annotations: { 'authorization.k8s.io/decision': 'allow' } });
  // Neither the gateway's access review nor the shared watch it opened is a request of its own.
  t.deepEqual(events.filter((e) => e.auditID !== shared.id).map((e) => `${e.verb} ${e.objectRef?.resource} ${e.user.username}`), []);
});

test('audit - the gateway\'s own lookups are no requests of their own: pods/log\'s pod get, deletecollection\'s access review', async (t) => {
  const { events, client, url } = await auditedCluster(t, METADATA_FOR_ALL, async () => ({ username: 'root', groups: ['system:masters'] }));
  await client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } } as never);
  await client.create('configmaps', { ...cm('gone'), metadata: { name: 'gone', namespace: 'default', labels: { x: 'y' } } });
  events.length = 0;
  // Not scheduled: an empty log, as upstream.
  const logs = await fetch(`${url}/api/v1/namespaces/default/pods/p/log`);
  t.is(logs.status, 200);
  t.is(await logs.text(), '');
  const id = logs.headers.get('audit-id')!;
  await waitFor(() => events.some((e) => e.auditID === id && e.stage === 'ResponseComplete'), 'the log request audited', 5_000);
  t.deepEqual(events.map((e) => `${e.stage} ${e.verb} ${e.objectRef?.resource}/${e.objectRef?.subresource}`), ['RequestReceived get pods/log', 'ResponseComplete get pods/log']);
  events.length = 0;
  const del = await fetch(`${url}/api/v1/namespaces/default/configmaps?labelSelector=x%3Dy`, { method: 'DELETE' });
  t.is(del.status, 200);
  t.false(events.some((e) => e.objectRef?.resource === 'selfsubjectaccessreviews'), 'no event for the access review');
});

/** Sends an upgrade request and resolves with the HTTP status it gets (101 when switched). */
const upgrade = (url: string, path: string, headers: Record<string, string>, method = 'POST') =>
  new Promise<number>((resolve, reject) => {
    const req = request(url + path, { method, headers: { Connection: 'Upgrade', ...headers } });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolve(101);
    });
    req.on('error', reject);
    req.end();
  });

/** The headers of a WebSocket upgrade for exec (kubectl's v5 channel protocol). */
const WEBSOCKET = { Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io' };

const isConfigMapWatch = (e: AuditEvent) => e.verb === 'watch' && e.objectRef?.resource === 'configmaps';

test('audit - a bus watch\'s end is written under its auditID: ResponseComplete when the client stops it, and when the server stops', async (t) => {
  const { events, client, host } = await auditedCluster(t);
  events.length = 0;
  const quiet = { event: () => {}, end: () => {} };
  const w = await client.watch('configmaps', { namespace: 'default' }, quiet);
  await waitFor(() => events.some((e) => isConfigMapWatch(e) && e.stage === 'ResponseStarted'), 'the watch started', 5_000);
  t.false(events.some((e) => isConfigMapWatch(e) && e.stage === 'ResponseComplete'), 'an open watch is not complete');
  w.stop();
  await waitFor(() => events.some((e) => isConfigMapWatch(e) && e.stage === 'ResponseComplete'), 'the stopped watch\'s end', 5_000);
  const stopped = events.filter(isConfigMapWatch);
  t.deepEqual(stopped.map((e) => e.stage), ['RequestReceived', 'ResponseStarted', 'ResponseComplete']);
  t.is(new Set(stopped.map((e) => e.auditID)).size, 1);
  t.deepEqual(stopped[2].responseStatus, { metadata: {}, code: 200 });
  events.length = 0;
  await client.watch('configmaps', { namespace: 'default' }, quiet);
  await waitFor(() => events.some((e) => isConfigMapWatch(e) && e.stage === 'ResponseStarted'), 'the second watch started', 5_000);
  await host.stopAll();
  await waitFor(() => events.some((e) => isConfigMapWatch(e) && e.stage === 'ResponseComplete'), 'the watch\'s end at the server\'s stop', 5_000);
  const ended = events.filter(isConfigMapWatch);
  t.deepEqual(ended.map((e) => e.stage), ['RequestReceived', 'ResponseStarted', 'ResponseComplete']);
  t.is(new Set(ended.map((e) => e.auditID)).size, 1);
});

test('audit - a node\'s watch on the identity-pinned bus ends in the audit when its unwatch stops it (the watch as the hub holds it, behind the token)', async (t) => {
  const { events, client } = await auditedCluster(t);
  events.length = 0;
  const isPodWatch = (e: AuditEvent) => e.verb === 'watch' && e.objectRef?.resource === 'pods';
  const started = await client.bus.request(apiSubject('pods', 'watch', 'node_n1'), { watch: { conn: 'c1', id: 'w1', fieldSelector: 'spec.nodeName=n1' } });
  const server = (started.data as { server?: string }).server;
  t.truthy(server, JSON.stringify(started.data));
  t.deepEqual(events.filter(isPodWatch).map((e) => e.stage), ['RequestReceived', 'ResponseStarted'], 'open until stopped');
  client.bus.publish(unwatchSubject(server!, 'node_n1'), { conn: watchOwner('c1', 'node_n1'), id: 'w1' });
  await waitFor(() => events.some((e) => isPodWatch(e) && e.stage === 'ResponseComplete'), 'the watch\'s end', 5_000);
  const mine = events.filter(isPodWatch);
  t.deepEqual(mine.map((e) => e.stage), ['RequestReceived', 'ResponseStarted', 'ResponseComplete']);
  t.is(mine[2].user.username, 'system:node:n1');
  t.is(new Set(mine.map((e) => e.auditID)).size, 1);
});

test('audit - a deletecollection through the gateway is one deletecollection pair (the gateway\'s); its list and deletes are no requests of their own', async (t) => {
  let who: UserInfo = { username: 'root', groups: ['system:masters'] };
  const { events, client, url } = await auditedCluster(t, METADATA_FOR_ALL, async () => who);
  for (const name of ['a', 'b']) await client.create('configmaps', { ...cm(name), metadata: { name, namespace: 'default', labels: { x: 'y' } } });
  const path = '/api/v1/namespaces/default/configmaps?labelSelector=x%3Dy';
  /** Deletes the collection; returns the code and the events of the whole exchange, once the gateway has written its own. */
  const deleteAll = async () => {
    events.length = 0;
    const res = await fetch(url + path, { method: 'DELETE' });
    const body = (await res.json()) as { items?: Array<{ metadata: { name: string } }> };
    const id = res.headers.get('audit-id')!;
    await waitFor(() => events.some((e) => e.auditID === id && e.stage === 'ResponseComplete'), 'the deletecollection audited', 5_000);
    return { code: res.status, body, id, seen: events.map((e) => `${e.auditID === id ? 'this' : 'other'} ${e.stage} ${e.verb} ${e.objectRef?.resource}`) };
  };
  const ok = await deleteAll();
  t.is(ok.code, 200);
  t.deepEqual(ok.body.items?.map((o) => o.metadata.name).sort(), ['a', 'b']);
  t.deepEqual(ok.seen, ['this RequestReceived deletecollection configmaps', 'this ResponseComplete deletecollection configmaps']);
  const done = events.find((e) => e.auditID === ok.id && e.stage === 'ResponseComplete')!;
  t.is(done.user.username, 'root');
  t.is(done.requestURI, path);
  t.deepEqual(done.responseStatus, { metadata: {}, code: 200 });
  t.is(done.annotations?.['authorization.k8s.io/decision'], 'allow');
  t.is((await client.list('configmaps', { namespace: 'default', labelSelector: 'x=y' })).items.length, 0);
  // Refused: still the one pair, with the 403 and the decision.
  who = { username: 'jane', groups: ['devs'] };
  const refused = await deleteAll();
  t.is(refused.code, 403);
  t.deepEqual(refused.seen, ['this RequestReceived deletecollection configmaps', 'this ResponseComplete deletecollection configmaps']);
  const denied = events.find((e) => e.auditID === refused.id && e.stage === 'ResponseComplete')!;
  t.is(denied.responseStatus?.code, 403);
  t.is(denied.annotations?.['authorization.k8s.io/decision'], 'forbid');
});

test('audit - exec and port-forward look their pod up as the gateway: one pair each, no "get pods" of their own', async (t) => {
  const { events, client, url } = await auditedCluster(t, METADATA_FOR_ALL, async () => ({ username: 'root', groups: ['system:masters'] }));
  // Not scheduled: exec has no node to run on, port-forward no running pod (both 400, after the lookup).
  await client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } } as never);
  events.length = 0;
  const exec = '/api/v1/namespaces/default/pods/p/exec?command=ls&stdout=true';
  t.is(await upgrade(url, exec, WEBSOCKET), 400);
  t.is(await upgrade(url, '/api/v1/namespaces/default/pods/p/portforward', { Upgrade: 'SPDY/3.1' }), 400);
  // Without an upgrade, through the verb table: checked the same way, then upstream's 400.
  t.is((await fetch(url + exec)).status, 400);
  await waitFor(() => events.filter((e) => e.stage === 'ResponseComplete').length >= 3, 'the three requests audited', 5_000);
  t.deepEqual(
    events.map((e) => `${e.stage} ${e.objectRef?.resource}/${e.objectRef?.subresource} ${e.responseStatus?.code ?? ''}`.trim()),
    ['exec', 'portforward', 'exec'].flatMap((sub) => [`RequestReceived pods/${sub}`, `ResponseComplete pods/${sub} 400`]),
  );
  t.true(events.every((e) => e.user.username === 'root'));
});
