// The admission chain: one named list in upstream's order (mutating steps, then validating ones,
// ResourceQuota last), shown where the order decides the answer, and the request's user reaching it.
import test from 'ava';
import type { ResourceQuota } from '../api/kinds/resourcequota.ts';
import type { KubeObject } from '../api/meta.ts';
import type { UserInfo } from '../api/protocol.ts';
import { StatusError } from '../api/status.ts';
import { ADMISSION_PLUGINS } from '../actors/apiserver/admission.ts';
import { pod, startApi } from './helpers/api.ts';

const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

/** Upstream's plugin order (kube-apiserver AllOrderedPlugins), the part kubus has. */
const UPSTREAM_ORDER = ['NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'NodeRestriction', 'PodSecurity', 'Priority', 'DefaultTolerationSeconds', 'DefaultStorageClass', 'StorageObjectInUseProtection', 'PersistentVolumeClaimResize', 'ValidatingAdmissionPolicy', 'ResourceQuota'];

test('admission chain - the plugins in upstream\'s order, mutating and validating', (t) => {
  // Steps that are not upstream admission plugins (e.g. RBAC's escalation check) may sit in the list too.
  const upstream = (names: string[]) => names.filter((n) => UPSTREAM_ORDER.includes(n));
  const names = upstream(ADMISSION_PLUGINS.map((p) => p.name));
  t.deepEqual(names, UPSTREAM_ORDER.filter((n) => names.includes(n)), 'upstream\'s relative order');
  t.deepEqual(upstream(ADMISSION_PLUGINS.filter((p) => p.mutate).map((p) => p.name)), [
    'NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'Priority', 'DefaultTolerationSeconds', 'DefaultStorageClass', 'StorageObjectInUseProtection',
  ]);
  const validating = ADMISSION_PLUGINS.filter((p) => p.validate).map((p) => p.name);
  t.is(validating.at(-1), 'ResourceQuota');
  // NodeRestriction, when present, sits between ServiceAccount and PodSecurity as upstream.
  t.deepEqual(upstream(validating).filter((n) => n !== 'NodeRestriction'), ['LimitRanger', 'PodSecurity', 'Priority', 'PersistentVolumeClaimResize', 'ValidatingAdmissionPolicy', 'ResourceQuota']);
});

test('admission chain - LimitRanger\'s defaults are what ResourceQuota charges (mutating before validating)', async (t) => {
  const { client } = await startApi(t);
  await client.create('namespaces', ns('lr'));
  await client.create('limitranges', { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'd', namespace: 'lr' }, spec: { limits: [{ type: 'Container', defaultRequest: { cpu: '100m' }, default: { cpu: '200m' } }] } });
  const q = await client.create<ResourceQuota>('resourcequotas', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'lr' }, spec: { hard: { 'requests.cpu': '150m' } } });
  await client.updateStatus('resourcequotas', { ...q, status: { hard: q.spec!.hard, used: { 'requests.cpu': '0' } } } as KubeObject);
  // No requests of its own: without the defaults first, the quota would refuse it (must specify requests.cpu).
  const first = await client.create('pods', { ...pod('a'), metadata: { name: 'a', namespace: 'lr' } });
  t.is((first.spec as any).containers[0].resources.requests.cpu, '100m');
  const used = await client.get<ResourceQuota>('resourcequotas', 'q', { namespace: 'lr' });
  t.is(used.status?.used?.['requests.cpu'], '100m');
  const err = await t.throwsAsync(client.create('pods', { ...pod('b'), metadata: { name: 'b', namespace: 'lr' } }), { instanceOf: StatusError });
  t.is(err.message, 'pods "b" is forbidden: exceeded quota: q, requested: requests.cpu=100m, used: requests.cpu=100m, limited: requests.cpu=150m');
});

test('admission chain - a pod in a terminating namespace is refused by NamespaceLifecycle before the quota looks', async (t) => {
  const { client } = await startApi(t);
  await client.create('namespaces', ns('going'));
  const q = await client.create<ResourceQuota>('resourcequotas', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'going' }, spec: { hard: { pods: '0' } } });
  await client.updateStatus('resourcequotas', { ...q, status: { hard: q.spec!.hard, used: { pods: '0' } } } as KubeObject);
  const full = await t.throwsAsync(client.create('pods', { ...pod('p'), metadata: { name: 'p', namespace: 'going' } }), { instanceOf: StatusError });
  t.regex(full.message, /exceeded quota: q/);
  // No namespace controller runs: the namespace stays Terminating.
  await client.delete('namespaces', 'going');
  const err = await t.throwsAsync(client.create('pods', { ...pod('p'), metadata: { name: 'p', namespace: 'going' } }), { instanceOf: StatusError });
  t.is(err.code, 403);
  t.is(err.message, 'pods "p" is forbidden: unable to create new content in namespace going because it is being terminated');
  t.is(err.status.details?.causes?.[0]?.reason, 'NamespaceTerminating');
});

test('admission chain - every step sees the request\'s user; an internal request has none', async (t) => {
  const { client } = await startApi(t);
  const seen: Array<UserInfo | undefined> = [];
  const spy = { name: 'Spy', validate: (_ctx: unknown, a: { user?: UserInfo; def: { plural: string } }) => void (a.def.plural === 'configmaps' && seen.push(a.user)) };
  ADMISSION_PLUGINS.push(spy as never);
  t.teardown(() => void ADMISSION_PLUGINS.splice(ADMISSION_PLUGINS.indexOf(spy as never), 1));
  const alice = { username: 'alice', groups: ['system:masters', 'system:authenticated'] };
  await client.as(alice).create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' } });
  await client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'default' } });
  t.deepEqual(seen, [alice, undefined]);
});
