// Audit policy: upstream's rule matching (first match wins, no match = None), its checks of a policy
// file (the bad field named), and the events an Auditor writes at each level.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Auditor, microTime, type AuditEvent } from '../api/audit-event.ts';
import { auditVerdict, checkPolicy, type AuditLevel, type AuditPolicy } from '../api/audit-policy.ts';
import type { Attributes } from '../api/authorization.ts';
import { AuditLogWriter, loadAuditPolicy } from '../runtime/audit-log.ts';
import { silentLogger, type Logger } from '../bus/types.ts';
import { waitFor } from './helpers/wait.ts';

const jane = { username: 'jane', groups: ['devs', 'system:authenticated'] };
const kubelet = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const res = (over: Partial<Attributes>): Attributes => ({ user: jane, verb: 'get', apiGroup: '', apiVersion: 'v1', resource: 'pods', namespace: 'default', name: 'p', ...over });

const policy: AuditPolicy = checkPolicy({
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [
    { level: 'None', users: ['system:kube-proxy'] },
    { level: 'None', userGroups: ['system:nodes'], verbs: ['get'], resources: [{ group: '', resources: ['nodes'] }] },
    { level: 'Metadata', resources: [{ group: '', resources: ['secrets', 'configmaps'] }] },
    { level: 'RequestResponse', resources: [{ group: '', resources: ['pods/log', '*/status'] }] },
    { level: 'Request', resources: [{ group: 'apps', resources: ['deployments/*'] }] },
    { level: 'RequestResponse', resources: [{ group: '', resources: ['pods'], resourceNames: ['special'] }] },
    { level: 'None', nonResourceURLs: ['/healthz*', '/version'] },
    { level: 'Metadata', nonResourceURLs: ['/api*'], omitStages: ['ResponseComplete'] },
    { level: 'Request', namespaces: ['kube-system'], verbs: ['create', 'update'] },
    { level: 'Metadata', omitManagedFields: true, verbs: ['delete'] },
  ],
});

const table: Array<[string, Attributes, AuditLevel]> = [
  ['a user rule', res({ user: { username: 'system:kube-proxy' } }), 'None'],
  ['group + verb + resource', res({ user: kubelet, resource: 'nodes', namespace: '', name: 'n1' }), 'None'],
  ['group rule misses another verb', res({ user: kubelet, verb: 'update', resource: 'nodes', namespace: '', name: 'n1' }), 'None'],
  ['resource list', res({ resource: 'secrets' }), 'Metadata'],
  ['resource/subresource', res({ subresource: 'log' }), 'RequestResponse'],
  ['*/subresource', res({ apiGroup: '', resource: 'services', subresource: 'status' }), 'RequestResponse'],
  ['*/subresource in another group misses', res({ apiGroup: 'apps', resource: 'deployments', subresource: 'status' }), 'Request'],
  ['resource/* takes subresources', res({ apiGroup: 'apps', resource: 'deployments', subresource: 'scale' }), 'Request'],
  ['resource/* takes the resource itself too (as upstream checker.go)', res({ apiGroup: 'apps', resource: 'deployments', verb: 'create' }), 'Request'],
  ['a rule of another group misses', res({ apiGroup: 'batch', resource: 'jobs', verb: 'create' }), 'None'],
  ['resourceNames match', res({ name: 'special' }), 'RequestResponse'],
  ['resourceNames miss', res({ name: 'other' }), 'None'],
  ['non-resource prefix', { user: jane, verb: 'get', path: '/healthz/ready' }, 'None'],
  ['non-resource exact', { user: jane, verb: 'get', path: '/version' }, 'None'],
  ['non-resource prefix 2', { user: jane, verb: 'get', path: '/apis/apps/v1' }, 'Metadata'],
  ['non-resource rule never takes a resource', res({ resource: 'apis' }), 'None'],
  ['namespaces + verbs', res({ namespace: 'kube-system', verb: 'create', resource: 'leases', apiGroup: 'coordination.k8s.io' }), 'Request'],
  ['namespaces rule never takes a non-resource path', { user: jane, verb: 'create', path: '/other' }, 'None'],
  ['verbs only', res({ verb: 'delete', resource: 'services' }), 'Metadata'],
  ['no match is None', res({ verb: 'list', resource: 'services', name: '' }), 'None'],
];

for (const [name, attrs, level] of table)
  test(`audit policy - ${name}: ${level}`, (t) => {
    t.is(auditVerdict(policy, attrs).level, level);
  });

