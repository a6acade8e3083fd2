// fsGroup and runAsUser/runAsGroup on a real node process with its own containerd (root; a
// hostNetwork pod): the container's process runs as the pod asks, with fsGroup among its groups;
// its emptyDir and configMap volumes carry the group (setgid directories), so a file it creates
// in the emptyDir gets the group too.
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startContainerdCluster } from './helpers/containerd-node.ts';
import { waitFor } from './helpers/wait.ts';

test('e2e containerd fsGroup - the process runs as runAsUser/runAsGroup with fsGroup as a supplemental group; emptyDir and configMap volumes are group-owned', async (t) => {
  const { home, name, kubectl } = await startContainerdCluster(t, 'cri-fsg', 'apiserver,gateway');
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { key: 'value' } };
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'fsg', namespace: 'default' },
    spec: {
      nodeName: name,
      hostNetwork: true,
      terminationGracePeriodSeconds: 1,
      securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000] },
      volumes: [
        { name: 'scratch', emptyDir: {} },
        { name: 'cfg', configMap: { name: 'cfg', defaultMode: 0o400 } },
      ],
      containers: [
        {
          name: 'c',
          image: 'busybox',
          imagePullPolicy: 'Never',
          command: ['sleep', '3600'],
          volumeMounts: [
            { name: 'scratch', mountPath: '/scratch' },
            { name: 'cfg', mountPath: '/cfg' },
          ],
        },
      ],
    },
  };
  writeFileSync(join(home, 'objs.yaml'), `${stringify(cm)}---\n${stringify(pod)}`);
  const created = await kubectl(['create', '-f', join(home, 'objs.yaml')]);
  t.is(created.code, 0, created.stderr);
  await waitFor(async () => (await kubectl(['get', 'pod', 'fsg', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', 'pod fsg Running', 60_000, 200);
  const exec = async (script: string) => {
    const r = await kubectl(['exec', 'fsg', '--', 'sh', '-c', script]);
    t.is(r.code, 0, r.stderr);
    return r.stdout;
  };
  t.is(await exec('id -u; id -g; id -G'), '1000\n3000\n3000 2000 4000\n', 'uid, gid, then the groups: fsGroup and the supplemental ones');
  t.is(await exec('stat -c "%g %a" /scratch'), '2000 2777\n', 'the emptyDir: the fsGroup, setgid');
  t.is(await exec('touch /scratch/f && stat -c %g /scratch/f'), '2000\n', 'a file the pod creates there inherits the group');
  t.is(await exec('stat -L -c "%g %a" /cfg/key; cat /cfg/key'), '2000 440\nvalue', 'the configMap file: group-owned, group readable');
});
