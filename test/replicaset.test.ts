// The ReplicaSet controller (upstream pkg/controller/replicaset) on the virtual clock: pods
// stamped from the template, adoption and release, slow start, scale-down victims, status and
// availability, and expectations (no double create while the cache lags behind its own writes).
import test, { type ExecutionContext } from 'ava';
import type { Pod } from '../api/kinds/pod.ts';
import type { ReplicaSet } from '../api/kinds/replicaset.ts';
import type { KubeObject } from '../api/meta.ts';
import { rfc3339 } from '../api/names.ts';
import type { WatchOptions } from '../api/protocol.ts';
import { StatusError } from '../api/status.ts';
import { deleteBefore, deletionCost, podsToDelete, POD_DELETION_COST, type RankedPod } from '../actors/controllers/replicaset/ranking.ts';
import { replicaSetController } from '../actors/controllers/replicaset/replicaset.controller.ts';
import { calculateStatus, planReplicas } from '../actors/controllers/replicaset/replicaset.reconcile.ts';
import { VirtualClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import type { MemoryBus } from '../bus/memory-bus.ts';
import { seededRng } from '../bus/random.ts';
import { silentLogger } from '../bus/types.ts';
import type { WatchHandlers } from '../bus/watch-client.ts';
import { Host } from '../runtime/host.ts';
import { startApi, type ApiEnv } from './helpers/api.ts';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const NS = 'default';

// ---------------------------------------------------------------------------------------------
// Scale-down ranking: the cases of upstream's TestSortingActivePodsWithRanks (default gates).

const HOUR = 3_600_000;
const now = T0;
const ago = (ms: number) => rfc3339(now - ms);
const MONTH = 31 * 24 * HOUR;

function rpod(name: string, node: string, phase: string, ready: boolean, restarts = 0, readySince?: string, created?: string, annotations?: Record<string, string>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, creationTimestamp: created, annotations },
    spec: { containers: [{ name: 'c', image: 'i' }], nodeName: node || undefined },
    status: {
      phase,
      conditions: ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: readySince }] : [],
      containerStatuses: [{ name: 'c', ready, restartCount: restarts }],
    },
  } as Pod;
}

const P = {
  unscheduled: rpod('unscheduled', '', 'Pending', false),
  pending: rpod('pending', 'node', 'Pending', false),
  unknown: rpod('unknown-phase', 'node', 'Unknown', false),
  notReady: rpod('not-ready', 'node', 'Running', false),
  readyNoTransition: rpod('ready-no-last-transition-time', 'node', 'Running', true),
  readyNow: rpod('ready-now', 'node', 'Running', true, 0, ago(0), ago(0)),
  readyThen: rpod('ready-then', 'node', 'Running', true, 0, ago(MONTH), ago(MONTH)),
  readyHighRestarts: rpod('ready-high-restarts', 'node', 'Running', true, 9001, ago(0), ago(0)),
  readyNowCreatedThen: rpod('ready-now-created-then', 'node', 'Running', true, 0, ago(0), ago(MONTH)),
  lowCost: rpod('low-deletion-cost', 'node', 'Running', true, 0, ago(0), ago(MONTH), { [POD_DELETION_COST]: '10' }),
  highCost: rpod('high-deletion-cost', 'node', 'Running', true, 0, ago(0), ago(MONTH), { [POD_DELETION_COST]: '100' }),
  unscheduled5h: rpod('unscheduled-5-hours', '', 'Pending', false, 0, ago(5 * HOUR), ago(5 * HOUR)),
  unscheduled8h: rpod('unscheduled-8-hours', '', 'Pending', false, 0, ago(8 * HOUR), ago(8 * HOUR)),
  ready2h: rpod('ready-2-hours', '', 'Running', true, 0, ago(2 * HOUR), ago(MONTH)),
  ready5h: rpod('ready-5-hours', '', 'Running', true, 0, ago(5 * HOUR), ago(MONTH)),
  ready8h: rpod('ready-8-hours', '', 'Running', true, 0, ago(8 * HOUR), ago(MONTH)),
};
type Name = keyof typeof P;

const first = test.macro<[[Name, number], [Name, number]]>({
  exec(t, lesser: [Name, number], greater: [Name, number]) {
    const a: RankedPod = { pod: P[lesser[0]], rank: lesser[1] };
    const b: RankedPod = { pod: P[greater[0]], rank: greater[1] };
    t.true(deleteBefore(a, b, now), 'lesser goes first');
    t.false(deleteBefore(b, a, now), 'greater does not');
  },
  title: (_, lesser, greater) => `replicaset - scale-down: ${lesser[0]} (rank ${lesser[1]}) before ${greater[0]} (rank ${greater[1]})`,
});

