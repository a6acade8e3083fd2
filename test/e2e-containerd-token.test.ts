// A pod on the containerd runtime reads its projected service account token, the cluster's CA and
// its namespace at /var/run/secrets/kubernetes.io/serviceaccount (ServiceAccount admission's
// kube-api-access volume, the kubelet's TokenRequest), and the gateway accepts that token: by
// TokenReview, and as a bearer token over HTTPS verified with the pod's own ca.crt (`kubus up`).
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cleanUpNode, startContainerdCluster } from './helpers/containerd-node.ts';
import { KUBECTL, startKubus } from './helpers/proc.ts';
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

test('e2e containerd token - kubus up: a bearer request with the pod\'s token over HTTPS, checked with the pod\'s ca.crt, is the pod\'s account (RBAC then decides); a forged one is 401', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'kubus-e2e-tok-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const prefix = `tokup${process.pid}`;
  t.teardown(() => cleanUpNode(`${prefix}-0`));
  const up = startKubus(t, ['up', '--runtime', 'containerd', '--nodes', '1', '--node-prefix', prefix, '--memory', '--port', '0', '--log-level', 'warn'], { KUBUS_HOME: home, HOME: home });
  const [, url] = await up.waitFor(/Kubernetes API at (https:\/\/127\.0\.0\.1:\d+);/, 90_000);
  const [, kubeconfig] = await up.waitFor(/^export KUBECONFIG=(\S+)$/m);
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(KUBECTL, ['--cache-dir', join(home, 'cache'), ...args], { env: { PATH: process.env.PATH, HOME: home }, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const kubectl = (args: string[]) => run(['--kubeconfig', kubeconfig, ...args]);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'tok', namespace: 'default' }, spec: { hostNetwork: true, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'Never', command: ['sleep', '3600'] }] } };
  writeFileSync(join(home, 'tok.yaml'), stringify(pod));
  await waitFor(async () => (await kubectl(['create', '-f', join(home, 'tok.yaml')])).code === 0, 'the pod created (its namespace\'s default account made)', 30_000, 300);
  await waitFor(async () => (await kubectl(['get', 'pod', 'tok', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', 'pod tok Running', 90_000, 300);
  const token = (await kubectl(['exec', 'tok', '--', 'cat', `${DIR}/token`])).stdout;
  const ca = (await kubectl(['exec', 'tok', '--', 'cat', `${DIR}/ca.crt`])).stdout;
  t.is(ca, readFileSync(join(home, 'pki', 'ca.crt'), 'utf8'), 'the kubus CA');
  const caFile = join(home, 'pod-ca.crt');
  writeFileSync(caFile, ca);
  const asPod = (tok: string) => run(['--kubeconfig', '/dev/null', '--server', url, '--certificate-authority', caFile, '--token', tok, 'get', 'pods']);
  const denied = await asPod(token);
  t.is(denied.code, 1);
  t.is(denied.stderr, 'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:default:default" cannot list resource "pods" in API group "" in the namespace "default"\n');
  const forged = await asPod(`${token.slice(0, -4)}AAAA`);
  t.is(forged.code, 1);
  t.regex(forged.stderr, /Unauthorized/);
  t.is((await kubectl(['create', 'rolebinding', 'pod-reader', '--clusterrole=view', '--serviceaccount=default:default'])).code, 0);
  await waitFor(async () => /^tok\s+1\/1\s+Running/m.test((await asPod(token)).stdout), 'the pod\'s token lists pods once bound to view', 20_000, 200);
  up.child.kill('SIGINT');
  await up.waitFor(/stopped\./, 60_000);
  t.is(await up.exited, 0);
});
