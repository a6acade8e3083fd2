// The sim runtime on its own: annotation parsing (docs/sim-runtime.md), Go durations, pod IPs,
// image pulls, container exits and stops on a virtual clock.
import test from 'ava';
import { formatGoDuration, parseGoDuration } from '../api/duration.ts';
import { IpPool } from '../actors/kubelet/runtimes/ip-pool.ts';
import type { ContainerExit, SandboxConfig } from '../actors/kubelet/runtimes/runtime.ts';
import { simBehaviour } from '../actors/kubelet/runtimes/sim-behaviour.ts';
import { normalizeImage } from '../actors/kubelet/runtimes/images.ts';
import { SimRuntime } from '../actors/kubelet/runtimes/sim.ts';
import { VirtualClock } from '../bus/clock.ts';
import { seededRng } from '../bus/random.ts';
import { silentLogger } from '../bus/types.ts';

const durations: Array<[string, number]> = [
  ['0', 0],
  ['500ms', 500],
  ['2s', 2000],
  ['1m30s', 90_000],
  ['1.5h', 5_400_000],
  ['2h45m', 9_900_000],
  ['100us', 0.1],
];
for (const [s, ms] of durations) test(`kubelet - Go duration ${s} is ${ms} ms`, (t) => t.is(parseGoDuration(s), ms));

test('kubelet - malformed Go durations are refused with Go’s message', (t) => {
  t.throws(() => parseGoDuration('soon'), { message: 'time: invalid duration "soon"' });
  t.throws(() => parseGoDuration('10'), { message: 'time: missing unit in duration "10"' });
  t.throws(() => parseGoDuration(''), { message: 'time: invalid duration ""' });
});

test('kubelet - durations print as Go prints them', (t) => {
  t.deepEqual([10_000, 300_000, 90_000, 500, 0, 3_600_000].map(formatGoDuration), ['10s', '5m0s', '1m30s', '500ms', '0s', '1h0m0s']);
});

test('kubelet - sim annotations: pod-wide keys for app containers, per-container keys win, init containers only their own', (t) => {
  const a = {
    'sim.kubus.io/exit-after': '30s',
    'sim.kubus.io/exit-code': '2',
    'sim.kubus.io/web.exit-code': '0',
    'sim.kubus.io/setup.crash-loop': '2',
    'other.io/x': 'y',
  };
  t.like(simBehaviour(a, 'web', 'app'), { exitAfterMs: 30_000, exitCode: 0 });
  t.like(simBehaviour(a, 'db', 'app'), { exitAfterMs: 30_000, exitCode: 2 });
  t.like(simBehaviour(a, 'setup', 'init'), { exitAfterMs: 0, exitCode: 0, crashLoop: 2 });
  t.like(simBehaviour(a, 'proxy', 'sidecar'), { exitAfterMs: 30_000 });
  t.like(simBehaviour({}, 'web', 'app'), { exitAfterMs: undefined, crashLoop: 0, startDelayMs: 0 });
  t.is(simBehaviour({ 'sim.kubus.io/crash-loop': 'true' }, 'c', 'app').crashLoop, Infinity);
});

test('kubelet - bad sim annotations name the annotation and the problem', (t) => {
  t.throws(() => simBehaviour({ 'sim.kubus.io/exit-after': 'soon' }, 'c', 'app'), {
    message: 'invalid annotation sim.kubus.io/exit-after: "soon": time: invalid duration "soon"',
  });
  t.throws(() => simBehaviour({ 'sim.kubus.io/exit-code': '300' }, 'c', 'app'), { message: /want an exit code from 0 to 255/ });
  t.throws(() => simBehaviour({ 'sim.kubus.io/exit-afterr': '1s' }, 'c', 'app'), { message: /^unknown annotation sim\.kubus\.io\/exit-afterr/ });
  t.throws(() => simBehaviour({ 'sim.kubus.io/c.crash': 'true' }, 'c', 'app'), { message: /^unknown annotation sim\.kubus\.io\/c\.crash/ });
});

