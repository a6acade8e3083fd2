// Failures of running containers on a real node process (root; hostNetwork pods, no CNI), as
// upstream reports them: a container's process killed from the host is restarted by the kubelet
// (restartCount 1, lastState terminated with exit code 137), and a container that outgrows its
// memory limit is OOM-killed (reason OOMKilled, exit code 137).
import test from 'ava';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startContainerdCluster } from './helpers/containerd-node.ts';
import { waitFor } from './helpers/wait.ts';

/** Returns the host pids of processes whose command line is exactly `argv` and whose cgroup path names `marker`. */
function hostPids(argv: string[], marker: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (cmd.join(' ') !== argv.join(' ')) continue;
      if (readFileSync(`/proc/${e}/cgroup`, 'utf8').includes(marker)) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

test('e2e containerd kill - a container killed from the host restarts (restartCount 1, lastState 137); a memory hog is OOMKilled', async (t) => {
  const { home, name, kubectl } = await startContainerdCluster(t, 'cri-kill', 'apiserver,scheduler,gateway');
  const apply = async (obj: object, file: string) => {
    writeFileSync(join(home, file), stringify(obj));
    const r = await kubectl(['create', '-f', join(home, file)]);
    t.is(r.code, 0, r.stderr);
  };
  const status = async (pod: string) => JSON.parse((await kubectl(['get', 'pod', pod, '-o', 'jsonpath={.status.containerStatuses[0]}'])).stdout || '{}');
  const base = { hostNetwork: true, terminationGracePeriodSeconds: 1 };

  // A unique argument, so the test finds this container's process and no other.
  const argv = ['sleep', `${3600 + (process.pid % 1000)}`];
  await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'victim', namespace: 'default' }, spec: { ...base, containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'Never', command: argv }] } }, 'victim.yaml');
  await waitFor(async () => (await status('victim')).ready === true, 'victim running', 60_000, 200);
  const first = (await status('victim')).containerID;
  const pids = await waitFor(() => hostPids(argv, name), "the container's process on the host", 10_000, 100);
  t.is(pids.length, 1);
  process.kill(pids[0], 'SIGKILL');
  const after = await waitFor(async () => {
    const s = await status('victim');
    return s.restartCount === 1 && s.ready === true && s;
  }, 'victim restarted', 60_000, 200);
  t.is(after.lastState?.terminated?.exitCode, 137);
  t.is(after.lastState?.terminated?.reason, 'Error');
  t.not(after.containerID, first, 'a new container');

  // Doubling a shell string grows past 32 MiB quickly: the kernel's OOM killer ends it.
  const hog = { name: 'c', image: 'busybox', imagePullPolicy: 'Never', command: ['sh', '-c', 'x=0123456789; while true; do x=$x$x; done'], resources: { limits: { memory: '32Mi' } } };
  await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hog', namespace: 'default' }, spec: { ...base, restartPolicy: 'Never', containers: [hog] } }, 'hog.yaml');
  const ended = await waitFor(async () => (await status('hog')).state?.terminated, 'hog terminated', 60_000, 200);
  t.is(ended.reason, 'OOMKilled');
  t.is(ended.exitCode, 137);
  t.is((await kubectl(['get', 'pod', 'hog', '-o', 'jsonpath={.status.phase}'])).stdout, 'Failed');
});
