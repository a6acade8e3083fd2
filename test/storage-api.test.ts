// Storage kinds (issue 12): PersistentVolume, PersistentVolumeClaim and StorageClass defaults,
// validation with upstream's messages, kubectl columns and describe, and DefaultStorageClass admission.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import { StatusError } from '../api/status.ts';
import { tableFor } from '../cli/printers/table.ts';
import { createErrors, defOf, lines } from './api-fixtures.ts';
import { describe } from '../cli/printers/describe.ts';
import { startApi } from './helpers/api.ts';
import { unknownFieldsOf } from '../api/openapi/field-validation.ts';

const pv = (spec: Record<string, unknown> = {}, name = 'pv1'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data/pv1' }, ...spec },
});
const pvc = (spec: Record<string, unknown> = {}, name = 'data'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const sc = (name: string, extra: Record<string, unknown> = {}, annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name, annotations },
  provisioner: 'kubus.io/local-path',
  ...extra,
});

const has = test.macro({
  exec(t, name: string, o: KubeObject, expected: string[]) {
    const errs = lines(createErrors(name, structuredClone(o)));
    if (expected.length === 0) t.deepEqual(errs, []);
    for (const e of expected) t.true(errs.includes(e), `missing: ${e}\n got: ${errs.join('\n      ')}`);
  },
  title: (title, name) => `storage api - ${name}: ${title}`,
});

