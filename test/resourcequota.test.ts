// ResourceQuota and LimitRange: validation, quota admission (403 with upstream's texts, nothing stored,
// usage charged), LimitRanger defaults and limits, the quota controller on the virtual clock, columns
// and describe.
import test, { type ExecutionContext } from 'ava';
import type { ResourceQuota } from '../api/kinds/resourcequota.ts';
import type { KubeObject } from '../api/meta.ts';
import { StatusError } from '../api/status.ts';
import { columnsFor } from '../api/table/columns.ts';
import { resourceQuotaController } from '../actors/controllers/resourcequota/resourcequota.controller.ts';
import { VirtualClock } from '../bus/clock.ts';
import { describe as describeObj } from '../cli/printers/describe.ts';
import { unknownFieldsOf } from '../api/openapi/field-validation.ts';
import { goQuantity } from '../api/validation/go-quantity.ts';
import { resourceFor } from '../api/resources.ts';
import { pod, startApi } from './helpers/api.ts';
import { settle } from './helpers/wait.ts';

const NS = 'default';
const quota = (name: string, hard: Record<string, string>, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name, namespace: NS }, spec: { hard, ...extra },
});
const limitRange = (limits: unknown[]): KubeObject => ({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'limits', namespace: NS }, spec: { limits } });
const withResources = (name: string, requests?: Record<string, string>, limits?: Record<string, string>) =>
  pod(name, { containers: [{ name: 'c', image: 'nginx', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } }] });

/** Creates a quota and gives it the status its controller would (hard = spec.hard, used as given). */
async function quotaWithStatus(client: Awaited<ReturnType<typeof startApi>>['client'], q: KubeObject, used: Record<string, string>) {
  const made = await client.create<ResourceQuota>('resourcequotas', q);
  return client.updateStatus<ResourceQuota>('resourcequotas', { ...made, status: { hard: made.spec!.hard, used } });
}

/** An API server on a virtual clock from `at`, with the quota controller running; `run` settles a request on that clock. */
async function withController(t: ExecutionContext, at: number) {
  const clock = new VirtualClock(at);
  const env = await startApi(t, { clock });
  env.process('controller-manager').start(resourceQuotaController, 'controller/resourcequota', undefined);
  return { clock, env, run: <R>(p: Promise<R>) => settle(clock, p) };
}

test('resourcequota - validation: quota resource names, integer counts, scopes', async (t) => {
  const { client } = await startApi(t);
  const err = await t.throwsAsync(client.create('resourcequotas', quota('q', { foo: '1', pods: '1.5', 'requests.cpu': '-1' }, { scopes: ['BestEffort', 'NotBestEffort'] })), { instanceOf: StatusError });
  t.is(err.code, 422);
  t.deepEqual(err.status.details?.causes?.map((c) => `${c.field}: ${c.message}`), [
    'spec.hard[foo]: Invalid value: "foo": must be a standard resource for quota',
    'spec.hard[pods]: Invalid value: resource.Quantity{i:resource.int64Amount{value:15, scale:-1}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"", Format:"DecimalSI"}: must be an integer',
    'spec.hard[requests.cpu]: Invalid value: "-1": must be greater than or equal to 0',
    'spec.scopes: Invalid value: []string{"BestEffort", "NotBestEffort"}: unsupported scope applied to resource',
    'spec.scopes: Invalid value: []string{"BestEffort", "NotBestEffort"}: conflicting scopes',
  ]);
  t.is((await client.list('resourcequotas', { namespace: NS })).items.length, 0);
  const made = await client.create<ResourceQuota>('resourcequotas', { ...quota('ok', { pods: '2', 'count/deployments.apps': '1' }), status: { used: { pods: '9' } } } as KubeObject);
  t.deepEqual(made.status, {}, 'status is the controller\'s: reset on create');
});

