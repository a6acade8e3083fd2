// The PV binder (persistentvolume-controller) on the virtual clock: static binding by class, size
// and access modes, phases and annotations, WaitForFirstConsumer, external provisioners, reclaim.
import test, { type ExecutionContext } from 'ava';
import type { PersistentVolume, PersistentVolumeClaim } from '../api/kinds/storage.ts';
import type { KubeObject } from '../api/meta.ts';
import { persistentVolumeController } from '../actors/controllers/persistentvolume/persistentvolume.controller.ts';
import { pvcProtectionController } from '../actors/controllers/volume-protection/pvc-protection.controller.ts';
import { VirtualClock } from '../bus/clock.ts';
import { startApi } from './helpers/api.ts';
import { advanceUntil, settle } from './helpers/wait.ts';

async function cluster(t: ExecutionContext) {
  const clock = new VirtualClock(Date.UTC(2026, 10, 23, 10, 0, 0));
  const env = await startApi(t, { clock });
  const run = <R>(p: Promise<R>): Promise<R> => settle(clock, p);
  const cm = env.process('controller-manager');
  cm.start(persistentVolumeController, 'controller/persistentvolume-binder', undefined);
  cm.start(pvcProtectionController, 'controller/pvc-protection', undefined);
  await clock.advance(1_000);
  const api = env.client;
  const until = (pred: () => Promise<boolean>, what: string, withinMs = 30_000) => advanceUntil(clock, pred, what, { withinMs, stepMs: 500 });
  const claim = (name: string) => run(api.get<PersistentVolumeClaim>('persistentvolumeclaims', name, { namespace: 'default' }));
  const volume = (name: string) => run(api.get<PersistentVolume>('persistentvolumes', name));
  const events = async (name: string) =>
    (await run(api.list('events', { namespace: 'default', fieldSelector: `involvedObject.name=${name}` }))).items.map((e: any) => `${e.type} ${e.reason} ${e.message}`); // eslint-disable-line @typescript-eslint/no-explicit-any
  return { clock, api, run, until, claim, volume, events };
}

const pv = (name: string, size: string, modes: string[], extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: { capacity: { storage: size }, accessModes: modes, storageClassName: 'manual', hostPath: { path: `/data/${name}` }, ...extra },
});
const pvc = (name: string, size: string, modes = ['ReadWriteOnce'], extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'default' },
  spec: { accessModes: modes, resources: { requests: { storage: size } }, storageClassName: 'manual', ...extra },
});

