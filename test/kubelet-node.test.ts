// The kubelet's node side on the virtual clock: registration, Lease renewals and their retry
// backoff, Node status written on change and every 5 minutes (DESIGN §4 heartbeats).
import test, { type ExecutionContext } from 'ava';
import type { Lease } from '../api/kinds/lease.ts';
import type { Node } from '../api/kinds/node.ts';
import type { Pod } from '../api/kinds/pod.ts';
import { nodeCondition } from '../api/kinds/pod-helpers.ts';
import { kubeletActor, type KubeletInput } from '../actors/kubelet/kubelet.actor.ts';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { VirtualClock } from '../bus/clock.ts';
import { Informer } from '../bus/informer.ts';
import type { Logger } from '../bus/types.ts';
import type { HostedActor } from '../runtime/host.ts';
import { startApi, type ApiEnv } from './helpers/api.ts';

const T0 = Date.UTC(2026, 0, 1);
const secs = (clock: VirtualClock) => (clock.now() - T0) / 1000;

/** A logger that keeps (virtual seconds, message) of every warning. */
function warnings(clock: VirtualClock): Logger & { seen: Array<[number, string]> } {
  const seen: Array<[number, string]> = [];
  const log: Logger = {
    debug() {},
    info() {},
    warn: (o, m) => void seen.push([secs(clock), typeof o === 'string' ? o : (m ?? '')]),
    error: (o, m) => void seen.push([secs(clock), typeof o === 'string' ? o : (m ?? '')]),
    child: () => log,
  };
  return Object.assign(log, { seen });
}

interface Env extends ApiEnv {
  clock: VirtualClock;
  run<T>(p: Promise<T>): Promise<T>;
  kubelet: HostedActor;
  /** Virtual seconds of every lease write and every node write seen by a watch. */
  leaseWrites: number[];
  nodeWrites: Array<{ at: number; node: Node }>;
}

interface Options {
  /** Makes the logger of everything in the test (it may read the clock). */
  log?: (clock: VirtualClock) => Logger;
  /** Runs before the kubelet starts. */
  before?: (env: ApiEnv, run: Env['run']) => Promise<void>;
}

async function node(t: ExecutionContext, input: Partial<KubeletInput> = {}, { log, before }: Options = {}): Promise<Env> {
  const clock = new VirtualClock(T0);
  const api = await startApi(t, { clock, log: log?.(clock) });
  const run = async <T>(p: Promise<T>): Promise<T> => {
    let done = false;
    p.then(
      () => (done = true),
      () => (done = true),
    );
    await clock.runUntil(() => done, clock.now() + 60_000);
    return p;
  };
  await before?.(api, run);
  const leaseWrites: number[] = [];
  const nodeWrites: Env['nodeWrites'] = [];
  const leases = new Informer<Lease>(api.client, 'leases', { namespace: 'kube-node-lease', clock });
  leases.on({ add: () => leaseWrites.push(secs(clock)), update: () => leaseWrites.push(secs(clock)) });
  const nodes = new Informer<Node>(api.client, 'nodes', { clock });
  nodes.on({ add: (n) => nodeWrites.push({ at: secs(clock), node: n }), update: (_, n) => nodeWrites.push({ at: secs(clock), node: n }) });
  void leases.start();
  void nodes.start();
  t.teardown(() => (leases.stop(), nodes.stop()));
  await clock.advance(0);
  const kubelet = api.process('node-1').start(kubeletActor, 'kubelet/node-1', { nodeName: 'node-1', ...input });
  await clock.advance(1);
  return { ...api, clock, run, kubelet, leaseWrites, nodeWrites };
}