test('resourcequota - validation: limit range bounds and types, and defaults from max and default', async (t) => {
  const { client } = await startApi(t);
  const err = await t.throwsAsync(client.create('limitranges', limitRange([
    { type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } },
    { type: 'Pod', default: { cpu: '1' } },
    { type: 'PersistentVolumeClaim', max: { cpu: '1' } },
    { type: 'Container' },
  ])), { instanceOf: StatusError });
  t.deepEqual(err.status.details?.causes?.map((c) => `${c.field}: ${c.message}`), [
    'spec.limits[0].min[cpu]: Invalid value: resource.Quantity{i:resource.int64Amount{value:2, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"2", Format:"DecimalSI"}: min value 2 is greater than max value 1',
    'spec.limits[0].defaultRequest[cpu]: Invalid value: resource.Quantity{i:resource.int64Amount{value:1, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"1", Format:"DecimalSI"}: min value 2 is greater than default request value 1',
    'spec.limits[0].default[cpu]: Invalid value: resource.Quantity{i:resource.int64Amount{value:2, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"2", Format:"DecimalSI"}: min value 2 is greater than default value 1',
    'spec.limits[1].default: Forbidden: may not be specified when `type` is \'Pod\'',
    'spec.limits[2].limits: Required value: either minimum or maximum storage value is required, but neither was provided',
    'spec.limits[3].type: Duplicate value: "Container"',
  ]);
  const lr = await client.create<KubeObject>('limitranges', limitRange([{ type: 'Container', max: { cpu: '1' }, min: { memory: '64Mi' } }]));
  t.deepEqual((lr.spec as { limits: unknown[] }).limits[0], { type: 'Container', max: { cpu: '1' }, min: { memory: '64Mi' }, default: { cpu: '1' }, defaultRequest: { cpu: '1', memory: '64Mi' } });
});

test('resourcequota - admission: a pod over the quota is 403 with upstream\'s message, nothing stored; usage is charged', async (t) => {
  const { client } = await startApi(t);
  await quotaWithStatus(client, quota('q', { pods: '2' }), { pods: '0' });
  await client.create('pods', pod('p1'));
  await client.create('pods', pod('p2'));
  t.deepEqual((await client.get<ResourceQuota>('resourcequotas', 'q', { namespace: NS })).status?.used, { pods: '2' });
  const before = await client.get<ResourceQuota>('resourcequotas', 'q', { namespace: NS });
  const err = await t.throwsAsync(client.create('pods', pod('p3')), { instanceOf: StatusError });
  t.is(err.code, 403);
  t.is(err.reason, 'Forbidden');
  t.is(err.message, 'pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2');
  t.deepEqual((await client.list('pods', { namespace: NS })).items.map((p) => p.metadata.name), ['p1', 'p2']);
  const after = await client.get<ResourceQuota>('resourcequotas', 'q', { namespace: NS });
  t.is(after.metadata.resourceVersion, before.metadata.resourceVersion, 'the quota is not charged for a refused pod');
  // A dry run checks without charging.
  await quotaWithStatus(client, quota('cm', { configmaps: '1' }), { configmaps: '0' });
  await client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: NS } }, { dryRun: true });
  t.deepEqual((await client.get<ResourceQuota>('resourcequotas', 'cm', { namespace: NS })).status?.used, { configmaps: '0' });
});

test('resourcequota - admission: cpu quotas need requests, usage unknown is refused, compute is summed', async (t) => {
  const { client } = await startApi(t);
  await quotaWithStatus(client, quota('compute', { 'requests.cpu': '1', 'limits.memory': '1Gi' }), { 'requests.cpu': '0', 'limits.memory': '0' });
  const err = await t.throwsAsync(client.create('pods', pod('bare')), { instanceOf: StatusError });
  t.is(err.message, 'pods "bare" is forbidden: failed quota: compute: must specify limits.memory for: c; requests.cpu for: c');
  const two = pod('two', { containers: [{ name: 'b', image: 'x', resources: { requests: { cpu: '1m' } } }, { name: 'a', image: 'x' }], initContainers: [{ name: 'init', image: 'x' }] });
  const both = await t.throwsAsync(client.create('pods', two), { instanceOf: StatusError });
  t.is(both.message, 'pods "two" is forbidden: failed quota: compute: must specify limits.memory for: a,b,init; requests.cpu for: a,init');
  await client.create('pods', withResources('a', { cpu: '600m' }, { memory: '512Mi' }));
  const over = await t.throwsAsync(client.create('pods', withResources('b', { cpu: '500m' }, { memory: '256Mi' })), { instanceOf: StatusError });
  t.is(over.message, 'pods "b" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1');
  await client.create('pods', withResources('c', { cpu: '400m' }, { memory: '512Mi' }));
  t.deepEqual((await client.get<ResourceQuota>('resourcequotas', 'compute', { namespace: NS })).status?.used, { 'limits.memory': '1Gi', 'requests.cpu': '1' });
  const fresh = await client.create<ResourceQuota>('resourcequotas', quota('fresh', { services: '1' }));
  await client.updateStatus('resourcequotas', { ...fresh, status: { hard: { services: '1' } } });
  const unknown = await t.throwsAsync(client.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: NS }, spec: { ports: [{ port: 80 }] } }), { instanceOf: StatusError });
  t.is(unknown.message, 'services "s" is forbidden: status unknown for quota: fresh, resources: services');
});

