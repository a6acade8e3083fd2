// The locked bus over a real nats-server with the configuration kubus generates: who may connect,
// subscribe, answer and act as whom. One server and API server for the file; each test its own clients.
import test from 'ava';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEvent } from '../api/audit-event.ts';
import type { KubeObject } from '../api/meta.ts';
import type { WatchEvent } from '../api/protocol.ts';
import { StatusError } from '../api/status.ts';
import { ApiClient } from '../bus/client.ts';
import { identityOfToken, identityToken, parseIdentity } from '../bus/identity.ts';
import { connectNats, NatsBus } from '../bus/nats-bus.ts';
import { API_ALL, watchInbox } from '../bus/subjects.ts';
import { credentialsPath } from '../runtime/bus-auth.ts';
import { capture, lockedBus } from './helpers/locked-bus.ts';
import { waitFor } from './helpers/wait.ts';

/** The nats-server's own log: the denials it enforces itself (never reaching an API server) are there. */
let natsLog = '';
const locked = lockedBus({ prefix: 'kubus-buslock-', nodes: ['n1', 'n2.example'], onLog: (c) => (natsLog += c), controlPlane: (home) => ({ audit: { auditLog: join(home, 'audit.log') } }) });
const { home, creds, connect } = locked;
const auditLog = join(home, 'audit.log');
/** The audit log's events so far (the API server audits every request at Metadata). */
const audited = (): AuditEvent[] => (existsSync(auditLog) ? readFileSync(auditLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent) : []);

const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: {} });

test('bus lock - identities make reversible subject tokens, dotted node names included', (t) => {
  for (const s of ['apiserver', 'admin', 'node/n1', 'node/n2.example.com', 'apiserver/a-1']) {
    const token = identityToken(parseIdentity(s));
    t.false(token.includes('.'), token);
    t.deepEqual(identityOfToken(token), parseIdentity(s));
  }
  t.throws(() => parseIdentity('node'), { message: /node name/ });
  t.throws(() => parseIdentity('root'), { message: /unknown identity kind/ });
  t.is(identityOfToken('node_A*B'), undefined);
});

test('bus lock - credentials files are 0600, one per identity', (t) => {
  creds('node/n1');
  t.is(statSync(credentialsPath('node/n1', home)).mode & 0o777, 0o600);
  t.not(creds('node/n1').seed, creds('node/n2.example').seed);
});

test('bus lock - a client without credentials cannot connect', async (t) => {
  // Past TLS (it trusts the kubus CA) but with no nkey: the server refuses it.
  await t.throwsAsync(connectNats({ servers: locked.nats.url, tls: { ca: creds('admin').ca }, timeout: 2000, reconnect: false }), { message: /Authorization Violation/i });
  // Without even the CA, TLS stops it first.
  await t.throwsAsync(NatsBus.connect({ servers: locked.nats.url, name: 'anonymous', credentials: null, connectTimeoutMs: 2000 }), { instanceOf: Error });
  // Both never reach an API server: the nats-server logs them.
  await waitFor(() => /\[ERR\] .* - "[^"]*nats\.js" - authentication error - Nkey ""/.test(natsLog), 'the refused connection in the nats-server log', 10_000);
  await waitFor(() => /\[ERR\] .* TLS handshake error/.test(natsLog), 'the failed handshake in the nats-server log', 10_000);
  t.pass();
});

test('bus lock - the admin reads and writes; the API server sees its requests as kubus-admin in system:masters', async (t) => {
  const admin = new ApiClient(await connect(t, 'admin'));
  await admin.create('configmaps', cm('by-admin'));
  t.is((await admin.get<KubeObject>('configmaps', 'by-admin', { namespace: 'default' })).metadata.name, 'by-admin');
});

