// The disruption controller (upstream pkg/controller/disruption) and the ReplicationController
// controller on the virtual clock: PDB status from the pods' controllers' scale, evictions counted
// through disruptedPods with its 2-minute timeout, the fail-safe on an unknown controller; RCs
// managed by the ReplicaSet logic with an equality selector.
import test, { type ExecutionContext } from 'ava';
import { disruptionController } from '../actors/controllers/disruption/disruption.controller.ts';
import { countHealthyPods, disruptedPodMap, expectedPodCount } from '../actors/controllers/disruption/disruption.reconcile.ts';
import { staleAt, staleDisruptionController } from '../actors/controllers/disruption/stale-disruption.controller.ts';
import { replicationControllerController } from '../actors/controllers/replicaset/replicaset.controller.ts';
import type { Pod } from '../api/kinds/pod.ts';
import type { PodDisruptionBudget } from '../api/kinds/poddisruptionbudget.ts';
import type { KubeObject } from '../api/meta.ts';
import { rfc3339 } from '../api/names.ts';
import { VirtualClock } from '../bus/clock.ts';
import { seededRng } from '../bus/random.ts';
import { silentLogger } from '../bus/types.ts';
import { Host } from '../runtime/host.ts';
import { startApi, type ApiEnv } from './helpers/api.ts';
import { advanceUntil, settle } from './helpers/wait.ts';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const NS = 'default';

interface Sim {
  clock: VirtualClock;
  env: ApiEnv;
  run<R>(p: Promise<R>): Promise<R>;
  pdb(): Promise<PodDisruptionBudget>;
  until(what: string, ok: () => Promise<boolean>, withinMs?: number): Promise<void>;
}

async function sim(t: ExecutionContext): Promise<Sim> {
  const clock = new VirtualClock(T0);
  const env = await startApi(t, { clock });
  const host = env.process('controller-manager');
  host.start(disruptionController, 'controller/disruption', undefined);
  host.start(replicationControllerController, 'controller/replicationcontroller', undefined);
  const run = <R>(p: Promise<R>): Promise<R> => settle(clock, p);
  const until = (what: string, ok: () => Promise<boolean>, withinMs = 60_000) => advanceUntil(clock, ok, what, { withinMs });
  await clock.advance(100);
  return { clock, env, run, until, pdb: () => run(env.client.get<PodDisruptionBudget>('poddisruptionbudgets', 'web', { namespace: NS })) };
}

/** A ReplicaSet with `replicas` and `ready` Running pods of it (no ReplicaSet controller: the pods are made here). */
async function workload(s: Sim, replicas: number, ready: number): Promise<void> {
  const rs = await s.run(s.env.client.create('replicasets', {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: NS },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  }));
  for (let i = 0; i < ready; i++) await workloadPod(s, i, rs.metadata.uid!);
}

const budget = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: NS }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
});

test('disruption - maxUnavailable counts expected pods from the ReplicaSet scale; an eviction is counted until the pod goes', async (t) => {
  const s = await sim(t);
  await workload(s, 4, 3);
  await s.run(s.env.client.create('poddisruptionbudgets', budget({ maxUnavailable: '25%' })));
  await s.until('the budget counted', async () => (await s.pdb()).status?.observedGeneration === 1);
  const st = (await s.pdb()).status!;
  t.like(st, { expectedPods: 4, desiredHealthy: 3, currentHealthy: 3, disruptionsAllowed: 0 });
  t.like(st.conditions?.[0], { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods' });
  // The fourth pod turns up Ready: one disruption is allowed, and an eviction takes it.
  await workloadPod(s, 3);
  await s.until('one disruption allowed', async () => (await s.pdb()).status?.disruptionsAllowed === 1);
  t.like((await s.pdb()).status?.conditions?.[0], { status: 'True', reason: 'SufficientPods' });
  await s.run(s.env.client.evict(NS, 'web-0'));
  await s.until('the evicted pod no longer counted', async () => (await s.pdb()).status?.currentHealthy === 3);
  t.like((await s.pdb()).status, { disruptionsAllowed: 0, desiredHealthy: 3 });
});

/** Pod `web-<i>` of the ReplicaSet `web` (its uid read when not given), Running and Ready. */
async function workloadPod(s: Sim, i: number, uid?: string): Promise<void> {
  uid ??= (await s.run(s.env.client.get('replicasets', 'web', { namespace: NS }))).metadata.uid!;
  const ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid, controller: true }];
  const p = await s.run(s.env.client.create('pods', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: `web-${i}`, namespace: NS, labels: { app: 'web' }, ownerReferences }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] },
  }));
  await s.run(s.env.client.updateStatus('pods', { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }));
}

