// The volume planner (files, modes, items, optional, downward API values, projected sources,
// CRI mounts with subPath) and the AtomicWriter-style file swap, on a temp dir.
import test from 'ava';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, Secret } from '../api/kinds/configmap.ts';
import type { Pod } from '../api/kinds/pod.ts';
import { writeAtomically } from '../actors/kubelet/volumes/atomic-writer.ts';
import { VolumeManager } from '../actors/kubelet/volumes/volume-manager.ts';
import type { ApiClient } from '../bus/client.ts';
import { VirtualClock } from '../bus/clock.ts';
import { silentLogger } from '../bus/types.ts';
import { checkHostPath } from '../actors/kubelet/volumes/host-mounts.ts';
import { containerMounts, planVolumes, volumeReferences, VolumeSetupError, type PlanInput, type VolumePlan } from '../actors/kubelet/volumes/volume-plan.ts';

const cm = (name: string, data: Record<string, string>): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data });
const secret = (name: string, data: Record<string, string>): Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'ns' },
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
});

const pod = (volumes: unknown[], volumeMounts: unknown[] = []): Pod =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', uid: 'u1', labels: { app: 'web', tier: 'front' } },
    spec: { nodeName: 'n1', volumes, containers: [{ name: 'c', image: 'busybox', volumeMounts, resources: { limits: { memory: '64Mi', cpu: '500m' } } }] },
  }) as unknown as Pod;

const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  configMaps: new Map([['cfg', cm('cfg', { 'index.html': 'hello', b: 'bee' })]]),
  secrets: new Map([['sec', secret('sec', { password: 's3cret' })]]),
  hostIPs: ['10.0.0.1'],
  podIPs: ['10.244.0.5'],
  allocatable: { cpu: '4', memory: '8Gi' },
  ...over,
});

const files = (p: VolumePlan) => (p.kind === 'files' ? p.files.map((f) => ({ path: f.path, data: f.data.toString(), mode: f.mode.toString(8) })) : []);

test('volume plan - configMap: every key at 0644, or only items with their paths and modes; defaultMode applies to the rest', (t) => {
  const [all, some] = planVolumes(pod([{ name: 'a', configMap: { name: 'cfg' } }, { name: 'b', configMap: { name: 'cfg', defaultMode: 0o400, items: [{ key: 'b', path: 'dir/bee.txt' }, { key: 'index.html', path: 'i', mode: 0o600 }] } }]), input());
  t.deepEqual(files(all), [
    { path: 'index.html', data: 'hello', mode: '644' },
    { path: 'b', data: 'bee', mode: '644' },
  ]);
  t.deepEqual(files(some), [
    { path: 'dir/bee.txt', data: 'bee', mode: '400' },
    { path: 'i', data: 'hello', mode: '600' },
  ]);
});

test('volume plan - a missing ConfigMap or Secret fails with upstream words unless optional; a missing item key too', (t) => {
  const err = t.throws(() => planVolumes(pod([{ name: 'x', configMap: { name: 'y' } }]), input()), { instanceOf: VolumeSetupError });
  t.is(err!.message, 'MountVolume.SetUp failed for volume "x" : configmap "y" not found');
  t.is(t.throws(() => planVolumes(pod([{ name: 's', secret: { secretName: 'nope' } }]), input()))!.message, 'MountVolume.SetUp failed for volume "s" : secret "nope" not found');
  t.is(t.throws(() => planVolumes(pod([{ name: 'k', configMap: { name: 'cfg', items: [{ key: 'zz', path: 'z' }] } }]), input()))!.message, 'MountVolume.SetUp failed for volume "k" : configmap references non-existent config key: zz');
  const [opt] = planVolumes(pod([{ name: 'x', configMap: { name: 'y', optional: true } }]), input({ configMaps: new Map([['y', null]]) }));
  t.deepEqual(files(opt), []);
});

