// The PV binder's pure decisions and upstream's volume matching, as tables of cases.
import test from 'ava';
import { findMatchingVolume } from '../api/kinds/storage-match.ts';
import type { PersistentVolume, PersistentVolumeClaim } from '../api/kinds/storage.ts';
import { planClaim, planVolume, type ClaimStep, type VolumeStep } from '../actors/controllers/persistentvolume/pv-binder.reconcile.ts';

const pv = (name: string, size: string, extra: Partial<PersistentVolume['spec']> = {}, meta: Record<string, unknown> = {}, phase = 'Available'): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name, ...meta },
  spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: `/d/${name}` }, ...extra },
  status: { phase },
});
const pvc = (spec: Partial<PersistentVolumeClaim['spec']> = {}, meta: Record<string, unknown> = {}, phase = 'Pending'): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'c', namespace: 'ns', uid: 'u1', ...meta },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'manual', ...spec },
  status: { phase },
});
const ref = (uid = 'u1') => ({ kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'c', uid });
const hostname = (n: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [n] }] }] } });

const match = test.macro({
  exec(t, claim: PersistentVolumeClaim, volumes: PersistentVolume[], want: string | undefined, opts: Parameters<typeof findMatchingVolume>[2] = {}) {
    t.is(findMatchingVolume(claim, volumes, opts)?.metadata.name, want);
  },
  title: (title) => `pv match - ${title}`,
});

test('the smallest that fits', match, pvc({ resources: { requests: { storage: '3Gi' } } }), [pv('a', '10Gi'), pv('b', '2Gi'), pv('c', '4Gi')], 'c');
test('the class must match ("" only matches "")', match, pvc({ storageClassName: '' }), [pv('a', '1Gi'), pv('b', '5Gi', { storageClassName: undefined })], 'b');
test('access modes must all be offered', match, pvc({ accessModes: ['ReadWriteMany'] }), [pv('a', '1Gi'), pv('b', '9Gi', { accessModes: ['ReadWriteOnce', 'ReadWriteMany'] })], 'b');
test('the selector must match the labels', match, pvc({ selector: { matchLabels: { tier: 'gold' } } }), [pv('a', '1Gi'), pv('b', '2Gi', {}, { labels: { tier: 'gold' } })], 'b');
test('volume modes must agree', match, pvc({ volumeMode: 'Block' }), [pv('a', '1Gi'), pv('b', '2Gi', { volumeMode: 'Block' })], 'b');
test('volumes bound to others, released or deleting are passed over', match, pvc(), [pv('a', '1Gi', { claimRef: ref('other') }), pv('b', '1Gi', {}, {}, 'Released'), pv('c', '1Gi', {}, { deletionTimestamp: '2026-01-01T00:00:00Z' })], undefined);
test('a volume pre-bound to the claim wins over a better fit', match, pvc(), [pv('a', '1Gi'), pv('b', '100Gi', { claimRef: { namespace: 'ns', name: 'c' } })], 'b');
test('late binding without a node binds only a pre-bound volume', match, pvc(), [pv('a', '1Gi')], undefined, { delayBinding: true });
test('with a node, node affinity must allow it', match, pvc(), [pv('a', '1Gi', { nodeAffinity: hostname('n2') }), pv('b', '5Gi', { nodeAffinity: hostname('n1') })], 'b', { node: { metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } } } });
test('volumes taken for another claim of the pod are excluded', match, pvc(), [pv('a', '1Gi'), pv('b', '2Gi')], 'b', { excluded: new Set(['a']) });

const volumeCase = test.macro({
  exec(t, v: PersistentVolume, claim: PersistentVolumeClaim | undefined, want: VolumeStep) {
    t.deepEqual(planVolume(v, claim), want);
  },
  title: (title) => `pv plan volume - ${title}`,
});

