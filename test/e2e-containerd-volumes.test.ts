// Pod volumes on a real node process with its own containerd (root; hostNetwork pods, no CNI): a
// volume naming a missing ConfigMap gives upstream's FailedMount and the pod waits, then starts
// once the ConfigMap exists; its file, a secret, a downwardAPI file and an emptyDir shared by two
// containers are seen inside; an update of the ConfigMap reaches the file without a restart; the
// tmpfs of a `medium: Memory` emptyDir and the pod's dir are gone after deletion.
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cgroupDirs } from '../actors/kubelet/runtimes/cri/cri-cgroups.ts';
import { mountsUnder } from '../actors/kubelet/volumes/host-mounts.ts';
import { killAll, shimPids, unmountAll, withDescendants } from '../runtime/containerd-cleanup.ts';
import { NODE_STATE_DIR } from '../runtime/node-cri.ts';
import { KUBECTL } from './helpers/gateway.ts';
import { natsServer } from './helpers/nats.ts';
import { runKubus, startKubus } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

/** Removes a cgroup and its children, deepest first. */
function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  rmdirSync(dir);
}

/** What a node process that died mid-test leaves: its containerd, shims, mounts (tmpfs volumes too) and cgroups. */
function cleanUpNode(name: string): void {
  const dir = `${NODE_STATE_DIR}/${name}`;
  const pids = readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
      } catch {
        return false;
      }
    });
  killAll(withDescendants([...pids, ...shimPids(`${dir}/containerd.sock`)]));
  if (existsSync(dir)) {
    unmountAll(dir);
    rmSync(dir, { recursive: true, force: true });
  }
  for (const cg of cgroupDirs(`/kubus/${name}`)) removeCgroupTree(cg);
}

