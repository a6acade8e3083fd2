// The parts of the containerd runtime that need no containerd: the CRI log format, the translations
// between the kubelet's runtime types and CRI messages, and the runtime health as the Ready condition.
import test from 'ava';
import { RUNTIME_DOWN_THRESHOLD_MS, RUNTIME_HEALTH_PERIOD_MS, readyCondition, UNCHECKED_READY, watchRuntimeHealth } from '../actors/kubelet/runtime-health.ts';
import { codeName } from '../actors/kubelet/runtimes/cri/cri-client.ts';
import { Pleg } from '../actors/kubelet/runtimes/cri/cri-pleg.ts';
import { containerResources, milliCPUToQuota, milliCPUToShares } from '../actors/kubelet/container-resources.ts';
import { CriRuntime } from '../actors/kubelet/runtimes/cri/cri.ts';
import { containerInfo, criContainerConfig, criSandboxConfig, nsToMs, POD_UID_LABEL, runtimeHealth } from '../actors/kubelet/runtimes/cri/cri-convert.ts';
import { parseCriLog, parseCriTime, queryLines } from '../actors/kubelet/runtimes/cri/cri-logs.ts';
import type { ContainerInfo, ContainerRuntime, SandboxConfig } from '../actors/kubelet/runtimes/runtime.ts';
import { VirtualClock } from '../bus/clock.ts';
import { silentLogger } from '../bus/types.ts';
import { waitFor } from './helpers/wait.ts';
import { sandboxConfig } from '../actors/kubelet/pod-step.ts';
import type { Pod } from '../api/kinds/pod.ts';

const sandbox: SandboxConfig = { podUid: 'u1', name: 'web', namespace: 'shop', annotations: { a: '1' }, labels: { app: 'web' } };
const ctx = { nodeName: 'n1', logRoot: '/var/log/pods', cgroupRoot: '/kubus/n1' };

test('cri logs - lines parse into stream, time and text; partial entries join the next of their stream', (t) => {
  const text = [
    '2026-12-04T23:22:33.106550699Z stdout P hel',
    '2026-12-04T23:22:33.106560000Z stderr F oops',
    '2026-12-04T23:22:33.106587173Z stdout F lo world',
    '2026-12-04T23:22:34.000000001Z stdout F ',
    '',
  ].join('\n');
  const lines = parseCriLog(text);
  t.deepEqual(lines, [
    { at: Date.parse('2026-12-04T23:22:33.106Z'), stream: 'stderr', text: 'oops' },
    { at: Date.parse('2026-12-04T23:22:33.106Z'), stream: 'stdout', text: 'hello world' },
    { at: Date.parse('2026-12-04T23:22:34.000Z'), stream: 'stdout', text: '' },
  ]);
  t.is(parseCriTime('2026-12-04T23:22:33.1Z'), Date.parse('2026-12-04T23:22:33.1Z'));
});

test('cri logs - a partial entry left open is kept for the next read', (t) => {
  const pending = new Map();
  t.deepEqual(parseCriLog('2026-12-04T00:00:00.000000000Z stdout P abc\n', pending), []);
  t.deepEqual(parseCriLog('2026-12-04T00:00:01.000000000Z stdout F def\n', pending), [{ at: Date.parse('2026-12-04T00:00:00Z'), stream: 'stdout', text: 'abcdef' }]);
});

test('cri logs - tail and since select lines as kubectl logs asks', (t) => {
  const lines = [1000, 2000, 3000].map((at) => ({ at, stream: 'stdout' as const, text: String(at) }));
  t.deepEqual(queryLines(lines, { tail: 2 }).map((l) => l.text), ['2000', '3000']);
  t.deepEqual(queryLines(lines, { tail: 0 }), []);
  t.deepEqual(queryLines(lines, { sinceMs: 2000 }).map((l) => l.text), ['2000', '3000']);
  t.deepEqual(queryLines(lines, { sinceMs: 2000, tail: 1 }).map((l) => l.text), ['3000']);
});

