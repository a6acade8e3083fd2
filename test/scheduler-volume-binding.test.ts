// The scheduler's VolumeBinding plugin, pure: prefilter rejections, bound volumes' node affinity,
// late-binding claims (a static volume on the node, or a class that provisions), and PreBind's writes.
import test from 'ava';
import type { Pod } from '../api/kinds/pod.ts';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../api/kinds/storage.ts';
import { podVolumeClaims, volumeBindingFilter, volumePreBind, type VolumeBindingState } from '../actors/scheduler/filters/volume-binding.ts';
import type { NodeInfo, PodInfo, VolumeLister } from '../actors/scheduler/types.ts';

const claim = (name: string, cls: string, extra: Partial<PersistentVolumeClaim['spec']> = {}, annotations?: Record<string, string>): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, ...(annotations ? { annotations } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: cls, ...extra },
});
const onNode = (n: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [n] }] }] } });
const volume = (name: string, cls: string, node: string, claimRef?: Record<string, string>): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: cls, local: { path: `/mnt/${name}` }, nodeAffinity: onNode(node), ...(claimRef ? { claimRef } : {}) },
  status: { phase: claimRef ? 'Bound' : 'Available' },
});
const sc = (name: string, provisioner: string, mode = 'WaitForFirstConsumer'): StorageClass => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner, volumeBindingMode: mode });
const lister = (claims: PersistentVolumeClaim[], volumes: PersistentVolume[], classes: StorageClass[]): VolumeLister => ({
  claim: (ns, n) => claims.find((c) => c.metadata.namespace === ns && c.metadata.name === n),
  volume: (n) => volumes.find((v) => v.metadata.name === n),
  volumes: () => volumes,
  storageClass: (n) => classes.find((c) => c.metadata.name === n),
});
const pod = (...claimNames: string[]): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [], volumes: claimNames.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })) } }) as unknown as Pod;
const node = (name: string) => ({ name, labels: { 'kubernetes.io/hostname': name } }) as unknown as NodeInfo;
const verdict = (s: VolumeBindingState, n: string) => volumeBindingFilter.filter({} as PodInfo, node(n), s)?.reasons[0] ?? 'fits';

const classes = [sc('local', 'kubernetes.io/no-provisioner'), sc('dyn', 'kubus.io/local-path'), sc('now', 'x.io/y', 'Immediate')];

test('volume binding - prefilter: a missing claim, a deleting one, an unbound Immediate one reject every node', (t) => {
  const l = lister([claim('now', 'now')], [], classes);
  t.deepEqual(podVolumeClaims(pod('gone'), l).reject?.reasons, ['persistentvolumeclaim "gone" not found']);
  t.deepEqual(podVolumeClaims(pod('now'), l).reject, { plugin: 'VolumeBinding', code: 'UnschedulableAndUnresolvable', reasons: ['pod has unbound immediate PersistentVolumeClaims'], preFilter: true });
  const deleting = { ...claim('d', 'dyn'), metadata: { ...claim('d', 'dyn').metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
  t.deepEqual(podVolumeClaims(pod('d'), lister([deleting], [], classes)).reject?.reasons, ['persistentvolumeclaim "d" is being deleted']);
});

test('volume binding - filter: a bound volume pins the node; late claims need a static volume there or a provisioning class', (t) => {
  const bound = claim('bound', 'local', { volumeName: 'pv-a' });
  const late = claim('late', 'local');
  const dyn = claim('dyn', 'dyn');
  const elsewhere = claim('picked', 'dyn', {}, { 'volume.kubernetes.io/selected-node': 'n2' });
  const l = lister([bound, late, dyn, elsewhere], [volume('pv-a', 'local', 'n1', { namespace: 'ns', name: 'bound', uid: 'uid-bound' }), volume('pv-b', 'local', 'n2')], classes);
  const s1 = podVolumeClaims(pod('bound'), l);
  t.is(verdict(s1, 'n1'), 'fits');
  t.is(verdict(s1, 'n2'), 'node(s) had volume node affinity conflict');
  const s2 = podVolumeClaims(pod('late'), l);
  t.is(verdict(s2, 'n1'), "node(s) didn't find available persistent volumes to bind");
  t.is(verdict(s2, 'n2'), 'fits', 'pv-b is on n2');
  const s3 = podVolumeClaims(pod('dyn'), l);
  t.is(verdict(s3, 'n1'), 'fits', 'the class provisions anywhere');
  t.is(verdict(podVolumeClaims(pod('picked'), l), 'n1'), "node(s) didn't find available persistent volumes to bind", 'already provisioning for n2');
  t.is(verdict(podVolumeClaims(pod('bound', 'late'), l), 'n2'), 'node(s) had volume node affinity conflict');
});

test('volume binding - PreBind: a static volume gets the claimRef, a provisioned claim the selected node', async (t) => {
  const late = claim('late', 'local');
  const dyn = claim('dyn', 'dyn');
  const l = lister([late, dyn], [volume('pv-b', 'local', 'n2')], classes);
  const wrote: string[] = [];
  const ok = await volumePreBind(pod('late', 'dyn'), node('n2'), l, {
    bindVolume: async (pv) => void wrote.push(`${pv.metadata.name} -> ${pv.spec.claimRef?.namespace}/${pv.spec.claimRef?.name} (${pv.spec.claimRef?.uid}) ${pv.metadata.annotations?.['pv.kubernetes.io/bound-by-controller']}`),
    selectNode: async (pvc, n) => void wrote.push(`${pvc.metadata.name} @ ${n}`),
  });
  t.true(ok);
  t.deepEqual(wrote, ['pv-b -> ns/late (uid-late) yes', 'dyn @ n2']);
  t.false(await volumePreBind(pod('late'), node('n1'), l, { bindVolume: async () => t.fail(), selectNode: async () => t.fail() }), 'no longer fits on n1');
});
