// Pod volumes on a real node process with its own containerd (root; hostNetwork pods, no CNI): a
// volume naming a missing ConfigMap gives upstream's FailedMount and the pod waits, then starts
// once the ConfigMap exists; its file, a secret, a downwardAPI file and an emptyDir shared by two
// containers are seen inside; an update of the ConfigMap reaches the file without a restart; the
// tmpfs of a `medium: Memory` emptyDir and the pod's dir are gone after deletion.
import test from 'ava';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { mountsUnder } from '../actors/kubelet/volumes/host-mounts.ts';
import { NODE_STATE_DIR } from '../runtime/node-cri.ts';
import { startContainerdCluster } from './helpers/containerd-node.ts';
import { waitFor } from './helpers/wait.ts';

test('e2e containerd volumes - FailedMount until the ConfigMap exists; configMap, secret, downwardAPI and a shared emptyDir inside; a ConfigMap update reaches the file without a restart; tmpfs unmounted and pod dir removed on deletion', async (t) => {
  const { home, name, node, kubectl } = await startContainerdCluster(t, 'cri-vol', 'apiserver,gateway');
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