test('disruption - a disrupted pod not deleted within 2 minutes counts again (NotDeleted event)', async (t) => {
  const s = await sim(t);
  await workload(s, 3, 3);
  await s.run(s.env.client.create('poddisruptionbudgets', budget({ minAvailable: 2 })));
  await s.until('the budget counted', async () => (await s.pdb()).status?.disruptionsAllowed === 1);
  // An eviction that took the disruption but whose pod delete never happened.
  const pdb = await s.pdb();
  await s.run(s.env.client.updateStatus('poddisruptionbudgets', { ...pdb, status: { ...pdb.status, disruptionsAllowed: 0, disruptedPods: { 'web-1': rfc3339(s.clock.now()) } } } as KubeObject));
  await s.until('the disruption recorded', async () => (await s.pdb()).status?.currentHealthy === 2);
  t.deepEqual(Object.keys((await s.pdb()).status?.disruptedPods ?? {}), ['web-1']);
  const at = s.clock.now();
  await s.until('the disruption forgotten', async () => (await s.pdb()).status?.disruptedPods === undefined, 180_000);
  t.true(s.clock.now() - at >= 119_000, 'kept for DeletionTimeout');
  t.like((await s.pdb()).status, { currentHealthy: 3, disruptionsAllowed: 1 });
  const events = (await s.run(s.env.client.list('events', { namespace: NS }))).items as Array<KubeObject & { reason?: string; message?: string }>;
  t.truthy(events.find((e) => e.reason === 'NotDeleted' && e.message === "Pod was expected by PDB default/default to be deleted but it wasn't"));
});

test('disruption - a pod whose controller cannot be found: fail-safe, no disruption allowed (SyncFailed)', async (t) => {
  const s = await sim(t);
  const ownerReferences = [{ apiVersion: 'example.com/v1', kind: 'Mystery', name: 'm', uid: 'u-1', controller: true }];
  await s.run(s.env.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: NS, labels: { app: 'web' }, ownerReferences }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }));
  await s.run(s.env.client.create('poddisruptionbudgets', budget({ minAvailable: '50%' })));
  await s.until('the fail-safe', async () => (await s.pdb()).status?.conditions?.[0]?.reason === 'SyncFailed');
  t.like((await s.pdb()).status?.conditions?.[0], { type: 'DisruptionAllowed', status: 'False', message: 'found no controllers for pod "p"' });
  t.is((await s.pdb()).status?.disruptionsAllowed, 0);
});

test('disruption - pure counting: integer minAvailable uses the pod count, unmanaged pods are reported', (t) => {
  const pod = (name: string, ready: boolean, owned = true): Pod => ({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: NS, ...(owned ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 's', uid: 'ss', controller: true }] } : {}) },
    spec: { containers: [] }, status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  } as Pod);
  const pdb = (spec: object) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'b' }, spec }) as PodDisruptionBudget;
  const pods = [pod('a', true), pod('b', false), pod('c', true, false)];
  const find = () => ({ uid: 'ss', scale: 5 });
  t.deepEqual(expectedPodCount(pdb({ minAvailable: 2 }), pods, find), { expected: 3, desiredHealthy: 2, unmanaged: [] });
  t.deepEqual(expectedPodCount(pdb({ minAvailable: '50%' }), pods, find), { expected: 5, desiredHealthy: 3, unmanaged: ['c'] });
  t.deepEqual(expectedPodCount(pdb({ maxUnavailable: 1 }), pods, find), { expected: 5, desiredHealthy: 4, unmanaged: ['c'] });
  const now = T0;
  const recorded = pdb({});
  recorded.status = { disruptedPods: { a: rfc3339(now - 60_000) } };
  const map = disruptedPodMap(recorded, pods, now);
  t.deepEqual(map.disrupted, { a: rfc3339(now - 60_000) });
  t.is(map.recheckAt, now + 60_000);
  t.is(countHealthyPods(pods, map.disrupted, now), 1, 'a is disrupted, b unready: only c');
});