test('volume plan - secret values are decoded; downwardAPI fieldRef and resourceFieldRef values; projected mixes sources and the token manager\'s token', (t) => {
  const [s, d, p] = planVolumes(
    pod([
      { name: 's', secret: { secretName: 'sec', defaultMode: 0o440 } },
      {
        name: 'd',
        downwardAPI: {
          items: [
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
            { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
            { path: 'ip', fieldRef: { fieldPath: 'status.podIP' } },
            { path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } },
            { path: 'cpu', resourceFieldRef: { containerName: 'c', resource: 'limits.cpu', divisor: '1m' } },
          ],
        },
      },
      { name: 'p', projected: { sources: [{ configMap: { name: 'cfg', items: [{ key: 'b', path: 'b' }] } }, { secret: { name: 'sec' } }, { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } }, { serviceAccountToken: { path: 'token' } }] } },
    ]),
    input({ tokens: new Map([['p/3', 'jwt']]) }),
  );
  t.deepEqual(files(s), [{ path: 'password', data: 's3cret', mode: '440' }]);
  t.deepEqual(files(d), [
    { path: 'labels', data: 'app="web"\ntier="front"', mode: '644' },
    { path: 'name', data: 'p', mode: '644' },
    { path: 'ip', data: '10.244.0.5', mode: '644' },
    { path: 'mem', data: '64', mode: '644' },
    { path: 'cpu', data: '500', mode: '644' },
  ]);
  t.deepEqual(
    files(p).map((f) => f.path),
    ['b', 'password', 'ns', 'token'],
  );
  t.is(files(p).find((f) => f.path === 'token')?.data, 'jwt');
  t.deepEqual(volumeReferences(pod([{ name: 'p', projected: { sources: [{ configMap: { name: 'c1' } }, { secret: { name: 's1' } }] } }, { name: 'q', secret: { secretName: 's2' } }])), { configMaps: ['c1'], secrets: ['s1', 's2'], claims: [] });
});

test('volume plan - a persistentVolumeClaim mounts its bound volume\'s host directory; an unbound one waits with upstream\'s message', (t) => {
  const p = pod([{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } }]);
  t.deepEqual(volumeReferences(p).claims, ['data-db-0']);
  const dir = '/var/lib/kubus/n1/local-path/pvc-1_ns_data-db-0';
  const [plan] = planVolumes(p, input({ claims: new Map([['data-db-0', { path: dir, type: 'DirectoryOrCreate' }]]) }));
  t.deepEqual(plan, { name: 'data', kind: 'hostPath', path: dir, type: 'DirectoryOrCreate' });
  (p.spec.containers[0] as any).volumeMounts = [{ name: 'data', mountPath: '/data' }]; // eslint-disable-line @typescript-eslint/no-explicit-any
  t.deepEqual(containerMounts(p, p.spec.containers[0].name, '/pods/u', new Map([['data', dir]])), [{ containerPath: '/data', hostPath: dir, readOnly: false }]);
  const err = t.throws(() => planVolumes(p, input({ claims: new Map([['data-db-0', 'error processing PVC ns/data-db-0: PVC is not bound']]) })));
  t.is(err!.message, 'MountVolume.SetUp failed for volume "data" : error processing PVC ns/data-db-0: PVC is not bound');
});

test('volume plan - container mounts: emptyDir and hostPath paths, subPath joined, API-data volumes read-only, a subPath leaving the volume refused', (t) => {
  const p = pod(
    [
      { name: 'e', emptyDir: {} },
      { name: 'h', hostPath: { path: '/srv/data', type: 'Directory' } },
      { name: 'c', configMap: { name: 'cfg' } },
    ],
    [
      { name: 'e', mountPath: '/cache' },
      { name: 'h', mountPath: '/data', subPath: 'logs', readOnly: true },
      { name: 'c', mountPath: '/etc/app/index.html', subPath: 'index.html' },
    ],
  );
  t.deepEqual(containerMounts(p, 'c', '/k/pods/u1'), [
    { containerPath: '/cache', hostPath: '/k/pods/u1/volumes/kubernetes.io~empty-dir/e', readOnly: false },
    { containerPath: '/data', hostPath: '/srv/data/logs', readOnly: true },
    { containerPath: '/etc/app/index.html', hostPath: '/k/pods/u1/volumes/kubernetes.io~files/c/index.html', readOnly: true },
  ]);
  const bad = pod([{ name: 'e', emptyDir: {} }], [{ name: 'e', mountPath: '/x', subPath: '../../etc' }]);
  t.throws(() => containerMounts(bad, 'c', '/k'), { instanceOf: VolumeSetupError });
  const [e] = planVolumes(pod([{ name: 'm', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }]), input());
  t.deepEqual(e, { name: 'm', kind: 'emptyDir', memory: true, sizeLimit: '64Mi' });
});

