// A real containerd per test (root; installed by scripts/ensure.mjs): the supervisor, the offline
// busybox and pause images, `kubus image import`, and that stop() leaves nothing behind.
import test, { type ExecutionContext } from 'ava';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { silentLogger } from '../bus/types.ts';
import { alive, DEFAULT_RUNC_ROOT, mountsUnder, shimPids } from '../runtime/containerd-cleanup.ts';
import { PAUSE_IMAGE } from '../runtime/containerd-config.ts';
import { ContainerdStartError, startContainerd, type Containerd, type ContainerdOptions } from '../runtime/containerd.ts';
import { BUSYBOX_IMAGES, buildBusyboxImage, buildPauseImage } from '../runtime/images/busybox-image.ts';
import { importImage, listImages } from '../runtime/images/import-image.ts';
import { ROOT } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

const run = promisify(execFile);
const images = mkdtempSync(join(tmpdir(), 'kubus-images-'));
const busybox = join(images, 'busybox.tar');
const pause = join(images, 'pause.tar');
let digests: { busybox: string; pause: string };

test.before(() => {
  digests = { busybox: buildBusyboxImage(busybox), pause: buildPauseImage(pause) };
});
test.after.always(() => rmSync(images, { recursive: true, force: true }));

/** A containerd in a temp dir of its own (short: the socket path must fit), stopped in teardown. */
async function start(t: ExecutionContext, opts: Partial<ContainerdOptions> = {}): Promise<Containerd> {
  const dir = mkdtempSync(join(tmpdir(), 'kcd-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const c = await startContainerd({ dir, log: silentLogger, preload: false, ...opts });
  t.teardown(() => c.stop());
  return c;
}

const ctr = (c: Containerd, ...args: string[]) => run('ctr', ['--address', c.socket, '--namespace', 'k8s.io', ...args], { timeout: 30_000 });

/**
 * Runs `script` in a container of `image` and returns what it wrote to /out/result (a host directory
 * bind-mounted there), not ctr's stdout: ctr run relays a task's output through a FIFO, and for a
 * container that exits at once it came back empty under load (a CI run at load ~20: '' for
 * "native ok", exit code 0). The file is written before the container exits.
 */
async function runScript(t: ExecutionContext, c: Containerd, image: string, id: string, script: string, ...flags: string[]): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'kcd-out-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  await ctr(c, 'run', '--rm', ...flags, '--mount', `type=bind,src=${out},dst=/out,options=rbind:rw`, image, id, 'sh', '-c', `{ ${script}; } > /out/result 2>&1`);
  return readFileSync(join(out, 'result'), 'utf8');
}

/** Pids of every process whose command line names `dir` (containerd, shims, runc). */
const processesNaming = (dir: string) =>
  readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir) && alive(Number(pid));
      } catch {
        return false;
      }
    });

/** Whether runc state or a cgroup (v1's pids controller or v2) of container `id` is left. */
const containerLeft = (id: string) =>
  [join(DEFAULT_RUNC_ROOT, 'k8s.io', id), `/sys/fs/cgroup/pids/k8s.io/${id}`, `/sys/fs/cgroup/k8s.io/${id}`].some((p) => existsSync(p));

/** Asserts that a stopped containerd left no process, shim, container, mount or file. */
function assertGone(t: ExecutionContext, c: Containerd, pid: number, containers: string[]) {
  for (const id of containers) t.false(containerLeft(id), `no runc state or cgroup of ${id} left`);
  t.false(alive(pid), 'containerd is gone');
  t.deepEqual(shimPids(c.socket), [], 'no shim left');
  t.deepEqual(processesNaming(c.dir), [], 'no process names its dir');
  t.deepEqual(mountsUnder(c.dir), [], 'nothing mounted under its dir');
  t.false(existsSync(c.dir), 'its dir is removed');
}

test('images - the busybox and pause archives build offline, byte for byte the same each time', (t) => {
  const again = join(images, 'again.tar');
  t.is(buildBusyboxImage(again), digests.busybox);
  t.deepEqual(readFileSync(again), readFileSync(busybox));
  t.not(digests.pause, digests.busybox);
  const index = JSON.parse(execFileSync('tar', ['-xOf', pause, 'index.json'], { encoding: 'utf8' })) as { manifests: { annotations: Record<string, string> }[] };
  t.is(index.manifests[0]!.annotations['io.containerd.image.name'], PAUSE_IMAGE);
  t.is(index.manifests[0]!.annotations['org.opencontainers.image.ref.name'], '3.9');
});

test('containerd - its config loads: the CRI plugin and the snapshotter it uses are up', async (t) => {
  const c = await start(t);
  t.regex(c.endpoint, /^unix:\/\/\/.*containerd\.sock$/);
  const { stdout } = await ctr(c, 'plugins', 'ls');
  const status = (type: string, id: string) => new RegExp(`^${type.replaceAll('.', '\\.')}\\s+${id}\\s+.*\\s(\\w+)\\s*$`, 'm').exec(stdout)?.[1];
  t.is(status('io.containerd.grpc.v1', 'cri'), 'ok');
  t.is(status('io.containerd.snapshotter.v1', c.snapshotter), 'ok');
  t.is(status('io.containerd.snapshotter.v1', 'btrfs'), undefined, 'disabled plugins are not loaded');
});

test('containerd - by default it starts with the pause and busybox images, so pods run offline', async (t) => {
  const c = await start(t, { preload: true });
  t.deepEqual((await listImages(c.socket)).filter((n) => !n.startsWith('sha256:')).sort(), [...BUSYBOX_IMAGES, PAUSE_IMAGE].sort());
});