test(first, ['unscheduled', 1], ['pending', 2]);
test(first, ['unscheduled', 2], ['pending', 1]);
test(first, ['pending', 1], ['unknown', 2]);
test(first, ['unknown', 1], ['notReady', 2]);
test(first, ['notReady', 1], ['readyNoTransition', 1]);
test(first, ['readyNoTransition', 1], ['readyNow', 1]);
test(first, ['readyNow', 2], ['readyNoTransition', 1]);
test(first, ['readyNow', 1], ['readyThen', 1]);
test(first, ['readyNow', 2], ['readyThen', 1]);
test(first, ['readyHighRestarts', 1], ['readyNow', 1]);
test(first, ['readyNow', 2], ['readyHighRestarts', 1]);
test(first, ['readyNow', 1], ['readyNowCreatedThen', 1]);
test(first, ['readyNowCreatedThen', 2], ['readyNow', 1]);
test(first, ['lowCost', 2], ['highCost', 1]);
test(first, ['ready2h', 1], ['ready5h', 1]);

test('replicaset - scale-down: pods that differ only within one power-of-two age bucket rank equal', (t) => {
  for (const [x, y] of [
    ['unscheduled', 'unscheduled'],
    ['readyNowCreatedThen', 'readyNowCreatedThen'],
    ['readyHighRestarts', 'readyHighRestarts'],
    ['unscheduled5h', 'unscheduled8h'],
    ['ready5h', 'ready8h'],
  ] as Array<[Name, Name]>) {
    const a = { pod: P[x], rank: 1 };
    const b = { pod: P[y], rank: 1 };
    t.false(deleteBefore(a, b, now) || deleteBefore(b, a, now), `${x} ~ ${y}`);
  }
  t.is(deletionCost(P.lowCost), 10);
  t.is(deletionCost(rpod('bad', '', 'Running', true, 0, undefined, undefined, { [POD_DELETION_COST]: 'x' })), 0);
});

test('replicaset - scale-down: victims are the pods doubled up on a node with their siblings', (t) => {
  const on = (name: string, node: string) => rpod(name, node, 'Running', true, 0, ago(HOUR), ago(HOUR));
  const mine = [on('a', 'n1'), on('b', 'n2'), on('c', 'n2')];
  const sibling = [on('s1', 'n2'), on('s2', 'n1')];
  const victims = podsToDelete(mine, [...mine, ...sibling, on('s3', 'n2')], 2, now).map((p) => p.metadata.name);
  t.deepEqual(victims.sort(), ['b', 'c'], 'n2 holds four related pods, n1 two');
});

// ---------------------------------------------------------------------------------------------
// Pure status and planning.

const rsObj = (replicas: number, minReadySeconds = 0, extra: Partial<ReplicaSet['metadata']> = {}): ReplicaSet => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: 'web', namespace: NS, uid: 'rs-uid', generation: 2, ...extra },
  spec: {
    replicas,
    minReadySeconds,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
  },
});

test('replicaset - status counts fully labeled, ready and available pods; ReplicaFailure comes and goes', (t) => {
  const rs = rsObj(3, 10);
  const labeled = (p: Pod) => ({ ...p, metadata: { ...p.metadata, labels: { app: 'web', tier: 'fe' } } });
  const pods = [labeled(P.readyThen), labeled(P.readyNow), P.notReady];
  const s = calculateStatus(rs, pods, undefined, now);
  t.like(s, { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1 });
  const failed = calculateStatus(rs, pods.slice(0, 1), new Error('pods "web-x" is forbidden: exceeded quota'), now);
  t.like(failed.conditions?.[0], { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "web-x" is forbidden: exceeded quota' });
  t.is(calculateStatus({ ...rs, status: failed }, pods, undefined, now).conditions, undefined, 'cleared once a sync succeeds');
  t.deepEqual(planReplicas(rs, pods.slice(0, 1), [], now), { create: 2, delete: [] });
  t.deepEqual(planReplicas(rs, [], [], now, 2), { create: 2, delete: [] }, 'burst caps a sync');
  t.deepEqual(planReplicas(rsObj(1), pods, [], now).delete.map((p) => p.metadata.name), ['not-ready', 'ready-now']);
});

// ---------------------------------------------------------------------------------------------
// The controller against an API server on the virtual clock.

interface Cluster {
  clock: VirtualClock;
  env: ApiEnv;
  run<R>(p: Promise<R>): Promise<R>;
  pods(): Promise<Pod[]>;
  rs(name?: string): Promise<ReplicaSet>;
}

/** Starts an API server and the ReplicaSet controller (on `client` when given: to inject failures or lag). */
async function cluster(t: ExecutionContext, client?: (bus: MemoryBus, clock: VirtualClock) => ApiClient): Promise<Cluster> {
  const clock = new VirtualClock(T0);
  const env = await startApi(t, { clock });
  const bus = env.broker.connect('controller-manager');
  const host = new Host({ bus, client: client?.(bus, clock), clock, rng: seededRng(3), log: silentLogger });
  t.teardown(async () => {
    await host.stopAll();
    await bus.close();
  });
  host.start(replicaSetController, 'controller/replicaset', undefined);
  const run = async <R>(p: Promise<R>): Promise<R> => {
    let done = false;
    void p.then(
      () => (done = true),
      () => (done = true),
    );
    await clock.runUntil(() => done, clock.now() + 10_000);
    return p;
  };
  await clock.advance(100);
  const pods = async () => (await run(env.client.list<Pod>('pods', { namespace: NS }))).items.sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  const rs = (name = 'web') => run(env.client.get<ReplicaSet>('replicasets', name, { namespace: NS }));
  return { clock, env, run, pods, rs };
}

const replicaSet = (replicas: number, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: 'web', namespace: NS },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } },
    ...extra,
  },
});