test('storage api - defaults as SetDefaults_PersistentVolume(Claim) and SetDefaults_StorageClass', (t) => {
  const v = pv() as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  defOf('pv').defaults!(v);
  t.like(v, { spec: { persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
  const c = pvc() as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  defOf('pvc').defaults!(c);
  t.like(c, { spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
  const s = sc('fast') as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  defOf('sc').defaults!(s);
  t.like(s, { reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
});

test('a typical volume is valid', has, 'persistentvolumes', pv(), []);
test('a volume of another upstream source (gcePersistentDisk) is valid', has, 'persistentvolumes', pv({ hostPath: undefined, gcePersistentDisk: { pdName: 'disk-1', fsType: 'ext4' } }), []);
test('a volume with two sources', has, 'persistentvolumes', pv({ nfs: { server: 'nfs.example', path: '/x' } }), ['spec.nfs: Forbidden: may not specify more than 1 volume type']);
test('volume without capacity, modes or source', has, 'persistentvolumes', pv({ capacity: undefined, accessModes: [], hostPath: undefined }), [
  'spec.accessModes: Required value',
  'spec.capacity: Required value',
  'spec: Required value: must specify a volume type',
]);
test('volume capacity and modes', has, 'persistentvolumes', pv({ capacity: { storage: '0', cpu: '1' }, accessModes: ['ReadWriteOncePod', 'ReadWriteMany', 'WriteOnly'] }), [
  'spec.capacity: Unsupported value: map[string]string{"cpu":"1", "storage":"0"}: supported values: "storage"',
  'spec.capacity[storage]: Invalid value: "0": must be greater than zero',
  'spec.accessModes: Unsupported value: "WriteOnly": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
  'spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes',
]);
test('local volume needs node affinity', has, 'persistentvolumes', pv({ hostPath: undefined, local: { path: '/mnt/disk' } }), [
  'spec.nodeAffinity: Required value: Local volume requires node affinity',
]);
test('volume reclaim policy', has, 'persistentvolumes', pv({ persistentVolumeReclaimPolicy: 'Keep' }), [
  'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"',
]);
test('a typical claim is valid', has, 'persistentvolumeclaims', pvc(), []);
test('claim without modes or storage', has, 'persistentvolumeclaims', pvc({ accessModes: [], resources: {} }), [
  'spec.accessModes: Required value: at least 1 access mode is required',
  'spec.resources[storage]: Required value',
]);
test('claim storage must be positive', has, 'persistentvolumeclaims', pvc({ resources: { requests: { storage: '0' } } }), [
  'spec.resources[storage]: Invalid value: "0": must be greater than zero',
]);
test('a typical class is valid', has, 'storageclasses', sc('fast'), []);
test('class without provisioner, bad policy and mode', has, 'storageclasses', sc('fast', { provisioner: '', reclaimPolicy: 'Recycle', volumeBindingMode: 'Later' }), [
  'provisioner: Required value',
  'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
  'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
]);

test('storage api - a claim gets the default class; its spec is immutable but for storage growth once bound, when its class allows expansion', async (t) => {
  const { client } = await startApi(t);
  // No default class: the claim keeps no class.
  const plain = await client.create('persistentvolumeclaims', pvc({}, 'plain'));
  t.is((plain.spec as any).storageClassName, undefined); // eslint-disable-line @typescript-eslint/no-explicit-any
  await client.create('storageclasses', sc('slow', {}, { 'storageclass.kubernetes.io/is-default-class': 'true' }));
  await client.create('storageclasses', sc('other'));
  const c = await client.create<any>('persistentvolumeclaims', pvc()); // eslint-disable-line @typescript-eslint/no-explicit-any
  t.is(c.spec.storageClassName, 'slow');
  const none = await client.create<any>('persistentvolumeclaims', pvc({ storageClassName: '' }, 'none')); // eslint-disable-line @typescript-eslint/no-explicit-any
  t.is(none.spec.storageClassName, '', 'an explicit "" asks for no class');
  const claimed = await client.create<any>('persistentvolumeclaims', { ...pvc({}, 'sneaky'), status: { phase: 'Bound', capacity: { storage: '1Ti' } } }); // eslint-disable-line @typescript-eslint/no-explicit-any
  t.deepEqual(claimed.status, { phase: 'Pending' }, 'a new claim starts Pending whatever status it was sent with');

  const err = await t.throwsAsync<StatusError>(client.update('persistentvolumeclaims', { ...c, spec: { ...c.spec, accessModes: ['ReadWriteMany'] } }));
  t.is(err.code, 422);
  t.is(err.message, 'PersistentVolumeClaim "data" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims');
  const grow = { ...c, spec: { ...c.spec, resources: { requests: { storage: '2Gi' } } } };
  await t.throwsAsync(client.update('persistentvolumeclaims', grow), { message: /spec is immutable/ }, 'an unbound claim may not grow');
  const bound = await client.updateStatus<any>('persistentvolumeclaims', { ...c, status: { phase: 'Bound' } }); // eslint-disable-line @typescript-eslint/no-explicit-any
  const bigger = { ...bound, spec: { ...bound.spec, resources: { requests: { storage: '2Gi' } } } };
  const noExpansion = await t.throwsAsync<StatusError>(client.update('persistentvolumeclaims', bigger));
  t.is(noExpansion.code, 403);
  t.is(noExpansion.message, 'persistentvolumeclaims "data" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
  await client.patch('storageclasses', 'slow', { allowVolumeExpansion: true });
  const grown = await client.update<any>('persistentvolumeclaims', bigger); // eslint-disable-line @typescript-eslint/no-explicit-any
  t.is(grown.spec.resources.requests.storage, '2Gi');
  const shrink = await t.throwsAsync<StatusError>(client.update('persistentvolumeclaims', { ...grown, spec: { ...grown.spec, resources: { requests: { storage: '1Gi' } } } }));
  t.regex(shrink.message, /spec.resources.requests.storage: Forbidden: field can not be less than previous value/);
  t.is(((await client.get<any>('persistentvolumeclaims', 'data', { namespace: 'default' })).spec.resources.requests.storage), '2Gi', 'nothing changed'); // eslint-disable-line @typescript-eslint/no-explicit-any

  const scErr = await t.throwsAsync<StatusError>(client.update('storageclasses', { ...(await client.get('storageclasses', 'other')), provisioner: 'x.io/y' } as KubeObject));
  t.regex(scErr.message, /provisioner: Forbidden: updates to provisioner are forbidden\./);
});

test('storage api - kubectl columns and describe', (t) => {
  const columnNames = (r: string) => tableFor(r, { wide: false, allNamespaces: false, now }).headers;
  const cells = (r: string, o: unknown, _now: number) => tableFor(r, { wide: false, allNamespaces: false, now }).row(o);
  const now = Date.UTC(2026, 0, 1, 0, 10, 0);
  const created = '2026-01-01T00:00:00Z';
  const v = { ...pv({ claimRef: { namespace: 'default', name: 'data' }, storageClassName: 'standard', persistentVolumeReclaimPolicy: 'Delete', volumeMode: 'Filesystem' }), status: { phase: 'Bound' } } as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  v.metadata.creationTimestamp = created;
  t.deepEqual(columnNames('persistentvolumes'), ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE']);
  t.deepEqual(cells('persistentvolumes', v, now), ['pv1', '10Gi', 'RWO', 'Delete', 'Bound', 'default/data', 'standard', '<unset>', '', '10m']);
  const c = { ...pvc({ volumeName: 'pv1', storageClassName: 'standard' }), status: { phase: 'Bound', capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce', 'ReadWriteMany'] } } as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  c.metadata.creationTimestamp = created;
  t.deepEqual(columnNames('persistentvolumeclaims'), ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE']);
  t.deepEqual(cells('persistentvolumeclaims', c, now), ['data', 'Bound', 'pv1', '10Gi', 'RWO,RWX', 'standard', '<unset>', '10m']);
  const s = { ...sc('standard', { reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' }, { 'storageclass.kubernetes.io/is-default-class': 'true' }) } as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  s.metadata.creationTimestamp = created;
  t.deepEqual(columnNames('storageclasses'), ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE']);
  t.deepEqual(cells('storageclasses', s, now), ['standard (default)', 'kubus.io/local-path', 'Delete', 'WaitForFirstConsumer', 'false', '10m']);

  const d = describe('pvc', c, [], now, { pods: [{ metadata: { name: 'web-0', namespace: 'default' }, spec: { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] } }] });
  t.regex(d, /^Name:\s+data\nNamespace:\s+default\nStorageClass:\s+standard\nStatus:\s+Bound\nVolume:\s+pv1\n/);
  t.regex(d, /Capacity:\s+10Gi\nAccess Modes:\s+RWO,RWX\n/);
  t.regex(d, /Used By:\s+web-0\n/);
  const dv = describe('pv', { ...v, spec: { ...v.spec, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-0'] }] }] } } } }, [], now);
  t.regex(dv, /Claim:\s+default\/data\nReclaim Policy:\s+Delete\nAccess Modes:\s+RWO\nVolumeMode:\s+Filesystem\nCapacity:\s+10Gi\nNode Affinity:\s+\n\s+Required Terms:\s+\n\s+Term 0:\s+kubernetes.io\/hostname in \[node-0\]\n/);
  t.regex(dv, /Source:\n\s+Type:\s+HostPath \(bare host directory volume\)\n\s+Path:\s+\/data\/pv1\n/);
  const ds = describe('sc', s, [], now);
  t.regex(ds, /IsDefaultClass:\s+Yes\n/);
  t.regex(ds, /VolumeBindingMode:\s+WaitForFirstConsumer\n/);
});

test('storage api - strict field validation knows the storage types: typos are unknown fields, unmodelled upstream sources are not', (t) => {
  const body = (o: KubeObject) => ({ object: o });
  t.deepEqual(unknownFieldsOf(defOf('pv'), body(pv({ capacty: { storage: '1Gi' }, nodeAffinity: { requred: {} } })), false), ['spec.capacty', 'spec.nodeAffinity.requred']);
  t.deepEqual(unknownFieldsOf(defOf('pv'), body(pv({ hostPath: undefined, iscsi: { targetPortal: '10.0.0.1:3260', iqn: 'iqn.x', lun: 0 } })), false), []);
  t.deepEqual(unknownFieldsOf(defOf('pvc'), body(pvc({ storageClass: 'fast' })), false), ['spec.storageClass']);
  t.deepEqual(unknownFieldsOf(defOf('sc'), body(sc('fast', { bindingMode: 'Immediate' })), false), ['bindingMode']);
});
