// PersistentVolumeClaims on a real node process with its own containerd (root; hostNetwork pods,
// no CNI): a claim of the default `standard` class is provisioned by the local-path provisioner on
// the node the scheduler picked, its directory under /var/lib/kubus/<node>/local-path is mounted
// into the container (what the container writes is on the host), outlives the pod, and is removed
// by the provisioner's helper pod on the node once the claim is deleted (reclaimPolicy Delete).
import test from 'ava';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startContainerdCluster } from './helpers/containerd-node.ts';
import { waitFor } from './helpers/wait.ts';

test('e2e containerd pvc - a claim\'s local-path directory is created on the pod\'s node, mounted, kept after the pod, and removed by a helper pod after the claim', async (t) => {
  const { home, name, kubectl } = await startContainerdCluster(t, 'cri-pvc', 'apiserver,scheduler,controller-manager,gateway');
  const nodeDir = join('/var/lib/kubus', name);
  t.teardown(() => rmSync(nodeDir, { recursive: true, force: true }));
  const apply = async (file: string, obj: unknown) => {
    writeFileSync(join(home, file), stringify(obj));
    const r = await kubectl(['create', '-f', join(home, file)]);
    t.is(r.code, 0, r.stderr);
  };
  const get = async (args: string[]) => (await kubectl(['get', ...args])).stdout;
  await waitFor(async () => (await get(['storageclass', 'standard', '-o', 'name'])) === 'storageclass.storage.k8s.io/standard\n', 'the standard class', 30_000, 200);
  await apply('pvc.yaml', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } });
  await apply('pod.yaml', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'writer', namespace: 'default' },
    spec: {
      hostNetwork: true,
      terminationGracePeriodSeconds: 1,
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
      containers: [{ name: 'w', image: 'busybox', imagePullPolicy: 'Never', command: ['sh', '-c', 'echo kept > /data/file; exec sleep 3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    },
  });
  await waitFor(async () => (await get(['pod', 'writer', '-o', 'jsonpath={.status.phase}'])) === 'Running', 'writer Running', 90_000, 300);
  const pv = (await get(['pvc', 'data', '-o', 'jsonpath={.spec.volumeName}'])).trim();
  t.regex(pv, /^pvc-/);
  const dir = (await get(['pv', pv, '-o', 'jsonpath={.spec.hostPath.path}'])).trim();
  t.is(dir, join(nodeDir, 'local-path', `${pv}_default_data`));
  await waitFor(async () => existsSync(join(dir, 'file')), 'the file on the host', 20_000, 200);
  t.is(readFileSync(join(dir, 'file'), 'utf8'), 'kept\n');
  t.regex(await get(['pvc', 'data']), /data\s+Bound\s+pvc-\S+\s+16Mi\s+RWO\s+standard\s+<unset>/);

  t.is((await kubectl(['delete', 'pod', 'writer', '--wait=true'])).code, 0);
  t.is(readFileSync(join(dir, 'file'), 'utf8'), 'kept\n', 'the data outlives the pod');
  t.is((await kubectl(['delete', 'pvc', 'data', '--wait=true'])).code, 0);
  await waitFor(async () => !existsSync(dir) && (await kubectl(['get', 'pv', pv])).code !== 0, 'the directory and the volume gone', 90_000, 300);
  await waitFor(async () => (await get(['pods', '-n', 'kube-system', '-o', 'name'])).trim() === '', 'the helper pod removed', 30_000, 300);
  t.pass();
});
