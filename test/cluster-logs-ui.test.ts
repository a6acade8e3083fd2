// The dashboard's /ui/api/logs on an HTTPS gateway (API server on a MemoryBus), reading a real JetStream
// log stream through the process's reader: authorized as `get pods/log`, bad parameters a 400 with the
// field, a list without follow, Server-Sent Events with it.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveUiLogs, uiLogsQuery, UI_FOLLOW_BACK_MS, UI_FOLLOW_MAX_LINES, UI_LOGS_LIMIT } from '../actors/gateway/ui-logs.ts';
import type { ApiClient } from '../bus/client.ts';
import { VirtualClock } from '../bus/clock.ts';
import { silentLogger } from '../bus/types.ts';
import type { ClusterLogBatch, ClusterLogEntry } from '../api/cluster-logs.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { clusterLogSubject } from '../bus/subjects.ts';
import { connectLogs, ensureLogStream } from '../runtime/cluster-logs.ts';
import { clusterLogReader } from '../runtime/cluster-logs-read.ts';
import { issue, type KeyPair } from '../runtime/pki.ts';
import { natsServer } from './helpers/nats.ts';
import { secureGateway } from './helpers/secure-gateway.ts';
import { waitFor } from './helpers/wait.ts';

const RBAC = 'rbac.authorization.k8s.io';

test('cluster logs ui - bad parameters are a 400 naming the field', (t) => {
  const q = (s: string) => uiLogsQuery(new URLSearchParams(s), 1_000_000_000);
  t.deepEqual(q('namespace=default&selector=app%3Dweb&since=10m&follow=true').query, { namespace: 'default', selector: 'app=web', sinceMs: 1_000_000_000 - 600_000, follow: true, allContainers: false });
  t.is(q('follow=true').query.sinceMs, 1_000_000_000 - UI_FOLLOW_BACK_MS, 'a follow without since starts near now');
  t.is(q('').query.sinceMs, undefined);
  t.like(q('pod=web-1.a&container=app').query, { pod: 'web-1.a', container: 'app' });
  for (const [s, field] of [['selector=app+in+(', 'selector'], ['since=soon', 'since'], ['follow=maybe', 'follow'], ['namespace=Not_A_Name', 'namespace'], ['limit=0', 'limit'], ['pod=a*b', 'pod'], ['pod=..', 'pod'], ['container=a.b', 'container'], ['container=A', 'container']] as const) {
    const err = t.throws(() => q(s));
    t.is((err as { code?: number }).code, 400, s);
    t.regex(err!.message, new RegExp(`^${field}: `), s);
  }
});