test('kubelet - registers its Node with capacity, labels, taints, conditions, addresses and nodeInfo', async (t) => {
  const env = await node(t, {
    capacity: { cpu: '8', memory: '32Gi', pods: '110', 'ephemeral-storage': '200Gi' },
    allocatable: { cpu: '7800m', memory: '31Gi', pods: '110', 'ephemeral-storage': '180Gi' },
    labels: { 'topology.kubernetes.io/zone': 'zone-a' },
    taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
    instanceType: 'sim.large',
    index: 7,
  });
  const n = await env.run(env.client.get<Node>('nodes', 'node-1'));
  t.deepEqual(n.metadata.labels, {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/instance-type': 'sim.large',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': 'node-1',
    'kubernetes.io/os': 'linux',
    'node.kubernetes.io/instance-type': 'sim.large',
    'topology.kubernetes.io/zone': 'zone-a',
  });
  t.deepEqual(n.spec, { podCIDR: '10.128.7.0/24', podCIDRs: ['10.128.7.0/24'], taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
  t.deepEqual(n.status?.capacity, { cpu: '8', memory: '32Gi', pods: '110', 'ephemeral-storage': '200Gi' });
  t.is(n.status?.allocatable?.cpu, '7800m');
  t.deepEqual(
    n.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message]),
    [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
      ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
    ],
  );
  t.like(nodeCondition(n, 'Ready'), { lastHeartbeatTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' });
  t.deepEqual(n.status?.addresses, [
    { type: 'InternalIP', address: '10.0.0.9' },
    { type: 'Hostname', address: 'node-1' },
  ]);
  t.like(n.status?.nodeInfo, { kubeletVersion: 'v1.32.0-kubus', containerRuntimeVersion: 'sim://1.0', operatingSystem: 'linux', architecture: 'amd64' });
  t.deepEqual(n.status?.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
});

test('kubelet - an existing Node is updated, not replaced: its taints stay, its labels and status are refreshed', async (t) => {
  const before: Options['before'] = async (api, run) => {
    await run(
      api.client.create('nodes', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'node-1', labels: { keep: 'me', 'kubernetes.io/os': 'windows' } },
        spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] },
        status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', lastTransitionTime: '2025-12-31T00:00:00Z' }] },
      }),
    );
  };
  const env = await node(t, {}, { before });
  await env.clock.advance(1000);
  const n = await env.run(env.client.get<Node>('nodes', 'node-1'));
  t.like(n.metadata.labels, { keep: 'me', 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': 'node-1' });
  t.deepEqual(n.spec?.taints, [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }], 'taints are the node lifecycle controller’s to remove');
  t.like(nodeCondition(n, 'Ready'), { status: 'True', reason: 'KubeletReady', lastTransitionTime: '2026-01-01T00:00:00Z' });
  t.is(n.spec?.podCIDR, '10.128.1.0/24');
});

test('kubelet - renews its Lease every 10 s (40 s duration, owned by the Node)', async (t) => {
  const env = await node(t, { renewJitter: 0 });
  // Writes are seen through a watch, whose events may wait up to 10 ms for a batch.
  await env.clock.advance(60_050);
  t.deepEqual(
    env.leaseWrites.map((s) => Math.round(s)),
    [0, 10, 20, 30, 40, 50, 60],
  );
  const lease = await env.run(env.client.get<Lease>('leases', 'node-1', { namespace: 'kube-node-lease' }));
  const n = await env.run(env.client.get<Node>('nodes', 'node-1'));
  t.like(lease.spec, { holderIdentity: 'node-1', leaseDurationSeconds: 40 });
  t.regex(lease.spec!.renewTime!, /^2026-01-01T00:01:00\.\d{6}Z$/);
  t.deepEqual(lease.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: n.metadata.uid! }]);
});

test('kubelet - lease renewals are jittered by up to 4% (seeded: the same every run)', async (t) => {
  const env = await node(t);
  await env.clock.advance(120_000);
  const gaps = env.leaseWrites.slice(1).map((s, i) => s - env.leaseWrites[i]);
  t.true(gaps.length >= 11);
  for (const g of gaps) t.true(g >= 10 && g <= 10.4 + 0.01, `gap ${g}`);
  t.true(new Set(gaps.map((g) => g.toFixed(3))).size > 1);
});

