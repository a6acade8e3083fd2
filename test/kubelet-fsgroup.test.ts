// fsGroup and the identity a pod runs with: volume ownership as upstream's SetVolumeOwnership
// (emptyDir and API-data volumes always, a local volume by fsGroupChangePolicy, hostPath never),
// and runAsUser/runAsGroup/supplementalGroups (fsGroup first) in the CRI security contexts. On a temp dir.
import test from 'ava';
import { chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../api/kinds/pod.ts';
import { containerConfig, sandboxConfig } from '../actors/kubelet/pod-step.ts';
import { criContainerConfig, criSandboxConfig } from '../actors/kubelet/runtimes/cri/cri-convert.ts';
import { VolumeManager } from '../actors/kubelet/volumes/volume-manager.ts';
import { requiresPermissionChange } from '../actors/kubelet/volumes/volume-ownership.ts';
import type { ApiClient } from '../bus/client.ts';
import { VirtualClock } from '../bus/clock.ts';
import { silentLogger } from '../bus/types.ts';

const GID = 2345;
const SETGID = 0o2000;

const pod = (volumes: unknown[], securityContext: Record<string, unknown>, containerSc?: Record<string, unknown>): Pod =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
    spec: { nodeName: 'n1', volumes, securityContext, containers: [{ name: 'c', image: 'busybox', ...(containerSc ? { securityContext: containerSc } : {}) }] },
  }) as unknown as Pod;

/** A volume manager on a temp root; claims resolve to a local PersistentVolume at `localPath`. */
function manager(t: import('ava').ExecutionContext, localPath = '') {
  const root = mkdtempSync(join(tmpdir(), 'kfsg-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const client = {
    get: async (resource: string) =>
      resource === 'persistentvolumeclaims'
        ? { metadata: { name: 'data' }, spec: { volumeName: 'pv1' }, status: { phase: 'Bound' } }
        : { metadata: { name: 'pv1' }, spec: { local: { path: localPath } } },
  } as unknown as ApiClient;
  const vm = new VolumeManager({ root, client, clock: new VirtualClock(), log: silentLogger, hostIPs: [], allocatable: {} });
  t.teardown(() => vm.close());
  return { root, vm, dir: (plugin: string, name: string) => join(root, 'u1', 'volumes', `kubernetes.io~${plugin}`, name) };
}

/** Every path under `dir` (itself included) with its gid and mode, symlinks apart. */
function walk(dir: string): Array<{ path: string; gid: number; mode: number; link: boolean; isDir: boolean }> {
  const st = lstatSync(dir);
  const me = { path: dir, gid: st.gid, mode: st.mode & 0o7777, link: st.isSymbolicLink(), isDir: st.isDirectory() };
  return [me, ...(st.isDirectory() ? readdirSync(dir).flatMap((e) => walk(join(dir, e))) : [])];
}

test('kubelet fsGroup - emptyDir and downwardAPI volumes get the group, group permissions and setgid on directories', async (t) => {
  const { vm, dir } = manager(t);
  const p = pod([{ name: 'scratch', emptyDir: {} }, { name: 'info', downwardAPI: { defaultMode: 0o400, items: [{ path: 'sub/name', fieldRef: { fieldPath: 'metadata.name' } }] } }], { fsGroup: GID });
  await vm.setUp(p, () => []);
  const scratch = statSync(dir('empty-dir', 'scratch'));
  t.is(scratch.gid, GID);
  t.is(scratch.mode & 0o7777, 0o2777, 'emptyDir: rwx for all, setgid');
  const info = walk(dir('files', 'info'));
  t.true(info.length >= 6, 'root, timestamped dir, sub dir, file, ..data and the top-level link');
  for (const e of info) t.is(e.gid, GID, `${e.path} has the fsGroup`);
  for (const e of info.filter((x) => x.isDir)) t.is(e.mode & (SETGID | 0o550), SETGID | 0o550, `${e.path}: group read and search, setgid`);
  const file = info.find((e) => e.path.endsWith('/sub/name') && !e.link)!;
  t.is(file.mode, 0o440, 'defaultMode 0400 gains group read (read-only volume)');
  // The resync finds the files as ownership left them: nothing is rewritten.
  const before = readdirSync(dir('files', 'info')).filter((e) => e.startsWith('..2'));
  await vm.setUp(p, () => []);
  t.deepEqual(readdirSync(dir('files', 'info')).filter((e) => e.startsWith('..2')), before);
});

test('kubelet fsGroup - a local volume is owned by fsGroupChangePolicy: OnRootMismatch skips a root that already matches, Always walks it', async (t) => {
  const local = mkdtempSync(join(tmpdir(), 'kfsg-local-'));
  t.teardown(() => rmSync(local, { recursive: true, force: true }));
  mkdirSync(join(local, 'db'));
  writeFileSync(join(local, 'db', 'file'), 'x');
  const { vm } = manager(t, local);
  const claim = [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }];
  await vm.setUp(pod(claim, { fsGroup: GID, fsGroupChangePolicy: 'OnRootMismatch' }), () => []);
  t.is(statSync(join(local, 'db', 'file')).gid, GID, 'the root did not match: the whole volume was walked');
  t.is(statSync(join(local, 'db', 'file')).mode & 0o777, 0o664);
  t.false(requiresPermissionChange(local, GID, false));
  chownSync(join(local, 'db', 'file'), 0, 0);
  await vm.setUp(pod(claim, { fsGroup: GID, fsGroupChangePolicy: 'OnRootMismatch' }), () => []);
  t.is(statSync(join(local, 'db', 'file')).gid, 0, 'OnRootMismatch: the root matches, nothing below is changed');
  await vm.setUp(pod(claim, { fsGroup: GID, fsGroupChangePolicy: 'Always' }), () => []);
  t.is(statSync(join(local, 'db', 'file')).gid, GID, 'Always: walked again');
  // A read-only claim, and a hostPath volume, are not changed.
  chownSync(join(local, 'db', 'file'), 0, 0);
  await vm.setUp(pod([{ name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: true } }, { name: 'h', hostPath: { path: join(local, 'db') } }], { fsGroup: GID }), () => []);
  t.is(statSync(join(local, 'db', 'file')).gid, 0);
});