test('cluster logs ui - /ui/api/logs lists and follows a namespace’s lines for who may get pods/log there', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubus-clusterlogs-ui-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const nats = await natsServer(t, { config: [`jetstream { store_dir: ${JSON.stringify(dir)} }`] });
  const admin = await connectLogs(nats.url, null);
  t.teardown(() => admin.close());
  await ensureLogStream(admin, { maxAgeMs: 3_600_000, maxBytes: 1 << 20 });
  const reader = clusterLogReader(nats.url, null);
  t.teardown(() => reader.close());
  const gw = await secureGateway(t, { clusterLogs: reader.read });
  await gw.env.client.create('rolebindings', { apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'viewer', namespace: 'default' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' }, subjects: [{ apiGroup: RBAC, kind: 'User', name: 'viewer' }] } as never);
  const user = (cn: string, orgs: string[] = []) => issue(gw.ca, { cn, orgs, usage: 'client' });
  const bus = await NatsBus.connect({ servers: nats.url, name: 'node/n1', credentials: null });
  t.teardown(() => bus.close());
  const ship = (ns: string, pod: string, text: string) =>
    bus.publish(clusterLogSubject('n1', ns, pod, 'app'), { node: 'n1', namespace: ns, pod, uid: pod, container: 'app', labels: { app: 'web' }, default: true, lines: [{ at: Date.now(), stream: 'stdout', text }] } satisfies ClusterLogBatch);
  ship('default', 'web-1', 'hello from default');
  ship('kube-system', 'sys-1', 'hello from kube-system');
  await bus.flush();

  // The view role in default reads default's logs (pods/log is in view), not kube-system's; no certificate: 401.
  const list = await waitFor(async () => {
    const r = await gw.get('/ui/api/logs?namespace=default&selector=app%3Dweb', { client: user('viewer') });
    return r.code === 200 && r.body.items.length ? r : undefined;
  }, 'the list');
  t.deepEqual(list.body.items.map((e: { pod: string; text: string }) => `${e.pod} ${e.text}`), ['web-1 hello from default']);
  const denied = await gw.get('/ui/api/logs?namespace=kube-system', { client: user('viewer') });
  t.is(denied.code, 403);
  t.regex(denied.body.message, /cannot get resource "pods\/log"|cannot get resource "pods"/);
  t.is((await gw.get('/ui/api/logs?namespace=default', { client: user('viewer') })).code, 200);
  t.is((await gw.get('/ui/api/logs')).code, 401);
  const bad = await gw.get('/ui/api/logs?namespace=default&since=yesterday', { client: user('viewer') });
  t.is(bad.code, 400);
  t.is(bad.body.details.causes[0].field, 'since');
  // Every namespace: cluster-wide get pods/log (system:masters).
  const all = await gw.get('/ui/api/logs?selector=app%3Dweb', { client: user('root', ['system:masters']) });
  t.deepEqual(all.body.items.map((e: { namespace: string }) => e.namespace).sort(), ['default', 'kube-system']);

  // Follow: the stored line, then one shipped later, as `lines` events.
  const got: string[] = [];
  const req = request(`${gw.url}/ui/api/logs?namespace=default&follow=true`, { ca: gw.ca.cert, ...(user('viewer') as KeyPair) }, (res) => {
    t.is(res.headers['content-type'], 'text/event-stream; charset=utf-8');
    res.setEncoding('utf8').on('data', (d: string) => got.push(d));
  });
  req.on('error', () => {}).end();
  t.teardown(() => req.destroy());
  await waitFor(() => got.join('').includes('hello from default'), 'the stored line over SSE');
  ship('default', 'web-2', 'later line');
  await waitFor(() => got.join('').includes('later line'), 'the later line over SSE', 15_000);
  t.regex(got.join(''), /event: lines\ndata: \[\{"node":"n1","namespace":"default","pod":"web-2"/);
  t.false(got.join('').includes('kube-system'));
});

/** A request and a response that record what serveUiLogs writes (the socket taking writes while `takes`). */
function fakeHttp(url: string) {
  const req = Object.assign(new EventEmitter(), { method: 'GET' }) as unknown as IncomingMessage;
  const written: string[] = [];
  const res = Object.assign(new EventEmitter(), {
    takes: true,
    writeHead: () => res,
    write: (s: string) => (written.push(s), res.takes),
    end: (s?: string) => void (s && written.push(s)),
  });
  return { req, res, written, url: new URL(url, 'https://gw'), serve: (logs: Parameters<typeof serveUiLogs>[0]['logs'], clock = new VirtualClock()) => serveUiLogs({ clock, log: silentLogger, logs }, {} as ApiClient, req, res as unknown as ServerResponse, new URL(url, 'https://gw')) };
}

test('cluster logs ui - a follow holds a bounded backlog: past it the oldest go, told in a truncated event; a blocked socket gets nothing until drain', async (t) => {
  const clock = new VirtualClock();
  const http = fakeHttp('/ui/api/logs?follow=true');
  const entry = (i: number): ClusterLogEntry => ({ node: 'n1', namespace: 'default', pod: 'p', container: 'c', at: i, stream: 'stdout', text: `line ${i}` });
  let fed!: () => void;
  const feeding = new Promise<void>((r) => (fed = r));
  const done = http.serve(async (_q, each, signal) => {
    for (let i = 0; i < UI_FOLLOW_MAX_LINES + 20_000; i++) each(entry(i));
    fed();
    await new Promise((r) => signal.addEventListener('abort', r));
  }, clock);
  await feeding;
  const events = () => http.written.filter((w) => w.startsWith('event: '));
  http.res.takes = false;
  await clock.advance(250);
  t.is(events()[0], 'event: truncated\ndata: {"dropped":20000}\n\n');
  const first = JSON.parse(events()[1].split('data: ')[1]) as ClusterLogEntry[];
  t.is(first.length, UI_LOGS_LIMIT);
  t.is(first[0].text, 'line 20000', 'the oldest went');
  await clock.advance(1000);
  t.is(events().length, 2, 'nothing more while the socket refuses writes');
  http.res.takes = true;
  http.res.emit('drain');
  await clock.advance(250);
  t.is(events().length, 3);
  t.is(JSON.parse(events()[2].split('data: ')[1])[0].text, `line ${20_000 + UI_LOGS_LIMIT}`);
  http.req.emit('close');
  await done;
});

test('cluster logs ui - no log stream (JetStream off, or no stream) is a 503 that says why, not a 500', async (t) => {
  const nats = await natsServer(t);
  const reader = clusterLogReader(nats.url, null);
  t.teardown(() => reader.close());
  const err = await t.throwsAsync(fakeHttp('/ui/api/logs?namespace=default').serve(reader.read));
  t.is((err as { status?: { code: number } }).status?.code, 503, err?.message);
  t.regex(err!.message, /keeps no logs: its NATS has no KUBUS_LOGS stream/);
  const missing = await t.throwsAsync(fakeHttp('/ui/api/logs').serve(async () => Promise.reject(new Error('stream not found'))));
  t.is((missing as { status?: { code: number } }).status?.code, 503);
});
