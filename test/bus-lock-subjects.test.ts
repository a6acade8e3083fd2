// The locked bus's subjects beside the API, over a real nats-server with the configuration kubus
// generates: stream and log sessions behind the receiver's token, shared request subjects served only
// by their component, node subjects one token per node, and unwatch pinned to the sender's identity.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import type { WatchEvent } from '../api/protocol.ts';
import { ApiClient } from '../bus/client.ts';
import { parseIdentity } from '../bus/identity.ts';
import {
  APISERVER_STATS,
  logStream,
  METRICS_QUERY,
  nodeExec,
  nodeLogsStop,
  nodePeer,
  nodeStats,
  SCHEDULER_EXPLAIN,
  sessionId,
  sessionReceiver,
  STATUS_QUERY,
  statusReplies,
  streamSession,
  TRACE_QUERY,
  unwatchSubject,
} from '../bus/subjects.ts';
import { capture, lockedBus } from './helpers/locked-bus.ts';
import { waitFor } from './helpers/wait.ts';

const locked = lockedBus({ prefix: 'kubus-buslock-subjects-', nodes: ['n1', 'n2.example', 'a', 'a.logs'] });
const { connect } = locked;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\>]/g, '\\$&');
const refused = (log: { lines: string[] }, kind: 'Subscription' | 'Publish', subject: string) =>
  log.lines.some((l) => new RegExp(`Permissions Violation for ${kind} to \\W*${escape(subject)}\\W`).test(l));

test('bus lock subjects - names are DNS-1123 subdomains label by label: no empty label, none starting or ending with -', (t) => {
  for (const bad of ['node/a..b', 'node/a.-b', 'node/a-.b', 'node/.a', 'node/a.', `node/${'a'.repeat(64)}`]) t.throws(() => parseIdentity(bad), { message: /DNS-1123/ }, bad);
  for (const good of ['node/a.b-c.d', 'node/n2.example', `node/${'a'.repeat(63)}.b`]) t.notThrows(() => parseIdentity(good), good);
});

test('bus lock subjects - stream and log sessions: random ids behind the receiver\'s and the sender\'s tokens; only the two ends read or write', async (t) => {
  const log = capture();
  const n2 = await connect(t, 'node/n2.example', log);
  const n1 = await connect(t, 'node/n1');
  const gateway = await connect(t, 'gateway');
  const toGateway = streamSession(gateway, sessionId(), nodePeer(gateway, 'n1'));
  const toN1 = streamSession(n1, sessionId(), sessionReceiver(toGateway));
  t.regex(toGateway, new RegExp(`^kubus\\.stream\\.gateway\\.node_n1\\.${gateway.id}\\.[A-Za-z0-9]{12}$`));
  t.regex(toN1, new RegExp(`^kubus\\.stream\\.node_n1\\.gateway\\.${n1.id}\\.`));
  t.not(sessionId(), sessionId());
  t.regex(logStream(gateway, 'x', nodePeer(gateway, 'n2.example')), /^kubus\.logs\.gateway\.node_n2~example\./);
  t.regex(streamSession({ id: 'c' }, 'x', 'node_n1'), /^kubus\.stream\.open\.open\.c\.x$/, 'an open bus: placeholder tokens');
  let leaked = 0;
  for (const s of ['kubus.stream.>', 'kubus.logs.>', 'kubus.stream.gateway.>', 'kubus.logs.gateway.>', 'kubus.stream.node_n1.>', toN1]) n2.subscribe(s, () => leaked++);
  for (const s of ['kubus.stream.>', 'kubus.logs.>', 'kubus.stream.gateway.>', 'kubus.logs.gateway.>', 'kubus.stream.node_n1.>'])
    await waitFor(() => refused(log, 'Subscription', s), `n2 refused ${s}`);
  // Both ends of a session still talk: the kubelet sends to the gateway's side, the gateway to the kubelet's.
  const atGateway: unknown[] = [];
  const atN1: unknown[] = [];
  const follow = logStream(gateway, 'f', nodePeer(gateway, 'n1'));
  gateway.subscribe(toGateway, (m) => atGateway.push(m.data));
  n1.subscribe(toN1, (m) => atN1.push(m.data));
  gateway.subscribe(follow, (m) => atGateway.push(m.data));
  await gateway.flush();
  await n1.flush();
  // Another kubelet writes into neither (its token is not the sender's the subjects name): nats-server refuses it.
  n2.publish(toGateway, { ch: 1, forged: true });
  n2.publish(follow, { line: 'forged' });
  n2.publish(toN1, { ch: 0, forged: true });
  for (const s of [toGateway, follow, toN1]) await waitFor(() => refused(log, 'Publish', s), `n2's publish into ${s} refused`);
  n1.publish(toGateway, { ch: 1 });
  n1.publish(follow, { line: 'l' });
  gateway.publish(toN1, { ch: 0 });
  await waitFor(() => atGateway.length === 2 && atN1.length === 1, 'the frames of both ends');
  t.deepEqual(atGateway, [{ ch: 1 }, { line: 'l' }]);
  t.deepEqual(atN1, [{ ch: 0 }]);
  t.is(leaked, 0);
});