/** Binds a pod and reports it Running and Ready since now (what a kubelet would do). */
async function makeReady(c: Cluster, pod: Pod, node = 'n1', ready = true): Promise<void> {
  if (!pod.spec.nodeName) await c.run(c.env.client.bind(NS, pod.metadata.name!, node));
  const cur = await c.run(c.env.client.get<Pod>('pods', pod.metadata.name!, { namespace: NS }));
  const at = rfc3339(c.clock.now());
  const conditions = [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: at }];
  await c.run(c.env.client.updateStatus('pods', { ...cur, status: { ...cur.status, phase: 'Running', conditions } } as KubeObject));
}

test('replicaset - creates pods named <rs>-xxxxx from the template, controlled by the ReplicaSet', async (t) => {
  const c = await cluster(t);
  await c.run(c.env.client.create('replicasets', replicaSet(3)));
  await c.clock.advance(1_000);
  const rs = await c.rs();
  const pods = await c.pods();
  t.is(pods.length, 3);
  for (const p of pods) {
    t.regex(p.metadata.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    t.deepEqual(p.metadata.labels, { app: 'web' });
    t.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true }]);
  }
  t.deepEqual(rs.status, { replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 }, 'zero counts are omitted, as upstream');
});

// The framework's EventRecorder sets eventTime without action/reportingInstance, so the API
// server rejects every Event; this passes once actors/lib/events.ts is fixed (then drop `.failing`).
test('replicaset - records SuccessfulCreate and FailedCreate events on the ReplicaSet', async (t) => {
  let flaky!: FlakyClient;
  const c = await cluster(t, (bus, clock) => (flaky = new FlakyClient(bus, { clock })));
  flaky.failFrom = 3;
  await c.run(c.env.client.create('replicasets', replicaSet(3)));
  await c.clock.advance(1_000);
  const pods = await c.pods();
  const events = (await c.run(c.env.client.list('events', { namespace: NS }))).items as Array<KubeObject & { reason: string; message: string; type: string }>;
  t.true(events.some((e) => e.reason === 'SuccessfulCreate' && e.message === `Created pod: ${pods[0].metadata.name}`));
  t.true(events.some((e) => e.reason === 'FailedCreate' && e.type === 'Warning' && e.message.startsWith('Error creating: pods "web-" is forbidden')));
});

test('replicaset - adopts a matching orphan and releases a pod that stops matching', async (t) => {
  const c = await cluster(t);
  const orphan = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: NS, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } };
  await c.run(c.env.client.create('pods', orphan as KubeObject));
  await c.run(c.env.client.create('replicasets', replicaSet(2)));
  await c.clock.advance(1_000);
  const rs = await c.rs();
  let pods = await c.pods();
  t.is(pods.length, 2, 'the orphan counts: one more pod is created, not two');
  const stray = pods.find((p) => p.metadata.name === 'stray')!;
  t.is(stray.metadata.ownerReferences?.[0]?.uid, rs.metadata.uid, 'adopted');
  await c.run(c.env.client.patch('pods', 'stray', { metadata: { labels: { app: 'other' } } }, { namespace: NS }));
  await c.clock.advance(1_000);
  pods = await c.pods();
  t.is(pods.length, 3, 'a replacement is created');
  t.deepEqual(pods.find((p) => p.metadata.name === 'stray')!.metadata.ownerReferences ?? [], [], 'released');
  t.is(pods.filter((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid).length, 2);
});