test('cri convert - a pod sandbox: metadata, hostname, log directory, labels, cgroup parent, namespaces', (t) => {
  const cfg = criSandboxConfig({ ...sandbox, dnsConfig: { servers: ['10.96.0.10'], searches: ['shop.svc.cluster.local'], options: ['ndots:5'] }, portMappings: [{ containerPort: 80, hostPort: 8080 }] }, ctx);
  t.like(cfg, {
    metadata: { name: 'web', uid: 'u1', namespace: 'shop', attempt: 0 },
    hostname: 'web',
    logDirectory: '/var/log/pods/shop_web_u1',
    dnsConfig: { servers: ['10.96.0.10'], searches: ['shop.svc.cluster.local'], options: ['ndots:5'] },
    annotations: { a: '1' },
    linux: { cgroupParent: '/kubus/n1/podu1', securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
  });
  t.deepEqual(cfg.portMappings, [{ protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' }]);
  t.like(cfg.labels, { app: 'web', 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'shop', [POD_UID_LABEL]: 'u1' });
  const host = criSandboxConfig({ ...sandbox, hostNetwork: true, hostname: 'x' }, ctx);
  t.is(host.hostname, '', "a hostNetwork pod keeps the node's hostname (runc cannot set one without a UTS namespace)");
  t.is(host.linux.securityContext.namespaceOptions.network, 'NODE');
});

test('cri convert - a container: image, command, args, env, mounts, log path, labels', (t) => {
  const cfg = criContainerConfig(
    { name: 'app', image: 'busybox', attempt: 2, init: false, command: ['sh'], args: ['-c', 'true'], env: { A: '1' }, workingDir: '/w', mounts: [{ containerPath: '/data', hostPath: '/h', readOnly: true }] },
    sandbox,
    'n1',
  );
  t.like(cfg, { metadata: { name: 'app', attempt: 2 }, image: { image: 'busybox' }, command: ['sh'], args: ['-c', 'true'], workingDir: '/w', logPath: 'app/2.log' });
  t.deepEqual(cfg.envs, [{ key: 'A', value: '1' }]);
  t.deepEqual(cfg.mounts, [{ containerPath: '/data', hostPath: '/h', readonly: true }]);
  t.like(cfg.labels, { 'io.kubernetes.container.name': 'app', [POD_UID_LABEL]: 'u1' });
});

test('cri convert - a ContainerStatus becomes ContainerInfo: times in ms, reasons, the image the pod named', (t) => {
  const info = containerInfo(
    {
      id: 'c1',
      metadata: { name: 'app', attempt: 1 },
      state: 'CONTAINER_EXITED',
      createdAt: '1796426553034925989',
      startedAt: '1796426553103341827',
      finishedAt: '1796426553100000000',
      exitCode: 137,
      reason: 'OOMKilled',
      image: { image: 'docker.io/library/busybox:1.35' },
      imageRef: 'sha256:ab',
      labels: { [POD_UID_LABEL]: 'u1' },
      annotations: { 'io.kubus.image': 'busybox' },
    },
    'sb1',
  );
  t.deepEqual(info, {
    id: 'c1',
    sandboxId: 'sb1',
    podUid: 'u1',
    name: 'app',
    attempt: 1,
    state: 'exited',
    image: 'docker.io/library/busybox:latest',
    imageRef: 'sha256:ab',
    createdAt: 1796426553034,
    startedAt: 1796426553103,
    finishedAt: 1796426553103,
    exitCode: 137,
    reason: 'OOMKilled',
  });
  t.is(nsToMs('0'), undefined);
  t.is(containerInfo({ id: 'c', state: 'CONTAINER_EXITED', exitCode: 2, createdAt: '1000000' }, 's').reason, 'Error');
  t.is(containerInfo({ id: 'c', state: 'CONTAINER_RUNNING', createdAt: '1000000' }, 's').exitCode, undefined);
});

test('cri client - gRPC codes are named as grpc-go prints them', (t) => {
  t.is(codeName(5), 'NotFound');
  t.is(codeName(4), 'DeadlineExceeded');
  t.is(codeName(2), 'Unknown');
  t.is(codeName(0), 'OK');
});

test('cri convert - the kubelet hands a pod’s hostPorts to the runtime as port mappings', (t) => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', uid: 'u' },
    spec: { containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 53, protocol: 'UDP' }] }] },
  } as Pod;
  t.deepEqual(sandboxConfig(pod).portMappings, [{ protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIP: undefined }]);
  t.is(sandboxConfig({ ...pod, spec: { containers: [{ name: 'c', image: 'busybox' }] } } as Pod).portMappings, undefined);
});