test('replicationcontroller - defaults from the template, pods controlled by the RC (v1), equality selector, status', async (t) => {
  const s = await sim(t);
  const rc = await s.run(s.env.client.create('replicationcontrollers', {
    apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'nginx', namespace: NS },
    spec: { replicas: 2, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } },
  }));
  t.deepEqual((rc.spec as { selector: object }).selector, { app: 'nginx' });
  t.deepEqual(rc.metadata.labels, { app: 'nginx' });
  // An orphan with the selector's labels is adopted: the RC then creates only one more.
  await s.run(s.env.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: NS, labels: { app: 'nginx', extra: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }));
  await s.until('two pods', async () => (await s.run(s.env.client.get('replicationcontrollers', 'nginx', { namespace: NS }))).status?.['replicas' as never] === 2);
  const pods = (await s.run(s.env.client.list<Pod>('pods', { namespace: NS }))).items;
  t.is(pods.length, 2);
  for (const p of pods) t.like(p.metadata.ownerReferences?.[0], { apiVersion: 'v1', kind: 'ReplicationController', name: 'nginx', uid: rc.metadata.uid, controller: true });
  t.truthy(pods.find((p) => p.metadata.name === 'stray'));
});

test('disruption - a DisruptionTarget condition on a pod not deleted 2 minutes later is reset to False', async (t) => {
  const s = await sim(t);
  s.env.process('stale').start(staleDisruptionController, 'controller/disruption-stale-pods', undefined);
  const p = await s.run(s.env.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: NS }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] } }));
  const marked = { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: rfc3339(s.clock.now()) };
  await s.run(s.env.client.updateStatus('pods', { ...p, status: { phase: 'Running', conditions: [marked] } }));
  const cond = async () => (await s.run(s.env.client.get<Pod>('pods', 'p', { namespace: NS }))).status?.conditions?.find((c) => c.type === 'DisruptionTarget');
  const at = s.clock.now();
  await s.until('the condition reset', async () => (await cond())?.status === 'False', 180_000);
  t.true(s.clock.now() - at >= 119_000, 'not before stalePodDisruptionTimeout');
  t.is(staleAt((await s.run(s.env.client.get<Pod>('pods', 'p', { namespace: NS })))), undefined);
});

test('disruption - a pod of a custom resource with a scale subresource counts its specReplicasPath', async (t) => {
  const s = await sim(t);
  await s.run(s.env.client.create('customresourcedefinitions', {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'pools.example.com' },
    spec: {
      group: 'example.com', scope: 'Namespaced', names: { plural: 'pools', singular: 'pool', kind: 'Pool', listKind: 'PoolList' },
      versions: [{
        name: 'v1', served: true, storage: true,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } }, status: { type: 'object', properties: { size: { type: 'integer' } } } } } },
        subresources: { scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.size' } },
      }],
    },
  } as KubeObject));
  const pool = await s.run(s.env.client.create('pools', { apiVersion: 'example.com/v1', kind: 'Pool', metadata: { name: 'p', namespace: NS }, spec: { size: 4 } }));
  const ownerReferences = [{ apiVersion: 'example.com/v1', kind: 'Pool', name: 'p', uid: pool.metadata.uid!, controller: true }];
  const p = await s.run(s.env.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p-0', namespace: NS, labels: { app: 'web' }, ownerReferences }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] } }));
  await s.run(s.env.client.updateStatus('pods', { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }));
  await s.run(s.env.client.create('poddisruptionbudgets', budget({ minAvailable: '50%' })));
  // The pools informer starts on first use: the first sync may fail-safe, a retry then counts.
  await s.until('the budget counted', async () => (await s.pdb()).status?.expectedPods === 4);
  t.like((await s.pdb()).status, { expectedPods: 4, desiredHealthy: 2, currentHealthy: 1, disruptionsAllowed: 0 });
});
