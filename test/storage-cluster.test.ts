// Storage on a whole simulated cluster (virtual clock, real scheduler, controllers, sim kubelets):
// StatefulSet volumeClaimTemplates provisioned by the local-path provisioner on the node the
// scheduler picks (WaitForFirstConsumer), volumes that keep pods on their node, Retain on scale
// down, Delete on claim deletion (a helper pod on the node), and the VolumeBinding messages.
import test from 'ava';
import type { Pod } from '../api/kinds/pod.ts';
import type { PersistentVolume, PersistentVolumeClaim } from '../api/kinds/storage.ts';
import type { KubeObject } from '../api/meta.ts';
import type { ExplainReply } from '../actors/scheduler/explain.ts';
import { SCHEDULER_EXPLAIN } from '../bus/subjects.ts';
import { renderExplain } from '../cli/commands/explain.ts';
import { isReady, startSimCluster } from './helpers/cluster.ts';

const sts = (replicas: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'db', namespace: 'default' },
  spec: {
    replicas,
    serviceName: 'db',
    selector: { matchLabels: { app: 'db' } },
    template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'db:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
  },
});

const condition = (p: Pod | undefined) => p?.status?.conditions?.find((c) => c.type === 'PodScheduled');

test('storage cluster - StatefulSet claims are provisioned on the pods\' nodes, kept through pod loss and scale down, deleted with Delete', async (t) => {
  const c = await startSimCluster(t, { nodes: 3 });
  await c.until(async () => (await c.list('storageclasses')).some((s) => s.metadata.name === 'standard'), 10_000, 'standard class');
  await c.run(c.client.create('statefulsets', sts(3)));
  const pods = async () => (await c.list<Pod>('pods', { namespace: 'default' })).filter((p) => p.metadata.name?.startsWith('db-'));
  await c.until(async () => (await pods()).filter((p) => isReady(p) && !p.metadata.deletionTimestamp).length === 3, 120_000, '3 db pods Ready');
  const claims = await c.list<PersistentVolumeClaim>('persistentvolumeclaims', { namespace: 'default' });
  t.deepEqual(claims.map((x) => x.metadata.name).sort(), ['data-db-0', 'data-db-1', 'data-db-2']);
  const volumes = new Map((await c.list<PersistentVolume>('persistentvolumes')).map((v) => [v.metadata.name!, v]));
  const nodeOf = new Map<string, string>();
  for (const p of await pods()) {
    const claim = claims.find((x) => x.metadata.name === `data-${p.metadata.name}`)!;
    t.is(claim.status?.phase, 'Bound');
    t.is(claim.spec.storageClassName, 'standard', 'the default class');
    t.is(claim.metadata.annotations?.['volume.kubernetes.io/selected-node'], p.spec.nodeName);
    const pv = volumes.get(claim.spec.volumeName!)!;
    t.is(pv.metadata.name, `pvc-${claim.metadata.uid}`);
    t.deepEqual(pv.spec.nodeAffinity?.required?.nodeSelectorTerms[0].matchExpressions, [{ key: 'kubernetes.io/hostname', operator: 'In', values: [p.spec.nodeName!] }]);
    t.is(pv.spec.hostPath?.path, `/var/lib/kubus/${p.spec.nodeName}/local-path/pvc-${claim.metadata.uid}_default_${claim.metadata.name}`);
    t.like(pv, { spec: { persistentVolumeReclaimPolicy: 'Delete', claimRef: { name: claim.metadata.name } }, status: { phase: 'Bound' } });
    t.deepEqual((p.spec.volumes ?? []).find((v) => v.name === 'data'), { name: 'data', persistentVolumeClaim: { claimName: claim.metadata.name } });
    nodeOf.set(p.metadata.name!, p.spec.nodeName!);
  }
  const events = (await c.list('events', { namespace: 'default' })).map((e: any) => `${e.reason} ${e.message}`); // eslint-disable-line @typescript-eslint/no-explicit-any
  t.true(events.includes('SuccessfulCreate create Claim data-db-0 Pod db-0 in StatefulSet db success'));
  t.true(events.some((e) => e.startsWith('ProvisioningSucceeded Successfully provisioned volume pvc-')));
  t.true(events.includes('WaitForFirstConsumer waiting for first consumer to be created before binding'));

  // `kubus explain`: the other nodes fail VolumeBinding for a pod whose volume is pinned to its node.
  const reply = (await c.run(c.client.bus.request<ExplainReply>(SCHEDULER_EXPLAIN, { namespace: 'default', name: 'db-0' }))).data;
  const text = renderExplain(reply);
  for (const n of ['node-0', 'node-1', 'node-2'].filter((x) => x !== nodeOf.get('db-0')))
    t.regex(text, new RegExp(`^${n}\\s+VolumeBinding: node\\(s\\) had volume node affinity conflict`, 'm'), text);

  // A deleted pod comes back on the node that holds its volume, with the same claim.
  const uid = (await pods()).find((p) => p.metadata.name === 'db-1')!.metadata.uid;
  await c.run(c.client.delete('pods', 'db-1', { namespace: 'default', gracePeriodSeconds: 0 }));
  await c.until(async () => (await pods()).some((p) => p.metadata.name === 'db-1' && p.metadata.uid !== uid && isReady(p)), 120_000, 'db-1 back');
  t.is((await pods()).find((p) => p.metadata.name === 'db-1')!.spec.nodeName, nodeOf.get('db-1'), 'volume node affinity');

  // Scale down: the claims stay (whenScaled Retain).
  await c.run(c.client.patch('statefulsets', 'db', { spec: { replicas: 1 } }, { namespace: 'default' }));
  await c.until(async () => (await pods()).length === 1, 120_000, 'scaled to 1');
  t.is((await c.list('persistentvolumeclaims', { namespace: 'default' })).length, 3, 'claims kept');

  // Deleting a claim releases its volume; Delete: a helper pod removes the directory on its node, then the volume goes.
  const gone = claims.find((x) => x.metadata.name === 'data-db-2')!.spec.volumeName!;
  await c.run(c.client.delete('persistentvolumeclaims', 'data-db-2', { namespace: 'default' }));
  let helper: Pod | undefined;
  await c.until(async () => {
    helper ??= (await c.list<Pod>('pods', { namespace: 'kube-system' })).find((p) => p.metadata.name === `helper-pod-delete-${gone}`);
    return !(await c.list('persistentvolumes')).some((v) => v.metadata.name === gone);
  }, 60_000, 'volume deleted', 100);
  t.truthy(helper, 'a helper pod ran');
  t.is(helper!.spec.nodeName, nodeOf.get('db-2'));
  t.deepEqual(helper!.spec.containers[0].command, ['rm', '-rf', volumes.get(gone)!.spec.hostPath!.path]);
  await c.until(async () => !(await c.list<Pod>('pods', { namespace: 'kube-system' })).some((p) => p.metadata.name === `helper-pod-delete-${gone}`), 30_000, 'helper pod removed');
  t.is((await c.list('persistentvolumes')).length, 2, 'the other volumes stay');
});