test('no claimRef: Available', volumeCase, pv('a', '1Gi', {}, {}, 'Pending'), undefined, { op: 'phase', phase: 'Available' });
test('pre-bound by the user (no uid yet): Available', volumeCase, pv('a', '1Gi', { claimRef: { namespace: 'ns', name: 'c' } }, {}, 'Pending'), undefined, { op: 'phase', phase: 'Available' });
test('its claim is gone: Released', volumeCase, pv('a', '1Gi', { claimRef: ref() }, {}, 'Bound'), undefined, { op: 'phase', phase: 'Released' });
test('released: reclaimed by its policy', volumeCase, pv('a', '1Gi', { claimRef: ref(), persistentVolumeReclaimPolicy: 'Delete' }, {}, 'Released'), undefined, { op: 'reclaim', policy: 'Delete' });
test('its claim is bound to it: Bound', volumeCase, pv('a', '1Gi', { claimRef: ref() }, {}, 'Available'), pvc({ volumeName: 'a' }), { op: 'phase', phase: 'Bound' });
test('its claim is not bound yet: the claim is synced', volumeCase, pv('a', '1Gi', { claimRef: ref() }), pvc(), { op: 'syncClaim', claimKey: 'ns/c' });
test('its claim went to another volume, bound by the binder: unbound', volumeCase, pv('a', '1Gi', { claimRef: ref() }, { annotations: { 'pv.kubernetes.io/bound-by-controller': 'yes' } }, 'Bound'), pvc({ volumeName: 'b' }), { op: 'unbind' });
test('its claim went to another volume, pre-bound by the user: left alone', volumeCase, pv('a', '1Gi', { claimRef: ref() }, {}, 'Bound'), pvc({ volumeName: 'b' }), { op: 'none' });

const claimCase = test.macro({
  exec(t, claim: PersistentVolumeClaim, volumes: PersistentVolume[], want: ClaimStep['op'], message?: string) {
    const byName = new Map(volumes.map((v) => [v.metadata.name!, v]));
    const step = planClaim(claim, { get: (n) => byName.get(n), all: () => volumes }, () => undefined);
    t.is(step.op, want);
    if (message) t.is((step as { note?: { message: string } }).note?.message, message);
  },
  title: (title) => `pv plan claim - ${title}`,
});

const done = { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } };
test('unbound, a volume fits: bind', claimCase, pvc(), [pv('a', '1Gi')], 'bind');
test('asks for a volume bound to another claim by the user', claimCase, pvc({ volumeName: 'a' }), [pv('a', '1Gi', { claimRef: ref('x') })], 'pending', 'volume "a" already bound to a different claim.');
test('bound, but its volume is gone: Lost', claimCase, pvc({ volumeName: 'a' }, done, 'Bound'), [], 'lost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
test('bound, but its volumeName was cleared: Lost', claimCase, pvc({}, done, 'Bound'), [], 'lost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
test('bound, its volume bound to another claim: misbound', claimCase, pvc({ volumeName: 'a' }, done, 'Bound'), [pv('a', '1Gi', { claimRef: ref('x') }, {}, 'Bound')], 'lost', 'Two claims are bound to the same volume, this one is bound incorrectly');
test('a static class (kubernetes.io/no-provisioner), no volume fits: no plugin', (t) => {
  const sc = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'manual' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'Immediate' };
  const step = planClaim(pvc({ resources: { requests: { storage: '100Gi' } } }), { get: () => undefined, all: () => [pv('a', '1Gi')] }, () => sc);
  t.deepEqual(step, { op: 'pending', note: { type: 'Warning', reason: 'ProvisioningFailed', message: 'no volume plugin matched name: kubernetes.io/no-provisioner' } });
  const ebs = planClaim(pvc(), { get: () => undefined, all: () => [] }, () => ({ ...sc, provisioner: 'kubernetes.io/aws-ebs' }));
  t.like(ebs, { op: 'provision', provisioner: 'ebs.csi.aws.com' }, 'a migrated in-tree provisioner waits for its CSI driver');
});
test('bound both ways: nothing to do', claimCase, pvc({ volumeName: 'a' }, done, 'Bound'), [pv('a', '1Gi', { claimRef: ref() }, {}, 'Bound')], 'none');