test('kubelet - while the API server is down, lease renewal retries back off 200 ms → 7 s; then it renews and reports Ready again', async (t) => {
  let log!: ReturnType<typeof warnings>;
  const env = await node(t, { renewJitter: 0 }, { log: (clock) => (log = warnings(clock)) });
  await env.clock.advance(5000);
  await env.host.stop('apiserver');
  await env.clock.advance(40_000);
  const renewFailures = log.seen.filter(([, m]) => m === 'failed to renew lease; will retry').map(([s]) => +s.toFixed(3));
  t.deepEqual(renewFailures.slice(0, 9), [10, 10.2, 10.6, 11.4, 13, 16.2, 22.6, 29.6, 36.6], 'retries after 0.2, 0.4, 0.8, 1.6, 3.2, 6.4 s, then every 7 s');
  // The node lifecycle controller would have marked the node meanwhile.
  env.host.start(apiserverActor, 'apiserver', { store: env.store });
  await env.clock.advance(10);
  await env.run(
    env.client.patch(
      'nodes',
      'node-1',
      { status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: '2026-01-01T00:00:05Z', lastTransitionTime: '2026-01-01T00:00:50Z' }] } },
      { status: true },
    ),
  );
  const before = env.leaseWrites.length;
  await env.clock.advance(8000);
  t.true(env.leaseWrites.length > before, 'renewed once the API server is back');
  const n = await env.run(env.client.get<Node>('nodes', 'node-1'));
  t.like(nodeCondition(n, 'Ready'), { status: 'True', reason: 'KubeletReady' });
  t.not(nodeCondition(n, 'Ready')?.lastTransitionTime, '2026-01-01T00:00:00Z', 'a new transition');
});

test('kubelet - writes Node status on registration and then every 5 minutes, not more', async (t) => {
  const env = await node(t);
  await env.clock.advance(16 * 60_000);
  t.deepEqual(
    env.nodeWrites.map((w) => Math.round(w.at)),
    [0, 300, 600, 900],
  );
  const last = env.nodeWrites.at(-1)!.node;
  t.like(nodeCondition(last, 'Ready'), { lastHeartbeatTime: '2026-01-01T00:15:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' });
});

test('kubelet - a changed node condition is written at once', async (t) => {
  const env = await node(t);
  await env.clock.advance(60_000);
  env.kubelet.ref!.send({ type: 'node.condition', condition: { type: 'MemoryPressure', status: 'True', reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available' } });
  await env.clock.advance(100);
  t.deepEqual(
    env.nodeWrites.map((w) => Math.round(w.at)),
    [0, 60],
  );
  t.like(nodeCondition(env.nodeWrites.at(-1)!.node, 'MemoryPressure'), { status: 'True', reason: 'KubeletHasInsufficientMemory', lastTransitionTime: '2026-01-01T00:01:00Z' });
});

test('kubelet - a stopped kubelet stops renewing; started again, it re-registers and restarts its pods', async (t) => {
  const env = await node(t, { renewJitter: 0 });
  await env.run(
    env.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx:1.27' }] } }),
  );
  await env.clock.advance(15_000);
  const host = env.process('node-1-again');
  await env.kubelet.stop();
  const writes = env.leaseWrites.length;
  await env.clock.advance(60_000);
  t.is(env.leaseWrites.length, writes, 'no renewals from a stopped kubelet');
  host.start(kubeletActor, 'kubelet/node-1', { nodeName: 'node-1', renewJitter: 0 });
  await env.clock.advance(1000);
  t.is(env.leaseWrites.length, writes + 1);
  const p = await env.run(env.client.get<Pod>('pods', 'p', { namespace: 'default' }));
  t.like(p.status?.containerStatuses?.[0], { restartCount: 1, ready: true });
  t.is(p.status?.startTime, '2026-01-01T00:00:00Z', 'the pod keeps its start time');
});

test('kubelet - records Starting and the node condition events at registration', async (t) => {
  const env = await node(t);
  await env.clock.advance(1000);
  const events = await env.run(env.client.list('events', { namespace: 'default' }));
  t.deepEqual(
    events.items.map((e) => `${e.reason}: ${e.message}`).sort(),
    [
      'NodeHasNoDiskPressure: Node node-1 status is now: NodeHasNoDiskPressure',
      'NodeHasSufficientMemory: Node node-1 status is now: NodeHasSufficientMemory',
      'NodeHasSufficientPID: Node node-1 status is now: NodeHasSufficientPID',
      'NodeReady: Node node-1 status is now: NodeReady',
      'Starting: Starting kubelet.',
    ],
  );
  t.like(events.items[0].involvedObject, { kind: 'Node', name: 'node-1' });
});