test('e2e containerd volumes - FailedMount until the ConfigMap exists; configMap, secret, downwardAPI and a shared emptyDir inside; a ConfigMap update reaches the file without a restart; tmpfs unmounted and pod dir removed on deletion', async (t) => {
  const nats = await natsServer(t);
  const home = mkdtempSync(join(tmpdir(), 'kubus-e2e-vol-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const env = { KUBUS_HOME: home };
  const cp = startKubus(t, ['--nats', nats.url, 'control-plane', '--actors', 'apiserver,gateway', '--http-address', '127.0.0.1:0', '--log-level', 'warn'], env);
  const [, url] = await cp.waitFor(/Kubernetes API at (http:\/\/127\.0\.0\.1:\d+);/);
  const name = `cri-vol-${process.pid}`;
  // Registered before the node process, so it runs after that is stopped.
  t.teardown(() => cleanUpNode(name));
  const node = startKubus(t, ['--nats', nats.url, 'node', '--name', name, '--runtime', 'containerd', '--proxy', 'none', '--log-level', 'warn'], env);
  await node.waitFor(/node\(s\) .* running/, 60_000);
  const archive = join(home, 'busybox.tar');
  t.is((await runKubus(['image', 'build', 'busybox', '-o', archive])).code, 0);
  const imported = await runKubus(['image', 'import', '--node', name, archive], { env });
  t.is(imported.code, 0, imported.stderr);
  const kubectl = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(KUBECTL, ['--server', url, '--cache-dir', join(home, 'cache'), ...args], { env: { PATH: process.env.PATH, HOME: home }, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const apply = async (file: string, obj: unknown, verb = 'create') => {
    writeFileSync(join(home, file), stringify(obj));
    const r = await kubectl([verb, '-f', join(home, file)]);
    t.is(r.code, 0, r.stderr);
  };
  await apply('sec.yaml', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec', namespace: 'default' }, stringData: { password: 's3cret' } });
  const mounts = [
    { name: 'cfg', mountPath: '/cfg' },
    { name: 'sec', mountPath: '/sec' },
    { name: 'info', mountPath: '/info' },
    { name: 'shared', mountPath: '/shared' },
    { name: 'mem', mountPath: '/mem' },
  ];
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'vol', namespace: 'default', labels: { app: 'vol' } },
    spec: {
      nodeName: name,
      hostNetwork: true,
      terminationGracePeriodSeconds: 1,
      volumes: [
        { name: 'cfg', configMap: { name: 'web-cfg' } },
        { name: 'sec', secret: { secretName: 'sec', defaultMode: 0o400 } },
        { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        { name: 'shared', emptyDir: {} },
        { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
      ],
      containers: [
        { name: 'writer', image: 'busybox', imagePullPolicy: 'Never', command: ['sh', '-c', 'echo from-writer > /shared/x; exec sleep 3600'], volumeMounts: mounts },
        { name: 'reader', image: 'busybox', imagePullPolicy: 'Never', command: ['sleep', '3600'], volumeMounts: mounts },
      ],
    },
  };
  await apply('pod.yaml', pod);
  const events = async () => {
    const list = JSON.parse((await kubectl(['get', 'events', '-o', 'json'])).stdout || '{"items":[]}') as { items: Array<{ reason: string; message: string; involvedObject: { name: string } }> };
    return list.items.filter((e) => e.involvedObject.name === 'vol');
  };
  await waitFor(async () => (await events()).some((e) => e.reason === 'FailedMount'), 'a FailedMount event', 30_000, 200);
  t.is((await events()).find((e) => e.reason === 'FailedMount')!.message, 'MountVolume.SetUp failed for volume "cfg" : configmap "web-cfg" not found');
  t.is((await kubectl(['get', 'pod', 'vol', '-o', 'jsonpath={.status.phase}'])).stdout, 'Pending');

  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-cfg', namespace: 'default' }, data: { 'index.html': 'version one' } };
  await apply('cm.yaml', cm);
  await waitFor(async () => (await kubectl(['get', 'pod', 'vol', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', 'pod vol Running once the ConfigMap exists', 60_000, 200);
  const exec = async (c: string, script: string) => (await kubectl(['exec', 'vol', '-c', c, '--', 'sh', '-c', script])).stdout;
  t.is(await exec('reader', 'cat /cfg/index.html'), 'version one');
  t.is(await exec('reader', 'cat /sec/password; stat -L -c %a /sec/password'), 's3cret400\n');
  t.is(await exec('reader', 'cat /info/labels'), 'app="vol"');
  await waitFor(async () => (await exec('reader', 'cat /shared/x 2>/dev/null')) === 'from-writer\n', 'the reader sees the writer\'s emptyDir file', 20_000, 200);
  t.regex(await exec('reader', 'grep " /mem " /proc/mounts'), /^tmpfs \/mem tmpfs .*size=16384k/);
  t.regex(await exec('reader', 'echo nope > /cfg/x 2>&1; echo $?'), /1\n$/, 'configMap volumes are read-only');

  // The pod's tmpfs on the host, under the node's pod dirs.
  const uid = (await kubectl(['get', 'pod', 'vol', '-o', 'jsonpath={.metadata.uid}'])).stdout;
  const podDir = join(NODE_STATE_DIR, name, 'kubelet-pods', uid);
  t.deepEqual(mountsUnder(podDir), [join(podDir, 'volumes/kubernetes.io~empty-dir/mem')]);

  await apply('cm.yaml', { ...cm, data: { 'index.html': 'version two' } }, 'replace');
  await waitFor(async () => (await exec('reader', 'cat /cfg/index.html')) === 'version two', 'the ConfigMap update reaches the mounted file', 30_000, 300);
  t.is((await kubectl(['get', 'pod', 'vol', '-o', 'jsonpath={.status.containerStatuses[*].restartCount}'])).stdout, '0 0');
  t.is((await kubectl(['label', 'pod', 'vol', 'tier=web'])).code, 0);
  await waitFor(async () => (await exec('reader', 'cat /info/labels')) === 'app="vol"\ntier="web"', 'a label change reaches the downwardAPI file', 30_000, 300);

  t.is((await kubectl(['delete', 'pod', 'vol', '--wait=true', '--timeout=30s'])).code, 0);
  await waitFor(() => !existsSync(podDir), 'the pod dir removed', 20_000, 100);
  t.deepEqual(mountsUnder(podDir), [], 'the tmpfs is unmounted');

  // A pod waiting for a Secret that never comes is deleted: it goes, and so does its pod dir.
  const stuck = { ...pod, metadata: { name: 'stuck', namespace: 'default' }, spec: { ...pod.spec, volumes: [{ name: 's', secret: { secretName: 'never' } }, { name: 'm', emptyDir: { medium: 'Memory' } }], containers: [{ ...pod.spec.containers[1], volumeMounts: [{ name: 's', mountPath: '/s' }] }] } };
  await apply('stuck.yaml', stuck);
  const stuckUid = (await kubectl(['get', 'pod', 'stuck', '-o', 'jsonpath={.metadata.uid}'])).stdout;
  await waitFor(async () => (await kubectl(['get', 'events', '-o', 'jsonpath={.items[?(@.involvedObject.name=="stuck")].message}'])).stdout.includes('secret "never" not found'), 'FailedMount for the missing Secret', 30_000, 200);
  // Its other volume is set up meanwhile (each volume on its own, as upstream).
  const stuckDir = join(NODE_STATE_DIR, name, 'kubelet-pods', stuckUid);
  t.deepEqual(mountsUnder(stuckDir), [join(stuckDir, 'volumes/kubernetes.io~empty-dir/m')]);
  t.is((await kubectl(['delete', 'pod', 'stuck', '--wait=true', '--timeout=30s'])).code, 0);
  await waitFor(() => !existsSync(stuckDir), 'the waiting pod\'s dir removed', 20_000, 100);
  t.deepEqual(mountsUnder(stuckDir), []);

  await node.kill('SIGTERM');
  await waitFor(() => !existsSync(`${NODE_STATE_DIR}/${name}`), 'the node process removed its state dir', 30_000, 100);
});
