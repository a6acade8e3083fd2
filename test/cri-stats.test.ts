// Resource stats of the containerd runtime (CRI ListContainerStats) against a real containerd
// (root; scripts/ensure.mjs installs it), with the offline busybox and pause images: a busy
// container's cumulative CPU grows by about a core per second, its working set is reported.
import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realClock } from '../bus/clock.ts';
import { silentLogger } from '../bus/types.ts';
import { cgroupDirs } from '../actors/kubelet/runtimes/cri/cri-cgroups.ts';
import { CriRuntime } from '../actors/kubelet/runtimes/cri/cri.ts';
import { startContainerd, type Containerd } from '../runtime/containerd.ts';
import { buildBusyboxImage, buildPauseImage } from '../runtime/images/busybox-image.ts';
import { importImage } from '../runtime/images/import-image.ts';
import { waitFor } from './helpers/wait.ts';

const work = mkdtempSync(join(tmpdir(), 'kcri-stats-'));
const cgroupRoot = `/kubus-test-cri-stats-${process.pid}`;
let containerd: Containerd | undefined;

function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  rmdirSync(dir);
}

test.before(async () => {
  containerd = await startContainerd({ dir: join(work, 'ctd'), log: silentLogger });
  for (const [tar, build] of [
    [join(work, 'busybox.tar'), buildBusyboxImage],
    [join(work, 'pause.tar'), buildPauseImage],
  ] as const) {
    build(tar);
    await importImage(containerd.socket, tar);
  }
});

test.after.always(async () => {
  await containerd?.stop();
  for (const dir of cgroupDirs(cgroupRoot)) removeCgroupTree(dir);
  rmSync(work, { recursive: true, force: true });
});

test('cri stats - a busy container\'s cumulative CPU grows about a core-second per second; its working set is reported', async (t) => {
  const rt = new CriRuntime({ endpoint: containerd!.endpoint, clock: realClock, log: silentLogger, hostIP: '127.0.0.1', nodeName: `cri-stats-${process.pid}`, logRoot: join(work, 'pods'), cgroupRoot, relistMs: 200, deadlineMs: 30_000 });
  t.teardown(() => rt.close());
  const config = { podUid: `uid-stats-${process.pid}`, name: 'busy', namespace: 'default', annotations: {}, labels: { app: 'busy' }, hostNetwork: true };
  const sb = await rt.runPodSandbox(config);
  t.teardown(async () => {
    await rt.stopPodSandbox(sb.id).catch(() => undefined);
    await rt.removePodSandbox(sb.id).catch(() => undefined);
  });
  const c = { name: 'busy', image: 'busybox', attempt: 0, init: false, command: ['sh', '-c', 'while :; do :; done'] };
  await rt.ensureImage(c.image, 'IfNotPresent', config, c.name);
  const id = await rt.createContainer(sb.id, c, config);
  await rt.startContainer(id);
  const first = await waitFor(async () => (await rt.containerStats()).get(id), 'stats of the container', 20_000, 100);
  const t0 = Date.now();
  await waitFor(() => Date.now() - t0 >= 1000, 'a second to pass', 5000, 50);
  const second = (await rt.containerStats()).get(id)!;
  const cores = (second.cpuNs - first.cpuNs) / 1e6 / (Date.now() - t0);
  t.log(`busy loop: ${cores.toFixed(2)} cores, working set ${second.memoryBytes} bytes`);
  // Two cores are shared by many: at least a tenth of one, never more than the machine has.
  t.true(cores > 0.1 && cores < 4, `${cores} cores`);
  t.true(second.memoryBytes > 0);
});