/** A client whose pod creates can be made to fail, recording how many creates were in flight as each began. */
class FlakyClient extends ApiClient {
  failFrom = Infinity;
  attempts = 0;
  inflight = 0;
  starts: number[] = [];
  override async create<T extends KubeObject = KubeObject>(resource: string, obj: KubeObject, opts: { namespace?: string; dryRun?: boolean } = {}): Promise<T> {
    if (resource !== 'pods') return super.create<T>(resource, obj, opts);
    this.attempts++;
    this.starts.push(++this.inflight);
    try {
      if (this.attempts >= this.failFrom) {
        await Promise.resolve();
        throw new StatusError(403, 'Forbidden', 'pods "web-" is forbidden: exceeded quota: compute-resources');
      }
      return await super.create<T>(resource, obj, opts);
    } finally {
      this.inflight--;
    }
  }
}

test('replicaset - slow start: creates go out 1, 2, 4 at a time and stop at the first failing batch', async (t) => {
  let flaky!: FlakyClient;
  const c = await cluster(t, (bus, clock) => (flaky = new FlakyClient(bus, { clock })));
  flaky.failFrom = 5;
  await c.run(c.env.client.create('replicasets', replicaSet(10)));
  await c.clock.advance(100);
  t.deepEqual(flaky.starts.slice(0, 7), [1, 1, 2, 1, 2, 3, 4], 'batches of 1, 2, 4');
  t.is(flaky.starts[7] ?? 1, 1, 'the rest is not attempted in the same sync');
  const rs = await c.rs();
  t.like(rs.status?.conditions?.[0], { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "web-" is forbidden: exceeded quota: compute-resources' });
  flaky.failFrom = Infinity;
  await c.clock.advance(30_000);
  t.is((await c.pods()).length, 10, 'recovers once creates succeed');
  t.is((await c.rs()).status?.conditions, undefined, 'ReplicaFailure is removed');
});

test('replicaset - scale-down deletes unassigned, then pending, then not-ready pods and keeps the ready one', async (t) => {
  const c = await cluster(t);
  await c.run(c.env.client.create('replicasets', replicaSet(4)));
  await c.clock.advance(1_000);
  const [a, b, cc, d] = await c.pods();
  await makeReady(c, d);
  await makeReady(c, cc, 'n1', false);
  await c.run(c.env.client.bind(NS, b.metadata.name!, 'n1')); // bound, still Pending
  await c.clock.advance(1_000);
  await c.run(c.env.client.patch('replicasets', 'web', { spec: { replicas: 1 } }, { namespace: NS }));
  await c.clock.advance(1_000);
  const left = (await c.pods()).filter((p) => !p.metadata.deletionTimestamp);
  t.deepEqual(left.map((p) => p.metadata.name), [d.metadata.name], `kept the ready pod; deleted ${a.metadata.name} (unassigned), ${b.metadata.name} (pending), ${cc.metadata.name} (not ready)`);
  t.like((await c.rs()).status, { replicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 2 });
});

test('replicaset - a pod counts as available minReadySeconds after it became ready (requeued without other events)', async (t) => {
  const c = await cluster(t);
  await c.run(c.env.client.create('replicasets', replicaSet(2, { minReadySeconds: 10 })));
  await c.clock.advance(1_000);
  for (const p of await c.pods()) await makeReady(c, p);
  await c.clock.advance(2_000);
  t.like((await c.rs()).status, { replicas: 2, readyReplicas: 2 });
  t.is((await c.rs()).status?.availableReplicas, undefined);
  await c.clock.advance(9_000);
  t.like((await c.rs()).status, { replicas: 2, readyReplicas: 2, availableReplicas: 2 });
});

/** A client whose pod watch events arrive `lagMs` late: the controller's cache trails its own writes. */
class LaggingClient extends ApiClient {
  constructor(
    bus: ConstructorParameters<typeof ApiClient>[0],
    private readonly clock: VirtualClock,
    private readonly lagMs: number,
  ) {
    super(bus, { clock });
  }
  override watch(resource: string, opts: Omit<WatchOptions, 'conn' | 'id'> & { namespace?: string }, handlers: WatchHandlers) {
    if (resource !== 'pods') return super.watch(resource, opts, handlers);
    return super.watch(resource, opts, { ...handlers, event: (ev) => this.clock.setTimeout(() => handlers.event(ev), this.lagMs) });
  }
  creates = 0;
  override create<T extends KubeObject = KubeObject>(resource: string, obj: KubeObject, opts: { namespace?: string } = {}): Promise<T> {
    if (resource === 'pods') this.creates++;
    return super.create<T>(resource, obj, opts);
  }
}

test('replicaset - expectations: a burst of events while its own creates are not yet in the cache never creates twice', async (t) => {
  let lagging!: LaggingClient;
  const c = await cluster(t, (bus, clock) => (lagging = new LaggingClient(bus, clock, 3_000)));
  await c.run(c.env.client.create('replicasets', replicaSet(5)));
  // Wake the ReplicaSet twenty times while its pods are created but not yet seen.
  for (let i = 0; i < 20; i++) {
    await c.run(c.env.client.patch('replicasets', 'web', { metadata: { annotations: { poke: String(i) } } }, { namespace: NS }));
    await c.clock.advance(100);
  }
  await c.clock.advance(10_000);
  t.is(lagging.creates, 5, 'five creates in all');
  t.is((await c.pods()).length, 5);
  // Deletes too: scale down while the cache lags, and poke again.
  await c.run(c.env.client.patch('replicasets', 'web', { spec: { replicas: 2 } }, { namespace: NS }));
  for (let i = 0; i < 10; i++) {
    await c.run(c.env.client.patch('replicasets', 'web', { metadata: { annotations: { poke: `d${i}` } } }, { namespace: NS }));
    await c.clock.advance(100);
  }
  await c.clock.advance(10_000);
  t.is((await c.pods()).length, 2, 'exactly three deleted');
  t.is(lagging.creates, 5, 'and nothing re-created');
});

/** Returns a ReplicaSet `name` in `namespace` selecting and stamping pods labelled app=`app`. */
const replicaSetOf = (name: string, app: string, namespace = NS): KubeObject => {
  const rs = replicaSet(1) as ReplicaSet;
  return { ...rs, metadata: { name, namespace }, spec: { ...rs.spec, selector: { matchLabels: { app } }, template: { ...rs.spec.template, metadata: { labels: { app } } } } } as KubeObject;
};

test('replicaset - an orphan pod created later wakes only the ReplicaSets selecting it, and the right one adopts it', async (t) => {
  let flaky!: FlakyClient;
  const c = await cluster(t, (bus, clock) => (flaky = new FlakyClient(bus, { clock })));
  flaky.failFrom = 1; // no pod create succeeds: only an adoption can satisfy a ReplicaSet
  await c.run(c.env.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } } as KubeObject));
  for (const rs of [replicaSetOf('web', 'web'), replicaSetOf('api', 'api'), replicaSetOf('web', 'web', 'other')]) await c.run(c.env.client.create('replicasets', rs));
  // Every ReplicaSet fails its creates and backs off: at 50 s, the next retries are ~30 s away.
  await c.clock.advance(50_000);
  const attempts = flaky.attempts;
  t.true(attempts >= 3, 'each ReplicaSet tried');
  const orphan = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: NS, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } };
  await c.run(c.env.client.create('pods', orphan as KubeObject));
  await c.clock.advance(1_000);
  const web = await c.rs('web');
  const stray = await c.run(c.env.client.get<Pod>('pods', 'stray', { namespace: NS }));
  t.deepEqual(stray.metadata.ownerReferences?.map((r) => r.uid), [web.metadata.uid], 'adopted by default/web alone');
  t.like(web.status, { replicas: 1 });
  t.is(web.status?.conditions, undefined, 'its ReplicaFailure is cleared');
  t.is(flaky.attempts, attempts, 'default/api and other/web were not woken (each would have tried a create)');
  // An orphan that starts matching through a label change wakes the ReplicaSet that selects it now.
  await c.run(c.env.client.create('pods', { ...orphan, metadata: { name: 'relabeled', namespace: NS, labels: { app: 'none' } } } as KubeObject));
  await c.clock.advance(1_000);
  await c.run(c.env.client.patch('pods', 'relabeled', { metadata: { labels: { app: 'api' } } }, { namespace: NS }));
  await c.clock.advance(1_000);
  const relabeled = await c.run(c.env.client.get<Pod>('pods', 'relabeled', { namespace: NS }));
  t.deepEqual(relabeled.metadata.ownerReferences?.map((r) => r.uid), [(await c.rs('api')).metadata.uid], 'adopted by default/api');
  t.is(flaky.attempts, attempts, 'still no create');
});