test('audit policy - omitStages of the policy and the rule add up; omitManagedFields of the rule', (t) => {
  t.deepEqual(auditVerdict(policy, { user: jane, verb: 'get', path: '/api' }).omitStages, ['RequestReceived', 'ResponseComplete']);
  t.true(auditVerdict(policy, res({ verb: 'delete', resource: 'services' })).omitManagedFields);
  t.false(auditVerdict(policy, res({ resource: 'secrets' })).omitManagedFields);
});

const bad: Array<[string, unknown, RegExp]> = [
  ['kind', { apiVersion: 'audit.k8s.io/v1', kind: 'Pol', rules: [{ level: 'None' }] }, /^kind: Invalid value: "Pol"/],
  ['apiVersion', { apiVersion: 'audit.k8s.io/v2', kind: 'Policy', rules: [{ level: 'None' }] }, /^apiVersion: Unsupported value: "audit.k8s.io\/v2"/],
  ['no rules', { apiVersion: 'audit.k8s.io/v1', kind: 'Policy' }, /^rules: Required value/],
  ['level', { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'None' }, { level: 'Everything' }] }, /^rules\[1\]\.level: Unsupported value: "Everything": supported values: "None", "Metadata", "Request", "RequestResponse"/],
  ['missing level', { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ verbs: ['get'] }] }, /^rules\[0\]\.level: Required value/],
  ['stage', { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'None', omitStages: ['Done'] }] }, /^rules\[0\]\.omitStages\[0\]: Unsupported value: "Done"/],
  ['both kinds', { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'None', nonResourceURLs: ['/x'], resources: [{ resources: ['pods'] }] }] }, /^rules\[0\]\.nonResourceURLs: .*cannot apply to both/],
  ['url', { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'None', nonResourceURLs: ['healthz'] }] }, /^rules\[0\]\.nonResourceURLs\[0\]: .*must start with "\/"/],
  ['group', { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'None', resources: [{ group: 'apps/v1' }] }] }, /^rules\[0\]\.resources\[0\]\.group: /],
  ['names with wildcard', { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'None', resources: [{ resources: ['*'], resourceNames: ['x'] }] }] }, /^rules\[0\]\.resources\[0\]\.resourceNames: /],
  ['verbs type', { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'None', verbs: 'get' }] }, /^rules\[0\]\.verbs: Invalid value: must be a list of strings/],
];

for (const [name, body, message] of bad)
  test(`audit policy - refused: ${name}`, (t) => {
    t.throws(() => checkPolicy(body), { name: 'AuditPolicyError', message });
  });

test('audit policy - a bad policy file: the error names the file and the field', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubus-audit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n- level: Loud\n');
  t.throws(() => loadAuditPolicy(file), { message: `audit policy ${file}: rules[1].level: Unsupported value: "Loud": supported values: "None", "Metadata", "Request", "RequestResponse"` });
  writeFileSync(file, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Request\n  resources:\n  - group: ""\n    resources: ["pods"]\n');
  t.is(loadAuditPolicy(file).rules[0].level, 'Request');
  t.throws(() => loadAuditPolicy(join(dir, 'missing.yaml')), { message: /^audit policy .*missing\.yaml: ENOENT/ });
});

/** An auditor at a fixed time with numbered ids, writing into an array. */
function arrayAuditor(p: AuditPolicy) {
  const events: AuditEvent[] = [];
  let n = 0;
  const auditor = new Auditor(p, { write: (e) => events.push(e) }, () => Date.UTC(2026, 11, 6, 7, 0, 0, 123), () => `id-${++n}`);
  return { auditor, events };
}

const ONE = (level: string, extra: Record<string, unknown> = {}) => checkPolicy({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level, ...extra }] });
const created = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', managedFields: [{ manager: 'x' }] }, data: { a: '1' } };

test('audit events - level None writes nothing', (t) => {
  const { auditor, events } = arrayAuditor(ONE('None'));
  t.is(auditor.begin({ attributes: res({}), requestURI: '/api/v1/namespaces/default/pods/p', sourceIPs: [] }), undefined);
  t.is(events.length, 0);
});