test('storage cluster - VolumeBinding: unbound Immediate claims, volume node affinity and no volume to bind, with upstream messages', async (t) => {
  const c = await startSimCluster(t, { nodes: 2 });
  const ns = { namespace: 'default' };
  await c.run(c.client.create('storageclasses', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'static' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' } as KubeObject));
  await c.run(c.client.create('storageclasses', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'now' }, provisioner: 'example.com/none' } as KubeObject));
  const claim = (name: string, cls: string, extra: Record<string, unknown> = {}) =>
    c.run(c.client.create('persistentvolumeclaims', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: cls, ...extra } } as KubeObject));
  const pod = (name: string, claimName: string) =>
    c.run(c.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName } }] } } as KubeObject));
  await c.run(c.client.create('persistentvolumes', { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'far' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', local: { path: '/mnt/far' }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['elsewhere'] }] }] } } } } as KubeObject));
  await claim('immediate', 'now');
  await claim('pinned', 'manual', { volumeName: 'far' });
  await claim('nothing', 'static');
  await pod('a', 'immediate');
  await pod('b', 'pinned');
  await pod('c', 'nothing');
  const msg = async (name: string) => condition(await c.run(c.client.get<Pod>('pods', name, ns)))?.message;
  await c.until(async () => !!(await msg('a')) && !!(await msg('b')) && !!(await msg('c')), 60_000, 'all three unschedulable');
  t.is(await msg('a'), '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
  t.is(await msg('b'), '0/2 nodes are available: 2 node(s) had volume node affinity conflict. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
  t.is(await msg('c'), "0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.");

  // A static volume on node-1 appears: the late-binding claim binds to it and the pod goes there.
  await c.run(c.client.create('persistentvolumes', { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'near' }, spec: { capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'static', local: { path: '/mnt/near' }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1'] }] }] } } } } as KubeObject));
  await c.until(async () => !!(await c.run(c.client.get<Pod>('pods', 'c', ns))).spec.nodeName, 60_000, 'c scheduled');
  t.is((await c.run(c.client.get<Pod>('pods', 'c', ns))).spec.nodeName, 'node-1');
  t.is((await c.run(c.client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'nothing', ns))).spec.volumeName, 'near');
});

test('storage cluster - a claim over its class\'s maxSize is refused by the provisioner with upstream\'s event; nothing else is disturbed', async (t) => {
  const c = await startSimCluster(t, { nodes: 2 });
  const ns = { namespace: 'default' };
  await c.run(c.client.create('storageclasses', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'small' }, provisioner: 'kubus.io/local-path', parameters: { maxSize: '1Gi' }, volumeBindingMode: 'WaitForFirstConsumer' } as KubeObject));
  const claim = (name: string, size: string) =>
    c.run(c.client.create('persistentvolumeclaims', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, storageClassName: 'small' } } as KubeObject));
  const pod = (name: string, claimName: string) =>
    c.run(c.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName } }] } } as KubeObject));
  await claim('huge', '5Gi');
  await claim('fine', '512Mi');
  await pod('big', 'huge');
  await pod('ok', 'fine');
  const events = async (name: string) => (await c.list('events', { namespace: 'default', fieldSelector: `involvedObject.name=${name}` })).map((e: any) => `${e.type} ${e.reason} ${e.message}`); // eslint-disable-line @typescript-eslint/no-explicit-any
  await c.until(async () => (await events('huge')).some((e) => e.includes('ProvisioningFailed')) && isReady(await c.run(c.client.get<Pod>('pods', 'ok', ns))), 60_000, 'refused, and the other pod Ready');
  t.true((await events('huge')).includes('Warning ProvisioningFailed failed to provision volume with StorageClass "small": requested storage 5Gi is more than the class\'s maxSize 1Gi'));
  const huge = await c.run(c.client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'huge', ns));
  t.is(huge.status?.phase, 'Pending');
  t.is(huge.spec.volumeName, undefined);
  t.is((await c.run(c.client.get<Pod>('pods', 'big', ns))).spec.nodeName, undefined, 'the pod waits for its volume');
  const pvs = await c.list<PersistentVolume>('persistentvolumes');
  t.deepEqual(pvs.map((v) => v.spec.claimRef?.name), ['fine'], 'one volume, for the claim that fits');
});

