// Bad input on a real node process with its own containerd (root; hostNetwork pods, no CNI), as
// upstream reports it: an image no registry has gives ErrImagePull, then ImagePullBackOff, and is
// pulled again after the 10 s backoff; a command that does not exist gives the runtime's start error
// (RunContainerError, lastState StartError 128), then CrashLoopBackOff; a hostPort already taken on
// the node leaves the next pod that wants it unscheduled with the NodePorts message. The rest of the
// cluster is not disturbed: a healthy pod keeps running with no restart.
import test from 'ava';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, startContainerdCluster } from './helpers/containerd-node.ts';
import { KUBECTL } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

test('e2e containerd failures - ErrImagePull then ImagePullBackOff and a pull again after 10 s; a missing command: RunContainerError (StartError 128) then CrashLoopBackOff; a taken hostPort: not scheduled; a healthy pod undisturbed', async (t) => {
  const { home, url, node, kubectl } = await startContainerdCluster(t, 'cri-fail', 'apiserver,scheduler,gateway');
  const kubectlArgs = ['--server', url, '--cache-dir', join(home, 'cache')];
  const apply = async (obj: object, file: string) => {
    writeFileSync(join(home, file), stringify(obj));
    const r = await kubectl(['create', '-f', join(home, file)]);
    t.is(r.code, 0, r.stderr);
  };
  /** Every waiting reason a watch on the pod saw, in order (a state lasting a second is not missed by polling). */
  const watchReasons = (pod: string) => {
    const seen: string[] = [];
    const w = spawn(KUBECTL, [...kubectlArgs, 'get', 'pods', '--field-selector', `metadata.name=${pod}`, '-w', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}{"\\n"}'], { env: { PATH: process.env.PATH, HOME: home } });
    t.teardown(() => void w.kill());
    w.stdout.setEncoding('utf8').on('data', (d: string) => {
      for (const r of d.split('\n').filter(Boolean)) if (seen.at(-1) !== r) seen.push(r);
    });
    return seen;
  };
  const status = async (pod: string) => JSON.parse((await kubectl(['get', 'pod', pod, '-o', 'jsonpath={.status.containerStatuses[0]}'])).stdout || '{}');
  const events = async (pod: string) =>
    JSON.parse((await kubectl(['get', 'events', '--field-selector', `involvedObject.name=${pod}`, '-o', 'json'])).stdout).items.map((e: { reason: string; message: string; count?: number }) => e);
  const base = { hostNetwork: true, terminationGracePeriodSeconds: 1 };

  const healthy = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'healthy', namespace: 'default' }, spec: { ...base, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'Never', command: ['sleep', '3600'] }] } };
  await apply(healthy, 'healthy.yaml');
  await waitFor(async () => (await status('healthy')).ready === true, 'pod healthy ready', 60_000, 200);

  // An image no registry has (these machines reach none): ErrImagePull, then ImagePullBackOff, then a pull again.
  const image = `kubus.invalid/nope-${process.pid}:1`;
  const pullReasons = watchReasons('nopull');
  await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nopull', namespace: 'default' }, spec: { ...base, containers: [{ name: 'c', image, command: ['true'] }] } }, 'nopull.yaml');
  await waitFor(async () => (await status('nopull')).state?.waiting?.reason === 'ImagePullBackOff', 'nopull in ImagePullBackOff', 30_000, 200);
  const backoff = (await status('nopull')).state.waiting;
  t.regex(backoff.message, new RegExp(`^Back-off pulling image "${image}": ErrImagePull: rpc error: code = \\w+ desc = failed to pull and unpack image`));
  await waitFor(async () => (await events('nopull')).some((e: { reason: string; count?: number }) => e.reason === 'Pulling' && (e.count ?? 1) >= 2), 'the second pull (after 10 s)', 30_000, 500);
  await waitFor(() => pullReasons.filter((r) => r === 'ErrImagePull').length >= 2, 'ErrImagePull seen again', 10_000, 100).catch((err: Error) => {
    throw new Error(`${err.message}; seen: ${pullReasons.join(',')}`);
  });
  t.deepEqual(pullReasons.filter((r) => r !== 'ContainerCreating').slice(0, 3), ['ErrImagePull', 'ImagePullBackOff', 'ErrImagePull']);
  const pullEvents = (await events('nopull')).map((e: { reason: string; message: string }) => `${e.reason}: ${e.message}`);
  for (const want of [`Pulling: Pulling image "${image}"`, 'Failed: Error: ErrImagePull', `BackOff: Back-off pulling image "${image}"`, 'Failed: Error: ImagePullBackOff'])
    t.true(pullEvents.includes(want), `event ${want} in ${pullEvents.join(' | ')}`);
  t.true(pullEvents.some((e: string) => e.startsWith(`Failed: Failed to pull image "${image}": rpc error:`)));

  // Not present, and the policy says never pull: ErrImageNeverPull with upstream's texts.
  await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'never', namespace: 'default' }, spec: { ...base, containers: [{ name: 'c', image, imagePullPolicy: 'Never', command: ['true'] }] } }, 'never.yaml');
  const neverMessage = `Container image "${image}" is not present with pull policy of Never`;
  await waitFor(async () => (await status('never')).state?.waiting?.reason === 'ErrImageNeverPull', 'never in ErrImageNeverPull', 30_000, 200);
  t.is((await status('never')).state.waiting.message, neverMessage);
  await waitFor(async () => (await events('never')).some((e: { reason: string; message: string }) => e.reason === 'ErrImageNeverPull' && e.message === neverMessage), 'the ErrImageNeverPull event', 10_000, 200);
  t.true((await events('never')).some((e: { reason: string; message: string }) => e.reason === 'Failed' && e.message === 'Error: ErrImageNeverPull'));

  // A command that does not exist: the runtime's start error, then the crash-loop backoff.
  const startReasons = watchReasons('nocmd');
  await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nocmd', namespace: 'default' }, spec: { ...base, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'Never', command: ['/no/such/cmd'] }] } }, 'nocmd.yaml');
  await waitFor(async () => (await status('nocmd')).state?.waiting?.reason === 'CrashLoopBackOff', 'nocmd in CrashLoopBackOff', 30_000, 200);
  const crash = await status('nocmd');
  t.like(crash, { restartCount: 1, ready: false });
  t.regex(crash.state.waiting.message, /^back-off 10s restarting failed container=c pod=nocmd_default\(/);
  t.like(crash.lastState.terminated, { exitCode: 128, reason: 'StartError', startedAt: '1970-01-01T00:00:00Z' });
  t.regex(crash.lastState.terminated.message, /failed to create containerd task: .*\/no\/such\/cmd.*no such file or directory/);
  t.true(startReasons.includes('RunContainerError'), startReasons.join(','));
  t.true(startReasons.indexOf('RunContainerError') < startReasons.indexOf('CrashLoopBackOff'));
  const startEvents = (await events('nocmd')).map((e: { reason: string; message: string }) => `${e.reason}: ${e.message}`);
  t.true(startEvents.some((e: string) => /^Failed: Error: failed to create containerd task: .*no such file or directory/.test(e)), startEvents.join(' | '));
  t.true(startEvents.some((e: string) => /^BackOff: Back-off restarting failed container c in pod nocmd_default\(/.test(e)), startEvents.join(' | '));
  // As upstream's getPhase: a waiting container that ran before counts as stopped, and under Always that is Running.
  t.is((await kubectl(['get', 'pod', 'nocmd', '-o', 'jsonpath={.status.phase}'])).stdout, 'Running');

  // A host port: the first pod that asks for it gets the node, the second one is not scheduled there.
  const port = await freePort();
  const web = (n: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: n, namespace: 'default' },
    spec: { ...base, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'Never', command: ['sleep', '3600'], ports: [{ containerPort: port, hostPort: port }] }] },
  });
  await apply(web('port-a'), 'port-a.yaml');
  await waitFor(async () => (await status('port-a')).ready === true, 'port-a ready', 30_000, 200);
  await apply(web('port-b'), 'port-b.yaml');
  await waitFor(async () => (await events('port-b')).some((e: { reason: string }) => e.reason === 'FailedScheduling'), 'port-b FailedScheduling', 30_000, 200);
  const sched = (await events('port-b')).find((e: { reason: string }) => e.reason === 'FailedScheduling');
  t.regex(sched.message, /^0\/1 nodes are available: 1 node\(s\) didn't have free ports for the requested pod ports\./);
  const b = JSON.parse((await kubectl(['get', 'pod', 'port-b', '-o', 'json'])).stdout);
  t.is(b.spec.nodeName, undefined);
  t.like(b.status.conditions.find((c: { type: string }) => c.type === 'PodScheduled'), { status: 'False', reason: 'Unschedulable' });
  // Once the port is free again, the pod is placed.
  t.is((await kubectl(['delete', 'pod', 'port-a', '--wait=true', '--timeout=30s'])).code, 0);
  await waitFor(async () => (await status('port-b')).ready === true, 'port-b ready once port-a is gone', 60_000, 200);

  t.like(await status('healthy'), { ready: true, restartCount: 0 });
  for (const p of ['nopull', 'never', 'nocmd', 'port-b', 'healthy']) t.is((await kubectl(['delete', 'pod', p, '--wait=true', '--timeout=30s'])).code, 0);
  await node.kill('SIGTERM');
});