test('containerd - images import and run on the native snapshotter too (where overlayfs does not mount)', async (t) => {
  const c = await start(t, { snapshotter: 'native' });
  t.is(c.snapshotter, 'native');
  await importImage(c.socket, busybox);
  t.is(await runScript(t, c, BUSYBOX_IMAGES[0]!, `n-${process.pid}`, 'echo native ok', '--snapshotter', 'native'), 'native ok\n');
});

test('containerd - imported busybox and pause images are listed and busybox runs', async (t) => {
  const c = await start(t);
  t.deepEqual((await importImage(c.socket, busybox)).sort(), [...BUSYBOX_IMAGES].sort());
  t.deepEqual(await importImage(c.socket, pause), [PAUSE_IMAGE]);
  const listed = await listImages(c.socket);
  for (const name of [...BUSYBOX_IMAGES, PAUSE_IMAGE]) t.true(listed.includes(name), `${name} listed`);
  const out = await runScript(t, c, BUSYBOX_IMAGES[0]!, `t-${process.pid}`, 'echo hello from $(cat /etc/passwd | head -1 | cut -d: -f1); wget --help 2>&1 | head -1');
  t.regex(out, /^hello from root\nBusyBox v1\./);
});

test('containerd - the supervisor starts a killed containerd again, and its images are still there', async (t) => {
  const c = await start(t);
  await importImage(c.socket, pause);
  const first = c.pid!;
  const exited = new Promise<NodeJS.Signals | null>((r) => c.on('exit', (_code, signal) => r(signal)));
  process.kill(first, 'SIGKILL');
  t.is(await exited, 'SIGKILL');
  await waitFor(() => c.restarts === 1 && c.pid !== undefined, 'a restart', 15_000, 20);
  await c.ready();
  t.not(c.pid, first);
  t.true((await listImages(c.socket)).includes(PAUSE_IMAGE));
});

test('containerd - stop ends containerd, its shims and containers, unmounts and removes its dir', async (t) => {
  const c = await start(t);
  await importImage(c.socket, pause);
  const id = `p-${process.pid}`;
  await ctr(c, 'run', '-d', PAUSE_IMAGE, id);
  t.true(containerLeft(id), 'runc knows the container');
  t.is(shimPids(c.socket).length, 1, 'a shim runs the task');
  t.true(mountsUnder(c.dir).length > 0, 'its rootfs is mounted');
  const pid = c.pid!;
  await c.stop();
  assertGone(t, c, pid, [id]);
});

test('containerd - two run at once, each with its own socket, images and cleanup', async (t) => {
  const [a, b] = await Promise.all([start(t), start(t)]);
  t.not(a.socket, b.socket);
  await Promise.all([importImage(a.socket, busybox), importImage(b.socket, pause)]);
  await Promise.all([ctr(a, 'run', '-d', BUSYBOX_IMAGES[0]!, `a-${process.pid}`, 'sleep', '600'), ctr(b, 'run', '-d', PAUSE_IMAGE, `b-${process.pid}`)]);
  t.false((await listImages(a.socket)).includes(PAUSE_IMAGE));
  t.false((await listImages(b.socket)).includes(BUSYBOX_IMAGES[0]!));
  const [pa, pb] = [a.pid!, b.pid!];
  await a.stop();
  assertGone(t, a, pa, [`a-${process.pid}`]);
  t.is(shimPids(b.socket).length, 1, 'the other one’s container still runs');
  await b.stop();
  assertGone(t, b, pb, [`b-${process.pid}`]);
});

test('containerd - one that cannot start says so with its log, and leaves no dir', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kcd-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const err = await t.throwsAsync(startContainerd({ dir, log: silentLogger, bin: '/bin/false', readyTimeoutMs: 5_000 }), { instanceOf: ContainerdStartError });
  t.regex(err!.message, /did not start: containerd exited; its log ends:/);
  t.false(existsSync(dir));
});

test('image - kubus image import loads an archive into the containerd recorded for a node', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'kubus-home-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const saved = process.env.KUBUS_HOME;
  process.env.KUBUS_HOME = home;
  t.teardown(() => (saved === undefined ? delete process.env.KUBUS_HOME : (process.env.KUBUS_HOME = saved)));
  const node = `node-${process.pid}`;
  const c = await start(t, { nodes: [node] });
  const kubus = (...args: string[]) => run(process.execPath, [join(ROOT, 'bin', 'kubus'), 'image', ...args], { env: { ...process.env, KUBUS_HOME: home } });
  const { stdout } = await kubus('import', '--node', node, pause);
  t.is(stdout.trim(), `${node}: imported ${PAUSE_IMAGE}`);
  t.true((await listImages(c.socket)).includes(PAUSE_IMAGE));
  const missing = await t.throwsAsync(kubus('import', '--node', 'nowhere', pause));
  t.regex((missing as Error & { stderr: string }).stderr, /no running containerd recorded for node nowhere \(recorded: node-\d+\)/);
  const direct = await kubus('import', '--cri-endpoint', c.endpoint, busybox);
  t.is(direct.stdout.trim(), `${c.endpoint}: imported ${BUSYBOX_IMAGES.join(', ')}`);
  await c.stop();
  const none = await t.throwsAsync(kubus('import', pause));
  t.regex((none as Error & { stderr: string }).stderr, /pass --cri-endpoint/);
});