test('storage cluster - a claim in use is protected: deleting it waits for its pod to go (kubernetes.io/pvc-protection), then its volume is released', async (t) => {
  const c = await startSimCluster(t, { nodes: 1 });
  const ns = { namespace: 'default' };
  await c.run(c.client.create('persistentvolumes', { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'disk' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: '/mnt/disk' } } } as KubeObject));
  await c.run(c.client.create('persistentvolumeclaims', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'manual' } } as KubeObject));
  await c.run(c.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'user', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] } } as KubeObject));
  await c.until(async () => isReady(await c.run(c.client.get<Pod>('pods', 'user', ns))), 60_000, 'user Ready');
  const claim = await c.run(c.client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'data', ns));
  t.deepEqual(claim.metadata.finalizers, ['kubernetes.io/pvc-protection']);
  t.deepEqual((await c.run(c.client.get<PersistentVolume>('persistentvolumes', 'disk'))).metadata.finalizers, ['kubernetes.io/pv-protection']);
  await c.run(c.client.delete('persistentvolumeclaims', 'data', ns));
  await c.clock.advance(10_000);
  const held = await c.run(c.client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'data', ns));
  t.truthy(held.metadata.deletionTimestamp, 'Terminating while the pod uses it');
  t.is((await c.run(c.client.get<PersistentVolume>('persistentvolumes', 'disk'))).status?.phase, 'Bound');
  await c.run(c.client.delete('pods', 'user', { ...ns, gracePeriodSeconds: 0 }));
  await c.until(async () => (await c.list('persistentvolumeclaims', ns)).length === 0, 60_000, 'the claim gone once its pod is');
  await c.until(async () => (await c.run(c.client.get<PersistentVolume>('persistentvolumes', 'disk'))).status?.phase === 'Released', 30_000, 'the volume Released');
});

