// Audit end to end: a control plane (API server and HTTPS gateway in one process, over a real
// nats-server) with --audit-log and --audit-policy; kubectl with client certificates; the events in
// the file. And a bad policy file stops the control plane before it starts, naming the field.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '../api/audit-event.ts';
import { ApiClient } from '../bus/client.ts';
import { silentLogger } from '../bus/types.ts';
import { AuditLogWriter } from '../runtime/audit-log.ts';
import { startControlPlane } from '../runtime/control-plane.ts';
import { kubeconfigFor } from '../runtime/kubeconfig.ts';
import { startNatsServer } from '../runtime/nats-server.ts';
import { ensureCA, gatewayTls, issue } from '../runtime/pki.ts';
import { KUBECTL } from './helpers/proc.ts';

const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  nonResourceURLs: ["/version", "/api", "/api/*", "/apis", "/apis/*", "/openapi/*"]
- level: RequestResponse
  resources:
  - group: ""
    resources: ["configmaps"]
- level: Metadata
`;

test('audit control plane - kubectl over HTTPS: a create at RequestResponse and a denied create (forbid) in the file, discovery left out', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubus-audit-cp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'audit.log');
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const ca = ensureCA(join(dir, 'pki'));
  const cp = await startControlPlane({
    nats: nats.url,
    actors: ['apiserver', 'gateway'],
    httpAddress: '127.0.0.1:0',
    httpTls: gatewayTls(ca, '127.0.0.1'),
    log: silentLogger,
    leaderElect: false,
    credentials: null,
    audit: { auditLog: log, auditPolicy: join(dir, 'policy.yaml') },
  });
  let stopped = false;
  t.teardown(async () => {
    if (!stopped) await cp.stop();
  });
  const kubeconfig = (user: string, groups: string[]) => {
    const path = join(dir, `${user}.kubeconfig`);
    writeFileSync(path, kubeconfigFor(cp.gatewayUrl!, { ca: ca.cert, ...issue(ca, { cn: user, orgs: groups, usage: 'client' }) }));
    return path;
  };
  const kubectl = (config: string, args: string[]) =>
    new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(KUBECTL, ['--kubeconfig', config, '--cache-dir', join(dir, 'cache'), ...args], { env: { PATH: process.env.PATH, HOME: dir }, timeout: 20_000 }, (err, _o, stderr) => resolve({ code: err ? 1 : 0, stderr })),
    );
  const admin = kubeconfig('kubus-admin', ['system:masters']);
  t.is((await kubectl(admin, ['create', 'configmap', 'audited', '--from-literal=a=b'])).code, 0);
  const vera = kubeconfig('vera', ['readers']);
  const denied = await kubectl(vera, ['create', 'secret', 'generic', 's1', '--from-literal=a=b']);
  t.is(denied.code, 1);
  await cp.stop();
  stopped = true;
  const events = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditEvent);
  t.false(events.some((e) => e.stage === 'RequestReceived'), 'omitStages');
  t.false(events.some((e) => e.objectRef === undefined), 'non-resource paths (discovery, /version) at None');
  t.false(events.some((e) => e.objectRef?.resource?.endsWith('accessreviews')), "the gateway's own access checks are no requests of their own");
  const created = events.find((e) => e.verb === 'create' && e.objectRef?.resource === 'configmaps')!;
  t.truthy(created);
  t.is(created.level, 'RequestResponse');
  t.is(created.user.username, 'kubus-admin');
  t.true(created.user.groups?.includes('system:masters'));
  t.regex(created.requestURI, /^\/api\/v1\/namespaces\/default\/configmaps\?/);
  t.deepEqual(created.sourceIPs, ['127.0.0.1']);
  t.regex(created.userAgent ?? '', /^kubectl/);
  t.is((created.requestObject as { data: Record<string, string> }).data.a, 'b');
  t.truthy((created.responseObject as { metadata: { uid: string } }).metadata.uid);
  const forbid = events.find((e) => e.user.username === 'vera' && e.objectRef?.resource === 'secrets')!;
  t.truthy(forbid);
  t.is(forbid.level, 'Metadata');
  t.is(forbid.annotations?.['authorization.k8s.io/decision'], 'forbid');
  t.is(forbid.responseStatus?.code, 403);
  t.is(forbid.requestObject, undefined);
});

test('audit control plane - a bad policy file: the start fails naming the file and the field', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubus-audit-cp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  omitStages: [Sometimes]\n');
  await t.throwsAsync(
    startControlPlane({ nats: 'nats://127.0.0.1:1', actors: ['apiserver'], log: silentLogger, credentials: null, audit: { auditLog: join(dir, 'audit.log'), auditPolicy: policy } }),
    { message: `audit policy ${policy}: rules[0].omitStages[0]: Unsupported value: "Sometimes": supported values: "RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"` },
  );
});

test('audit control plane - a stop whose store fails to close still writes the audit lines queued (and releases the file)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubus-audit-cp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'audit.log');
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const cp = await startControlPlane({ nats: nats.url, actors: ['apiserver'], log: silentLogger, leaderElect: false, credentials: null, clusterLogs: false, audit: { auditLog: log } });
  await new ApiClient(cp.bus).create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'queued', namespace: 'default' } } as never, { namespace: 'default' });
  cp.store!.close = () => Promise.reject(new Error('store close failed'));
  await t.throwsAsync(cp.stop(), { message: 'store close failed' });
  const events = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditEvent);
  t.true(events.some((e) => e.verb === 'create' && e.objectRef?.resource === 'configmaps' && e.stage === 'ResponseComplete'), 'the create’s event was lost');
  const next = AuditLogWriter.forFile(log, silentLogger);
  t.teardown(() => next.close());
  t.is(next.written, 0, 'a new writer: the stopped control plane released the file');
});