test('bus lock - a kubelet cannot subscribe to API requests, so it can neither read nor answer them', async (t) => {
  const log = capture();
  const kubelet = await connect(t, 'node/n1', log);
  let stolen = 0;
  kubelet.subscribe(API_ALL, () => stolen++, { queue: 'apiserver' });
  kubelet.subscribe('kubus.api.configmaps.create', () => stolen++);
  await waitFor(() => log.lines.filter((l) => /Permissions Violation for Subscription/.test(l)).length >= 2, 'two subscription violations');
  // The nats-server logs each with the client's name and nkey.
  const violations = () => natsLog.split('\n').filter((l) => /\[ERR\] .*:test\/node\/n1" - Subscription Violation - Nkey "U[A-Z0-9]+", Subject "kubus\.api\./.test(l));
  await waitFor(() => violations().some((l) => l.includes('Subject "kubus.api.>"')) && violations().some((l) => l.includes('kubus.api.configmaps.create')), 'both in the nats-server log', 10_000);
  const admin = new ApiClient(await connect(t, 'admin'));
  for (let i = 0; i < 20; i++) await admin.create('configmaps', cm(`not-stolen-${i}`));
  t.is(stolen, 0);
});

test('bus lock - a kubelet cannot publish a reply into another identity\'s inbox, nor send API requests as another identity', async (t) => {
  const log = capture();
  const kubelet = await connect(t, 'node/n1', log);
  const admin = await connect(t, 'admin');
  const got: unknown[] = [];
  const inbox = '_INBOX.admin.forged';
  admin.subscribe(inbox, (m) => got.push(m.data));
  await admin.flush();
  kubelet.publish(inbox, { forged: true });
  kubelet.publish('kubus.api.configmaps.create.admin', { body: cm('forged') });
  kubelet.publish('kubus.api.configmaps.create', { body: cm('forged') });
  await kubelet.flush();
  locked.cp.bus.publish(inbox, { control: true }); // an API server may publish anywhere
  await waitFor(() => got.length >= 1, 'the control message');
  t.deepEqual(got, [{ control: true }]);
  await waitFor(() => log.lines.filter((l) => /Permissions Violation for Publish/.test(l)).length >= 3, 'three publish violations');
  // The nats-server logs the three; they never reach an API server, so its audit log cannot hold them.
  const published = () => natsLog.split('\n').filter((l) => /\[ERR\] .*:test\/node\/n1" - Publish Violation - Nkey "U[A-Z0-9]+", Subject "/.test(l)).join('\n');
  await waitFor(() => [inbox, 'kubus.api.configmaps.create.admin', 'kubus.api.configmaps.create'].every((s) => published().includes(`Subject "${s}"`)), 'three publish violations in the nats-server log', 10_000);
  await t.throwsAsync(new ApiClient(admin).get('configmaps', 'forged', { namespace: 'default' }), { instanceOf: StatusError, message: /not found/ });
});

test('bus lock - a kubelet cannot read another identity\'s watch events; its own watch works', async (t) => {
  const log = capture();
  const n2 = await connect(t, 'node/n2.example', log);
  let leaked = 0;
  n2.subscribe(`${watchInbox('admin')}.>`, () => leaked++);
  n2.subscribe('kubus.watch.>', () => leaked++);
  await waitFor(() => log.lines.filter((l) => /Permissions Violation for Subscription/.test(l)).length >= 2, 'two subscription violations');
  // The nats-server logs both (the admin's watch inbox, every watch) with the client's name.
  const violations = () => natsLog.split('\n').filter((l) => /\[ERR\] .*:test\/node\/n2\.example" - Subscription Violation - Nkey "U[A-Z0-9]+", Subject "kubus\.watch\./.test(l));
  await waitFor(() => violations().some((l) => l.includes(`Subject "${watchInbox('admin')}.>"`)) && violations().some((l) => l.includes('Subject "kubus.watch.>"')), 'both in the nats-server log', 10_000);
  const adminBus = await connect(t, 'admin');
  const admin = new ApiClient(adminBus);
  const seen: WatchEvent[] = [];
  const w = await admin.watch('configmaps', { namespace: 'default' }, { event: (e) => seen.push(e), end: () => {} });
  t.teardown(() => w.stop());
  await admin.create('configmaps', cm('watched'));
  await waitFor(() => seen.some((e) => (e.object as KubeObject).metadata.name === 'watched'), 'the admin sees its watch event');
  t.is(leaked, 0);
});