test('kubelet - pod IPs come from the CIDR in order, skip network and gateway, and are reused once freed', (t) => {
  const pool = new IpPool('10.128.3.0/29');
  const got = [1, 2, 3, 4, 5].map(() => pool.allocate());
  t.deepEqual(got, ['10.128.3.2', '10.128.3.3', '10.128.3.4', '10.128.3.5', '10.128.3.6']);
  t.throws(() => pool.allocate(), { message: /no IP addresses available/ });
  pool.release('10.128.3.4');
  t.is(pool.allocate(), '10.128.3.4');
});

test('kubelet - images are normalised as containerd does', (t) => {
  t.deepEqual(
    ['nginx', 'nginx:1.27', 'library/redis:7', 'quay.io/org/app:v1', 'localhost:5000/x', 'gcr.io/p/i@sha256:abc'].map(normalizeImage),
    ['docker.io/library/nginx:latest', 'docker.io/library/nginx:1.27', 'docker.io/library/redis:7', 'quay.io/org/app:v1', 'localhost:5000/x:latest', 'gcr.io/p/i@sha256:abc'],
  );
});

const sandbox = (annotations: Record<string, string>): SandboxConfig => ({ podUid: 'u1', name: 'p', namespace: 'default', annotations, labels: {} });

test('kubelet - sim containers pull once per node, start after their delay, exit on time, and stop within the grace period', async (t) => {
  const clock = new VirtualClock(0);
  const rt = new SimRuntime({ clock, rng: seededRng(1), log: silentLogger, podCIDR: '10.128.0.0/24', hostIP: '10.0.0.2' });
  t.teardown(() => rt.close());
  const exits: ContainerExit[] = [];
  rt.onContainerExit((e) => exits.push(e));
  const sb = sandbox({ 'sim.kubus.io/pull-delay': '3s', 'sim.kubus.io/start-delay': '1s', 'sim.kubus.io/a.exit-after': '10s', 'sim.kubus.io/a.exit-code': '4', 'sim.kubus.io/b.stop-delay': '1m' });
  const { id: sid, ip } = await rt.runPodSandbox(sb);
  t.is(ip, '10.128.0.2');
  let pulled: unknown;
  void rt.ensureImage('app:1', 'IfNotPresent', sb, 'a').then((r) => (pulled = r));
  await clock.advance(2999);
  t.is(pulled, undefined);
  await clock.advance(1);
  t.like(pulled, { pulled: true, durationMs: 3000 });
  t.like(await rt.ensureImage('app:1', 'IfNotPresent', sb, 'b'), { pulled: false, durationMs: 0 }, 'present: no second pull');
  const a = await rt.createContainer(sid, { name: 'a', image: 'app:1', attempt: 0, init: false }, sb);
  const b = await rt.createContainer(sid, { name: 'b', image: 'app:1', attempt: 0, init: false }, sb);
  void rt.startContainer(a);
  void rt.startContainer(b);
  await clock.advance(1000);
  t.is((await rt.containerStatus(a))?.state, 'running');
  await clock.advance(10_000);
  t.like(exits, [{ id: a, exitCode: 4, reason: 'Error', startedAt: 4000, finishedAt: 14_000 }]);
  let stopped = false;
  void rt.stopContainer(b, 5000).then(() => (stopped = true));
  await clock.advance(4999);
  t.false(stopped);
  await clock.advance(1);
  t.true(stopped);
  t.like(exits[1], { id: b, exitCode: 137, reason: 'Error' }, 'b takes a minute to stop: killed after the 5 s grace period');
  t.is((await rt.logs(a)).length, 2);
  await rt.removePodSandbox(sid);
  t.deepEqual(await rt.listContainers(), []);
  t.is((await rt.runPodSandbox(sb)).ip, '10.128.0.3', 'host-local IPAM: the next address, not the freed one');
});