test('bus lock subjects - only the component that serves a shared request subject may subscribe to it; any may ask', async (t) => {
  const log = capture();
  const n1 = await connect(t, 'node/n1', log);
  let stolen = 0;
  for (const s of [METRICS_QUERY, SCHEDULER_EXPLAIN, TRACE_QUERY, 'kubus.status.>', 'kubus.metrics.>']) n1.subscribe(s, () => stolen++);
  for (const s of [METRICS_QUERY, SCHEDULER_EXPLAIN, TRACE_QUERY, 'kubus.status.>', 'kubus.metrics.>']) await waitFor(() => refused(log, 'Subscription', s), `n1 refused ${s}`);
  for (const [identity, subject] of [['controller-manager', METRICS_QUERY], ['scheduler', SCHEDULER_EXPLAIN], ['tracer', TRACE_QUERY]]) {
    const own = capture();
    const server = await connect(t, identity, own);
    server.subscribe(subject, (m) => server.respond(m, { from: identity }));
    await server.flush();
    t.deepEqual((await n1.request(subject, {})).data, { from: identity }, `${identity} answers ${subject}`);
    t.false(own.lines.some((l) => /Violation/.test(l)), identity);
  }
  t.is(stolen, 0);
});

test('bus lock subjects - status answers go to the asker\'s own inbox, which no other identity reads', async (t) => {
  const log = capture();
  const n1 = await connect(t, 'node/n1', log);
  const admin = await connect(t, 'admin');
  const inbox = statusReplies(admin);
  t.true(inbox.startsWith('_INBOX.admin.'), inbox);
  let leaked = 0;
  n1.subscribe(inbox, () => leaked++);
  n1.subscribe(STATUS_QUERY, (m) => n1.respond(m, { process: 'kubelet n1' }));
  await waitFor(() => refused(log, 'Subscription', inbox), 'n1 refused the admin\'s status inbox');
  const got: unknown[] = [];
  admin.subscribe(inbox, (m) => got.push(m.data));
  await admin.flush();
  await n1.flush();
  admin.publish(STATUS_QUERY, {}, { reply: inbox });
  await waitFor(() => got.some((d) => (d as { process?: string }).process === 'kubelet n1'), 'n1\'s answer in the admin\'s inbox');
  t.is(leaked, 0);
});

test('bus lock subjects - a node subject names exactly one node: dotted names are one token', async (t) => {
  t.is(nodeStats('n2.example'), 'kubus.node.n2~example.stats');
  t.is(nodeExec('a.logs'), 'kubus.node.a~logs.exec');
  t.is(nodeLogsStop('a'), 'kubus.node.a.logs.stop');
  const log = capture();
  const a = await connect(t, 'node/a', log);
  const aLogs = await connect(t, 'node/a.logs');
  const n2 = await connect(t, 'node/n2.example');
  const metrics = await connect(t, 'controller-manager');
  // Node `a` may serve its own subjects only, never those of node `a.logs`.
  let stolen = 0;
  a.subscribe(nodeExec('a.logs'), () => stolen++);
  // Its own namespace `kubus.node.a.>` holds `a.logs...` subjects of node a only now.
  a.subscribe('kubus.node.a.logs.>', () => stolen++);
  await waitFor(() => refused(log, 'Subscription', nodeExec('a.logs')), 'node a refused a.logs\'s subjects');
  aLogs.subscribe(nodeExec('a.logs'), (m) => aLogs.respond(m, { node: 'a.logs' }));
  n2.subscribe(nodeStats('n2.example'), (m) => n2.respond(m, { node: 'n2.example' }));
  await aLogs.flush();
  await n2.flush();
  const admin = await connect(t, 'admin');
  t.deepEqual((await admin.request(nodeExec('a.logs'), {})).data, { node: 'a.logs' });
  // The metrics server reads the stats of any node, dotted or not (kubus.node.*.stats).
  t.deepEqual((await metrics.request(nodeStats('n2.example'), {})).data, { node: 'n2.example' });
  t.is(stolen, 0);
});

test('bus lock subjects - an identity stops only its own watches: unwatch carries the sender\'s token', async (t) => {
  const log = capture();
  const n1 = await connect(t, 'node/n1', log);
  const adminBus = await connect(t, 'admin');
  const admin = new ApiClient(adminBus);
  // The admin's own connection learns its watch's inbox subject (owner and id) from the events.
  let inboxSubject = '';
  adminBus.subscribe('kubus.watch.admin.>', (m) => void (inboxSubject ||= m.subject));
  const seen: WatchEvent[] = [];
  const w = await admin.watch('configmaps', { namespace: 'default' }, { event: (e) => seen.push(e), end: () => {} });
  t.teardown(() => w.stop());
  const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: {} });
  await admin.create('configmaps', cm('before-forgery'));
  await waitFor(() => !!inboxSubject && seen.some((e) => e.object.metadata.name === 'before-forgery'), 'the first event');
  const [, , identity, conn, id] = inboxSubject.split('.');
  const stats = async () => (await adminBus.request<{ server: string; watches: number }>(APISERVER_STATS, {})).data;
  const { server, watches } = await stats();
  // As the admin: refused by the bus. Under its own token: the API server refuses another's watch.
  n1.publish(unwatchSubject(server, 'admin'), { conn: `${identity}.${conn}`, id });
  await waitFor(() => refused(log, 'Publish', unwatchSubject(server, 'admin')), 'n1 refused the admin\'s unwatch subject');
  n1.publish(unwatchSubject(server, 'node_n1'), { conn: `${identity}.${conn}`, id });
  // A probe on the same subject after it: its reply says the forged unwatch was handled.
  await n1.request(unwatchSubject(server, 'node_n1'), { probe: true });
  t.is((await stats()).watches, watches, 'the watch still runs');
  await admin.create('configmaps', cm('after-forgery'));
  await waitFor(() => seen.some((e) => e.object.metadata.name === 'after-forgery'), 'events still delivered');
  // Its owner stops it.
  adminBus.publish(unwatchSubject(server, 'admin'), { conn: `${identity}.${conn}`, id });
  await waitFor(async () => (await stats()).watches === watches - 1, 'the owner stopped it', 10_000, 50);
  t.pass();
});
