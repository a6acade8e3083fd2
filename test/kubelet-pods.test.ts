// Pod lifecycle on a kubelet with the sim runtime, on the virtual clock: creation, crash-loop
// backoff, restart policies, init containers, graceful deletion, deadlines.
import test, { type ExecutionContext } from 'ava';
import type { ContainerStatus, Pod } from '../api/kinds/pod.ts';
import type { KubeObject } from '../api/meta.ts';
import { parseRfc3339 } from '../api/names.ts';
import { kubeletActor, type KubeletInput } from '../actors/kubelet/kubelet.actor.ts';
import { VirtualClock } from '../bus/clock.ts';
import { Informer } from '../bus/informer.ts';
import type { HostedActor } from '../runtime/host.ts';
import { startApi, type ApiEnv } from './helpers/api.ts';

const T0 = Date.UTC(2026, 0, 1);

interface Env extends ApiEnv {
  clock: VirtualClock;
  /** Every status the API held for each pod, with the virtual time (s since T0) it appeared. */
  history: Map<string, Array<{ at: number; pod: Pod }>>;
  pods: Informer<Pod>;
  /** Runs a request to completion on the virtual clock. */
  run<T>(p: Promise<T>): Promise<T>;
  kubelets: Map<string, HostedActor>;
}

async function cluster(t: ExecutionContext, nodes: KubeletInput[] = [{ nodeName: 'node-1' }]): Promise<Env> {
  const clock = new VirtualClock(T0);
  const api = await startApi(t, { clock });
  const run = async <T>(p: Promise<T>): Promise<T> => {
    let done = false;
    p.then(
      () => (done = true),
      () => (done = true),
    );
    await clock.runUntil(() => done, clock.now() + 60_000);
    return p;
  };
  const history = new Map<string, Array<{ at: number; pod: Pod }>>();
  const pods = new Informer<Pod>(api.client, 'pods', { clock });
  const note = (p: Pod) => {
    const key = p.metadata.name!;
    if (!history.has(key)) history.set(key, []);
    history.get(key)!.push({ at: (clock.now() - T0) / 1000, pod: p });
  };
  pods.on({ add: note, update: (_, p) => note(p) });
  void pods.start();
  t.teardown(() => pods.stop());
  const kubelets = new Map(nodes.map((n) => [n.nodeName, api.process(n.nodeName).start(kubeletActor, `kubelet/${n.nodeName}`, n)]));
  await clock.advance(1);
  return { ...api, clock, history, pods, run, kubelets };
}

const simPod = (name: string, annotations: Record<string, string> = {}, spec: Partial<Pod['spec']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', annotations },
  spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx:1.27' }], ...spec },
});

const current = (env: Env, name: string) => env.pods.get(`default/${name}`);
const cs = (p: Pod | undefined, name = 'c'): ContainerStatus | undefined =>
  [...(p?.status?.containerStatuses ?? []), ...(p?.status?.initContainerStatuses ?? [])].find((s) => s.name === name);
const cond = (p: Pod | undefined, type: string) => p?.status?.conditions?.find((c) => c.type === type);