test('bus lock - a watch inbox a client names is put behind its own identity', async (t) => {
  const n1 = new ApiClient(await connect(t, 'node/n1'));
  // Asking for the admin's inbox by name: the server prefixes the sender's token, so the name is not another's.
  const err = await t.throwsAsync(n1.call('configmaps', 'watch', { namespace: 'default', watch: { conn: 'admin.x', id: '1' } }), { instanceOf: StatusError });
  t.is(err!.code, 400);
});

test('bus lock - a kubelet cannot claim another user: upstream\'s impersonation 403 names the node', async (t) => {
  const n1 = new ApiClient(await connect(t, 'node/n1')).as({ username: 'kubus-admin', groups: ['system:masters'] });
  const err = await t.throwsAsync(n1.create('configmaps', cm('claimed')), { instanceOf: StatusError });
  t.is(err!.code, 403);
  t.regex(err!.message, /User "system:node:n1" cannot impersonate resource "users"/);
  // Audited as the node that sent it (the claim kept as the impersonated user), refused before authorization.
  const denied = (e: AuditEvent) => e.stage === 'ResponseComplete' && e.verb === 'create' && e.objectRef?.resource === 'configmaps' && e.user.username === 'system:node:n1' && e.impersonatedUser?.username === 'kubus-admin';
  await waitFor(() => audited().some(denied), 'the refused claim in the audit log', 10_000);
  t.like(audited().find(denied), { objectRef: { namespace: 'default' }, responseStatus: { code: 403, message: err!.message }, annotations: { 'authorization.k8s.io/decision': 'forbid' } });
  t.false(audited().some((e) => e.user.username === 'kubus-admin' && e.userAgent === 'kubus-bus (test/node/n1)'), 'never blamed on the claimed user');
});

test('bus lock - the API server authorizes a kubelet\'s request as system:node:<name>', async (t) => {
  for (const node of ['n1', 'n2.example']) {
    const client = new ApiClient(await connect(t, `node/${node}`));
    const err = await t.throwsAsync(
      client.create('clusterroles', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `from-${node}` }, rules: [] } as KubeObject),
      { instanceOf: StatusError },
    );
    t.is(err!.code, 403);
    t.regex(err!.message, new RegExp(`User "system:node:${node.replace('.', '\\.')}"`));
    const denied = (e: AuditEvent) => e.stage === 'ResponseComplete' && e.verb === 'create' && e.objectRef?.resource === 'clusterroles' && e.user.username === `system:node:${node}`;
    await waitFor(() => audited().some(denied), `${node}'s refused create in the audit log`, 10_000);
    t.like(audited().find(denied), { responseStatus: { code: 403 }, objectRef: { apiGroup: 'rbac.authorization.k8s.io' }, annotations: { 'authorization.k8s.io/decision': 'forbid' } });
  }
});

test('bus lock - a kubelet serves only its own node\'s log/exec subjects and cannot call another kubelet; the admin can', async (t) => {
  const log = capture();
  const n1 = await connect(t, 'node/n1', log);
  let own = 0;
  let stolen = 0;
  n1.subscribe('kubus.node.n1.exec', (m) => {
    own++;
    n1.respond(m, { ok: true });
  });
  n1.subscribe('kubus.node.n2.example.exec', () => stolen++);
  await waitFor(() => log.lines.some((l) => /Permissions Violation for Subscription to \W*kubus\.node\.n2\.example\.exec/.test(l)), 'the other node\'s subject refused');
  n1.publish('kubus.node.n2.example.exec', {});
  await waitFor(() => log.lines.some((l) => /Permissions Violation for Publish to \W*kubus\.node\.n2\.example\.exec/.test(l)), 'calling another kubelet refused');
  const admin = await connect(t, 'admin');
  t.deepEqual((await admin.request('kubus.node.n1.exec', {})).data, { ok: true });
  t.is(own, 1);
  t.is(stolen, 0);
  t.false(log.lines.some((l) => /Violation for Subscription to \W*kubus\.node\.n1\.exec/.test(l)));
});