test('volume files - written as upstream AtomicWriter: ..data symlink to a timestamped dir, names linked through it, modes kept; an update swaps the whole set and drops removed keys', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kvol-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const f = (path: string, data: string, mode = 0o644) => ({ path, data: Buffer.from(data), mode });
  t.true(writeAtomically(dir, [f('a', 'one'), f('sub/b', 'two', 0o600)], new Date(Date.UTC(2026, 0, 2, 3, 4, 5))));
  const first = readlinkSync(join(dir, '..data'));
  t.regex(first, /^\.\.2026_01_02_03_04_05\./);
  t.is(readlinkSync(join(dir, 'a')), '..data/a');
  t.is(readFileSync(join(dir, 'sub/b'), 'utf8'), 'two');
  t.is(statSync(join(dir, 'sub/b')).mode & 0o777, 0o600);
  t.false(writeAtomically(dir, [f('a', 'one'), f('sub/b', 'two', 0o600)], new Date(0)), 'unchanged: nothing written');
  t.true(writeAtomically(dir, [f('a', 'uno')], new Date(Date.UTC(2026, 0, 2, 3, 4, 6))));
  t.is(readFileSync(join(dir, 'a'), 'utf8'), 'uno');
  t.not(readlinkSync(join(dir, '..data')), first);
  t.deepEqual(readdirSync(dir).filter((e) => !e.startsWith('..')), ['a']);
  t.is(readdirSync(dir).filter((e) => e.startsWith('..2026') || e.startsWith('..20')).length, 1, 'the old timestamped dir is gone');
  t.true(lstatSync(join(dir, 'a')).isSymbolicLink());
});

test('volume hostPath - type checks as upstream: Directory, DirectoryOrCreate, File, FileOrCreate, Socket', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'khp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.is(checkHostPath(join(dir, 'nope'), 'Directory'), `hostPath type check failed: ${join(dir, 'nope')} is not a directory`);
  t.is(checkHostPath(join(dir, 'made'), 'DirectoryOrCreate'), undefined);
  t.true(statSync(join(dir, 'made')).isDirectory());
  t.is(checkHostPath(join(dir, 'made'), 'File'), `hostPath type check failed: ${join(dir, 'made')} is not a file`);
  t.is(checkHostPath(join(dir, 'f/x.txt'), 'FileOrCreate'), undefined);
  t.is(checkHostPath(join(dir, 'f/x.txt'), 'File'), undefined);
  t.is(checkHostPath(join(dir, 'f/x.txt'), 'Socket'), `hostPath type check failed: ${join(dir, 'f/x.txt')} is not a socket file`);
  t.is(checkHostPath('/anything', ''), undefined);
});

test('volume manager - orphaned pod dirs go at start unless the pod is known or still has containers; a pod without volumes gets no dir', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'kvm-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const vm = new VolumeManager({ root, client: {} as ApiClient, clock: new VirtualClock(), log: silentLogger, hostIPs: [], allocatable: {} });
  t.teardown(() => vm.close());
  for (const uid of ['known', 'running', 'gone']) mkdirSync(join(root, uid, 'volumes'), { recursive: true });
  await vm.cleanupOrphans(new Set(['known']), async (uid) => uid === 'running');
  t.deepEqual(readdirSync(root).sort(), ['known', 'running']);
  await vm.setUp(pod([]), () => []);
  t.false(existsSync(join(root, 'u1')));
  t.true(vm.tracks('u1'));
});