test('runtime health - a runtime that does not answer makes the node NotReady only after 30 s without a good answer (a restart within a second does not flap it); Ready when it is back', async (t) => {
  const clock = new VirtualClock();
  let answer: () => Promise<{ ready: boolean; message?: string }> = async () => ({ ready: true });
  const runtime = { status: () => answer() } as unknown as ContainerRuntime;
  const seen: Array<[string, string, string]> = [];
  const stop = watchRuntimeHealth(runtime, clock, (c) => seen.push([c.status, c.reason, c.message]));
  t.teardown(stop);
  /** Runs one health check (the next period) and lets its answer arrive. */
  const check = async () => {
    const asked = new Promise<void>((r) => {
      const inner = answer;
      answer = () => inner().finally(() => setImmediate(r));
    });
    await clock.advance(RUNTIME_HEALTH_PERIOD_MS);
    await asked;
  };
  await check();
  t.deepEqual(seen, [], 'no change while it stays ready');
  // The real CRI client against a socket nobody serves: status() rejects.
  const down = new CriRuntime({ endpoint: 'unix:///nonexistent/kubus-health.sock', clock, log: silentLogger, hostIP: '127.0.0.1', nodeName: 'n', logRoot: '/tmp', deadlineMs: 1000 });
  t.teardown(() => down.close());
  await t.throwsAsync(down.status(), undefined, 'no answer rejects');
  // Killed and restarted within a check: one missed answer changes nothing.
  answer = () => down.status();
  await check();
  answer = async () => ({ ready: true });
  await check();
  t.deepEqual(seen, [], 'a short outage does not flap the node');
  // A long outage: NotReady once the last good answer is RUNTIME_DOWN_THRESHOLD_MS old, not before.
  answer = () => down.status();
  for (let i = 1; i < RUNTIME_DOWN_THRESHOLD_MS / RUNTIME_HEALTH_PERIOD_MS; i++) await check();
  t.deepEqual(seen, [], `still Ready ${RUNTIME_DOWN_THRESHOLD_MS - RUNTIME_HEALTH_PERIOD_MS} ms after the last answer`);
  await check();
  t.deepEqual(seen, [['False', 'KubeletNotReady', 'container runtime is down']]);
  answer = async () => ({ ready: true });
  await check();
  t.deepEqual(seen[1], ['True', 'KubeletReady', 'kubelet is posting ready status']);
  // A runtime that answers it is not ready: NotReady at once, with its reason.
  answer = async () => ({ ready: false, message: 'container runtime not ready: RuntimeReady=false reason:x message:y' });
  await check();
  t.deepEqual(seen[2], ['False', 'KubeletNotReady', 'container runtime not ready: RuntimeReady=false reason:x message:y']);
});

test('cri pleg - relisting reports running→exited once, not containers already exited at the first relist; a started container exiting before a relist is still seen', async (t) => {
  const clock = new VirtualClock();
  let listed: Array<{ id: string; state: string }> = [
    { id: 'old', state: 'CONTAINER_EXITED' },
    { id: 'a', state: 'CONTAINER_RUNNING' },
  ];
  const info = (id: string): ContainerInfo => ({ id, sandboxId: 's', podUid: 'u', name: id, attempt: 0, state: 'exited', image: 'i', imageRef: 'r', createdAt: 1, startedAt: 2, finishedAt: 3, exitCode: 1, reason: 'Error' });
  const pleg = new Pleg({ clock, log: silentLogger, periodMs: 1000, list: async () => listed, status: async (id) => info(id) });
  const exits: string[] = [];
  const off = pleg.subscribe((e) => exits.push(e.id));
  t.teardown(() => pleg.stop());
  await clock.advance(0);
  t.deepEqual(exits, [], 'an exited container found at the first relist is adopted, not reported');
  listed = [{ id: 'a', state: 'CONTAINER_EXITED' }];
  await clock.advance(1000);
  t.deepEqual(exits, ['a']);
  await clock.advance(1000);
  t.deepEqual(exits, ['a'], 'reported once');
  pleg.started('b');
  listed = [{ id: 'b', state: 'CONTAINER_EXITED' }];
  pleg.kick();
  await clock.advance(0);
  t.deepEqual(exits, ['a', 'b']);
  off();
});