test('kubelet - a bound pod goes Pending → ContainerCreating → Running and Ready, with upstream conditions and container status', async (t) => {
  const env = await cluster(t);
  await env.run(env.client.create<Pod>('pods', simPod('web', { 'sim.kubus.io/pull-delay': '2s', 'sim.kubus.io/start-delay': '3s' })));
  await env.clock.advance(1000);
  let p = current(env, 'web')!;
  t.is(p.status?.phase, 'Pending');
  t.deepEqual(cs(p)?.state, { waiting: { reason: 'ContainerCreating' } });
  t.like(cond(p, 'ContainersReady'), { status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [c]' });
  t.like(cond(p, 'Ready'), { status: 'False', reason: 'ContainersNotReady' });
  t.like(cond(p, 'PodReadyToStartContainers'), { status: 'False' }, 'written before the sandbox, as upstream SyncPod does');
  t.like(cond(p, 'Initialized'), { status: 'True' });
  t.is(p.status?.podIP, undefined);
  t.is(p.status?.hostIP, '10.0.0.3');
  t.is(p.status?.qosClass, 'BestEffort');
  t.is(p.status?.startTime, '2026-01-01T00:00:00Z');
  await env.clock.advance(5000);
  p = current(env, 'web')!;
  t.is(p.status?.phase, 'Running');
  t.like(cond(p, 'Ready'), { status: 'True', lastTransitionTime: '2026-01-01T00:00:05Z' });
  t.like(cond(p, 'ContainersReady'), { status: 'True' });
  t.like(cond(p, 'PodReadyToStartContainers'), { status: 'True' });
  t.is(p.status!.podIP, '10.128.1.2', 'the first address of the node pod CIDR (node-1 → 10.128.1.0/24)');
  t.deepEqual(p.status!.podIPs, [{ ip: '10.128.1.2' }]);
  const s = cs(p)!;
  t.deepEqual(s.state, { running: { startedAt: '2026-01-01T00:00:05Z' } });
  t.like(s, { ready: true, started: true, restartCount: 0, image: 'docker.io/library/nginx:1.27', lastState: {} });
  t.regex(s.containerID!, /^sim:\/\/[0-9a-f]{64}$/);
  t.regex(s.imageID!, /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
  t.deepEqual(
    env.history.get('web')!.map((h) => h.pod.status?.phase),
    ['Pending', 'Pending', 'Running'],
    'created, then the kubelet wrote ContainerCreating once, then Running (no other writes)',
  );
});

test('kubelet - records Pulling, Pulled, Created and Started events for a pod', async (t) => {
  const env = await cluster(t);
  const created = await env.run(env.client.create<Pod>('pods', simPod('web', { 'sim.kubus.io/pull-delay': '2s' })));
  await env.clock.advance(5000);
  const events = await env.run(env.client.list('events', { namespace: 'default' }));
  const mine = events.items.filter((e) => (e.involvedObject as { uid: string }).uid === created.metadata.uid);
  const at = (reason: string) => mine.find((e) => e.reason === reason)?.firstTimestamp;
  t.is(at('Pulling'), '2026-01-01T00:00:00Z');
  t.is(at('Started'), '2026-01-01T00:00:02Z');
  t.like(mine[0], { type: 'Normal', source: { component: 'kubelet', host: 'node-1' } });
  t.deepEqual(mine.map((e) => `${e.reason}: ${e.message}`).sort(), [
    'Pulling: Pulling image "nginx:1.27"',
    'Pulled: Successfully pulled image "nginx:1.27" in 2s (2s including waiting). Image size: 0 bytes.',
    'Created: Created container: c',
    'Started: Started container c',
  ].sort());
});

test('kubelet - a crashing container backs off 10 s, 20 s, 40 s … capped at 5 min, in CrashLoopBackOff meanwhile', async (t) => {
  const env = await cluster(t);
  const p0 = await env.run(env.client.create<Pod>('pods', simPod('crash', { 'sim.kubus.io/crash-loop': 'true' })));
  await env.clock.advance(30 * 60_000);
  // When the API first showed restart n, for n = 1, 2, …
  const restartedAt: number[] = [];
  for (const h of env.history.get('crash')!) {
    const n = cs(h.pod)?.restartCount ?? 0;
    if (n > 0 && restartedAt[n - 1] === undefined) restartedAt[n - 1] = Math.round(h.at);
  }
  t.deepEqual(restartedAt.slice(0, 9), [0, 10, 30, 70, 150, 310, 610, 910, 1210], 'first restart at once, then after 10 s, 20 s, 40 s … up to the 300 s cap');
  const p = current(env, 'crash')!;
  t.is(p.status?.phase, 'Running');
  const s = cs(p)!;
  t.is(s.state?.waiting?.reason, 'CrashLoopBackOff');
  t.is(s.state?.waiting?.message, `back-off 5m0s restarting failed container=c pod=crash_default(${p0.metadata.uid})`);
  t.like(s.lastState?.terminated, { exitCode: 1, reason: 'Error' });
  t.like(cond(p, 'Ready'), { status: 'False', reason: 'ContainersNotReady' });
  const worker = env.kubelets.get('node-1')!.snapshot()!.children[p0.metadata.uid!];
  t.deepEqual(worker.getSnapshot().value, { Running: 'CrashLoopBackOff' });
  // While waiting 10 s the status says so.
  const waiting10 = env.history.get('crash')!.find((h) => cs(h.pod)?.state?.waiting?.reason === 'CrashLoopBackOff')!;
  t.is(cs(waiting10.pod)!.state!.waiting!.message, `back-off 10s restarting failed container=c pod=crash_default(${p0.metadata.uid})`);
  t.is(cs(waiting10.pod)!.restartCount, 1);
  const events = await env.run(env.client.list('events', { namespace: 'default' }));
  const backoff = events.items.find((e) => e.reason === 'BackOff');
  t.like(backoff, { type: 'Warning', message: `Back-off restarting failed container c in pod crash_default(${p0.metadata.uid})` });
  // Upstream's spam filter lets 25 Events about a pod through, then one per 5 minutes: about 10 restarts of
  // 4 Events each in 30 minutes leave the BackOff Event at a count of 5.
  t.true((backoff!.count as number) >= 4, 'one Event, its count bumped on back-offs (as the spam filter lets them through)');
});

test('kubelet - the backoff starts over after a container ran 10 minutes', async (t) => {
  const env = await cluster(t);
  await env.run(env.client.create('pods', simPod('long', { 'sim.kubus.io/exit-after': '11m', 'sim.kubus.io/exit-code': '1' })));
  await env.run(env.client.create('pods', simPod('short', { 'sim.kubus.io/exit-after': '9m', 'sim.kubus.io/exit-code': '1' })));
  await env.clock.advance(35 * 60_000);
  const backoffs = (name: string) => env.history.get(name)!.filter((h) => cs(h.pod)?.state?.waiting?.reason === 'CrashLoopBackOff').length;
  t.is(backoffs('long'), 0, 'every exit after 11 min of running restarts at once');
  t.is(cs(current(env, 'long'))!.restartCount, 3);
  t.true(backoffs('short') > 0, 'exits 9 min apart keep backing off');
});

for (const [policy, code, phase, restarts, reason] of [
  ['Never', '0', 'Succeeded', 0, 'PodCompleted'],
  ['Never', '3', 'Failed', 0, 'PodFailed'],
  ['OnFailure', '0', 'Succeeded', 0, 'PodCompleted'],
  ['Always', '0', 'Running', 2, 'ContainersNotReady'],
] as const) {
  test(`kubelet - restartPolicy ${policy}, exit code ${code}: phase ${phase}`, async (t) => {
    const env = await cluster(t);
    await env.run(env.client.create('pods', simPod('job', { 'sim.kubus.io/exit-after': '5s', 'sim.kubus.io/exit-code': code }, { restartPolicy: policy })));
    await env.clock.advance(30_000);
    const p = current(env, 'job')!;
    t.is(p.status?.phase, phase);
    t.is(cs(p)!.restartCount, restarts);
    t.like(cond(p, 'Ready'), { status: 'False', reason });
    if (phase !== 'Running') {
      t.like(cs(p)!.state!.terminated, { exitCode: Number(code), reason: code === '0' ? 'Completed' : 'Error', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:05Z' });
      t.like(cond(p, 'PodReadyToStartContainers'), { status: 'False' }, 'the sandbox is stopped once the pod is done');
    }
  });
}

test('kubelet - restartPolicy OnFailure restarts a failing container until it succeeds', async (t) => {
  const env = await cluster(t);
  await env.run(env.client.create('pods', simPod('flaky', { 'sim.kubus.io/crash-loop': '2', 'sim.kubus.io/exit-after': '1s' }, { restartPolicy: 'OnFailure' })));
  await env.clock.advance(60_000);
  const p = current(env, 'flaky')!;
  t.is(p.status?.phase, 'Succeeded', 'two crashes, then a run that exits 0');
  t.is(cs(p)!.restartCount, 2);
  t.like(cs(p)!.lastState?.terminated, { exitCode: 1 });
});

test('kubelet - init containers run one at a time, in order, before the app containers', async (t) => {
  const env = await cluster(t);
  const spec = { initContainers: [{ name: 'i1', image: 'busybox:1.36' }, { name: 'i2', image: 'busybox:1.36' }] };
  await env.run(env.client.create('pods', simPod('init', { 'sim.kubus.io/i1.exit-after': '5s', 'sim.kubus.io/i2.exit-after': '5s' }, spec)));
  await env.clock.advance(2000);
  let p = current(env, 'init')!;
  t.is(p.status?.phase, 'Pending');
  t.truthy(cs(p, 'i1')?.state?.running);
  t.deepEqual(cs(p, 'i2')?.state, { waiting: { reason: 'PodInitializing' } });
  t.deepEqual(cs(p, 'c')?.state, { waiting: { reason: 'PodInitializing' } });
  t.like(cond(p, 'Initialized'), { status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [i1 i2]' });
  await env.clock.advance(5000);
  p = current(env, 'init')!;
  t.like(cs(p, 'i1'), { ready: true, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
  t.truthy(cs(p, 'i2')?.state?.running);
  t.like(cond(p, 'Initialized'), { status: 'False', message: 'containers with incomplete status: [i2]' });
  await env.clock.advance(5000);
  p = current(env, 'init')!;
  t.is(p.status?.phase, 'Running');
  t.like(cond(p, 'Initialized'), { status: 'True' });
  t.like(cond(p, 'Ready'), { status: 'True' });
  t.is(cs(p, 'c')?.state?.running?.startedAt, '2026-01-01T00:00:10Z');
});

test('kubelet - a failed init container fails a restartPolicy Never pod and is retried under Always', async (t) => {
  const env = await cluster(t);
  const spec = (restartPolicy: string) => ({ restartPolicy, initContainers: [{ name: 'setup', image: 'busybox:1.36' }] });
  await env.run(env.client.create('pods', simPod('never', { 'sim.kubus.io/setup.exit-code': '1' }, spec('Never'))));
  await env.run(env.client.create('pods', simPod('always', { 'sim.kubus.io/setup.crash-loop': '1' }, spec('Always'))));
  await env.clock.advance(30_000);
  const never = current(env, 'never')!;
  t.is(never.status?.phase, 'Failed');
  t.like(cs(never, 'setup')?.state?.terminated, { exitCode: 1, reason: 'Error' });
  t.deepEqual(cs(never, 'c')?.state, { waiting: { reason: 'PodInitializing' } }, 'the app container never ran');
  const always = current(env, 'always')!;
  t.is(always.status?.phase, 'Running');
  t.like(cs(always, 'setup'), { restartCount: 1, ready: true });
});

test('kubelet - a deleted pod stops within its grace period, then the kubelet removes it from the API', async (t) => {
  const env = await cluster(t);
  await env.run(env.client.create('pods', simPod('quick', { 'sim.kubus.io/stop-delay': '4s' })));
  await env.run(env.client.create('pods', simPod('stubborn', { 'sim.kubus.io/stop-delay': '1m' }, { terminationGracePeriodSeconds: 10 })));
  await env.clock.advance(5000);
  const deletedAt = env.clock.now();
  await env.run(env.client.delete('pods', 'quick', { namespace: 'default' }));
  await env.run(env.client.delete('pods', 'stubborn', { namespace: 'default' }));
  await env.clock.advance(3000);
  t.truthy(current(env, 'quick')?.metadata.deletionTimestamp, 'still there while its container stops');
  await env.clock.advance(1500);
  t.is(current(env, 'quick'), undefined, 'gone once its container stopped (4 s), long before the 30 s grace period');
  const last = env.history.get('quick')!.at(-1)!.pod;
  t.is(last.status?.phase, 'Succeeded', 'final status: containers stopped with exit code 0');
  t.like(cs(last)!.state!.terminated, { exitCode: 0, reason: 'Completed' });
  await env.clock.advance(5000);
  t.truthy(current(env, 'stubborn'));
  await env.clock.advance(1000);
  t.is(current(env, 'stubborn'), undefined, 'killed at the end of its 10 s grace period');
  const stubborn = env.history.get('stubborn')!.at(-1)!.pod;
  t.like(cs(stubborn)!.state!.terminated, { exitCode: 137, reason: 'Error' });
  const killedAfter = parseRfc3339(cs(stubborn)!.state!.terminated!.finishedAt!) - deletedAt;
  t.true(killedAfter > 9000 && killedAfter <= 10_000, `killed ${killedAfter} ms after the delete (by the deletionTimestamp, whole seconds)`);
  t.is(stubborn.status?.phase, 'Failed');
});

test('kubelet - activeDeadlineSeconds fails the pod with DeadlineExceeded', async (t) => {
  const env = await cluster(t);
  await env.run(env.client.create('pods', simPod('deadline', {}, { activeDeadlineSeconds: 20 })));
  await env.clock.advance(19_000);
  t.is(current(env, 'deadline')!.status?.phase, 'Running');
  await env.clock.advance(2000);
  const p = current(env, 'deadline')!;
  t.like(p.status, { phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' });
  t.like(cs(p)!.state!.terminated, { exitCode: 0 });
  t.like(cond(p, 'Ready'), { status: 'False', reason: 'PodFailed' });
});

test('kubelet - a force-deleted pod is cleaned up and its worker goes away', async (t) => {
  const env = await cluster(t);
  await env.run(env.client.create('pods', simPod('gone')));
  await env.clock.advance(1000);
  await env.run(env.client.delete('pods', 'gone', { namespace: 'default', gracePeriodSeconds: 0 }));
  await env.clock.advance(1000);
  t.is(current(env, 'gone'), undefined);
  const kubelet = env.kubelets.get('node-1')!.snapshot()!;
  t.deepEqual([...kubelet.context.pods.keys()], []);
  t.deepEqual(Object.keys(kubelet.children).sort(), ['node', 'pods'], 'only the node and pod effects are left: the worker stopped once its containers and sandbox were removed');
  // Recreated under the same name: a new worker, a new container.
  await env.run(env.client.create('pods', simPod('gone')));
  await env.clock.advance(1000);
  t.is(current(env, 'gone')!.status?.phase, 'Running');
  t.is(cs(current(env, 'gone'))!.restartCount, 0);
});

test('kubelet - a bad sim annotation keeps the container waiting in CreateContainerConfigError', async (t) => {
  const env = await cluster(t);
  await env.run(env.client.create('pods', simPod('typo', { 'sim.kubus.io/exit-after': 'soon' })));
  await env.clock.advance(1000);
  const p = current(env, 'typo')!;
  t.is(p.status?.phase, 'Pending');
  t.deepEqual(cs(p)!.state, {
    waiting: { reason: 'CreateContainerConfigError', message: 'invalid annotation sim.kubus.io/exit-after: "soon": time: invalid duration "soon"' },
  });
});

test('kubelet - a force delete during a graceful stop kills the container at once', async (t) => {
  const env = await cluster(t);
  await env.run(env.client.create('pods', simPod('slow', { 'sim.kubus.io/stop-delay': '20s' })));
  await env.clock.advance(1000);
  await env.run(env.client.delete('pods', 'slow', { namespace: 'default' }));
  await env.clock.advance(5000);
  t.truthy(current(env, 'slow'));
  await env.run(env.client.delete('pods', 'slow', { namespace: 'default', gracePeriodSeconds: 0 }));
  await env.clock.advance(100);
  t.is(current(env, 'slow'), undefined);
  await env.clock.advance(1000);
  const kubelet = env.kubelets.get('node-1')!.snapshot()!;
  t.deepEqual([...kubelet.context.workers.keys()], [], 'the worker is gone: its container was killed, its sandbox removed');
});

test('kubelet - a changed image restarts the container with the new image', async (t) => {
  const env = await cluster(t);
  await env.run(env.client.create('pods', simPod('img')));
  await env.clock.advance(1000);
  await env.run(env.client.patch('pods', 'img', { spec: { containers: [{ name: 'c', image: 'nginx:1.28' }] } }, { namespace: 'default' }));
  await env.clock.advance(1000);
  const s = cs(current(env, 'img'))!;
  t.like(s, { restartCount: 1, image: 'docker.io/library/nginx:1.28', ready: true });
  t.truthy(s.state?.running);
});

test('kubelet - a sidecar starts before the app container and is stopped once the app is done', async (t) => {
  const env = await cluster(t);
  const spec = { restartPolicy: 'Never', initContainers: [{ name: 'proxy', image: 'envoy:1.30', restartPolicy: 'Always', startupProbe: { exec: { command: ['true'] }, periodSeconds: 1, failureThreshold: 10 } }] };
  await env.run(env.client.create('pods', simPod('job', { 'sim.kubus.io/startup-delay': '3s', 'sim.kubus.io/c.exit-after': '10s' }, spec)));
  await env.clock.advance(2000);
  let p = current(env, 'job')!;
  t.like(cs(p, 'proxy'), { started: false });
  t.deepEqual(cs(p, 'c')!.state, { waiting: { reason: 'PodInitializing' } }, 'the app waits for the sidecar to start');
  await env.clock.advance(2000);
  p = current(env, 'job')!;
  t.is(p.status?.phase, 'Running');
  t.like(cs(p, 'proxy'), { started: true, ready: true });
  t.truthy(cs(p, 'c')!.state!.running);
  await env.clock.advance(15_000);
  p = current(env, 'job')!;
  t.is(p.status?.phase, 'Succeeded');
  t.truthy(cs(p, 'proxy')!.state!.terminated, 'the sidecar was stopped');
});

test('kubelet - a hostNetwork pod has the node IP', async (t) => {
  const env = await cluster(t);
  await env.run(env.client.create('pods', simPod('host', {}, { hostNetwork: true })));
  await env.clock.advance(1000);
  t.is(current(env, 'host')!.status!.podIP, '10.0.0.3');
});

test('kubelet - a pod that does not fit on the node is rejected: phase Failed, reason OutOfcpu / OutOfpods', async (t) => {
  const env = await cluster(t, [{ nodeName: 'node-1', capacity: { cpu: '2', memory: '4Gi', pods: '3' } }]);
  const cpu = (m: string) => ({ containers: [{ name: 'c', image: 'nginx:1.27', resources: { requests: { cpu: m } } }] });
  await env.run(env.client.create('pods', simPod('big', {}, cpu('1500m'))));
  await env.clock.advance(100);
  await env.run(env.client.create('pods', simPod('too-big', {}, cpu('1'))));
  await env.run(env.client.create('pods', simPod('small', {}, cpu('500m'))));
  await env.run(env.client.create('pods', simPod('job', { 'sim.kubus.io/exit-after': '1s' }, { restartPolicy: 'Never' })));
  await env.clock.advance(2000);
  t.like(current(env, 'too-big')!.status, {
    phase: 'Failed',
    reason: 'OutOfcpu',
    message: "Pod was rejected: Node didn't have enough resource: cpu, requested: 1000, used: 1500, capacity: 2000",
  });
  t.is(current(env, 'small')!.status?.phase, 'Running');
  t.is(current(env, 'job')!.status?.phase, 'Succeeded', 'the third pod fits; once done it no longer counts');
  await env.run(env.client.create('pods', simPod('fourth')));
  await env.run(env.client.create('pods', simPod('fifth')));
  await env.clock.advance(1000);
  t.is(current(env, 'fourth')!.status?.phase, 'Running');
  t.like(current(env, 'fifth')!.status, { phase: 'Failed', reason: 'OutOfpods', message: "Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3" });
});

test("kubelet - status writes keep other components' conditions (DisruptionTarget) and the transition times of unchanged ones", async (t) => {
  const env = await cluster(t);
  await env.run(env.client.create('pods', simPod('kept', { 'sim.kubus.io/readiness-fail-after': '30s' }, { containers: [{ name: 'c', image: 'nginx:1.27', readinessProbe: { exec: { command: ['true'] }, periodSeconds: 10, failureThreshold: 1 } }] })));
  await env.clock.advance(5000);
  const p = current(env, 'kept')!;
  const disruption = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: '2026-01-01T00:00:05Z' };
  await env.run(env.client.updateStatus('pods', { ...p, status: { ...p.status, conditions: [...p.status!.conditions!, disruption] } }));
  await env.clock.advance(30_000);
  const after = current(env, 'kept')!;
  t.like(cond(after, 'Ready'), { status: 'False', lastTransitionTime: '2026-01-01T00:00:30Z' }, 'the kubelet wrote again: readiness failed at 30 s');
  t.deepEqual(cond(after, 'DisruptionTarget'), disruption);
  t.like(cond(after, 'Initialized'), { lastTransitionTime: '2026-01-01T00:00:00Z' });
});

test('kubelet - an image that fails to pull shows ErrImagePull, then ImagePullBackOff, and is retried with backoff', async (t) => {
  const env = await cluster(t);
  await env.run(env.client.create('pods', simPod('pull', { 'sim.kubus.io/pull-error': '2' }, { containers: [{ name: 'c', image: 'private/app:1' }] })));
  await env.clock.advance(500);
  t.deepEqual(cs(current(env, 'pull'))!.state, {
    waiting: { reason: 'ErrImagePull', message: 'failed to pull and unpack image "docker.io/private/app:1": docker.io/private/app:1: not found' },
  });
  await env.clock.advance(1000);
  t.deepEqual(cs(current(env, 'pull'))!.state, {
    waiting: {
      reason: 'ImagePullBackOff',
      message: 'Back-off pulling image "private/app:1": ErrImagePull: failed to pull and unpack image "docker.io/private/app:1": docker.io/private/app:1: not found',
    },
  });
  await env.clock.advance(9_000);
  t.is(cs(current(env, 'pull'))!.state!.waiting!.reason, 'ErrImagePull', 'the second pull (at 10 s) fails too');
  await env.clock.advance(1_000);
  t.is(cs(current(env, 'pull'))!.state!.waiting!.reason, 'ImagePullBackOff', 'in backoff for 20 s');
  await env.clock.advance(20_000);
  t.like(cs(current(env, 'pull')), { ready: true, restartCount: 0 }, 'the third pull (at 30 s) works');
});

test('kubelet - the image pull backoff is apart from the crash-loop backoff', async (t) => {
  const env = await cluster(t);
  // Two failed pulls (backoff 10 s, then 20 s: the pull works at 30 s), then the container exits after 1 s, every time.
  const p0 = await env.run(env.client.create('pods', simPod('both', { 'sim.kubus.io/pull-error': '2', 'sim.kubus.io/exit-after': '1s', 'sim.kubus.io/exit-code': '1' })));
  await env.clock.advance(5 * 60_000);
  const restartedAt: number[] = [];
  for (const h of env.history.get('both')!) {
    const n = cs(h.pod)?.restartCount ?? 0;
    if (n > 0 && restartedAt[n - 1] === undefined) restartedAt[n - 1] = Math.round(h.at);
  }
  // The pulls' two backoff steps do not count for the crash loop: its first restart is at once, then 10 s.
  t.deepEqual(restartedAt.slice(0, 3), [31, 42, 63], 'first restart at once after the 31 s exit, then after 10 s, 20 s');
  const first = env.history.get('both')!.find((h) => cs(h.pod)?.state?.waiting?.reason === 'CrashLoopBackOff')!;
  t.is(cs(first.pod)!.state!.waiting!.message, `back-off 10s restarting failed container=c pod=both_default(${p0.metadata.uid})`);
});