test('pv binder - a claim binds the smallest volume of its class with its access modes, both ways', async (t) => {
  const c = await cluster(t);
  for (const v of [pv('pv-5', '5Gi', ['ReadWriteOnce']), pv('pv-10', '10Gi', ['ReadWriteOnce']), pv('pv-20', '20Gi', ['ReadWriteMany', 'ReadWriteOnce']), pv('pv-other', '8Gi', ['ReadWriteOnce'], { storageClassName: 'fast' })])
    await c.run(c.api.create('persistentvolumes', v));
  await c.until(async () => (await c.volume('pv-5')).status?.phase === 'Available', 'volumes Available');
  await c.run(c.api.create('persistentvolumeclaims', pvc('data', '8Gi')));
  await c.run(c.api.create('persistentvolumeclaims', pvc('shared', '1Gi', ['ReadWriteMany'])));
  await c.until(async () => (await c.claim('data')).status?.phase === 'Bound' && (await c.claim('shared')).status?.phase === 'Bound', 'claims Bound');
  const data = await c.claim('data');
  t.is(data.spec.volumeName, 'pv-10', 'smallest that fits 8Gi RWO of class manual');
  t.deepEqual(data.status, { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } });
  t.like(data.metadata.annotations, { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
  const v = await c.volume('pv-10');
  t.like(v.spec.claimRef, { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: data.metadata.uid });
  t.is(v.status?.phase, 'Bound');
  t.regex(v.status?.lastPhaseTransitionTime ?? '', /^2026-11-23T10:00:\d\dZ$/, 'phase changes are stamped');
  t.is(v.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  t.is((await c.claim('shared')).spec.volumeName, 'pv-20', 'only pv-20 is ReadWriteMany');
  t.is((await c.volume('pv-5')).status?.phase, 'Available');
  t.is((await c.volume('pv-other')).status?.phase, 'Available');
});

test('pv binder - a claim that no volume fits stays Pending with upstream events; nothing else changes', async (t) => {
  const c = await cluster(t);
  await c.run(c.api.create('persistentvolumes', pv('pv-1', '1Gi', ['ReadWriteOnce'])));
  await c.run(c.api.create('persistentvolumeclaims', pvc('huge', '100Gi')));
  await c.run(c.api.create('persistentvolumeclaims', pvc('classless', '100Gi', ['ReadWriteOnce'], { storageClassName: '' })));
  await c.until(async () => (await c.events('huge')).length > 0 && (await c.events('classless')).length > 0, 'events');
  t.deepEqual(await c.events('huge'), ['Warning ProvisioningFailed storageclass.storage.k8s.io "manual" not found']);
  t.deepEqual(await c.events('classless'), ['Normal FailedBinding no persistent volumes available for this claim and no storage class is set']);
  t.is((await c.claim('huge')).status?.phase, 'Pending');
  t.is((await c.claim('huge')).spec.volumeName, undefined);
  const v = await c.volume('pv-1');
  t.is(v.status?.phase, 'Available');
  t.is(v.spec.claimRef, undefined);
});

test('pv binder - WaitForFirstConsumer leaves the claim to the scheduler; another provisioner gets the claim annotated', async (t) => {
  const c = await cluster(t);
  await c.run(c.api.create('storageclasses', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'manual' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' }));
  await c.run(c.api.create('storageclasses', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'ext' }, provisioner: 'example.com/nfs' }));
  await c.run(c.api.create('persistentvolumes', pv('pv-1', '1Gi', ['ReadWriteOnce'])));
  await c.run(c.api.create('persistentvolumeclaims', pvc('late', '1Gi')));
  await c.run(c.api.create('persistentvolumeclaims', pvc('ext', '1Gi', ['ReadWriteOnce'], { storageClassName: 'ext' })));
  await c.until(async () => (await c.events('late')).length > 0 && (await c.claim('ext')).metadata.annotations?.['volume.kubernetes.io/storage-provisioner'] !== undefined, 'claims looked at');
  t.deepEqual(await c.events('late'), ['Normal WaitForFirstConsumer waiting for first consumer to be created before binding']);
  t.is((await c.claim('late')).status?.phase, 'Pending');
  t.is((await c.volume('pv-1')).spec.claimRef, undefined, 'the binder does not pick volumes for a late-binding claim');
  t.like((await c.claim('ext')).metadata.annotations, { 'volume.kubernetes.io/storage-provisioner': 'example.com/nfs', 'volume.beta.kubernetes.io/storage-provisioner': 'example.com/nfs' });
  t.deepEqual(await c.events('ext'), [
    "Normal ExternalProvisioning Waiting for a volume to be created either by the external provisioner 'example.com/nfs' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.",
  ]);
});

test('pv binder - a deleted claim releases its volume: Retain keeps it Released, Delete without a deleter fails it', async (t) => {
  const c = await cluster(t);
  await c.run(c.api.create('persistentvolumes', pv('keep', '1Gi', ['ReadWriteOnce'])));
  await c.run(c.api.create('persistentvolumes', pv('drop', '2Gi', ['ReadWriteOnce'], { persistentVolumeReclaimPolicy: 'Delete' })));
  await c.run(c.api.create('persistentvolumeclaims', pvc('a', '1Gi', ['ReadWriteOnce'], { volumeName: 'keep' })));
  await c.run(c.api.create('persistentvolumeclaims', pvc('b', '2Gi')));
  await c.until(async () => (await c.volume('keep')).status?.phase === 'Bound' && (await c.volume('drop')).status?.phase === 'Bound', 'bound');
  t.is((await c.claim('a')).metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined, 'the user named the volume');
  await c.run(c.api.delete('persistentvolumeclaims', 'a', { namespace: 'default' }));
  await c.run(c.api.delete('persistentvolumeclaims', 'b', { namespace: 'default' }));
  await c.until(async () => (await c.volume('keep')).status?.phase === 'Released' && (await c.volume('drop')).status?.phase === 'Failed', 'released');
  t.is((await c.volume('keep')).spec.claimRef?.name, 'a', 'a released volume keeps its claimRef');
  t.is((await c.volume('drop')).status?.message, 'error getting deleter volume plugin for volume "drop": no deletable volume plugin matched');
  t.true((await c.events('drop')).includes('Warning VolumeFailedDelete error getting deleter volume plugin for volume "drop": no deletable volume plugin matched'));
});

test('pv binder - a claim made before any default class gets the default class once one exists (retroactive default)', async (t) => {
  const c = await cluster(t);
  await c.run(c.api.create('persistentvolumeclaims', pvc('early', '1Gi', ['ReadWriteOnce'], { storageClassName: undefined })));
  await c.run(c.api.create('persistentvolumeclaims', pvc('none', '1Gi', ['ReadWriteOnce'], { storageClassName: '' })));
  await c.until(async () => (await c.claim('early')).status?.phase === 'Pending' && (await c.events('early')).length > 0, 'looked at');
  t.is((await c.claim('early')).spec.storageClassName, undefined);
  await c.run(c.api.create('storageclasses', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'std', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'example.com/x' }));
  await c.until(async () => (await c.claim('early')).spec.storageClassName === 'std', 'the default class assigned', 60_000);
  t.is((await c.claim('none')).spec.storageClassName, '', 'an explicit "" keeps no class');
});