test('resourcequota - admission: scopes pick the pods a quota counts', async (t) => {
  const { client } = await startApi(t);
  await quotaWithStatus(client, quota('besteffort', { pods: '1' }, { scopes: ['BestEffort'] }), { pods: '1' });
  await client.create('pods', withResources('burstable', { cpu: '100m' }));
  const err = await t.throwsAsync(client.create('pods', pod('besteffort')), { instanceOf: StatusError });
  t.is(err.message, 'pods "besteffort" is forbidden: exceeded quota: besteffort, requested: pods=1, used: pods=1, limited: pods=1');
});

test('resourcequota - limit ranges: container defaults with the annotation, then min/max/ratio with upstream\'s messages', async (t) => {
  const { client } = await startApi(t);
  await client.create('limitranges', limitRange([
    { type: 'Container', max: { cpu: '1' }, default: { cpu: '500m', memory: '128Mi' }, defaultRequest: { cpu: '250m' }, maxLimitRequestRatio: { memory: '2' } },
  ]));
  const p = await client.create<KubeObject>('pods', pod('defaults'));
  const c = (p.spec as { containers: Array<{ resources: unknown }> }).containers[0];
  t.deepEqual(c.resources, { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m', memory: '128Mi' } });
  t.is(p.metadata.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c');
  const err = await t.throwsAsync(client.create('pods', withResources('big', { cpu: '1', memory: '64Mi' }, { cpu: '2', memory: '256Mi' })), { instanceOf: StatusError });
  t.is(err.code, 403);
  t.is(err.message, 'pods "big" is forbidden: [maximum cpu usage per Container is 1, but limit is 2, memory max limit to request ratio per Container is 2, but provided ratio is 4.000000]');
  const one = await t.throwsAsync(client.create('pods', withResources('cpu', { cpu: '1' }, { cpu: '2' })), { instanceOf: StatusError });
  t.is(one.message, 'pods "cpu" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
  t.deepEqual((await client.list('pods', { namespace: NS })).items.map((x) => x.metadata.name), ['defaults']);
});

test('resourcequota - controller: status.hard from spec, used recomputed as pods come and end', async (t) => {
  const { clock, env, run } = await withController(t, Date.UTC(2026, 11, 5, 1, 0, 0));
  const get = () => run(env.client.get<ResourceQuota>('resourcequotas', 'q', { namespace: NS }));
  await run(env.client.create('resourcequotas', quota('q', { pods: '3', 'requests.cpu': '2', 'count/configmaps': '5' })));
  await clock.advance(1_000);
  t.deepEqual((await get()).status, { hard: { 'count/configmaps': '5', pods: '3', 'requests.cpu': '2' }, used: { 'count/configmaps': '0', pods: '0', 'requests.cpu': '0' } });
  await run(env.client.create('pods', withResources('a', { cpu: '500m' })));
  await run(env.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: NS } }));
  await clock.advance(1_000);
  t.deepEqual((await get()).status?.used, { 'count/configmaps': '1', pods: '1', 'requests.cpu': '500m' });
  // A pod that ends frees its compute share (replenishment on the update).
  const a = await run(env.client.get<KubeObject>('pods', 'a', { namespace: NS }));
  await run(env.client.updateStatus('pods', { ...a, status: { phase: 'Succeeded' } }));
  await clock.advance(1_000);
  t.deepEqual((await get()).status?.used, { 'count/configmaps': '1', pods: '0', 'requests.cpu': '0' });
  // Columns and describe of the result.
  const q = await get();
  t.deepEqual(columnsFor('resourcequotas').cells(q, { now: clock.now() } as never).slice(2), ['count/configmaps: 1/5, pods: 0/3, requests.cpu: 0/2', '']);
  t.is(describeObj('resourcequotas', q, [], clock.now()), [
    'Name:             q',
    'Namespace:        default',
    'Resource          Used  Hard',
    '--------          ----  ----',
    'count/configmaps  1     5',
    'pods              0     3',
    'requests.cpu      0     2',
    '',
  ].join('\n'));
});

test('resourcequota - columns and describe: REQUEST/LIMIT split, limit range rows, scope help', (t) => {
  const q = { metadata: { name: 'q', namespace: NS, creationTimestamp: '2026-12-05T01:00:00Z' }, spec: { scopes: ['NotTerminating'] }, status: { hard: { 'limits.cpu': '2', 'requests.memory': '1Gi', pods: '4' }, used: { 'limits.cpu': '500m', pods: '1' } } };
  const cols = columnsFor('resourcequotas');
  t.deepEqual(cols.columns.map((c) => c.name), ['Name', 'Age', 'Request', 'Limit']);
  t.deepEqual(cols.cells(q, { now: Date.UTC(2026, 11, 5, 1, 5) } as never), ['q', '5m', 'pods: 1/4, requests.memory: 0/1Gi', 'limits.cpu: 500m/2']);
  t.deepEqual(columnsFor('limitranges').columns.map((c) => c.name), ['Name', 'Created At']);
  t.deepEqual(columnsFor('limitranges').cells(q, { now: 0 } as never), ['q', '2026-12-05T01:00:00Z']);
  t.regex(describeObj('quota', { ...q, status: { hard: { 'requests.memory': '1Gi' }, used: { 'requests.memory': '536870912' } } }, [], 0), /^requests\.memory\s+512Mi\s+1Gi$/m);
  t.regex(describeObj('quota', q, [], 0), /^Scopes:\s+NotTerminating\n \* Matches all pods that do not have an active deadline\. These pods usually include long running pods whose container command is not expected to terminate\.\n/m);
  const lr = { metadata: { name: 'limits', namespace: NS }, spec: { limits: [{ type: 'Container', max: { cpu: '1' }, default: { cpu: '500m' }, defaultRequest: { cpu: '250m' } }, { type: 'Pod', max: { memory: '1Gi' } }] } };
  t.is(describeObj('limits', lr, [], 0), [
    'Name:       limits',
    'Namespace:  default',
    'Type        Resource  Min  Max  Default Request  Default Limit  Max Limit/Request Ratio',
    '----        --------  ---  ---  ---------------  -------------  -----------------------',
    'Container   cpu       -    1    250m             500m           -',
    'Pod         memory    -    1Gi  -                -              -',
    '',
  ].join('\n'));
});

test('resourcequota - strict field validation knows the quota and limit range types', (t) => {
  const lr = { ...limitRange([{ type: 'Container', maxx: { cpu: '1' } }]), spec: { limits: [{ type: 'Container', maxx: { cpu: '1' } }], other: 1 } };
  t.deepEqual(unknownFieldsOf(resourceFor('limitranges')!, { object: lr }, false), ['spec.limits[0].maxx', 'spec.other']);
  const q = quota('q', { pods: '1' }, { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['x'], op: 'In' }] }, hardd: {} });
  t.deepEqual(unknownFieldsOf(resourceFor('quota')!, { object: q }, false), ['spec.scopeSelector.matchExpressions[0].op', 'spec.hardd']);
});