test('audit events - Metadata: the stages and fields, no objects', (t) => {
  const { auditor, events } = arrayAuditor(ONE('Metadata'));
  const r = auditor.begin({ attributes: res({ verb: 'create', resource: 'configmaps', name: '' }), requestURI: '/api/v1/namespaces/default/configmaps', sourceIPs: ['10.0.0.1'], userAgent: 'kubectl/v1.31' })!;
  r.request(created);
  r.received();
  r.decided(true, 'RBAC: allowed by x');
  r.complete(201, created);
  t.deepEqual(events.map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
  t.deepEqual(events[1], {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: 'id-1',
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/configmaps',
    verb: 'create',
    user: jane,
    sourceIPs: ['10.0.0.1'],
    userAgent: 'kubectl/v1.31',
    objectRef: { resource: 'configmaps', namespace: 'default', apiGroup: '', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 201 },
    requestReceivedTimestamp: '2026-12-06T07:00:00.123000Z',
    stageTimestamp: '2026-12-06T07:00:00.123000Z',
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by x' },
  });
  t.is(events[0].auditID, events[1].auditID);
  t.is(events[0].responseStatus, undefined);
  t.is(microTime(0), '1970-01-01T00:00:00.000000Z');
});

test('audit events - Request and RequestResponse carry the objects; omitManagedFields strips them; a failure carries its Status', (t) => {
  const req = arrayAuditor(ONE('Request'));
  const r1 = req.auditor.begin({ attributes: res({ verb: 'create' }), requestURI: '/x', sourceIPs: [] })!;
  r1.request(created);
  r1.complete(201, created);
  t.deepEqual(req.events[0].requestObject, created);
  t.is(req.events[0].responseObject, undefined);
  const full = arrayAuditor(ONE('RequestResponse', { omitManagedFields: true }));
  const r2 = full.auditor.begin({ attributes: res({ verb: 'create' }), requestURI: '/x', sourceIPs: [] })!;
  r2.request(created);
  r2.complete(201, created);
  t.deepEqual((full.events[0].responseObject as typeof created).metadata, { name: 'c', namespace: 'default' });
  t.deepEqual((full.events[0].requestObject as typeof created).metadata, { name: 'c', namespace: 'default' });
  t.truthy(created.metadata.managedFields, 'the original is left alone');
  const r3 = full.auditor.begin({ attributes: res({}), requestURI: '/x', sourceIPs: [] })!;
  r3.decided(false, '');
  r3.complete(403, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 403, reason: 'Forbidden', message: 'pods "p" is forbidden: ...' });
  t.deepEqual(full.events[1].responseStatus, { metadata: {}, status: 'Failure', message: 'pods "p" is forbidden: ...', reason: 'Forbidden', code: 403 });
  t.is(full.events[1].annotations?.['authorization.k8s.io/decision'], 'forbid');
});

test('audit log - events are appended as JSON lines, flushed on close', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubus-audit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'audit.log');
  const writer = new AuditLogWriter(file);
  const auditor = new Auditor(ONE('Metadata'), writer, () => 0, () => 'x');
  for (let i = 0; i < 3; i++) auditor.begin({ attributes: res({}), requestURI: `/r/${i}`, sourceIPs: [] })!.complete(200, {});
  await writer.close();
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditEvent);
  t.deepEqual(lines.map((e) => e.requestURI), ['/r/0', '/r/1', '/r/2']);
});

test('audit log - a file that cannot be written: each batch lost is counted and logged once, never counted as written', async (t) => {
  const errors: { events?: number; err?: string; msg?: string }[] = [];
  const log = { ...silentLogger, error: (o: object, msg?: string) => void errors.push({ ...(o as object), msg }) } as Logger;
  const writer = new AuditLogWriter('/dev/full', log);
  t.teardown(() => writer.close().catch(() => undefined));
  const auditor = new Auditor(ONE('Metadata'), writer, () => 0, () => 'x');
  const batch = (n: number) => {
    for (let i = 0; i < n; i++) auditor.begin({ attributes: res({}), requestURI: `/r/${i}`, sourceIPs: [] })!.complete(200, {});
    writer.flush();
  };
  batch(2);
  await waitFor(() => writer.dropped === 2, 'the first batch lost');
  // The stream is destroyed now: the next batch is lost at once, and said so.
  batch(3);
  await waitFor(() => writer.dropped === 5, 'the second batch lost');
  const dropped = errors.filter((e) => e.msg === 'audit events dropped');
  t.deepEqual(dropped.map((e) => e.events), [2, 3]);
  t.regex(dropped[0].err ?? '', /ENOSPC|no space/i);
  t.is(writer.written, 0);
});