test('kubelet fsGroup - the container runs with runAsUser/runAsGroup (its own over the pod’s) and supplemental groups fsGroup first', (t) => {
  const p = pod([], { runAsUser: 1000, runAsGroup: 3000, fsGroup: GID, supplementalGroups: [4000, 5000] }, { runAsUser: 1001 });
  const c = containerConfig(p, { name: 'c', kind: 'app', phase: 'none', attempt: 0, started: false, ready: false });
  t.deepEqual(c.identity, { runAsUser: 1001, runAsGroup: 3000, supplementalGroups: [GID, 4000, 5000] });
  const s = sandboxConfig(p);
  const cri = criContainerConfig(c, s, 'n1');
  t.like(cri.linux.securityContext, { runAsUser: { value: '1001' }, runAsGroup: { value: '3000' }, supplementalGroups: [String(GID), '4000', '5000'] });
  t.like(criSandboxConfig(s, { nodeName: 'n1', logRoot: '/var/log/pods' }).linux.securityContext, { runAsUser: { value: '1000' }, runAsGroup: { value: '3000' }, supplementalGroups: [String(GID), '4000', '5000'] });
  const plain = criContainerConfig(containerConfig(pod([], {}), { name: 'c', kind: 'app', phase: 'none', attempt: 0, started: false, ready: false }), sandboxConfig(pod([], {})), 'n1');
  t.deepEqual(Object.keys(plain.linux.securityContext), ['namespaceOptions'], 'no identity set: the image decides');
});
