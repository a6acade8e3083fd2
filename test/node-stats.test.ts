// The kubelet's modelled usage of sim containers (node-stats.ts) on the virtual clock: CPU is each
// annotated rate integrated over the time it held; memory is the current annotation; the node's
// CPU never goes back when a container goes.
import test from 'ava';
import { RuntimeUsage, SimUsage, simKey } from '../actors/kubelet/node-stats.ts';
import type { ContainerInfo } from '../actors/kubelet/runtimes/runtime.ts';
import type { Pod } from '../api/kinds/pod.ts';
import { VirtualClock } from '../bus/clock.ts';
import { silentLogger } from '../bus/types.ts';

const T0 = Date.UTC(2026, 11, 6);

const pod = (annotations: Record<string, string>): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u1', annotations }, spec: { containers: [{ name: 'app', image: 'x' }, { name: 'side', image: 'x' }] } }) as Pod;
const container = (id: string, name: string): ContainerInfo => ({ id, sandboxId: 's', podUid: 'u1', name, attempt: 0, state: 'running', image: 'x', imageRef: 'x', createdAt: T0, startedAt: T0 });

test('node stats - sim CPU integrates each annotated rate over the time it held; memory is the current value; the node never goes back', async (t) => {
  const clock = new VirtualClock(T0);
  const usage = new SimUsage(clock, silentLogger);
  let p = pod({ 'sim.kubus.io/cpu-usage': '100m', 'sim.kubus.io/memory-usage': '10Mi', 'sim.kubus.io/side.cpu-usage': '1' });
  const both = [container('c1', 'app'), container('c2', 'side')];
  await clock.advance(10_000);
  let s = usage.sample(both, () => p);
  t.is(s.containers.get('c1')!.cpuNs, 1e9, '100m for 10 s');
  t.is(s.containers.get('c2')!.cpuNs, 10e9, 'the sidecar\'s own key: 1 core for 10 s');
  t.is(s.cpuNs, 11e9);
  p = pod({ 'sim.kubus.io/cpu-usage': '500m', 'sim.kubus.io/memory-usage': '20Mi', 'sim.kubus.io/side.cpu-usage': '1' });
  usage.podChanged(p);
  await clock.advance(10_000);
  s = usage.sample(both, () => p);
  t.is(s.containers.get('c1')!.cpuNs, 6e9, '1 core-s, then 500m for 10 s');
  t.is(s.containers.get('c1')!.memoryBytes, 20 * 1024 * 1024);
  t.is(s.memoryBytes, 40 * 1024 * 1024);
  await clock.advance(10_000);
  s = usage.sample([both[0]], () => p);
  t.is(s.cpuNs, 6e9 + 20e9 + 5e9, 'the sidecar gone, the node keeps what it used');
  t.false(s.containers.has('c2'));
});

test('node stats - a sim container that stopped since the last sample counts its CPU up to when it finished', async (t) => {
  const clock = new VirtualClock(T0);
  const usage = new SimUsage(clock, silentLogger);
  const p = pod({ 'sim.kubus.io/cpu-usage': '1' });
  await clock.advance(10_000);
  t.is(usage.sample([container('c1', 'app')], () => p).cpuNs, 10e9);
  await clock.advance(10_000);
  // c1 exited 5 s after the last sample: 5 more core-seconds, not 0 and not 10.
  const exited: ContainerInfo = { ...container('c1', 'app'), state: 'exited', finishedAt: T0 + 15_000, exitCode: 0 };
  const s = usage.sample([exited], () => p);
  t.is(s.cpuNs, 15e9);
  t.false(s.containers.has('c1'));
  await clock.advance(10_000);
  t.is(usage.sample([exited], () => p).cpuNs, 15e9, 'counted once');
});

test('node stats - a running container missing from one stats reply keeps its last value and is not counted twice', (t) => {
  const clock = new VirtualClock(T0);
  const usage = new RuntimeUsage(clock);
  const running = [container('c1', 'app'), container('c2', 'side')];
  const stats = (v: Record<string, number>) => new Map(Object.entries(v).map(([k, cpu]) => [k, { cpuNs: cpu, memoryBytes: 100 }]));
  t.is(usage.sample(running, stats({ c1: 1e9, c2: 2e9 })).cpuNs, 3e9);
  const gap = usage.sample(running, stats({ c1: 1.5e9 }));
  t.is(gap.cpuNs, 3.5e9, 'c2 keeps its last 2e9');
  t.is(gap.memoryBytes, 200);
  t.false(gap.containers.has('c2'), 'no per-container sample without stats');
  t.is(usage.sample(running, stats({ c1: 2e9, c2: 3e9 })).cpuNs, 5e9, 'c2 back: its own cumulative value, not added to a gone total');
  // c2 stopped: gone is decided from `running`; its last value stays in the node's CPU.
  t.is(usage.sample([running[0]!, { ...running[1]!, state: 'exited' }], stats({ c1: 2.5e9 })).cpuNs, 5.5e9);
  t.is(usage.sample([running[0]!], stats({ c1: 3e9 })).cpuNs, 6e9);
});

test('node stats - the sim model rereads a pod only when its sim.kubus.io/* values change', (t) => {
  const a = pod({ 'sim.kubus.io/cpu-usage': '1', other: 'x' });
  t.is(simKey(a), simKey(pod({ other: 'y', 'sim.kubus.io/cpu-usage': '1' })), 'a new object, other annotations changed: same');
  t.not(simKey(a), simKey(pod({ 'sim.kubus.io/cpu-usage': '2', other: 'x' })));
  t.not(simKey(a), simKey(pod({})));
});