test('container resources - requests and limits become shares, CFS quota and memory limit as upstream computes them', (t) => {
  t.is(milliCPUToShares(0), 2);
  t.is(milliCPUToShares(1), 2);
  t.is(milliCPUToShares(1000), 1024);
  t.is(milliCPUToQuota(0), 0);
  t.is(milliCPUToQuota(5), 1000, 'at least 1 ms per period');
  t.is(milliCPUToQuota(1500), 150_000);
  t.deepEqual(containerResources({ resources: { limits: { cpu: '2', memory: '1Gi' } } }), { cpuShares: 2048, cpuQuota: 200_000, cpuPeriod: 100_000, memoryLimitBytes: 1024 ** 3 });
  t.deepEqual(containerResources({}), { cpuShares: 2, cpuQuota: 0, cpuPeriod: 0, memoryLimitBytes: 0 });
  const cfg = criContainerConfig({ name: 'c', image: 'busybox', attempt: 0, init: false, resources: containerResources({ resources: { limits: { memory: '64Mi' } } }) }, sandbox, 'n1');
  t.like(cfg.linux.resources, { cpuShares: '2', cpuQuota: '0', memoryLimitInBytes: String(64 * 1024 * 1024) });
});

test('cri status - NetworkReady=false is the network error, worded as upstream; the Ready condition joins it with a runtime error', (t) => {
  const runtimeOk = { type: 'RuntimeReady', status: true, reason: '', message: '' };
  const netDown = { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'Network plugin returns error: cni plugin not initialized' };
  const netError = 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized';
  t.deepEqual(runtimeHealth([runtimeOk, netDown]), { ready: true, networkError: netError });
  t.deepEqual(runtimeHealth([runtimeOk, { ...netDown, status: true, reason: '', message: '' }]), { ready: true });
  t.deepEqual(runtimeHealth([]), { ready: false, message: 'container runtime not ready: <nil>', networkError: 'container runtime network not ready: <nil>' });
  t.like(readyCondition({ ready: true, networkError: netError }), { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: netError });
  t.like(readyCondition({ ready: false, message: 'container runtime is down', networkError: netError }), { status: 'False', message: `[container runtime is down, ${netError}]` });
  t.like(readyCondition({ ready: true }), { status: 'True', reason: 'KubeletReady' });
});

test('runtime health - the network is reported on the first answer and on each change, and the node is NotReady meanwhile', async (t) => {
  const clock = new VirtualClock();
  const netError = 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized';
  let answer: { ready: boolean; networkError?: string } = { ready: true, networkError: netError };
  let asked = 0;
  const runtime = { status: async () => (asked++, answer) } as unknown as ContainerRuntime;
  const ready: Array<[string, string]> = [];
  const network: Array<string | undefined> = [];
  const stop = watchRuntimeHealth(runtime, clock, (c) => ready.push([c.status, c.message]), { firstCheckMs: 0, network: (e) => network.push(e) });
  t.teardown(stop);
  /** Runs the check due at `ms` from now and lets its answer arrive. */
  const check = async (ms: number) => {
    const before = asked;
    await clock.advance(ms);
    await waitFor(() => asked > before, 'the health check', 1000);
    await new Promise((r) => setImmediate(r));
  };
  await check(0);
  t.deepEqual(network, [netError], 'asked at once; the first answer is reported');
  t.deepEqual(ready, [['False', netError]]);
  await check(RUNTIME_HEALTH_PERIOD_MS);
  t.deepEqual(network, [netError], 'unchanged: not reported again');
  answer = { ready: true };
  await check(RUNTIME_HEALTH_PERIOD_MS);
  t.deepEqual(network, [netError, undefined], 'ready');
  t.deepEqual(ready.at(-1), ['True', 'kubelet is posting ready status']);
});

test('runtime health - a node registered NotReady before its runtime answered hears of the first answer, ready or not', async (t) => {
  const clock = new VirtualClock();
  for (const [answer, want] of [[{ ready: true }, 'True'], [{ ready: false, message: 'container runtime not ready' }, 'False']] as const) {
    let asked = 0;
    const runtime = { status: async () => (asked++, answer) } as unknown as ContainerRuntime;
    const seen: string[] = [];
    const stop = watchRuntimeHealth(runtime, clock, (c) => seen.push(c.status), { firstCheckMs: 0, initial: UNCHECKED_READY });
    t.teardown(stop);
    await clock.advance(0);
    await waitFor(() => asked > 0, 'the first health check', 1000);
    await new Promise((r) => setImmediate(r));
    t.deepEqual(seen, [want], `first answer ${JSON.stringify(answer)}`);
  }
});
