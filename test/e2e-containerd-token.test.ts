// A pod on the containerd runtime reads its projected service account token, the cluster's CA and
// its namespace at /var/run/secrets/kubernetes.io/serviceaccount (ServiceAccount admission's
// kube-api-access volume, the kubelet's TokenRequest), and the gateway accepts that token.
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startContainerdCluster } from './helpers/containerd-node.ts';
import { waitFor } from './helpers/wait.ts';

const DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

test('e2e containerd token - the projected token, ca.crt and namespace inside the container; TokenReview accepts the token as the pod\'s account', async (t) => {
  const { home, name, kubectl } = await startContainerdCluster(t, 'cri-tok', 'apiserver,scheduler,controller-manager,gateway');
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'tok', namespace: 'default' },
    spec: { nodeName: name, hostNetwork: true, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'Never', command: ['sleep', '3600'] }] },
  };
  const created = await kubectl(['create', '-f', '-'], stringify(pod));
  t.is(created.code, 0, created.stderr);
  const mounted = JSON.parse((await kubectl(['get', 'pod', 'tok', '-o', 'json'])).stdout);
  t.is(mounted.spec.serviceAccountName, 'default');
  t.is(mounted.spec.containers[0].volumeMounts[0].mountPath, DIR);
  await waitFor(async () => (await kubectl(['get', 'pod', 'tok', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', 'pod tok Running', 90_000, 300);
  const exec = async (script: string) => (await kubectl(['exec', 'tok', '--', 'sh', '-c', script])).stdout;
  const token = await exec(`cat ${DIR}/token`);
  t.regex(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'a JWT');
  t.is(await exec(`cat ${DIR}/namespace`), 'default');
  const ca = join(home, 'pki', 'ca.crt');
  t.is(await exec(`cat ${DIR}/ca.crt`), existsSync(ca) ? readFileSync(ca, 'utf8') : '');
  t.is(await exec(`stat -L -c %a ${DIR}/token`), '644\n');
  t.regex(await exec(`echo x > ${DIR}/token 2>&1; echo $?`), /1\n$/, 'read-only');

  const review = await kubectl(['create', '-o', 'json', '-f', '-'], JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }));
  t.is(review.code, 0, review.stderr);
  const status = JSON.parse(review.stdout).status;
  t.true(status.authenticated);
  t.is(status.user.username, 'system:serviceaccount:default:default');
  t.deepEqual(status.user.extra['authentication.kubernetes.io/pod-name'], ['tok']);
  t.true(status.user.groups.includes('system:serviceaccounts:default'));
  t.is((await kubectl(['delete', 'pod', 'tok', '--wait=true', '--timeout=30s'])).code, 0);
});