test('resourcequota - admission on update: a Service turned NodePort is charged its node ports, over the quota is 403 and unchanged', async (t) => {
  const { client } = await startApi(t);
  await quotaWithStatus(client, quota('np', { 'services.nodeports': '1' }), { 'services.nodeports': '0' });
  const svc = await client.create<KubeObject>('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: NS }, spec: { ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] } });
  const spec = svc.spec as Record<string, unknown>;
  const err = await t.throwsAsync(client.update('services', { ...svc, spec: { ...spec, type: 'NodePort' } }), { instanceOf: StatusError });
  t.is(err.code, 403);
  t.is(err.message, 'services "s" is forbidden: exceeded quota: np, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1');
  t.is(((await client.get<KubeObject>('services', 's', { namespace: NS })).spec as { type: string }).type, 'ClusterIP');
  const one = { ...spec, type: 'NodePort', ports: [{ name: 'a', port: 80 }] };
  await client.update('services', { ...svc, spec: one });
  t.deepEqual((await client.get<ResourceQuota>('resourcequotas', 'np', { namespace: NS })).status?.used, { 'services.nodeports': '1' });
});

test('resourcequota - limit ranges: a claim outside the PersistentVolumeClaim bounds and a pod over the Pod maximum are 403', async (t) => {
  const { client } = await startApi(t);
  await client.create('limitranges', limitRange([{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '2Gi' } }, { type: 'Pod', max: { memory: '1Gi' } }]));
  const claim = (name: string, storage: string): KubeObject => ({
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: NS }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
  });
  const big = await t.throwsAsync(client.create('persistentvolumeclaims', claim('big', '5Gi')), { instanceOf: StatusError });
  t.is(big.message, 'persistentvolumeclaims "big" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi');
  const small = await t.throwsAsync(client.create('persistentvolumeclaims', claim('small', '500Mi')), { instanceOf: StatusError });
  t.is(small.message, 'persistentvolumeclaims "small" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi');
  await client.create('persistentvolumeclaims', claim('ok', '1Gi'));
  const twoContainers = pod('wide', { containers: [
    { name: 'a', image: 'x', resources: { limits: { memory: '768Mi' } } },
    { name: 'b', image: 'x', resources: { limits: { memory: '768Mi' } } },
  ] });
  const wide = await t.throwsAsync(client.create('pods', twoContainers), { instanceOf: StatusError });
  t.is(wide.message, 'pods "wide" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1536Mi');
  t.deepEqual((await client.list('persistentvolumeclaims', { namespace: NS })).items.map((c) => c.metadata.name), ['ok']);
});