test('storage cluster - persistentVolumeClaimRetentionPolicy: whenScaled Delete removes a condemned pod\'s claims, whenDeleted Delete the rest with the set', async (t) => {
  const c = await startSimCluster(t, { nodes: 2 });
  const set = sts(2) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  set.spec.persistentVolumeClaimRetentionPolicy = { whenScaled: 'Delete', whenDeleted: 'Delete' };
  await c.run(c.client.create('statefulsets', set));
  const claims = async () => (await c.list('persistentvolumeclaims', { namespace: 'default' })).map((x) => x.metadata.name).sort();
  await c.until(async () => (await c.list<Pod>('pods', { namespace: 'default' })).filter(isReady).length === 2, 120_000, '2 pods Ready');
  t.deepEqual(await claims(), ['data-db-0', 'data-db-1']);
  await c.run(c.client.patch('statefulsets', 'db', { spec: { replicas: 1 } }, { namespace: 'default' }));
  await c.until(async () => (await claims()).length === 1, 120_000, 'the condemned pod\'s claim deleted');
  t.deepEqual(await claims(), ['data-db-0']);
  await c.run(c.client.delete('statefulsets', 'db', { namespace: 'default' }));
  await c.until(async () => (await claims()).length === 0, 120_000, 'the rest deleted with the set');
  t.pass();
});

test('storage cluster - a StatefulSet pod left Pending gets its deleted claim made again', async (t) => {
  const c = await startSimCluster(t, { nodes: 1 });
  const ns = { namespace: 'default' };
  // A cordoned node: the pod stays Pending, its claim unbound (WaitForFirstConsumer).
  await c.run(c.client.patch('nodes', 'node-0', { spec: { unschedulable: true } }));
  await c.run(c.client.create('statefulsets', sts(1)));
  await c.until(async () => (await c.list('persistentvolumeclaims', ns)).length === 1, 60_000, 'claim made');
  const first = (await c.list('persistentvolumeclaims', ns))[0];
  await c.run(c.client.delete('persistentvolumeclaims', 'data-db-0', ns));
  await c.until(async () => (await c.list('persistentvolumeclaims', ns)).length === 0, 60_000, 'claim gone (its pod is not scheduled)');
  // The node comes back: the scheduler finds the claim missing, the pod's status changes, the set makes the claim again.
  await c.run(c.client.patch('nodes', 'node-0', { spec: { unschedulable: false } }));
  await c.until(async () => (await c.list('persistentvolumeclaims', ns)).some((x) => x.metadata.uid !== first.metadata.uid), 60_000, 'claim made again');
  await c.until(async () => isReady(await c.run(c.client.get<Pod>('pods', 'db-0', ns))), 120_000, 'db-0 Ready with its new claim');
  t.is((await c.run(c.client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'data-db-0', ns))).status?.phase, 'Bound');
});
