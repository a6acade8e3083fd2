// The kubelet's modelled usage of sim containers (node-stats.ts) on the virtual clock: CPU is each
// annotated rate integrated over the time it held; memory is the current annotation; the node's
// CPU never goes back when a container goes.
import test from 'ava';
import { SimUsage } from '../actors/kubelet/node-stats.ts';
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