test('resourcequota - quotas count themselves: a namespace limited to one quota refuses a second, and the controller counts the first', async (t) => {
  const { clock, env, run } = await withController(t, Date.UTC(2026, 11, 5, 2, 0, 0));
  await run(env.client.create('resourcequotas', quota('only', { resourcequotas: '1' })));
  await clock.advance(1_000);
  t.deepEqual((await run(env.client.get<ResourceQuota>('resourcequotas', 'only', { namespace: NS }))).status?.used, { resourcequotas: '1' });
  const err = await t.throwsAsync(run(env.client.create('resourcequotas', quota('second', { pods: '1' }))), { instanceOf: StatusError });
  t.is(err.message, 'resourcequotas "second" is forbidden: exceeded quota: only, requested: resourcequotas=1, used: resourcequotas=1, limited: resourcequotas=1');
});

test('resourcequota - a Quantity in a field error prints as Go\'s %#v of what ParseQuantity made (int64 fast path)', (t) => {
  const text = (raw: unknown) => String((goQuantity(raw) as { text?: string }).text ?? goQuantity(raw));
  const q = (value: string, scale: number, s: string, format: string) =>
    `resource.Quantity{i:resource.int64Amount{value:${value}, scale:${scale}}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"${s}", Format:"${format}"}`;
  // The two forms seen in upstream error reports: "1Gi" and "0".
  t.is(text('1Gi'), q('1073741824', 0, '1Gi', 'BinarySI'));
  t.is(text('0'), q('0', 0, '0', 'DecimalSI'));
  t.is(text('500m'), q('500', -3, '500m', 'DecimalSI'));
  t.is(text('1000m'), q('1000', -3, '', 'DecimalSI'), 'not canonical: no cached string');
  t.is(text('1.5'), q('15', -1, '', 'DecimalSI'));
  t.is(text(2), q('2', 0, '2', 'DecimalSI'));
  t.is(text('1e3'), q('1', 3, '1e3', 'DecimalExponent'));
  t.is(goQuantity('1.5Gi'), '1.5Gi', 'the inf.Dec path prints a pointer: the text instead');
});
