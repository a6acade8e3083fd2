// The garbage collector (DESIGN §3 "ownerReferences + garbage collection"): background,
// foreground and orphan cascades, dangling references; on the virtual clock, with the test
// playing the kubelet (a bound pod being deleted goes only when "its kubelet" deletes it with grace 0).
import test from 'ava';
import type { KubeObject, OwnerReference } from '../api/meta.ts';
import type { PropagationPolicy } from '../api/protocol.ts';
import { StatusError } from '../api/status.ts';
import { garbageCollectorController } from '../actors/controllers/garbage-collector/garbage-collector.controller.ts';
import { VirtualClock } from '../bus/clock.ts';
import { API_ALL } from '../bus/subjects.ts';
import { startApi } from './helpers/api.ts';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const NS = 'default';

async function cluster(t: Parameters<typeof startApi>[0]) {
  const clock = new VirtualClock(T0);
  const env = await startApi(t, { clock });
  const run = async <R>(p: Promise<R>): Promise<R> => {
    let done = false;
    void p.then(() => (done = true), () => (done = true));
    await clock.runUntil(() => done, clock.now() + 10_000);
    return p;
  };
  env.process('controller-manager').start(garbageCollectorController, 'controller/garbage-collector', undefined);
  await clock.advance(1_000);
  /** Advances the clock until `cond` holds (checked every 100 ms of cluster time), or fails after `limitMs`. */
  const until = async (what: string, cond: () => Promise<boolean>, limitMs = 60_000) => {
    const end = clock.now() + limitMs;
    while (!(await run(cond()))) {
      if (clock.now() >= end) throw new Error(`timed out waiting for ${what}`);
      await clock.advance(100);
    }
  };
  return { clock, env, run, until, api: env.client };
}

type Cluster = Awaited<ReturnType<typeof cluster>>;

const rs = (name: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name, namespace: NS },
  spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
});

const ownerRef = (o: KubeObject, extra: Partial<OwnerReference> = { controller: true, blockOwnerDeletion: true }): OwnerReference => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name!,
  uid: o.metadata.uid!,
  ...extra,
});

async function createPod(c: Cluster, name: string, owners: OwnerReference[], node?: string) {
  const body = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, ownerReferences: owners }, spec: { containers: [{ name: 'c', image: 'i' }] } };
  await c.run(c.api.create('pods', body as KubeObject));
  if (node) await c.run(c.api.bind(NS, name, node));
}

const exists = (c: Cluster, resource: string, name: string) =>
  c.api.get(resource, name, { namespace: NS }).then(
    () => true,
    (e: StatusError) => (e.code === 404 ? false : Promise.reject(e)),
  );
const get = (c: Cluster, resource: string, name: string) => c.run(c.api.get(resource, name, { namespace: NS }));
const del = (c: Cluster, resource: string, name: string, propagationPolicy?: PropagationPolicy) =>
  c.run(c.api.delete(resource, name, { namespace: NS, propagationPolicy }));

/** Plays the kubelet: pods being deleted are removed for good. */
async function kubeletFinishes(c: Cluster) {
  const pods = await c.run(c.api.list('pods', { namespace: NS }));
  for (const p of pods.items) if (p.metadata.deletionTimestamp) await c.run(c.api.delete('pods', p.metadata.name!, { namespace: NS, gracePeriodSeconds: 0 }));
}

test('gc - deleting an owner in the background removes its dependents', async (t) => {
  const c = await cluster(t);
  const owner = await c.run(c.api.create('replicasets', rs('web')));
  for (const n of ['web-a', 'web-b', 'web-c']) await createPod(c, n, [ownerRef(owner)]);
  await createPod(c, 'other', []);
  await c.clock.advance(1_000);
  t.true(await c.run(exists(c, 'pods', 'web-a')), 'nothing is collected while the owner lives');
  await del(c, 'replicasets', 'web');
  await c.until('dependents gone', async () => !(await exists(c, 'pods', 'web-a')) && !(await exists(c, 'pods', 'web-b')) && !(await exists(c, 'pods', 'web-c')));
  t.true(await c.run(exists(c, 'pods', 'other')), 'an object without owners stays');
});

test('gc - foreground: the owner stays until its blocking dependents are gone, then goes', async (t) => {
  const c = await cluster(t);
  const owner = await c.run(c.api.create('replicasets', rs('web')));
  await createPod(c, 'web-a', [ownerRef(owner)], 'n1');
  await createPod(c, 'web-b', [ownerRef(owner)], 'n1');
  await c.clock.advance(1_000);
  await del(c, 'replicasets', 'web', 'Foreground');
  await c.until('dependents being deleted', async () => !!(await c.api.get('pods', 'web-a', { namespace: NS })).metadata.deletionTimestamp);
  await c.clock.advance(5_000);
  const waiting = await get(c, 'replicasets', 'web');
  t.truthy(waiting.metadata.deletionTimestamp, 'the owner is being deleted');
  t.deepEqual(waiting.metadata.finalizers, ['foregroundDeletion'], 'and waits for its dependents');
  t.truthy((await get(c, 'pods', 'web-b')).metadata.deletionTimestamp, 'every dependent is being deleted');
  await kubeletFinishes(c);
  await c.until('owner gone', async () => !(await exists(c, 'replicasets', 'web')));
  t.false(await c.run(exists(c, 'pods', 'web-a')));
});

test('gc - foreground: dependents without blockOwnerDeletion are deleted but not waited for', async (t) => {
  const c = await cluster(t);
  const owner = await c.run(c.api.create('replicasets', rs('web')));
  await createPod(c, 'web-free', [ownerRef(owner, { controller: true, blockOwnerDeletion: false })], 'n1');
  await c.clock.advance(1_000);
  await del(c, 'replicasets', 'web', 'Foreground');
  await c.until('owner gone', async () => !(await exists(c, 'replicasets', 'web')));
  const pod = await get(c, 'pods', 'web-free');
  t.truthy(pod.metadata.deletionTimestamp, 'the dependent was deleted (its kubelet has not finished it yet)');
});

test('gc - foreground cascades through a chain (Deployment → ReplicaSet → pods)', async (t) => {
  const c = await cluster(t);
  const deploy = await c.run(
    c.api.create('deployments', { ...rs('app'), kind: 'Deployment' }),
  );
  const owned = await c.run(c.api.create('replicasets', { ...rs('app-1'), metadata: { name: 'app-1', namespace: NS, ownerReferences: [ownerRef(deploy)] } }));
  await createPod(c, 'app-1-a', [ownerRef(owned)], 'n1');
  await c.clock.advance(1_000);
  await del(c, 'deployments', 'app', 'Foreground');
  await c.until('the ReplicaSet deletes its pods first', async () => !!(await c.api.get('pods', 'app-1-a', { namespace: NS })).metadata.deletionTimestamp);
  const mid = await get(c, 'replicasets', 'app-1');
  t.deepEqual(mid.metadata.finalizers, ['foregroundDeletion'], 'the ReplicaSet with dependents is deleted in the foreground too');
  t.true(await c.run(exists(c, 'deployments', 'app')), 'the Deployment waits');
  await kubeletFinishes(c);
  await c.until('all gone', async () => !(await exists(c, 'deployments', 'app')) && !(await exists(c, 'replicasets', 'app-1')));
});

test('gc - background cascades through a chain (Deployment → ReplicaSet → pods)', async (t) => {
  const c = await cluster(t);
  const deploy = await c.run(c.api.create('deployments', { ...rs('app'), kind: 'Deployment' }));
  const owned = await c.run(c.api.create('replicasets', { ...rs('app-1'), metadata: { name: 'app-1', namespace: NS, ownerReferences: [ownerRef(deploy)] } }));
  await createPod(c, 'app-1-a', [ownerRef(owned)]);
  await createPod(c, 'app-1-b', [ownerRef(owned)]);
  await c.clock.advance(1_000);
  await del(c, 'deployments', 'app');
  t.false(await c.run(exists(c, 'deployments', 'app')), 'the owner goes at once');
  await c.until('all gone', async () => !(await exists(c, 'replicasets', 'app-1')) && !(await exists(c, 'pods', 'app-1-a')) && !(await exists(c, 'pods', 'app-1-b')));
});

test('gc - orphan: dependents stay and lose their ownerReference; the owner goes', async (t) => {
  const c = await cluster(t);
  const owner = await c.run(c.api.create('replicasets', rs('web')));
  const other = await c.run(c.api.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keeper', namespace: NS } }));
  await createPod(c, 'web-a', [ownerRef(owner)]);
  await createPod(c, 'web-b', [ownerRef(owner), ownerRef(other, {})]);
  await c.clock.advance(1_000);
  const d = await del(c, 'replicasets', 'web', 'Orphan');
  t.deepEqual(d.metadata.finalizers, ['orphan']);
  await c.until('owner gone', async () => !(await exists(c, 'replicasets', 'web')));
  t.is((await get(c, 'pods', 'web-a')).metadata.ownerReferences, undefined, 'reference removed');
  t.deepEqual((await get(c, 'pods', 'web-b')).metadata.ownerReferences?.map((r) => r.name), ['keeper'], 'other owners kept');
  await c.clock.advance(10_000);
  t.true(await c.run(exists(c, 'pods', 'web-a')), 'orphans are not collected');
});

test('gc - dangling references: an owner that never existed (or has another uid) gets its dependents collected', async (t) => {
  const c = await cluster(t);
  const ghost: OwnerReference = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'ghost', uid: '6b1f3a56-0000-4000-8000-000000000001', controller: true };
  await createPod(c, 'haunted', [ghost]);
  const real = await c.run(c.api.create('replicasets', rs('real')));
  await createPod(c, 'impostor', [{ ...ownerRef(real), uid: '6b1f3a56-0000-4000-8000-000000000002' }]);
  await createPod(c, 'half', [{ ...ghost, controller: false }, ownerRef(real)]);
  await c.until('dangling dependents gone', async () => !(await exists(c, 'pods', 'haunted')) && !(await exists(c, 'pods', 'impostor')));
  await c.until('the dangling reference is dropped from an object with a live owner', async () => (await c.api.get('pods', 'half', { namespace: NS })).metadata.ownerReferences?.length === 1);
  t.is((await get(c, 'pods', 'half')).metadata.ownerReferences![0].name, 'real');
});

test('gc - a dependent created after its owner was deleted is collected', async (t) => {
  const c = await cluster(t);
  const owner = await c.run(c.api.create('replicasets', rs('web')));
  await del(c, 'replicasets', 'web');
  await c.clock.advance(2_000);
  await createPod(c, 'late', [ownerRef(owner)]);
  await c.until('late dependent gone', async () => !(await exists(c, 'pods', 'late')));
  t.pass();
});

test('gc - an owner deleted while the collector is down is noticed when it starts', async (t) => {
  const clock = new VirtualClock(T0);
  const env = await startApi(t, { clock });
  const run = async <R>(p: Promise<R>) => {
    await clock.advance(10);
    return p;
  };
  const owner = await run(env.client.create('replicasets', rs('web')));
  await run(env.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'left', namespace: NS, ownerReferences: [ownerRef(owner)] }, spec: { containers: [{ name: 'c', image: 'i' }] } } as KubeObject));
  await run(env.client.delete('replicasets', 'web', { namespace: NS }));
  env.process('controller-manager').start(garbageCollectorController, 'controller/garbage-collector', undefined);
  let gone = false;
  for (let i = 0; i < 100 && !gone; i++) {
    await clock.advance(100);
    gone = await run(env.client.get('pods', 'left', { namespace: NS }).then(() => false, () => true));
  }
  t.true(gone);
});


test('gc - work follows the change, not the cluster: deleting one owner among many costs requests for its dependents only', async (t) => {
  const c = await cluster(t);
  const owners = await c.run(Promise.all(Array.from({ length: 10 }, (_, i) => c.api.create('replicasets', rs(`rs-${i}`)))));
  const pod = (o: KubeObject, j: number) =>
    c.api.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `${o.metadata.name}-${j}`, namespace: NS, ownerReferences: [ownerRef(o)] }, spec: { containers: [{ name: 'c', image: 'i' }] } } as KubeObject);
  await c.run(Promise.all(owners.flatMap((o) => Array.from({ length: 40 }, (_, j) => pod(o, j)))));
  await c.clock.advance(5_000);
  const requests = new Map<string, number>();
  const sub = c.api.bus.subscribe(API_ALL, (msg) => requests.set(msg.subject, (requests.get(msg.subject) ?? 0) + 1));
  t.teardown(() => sub.unsubscribe());
  await del(c, 'replicasets', 'rs-3');
  await c.until('its pods gone', async () => (await c.api.list('pods', { namespace: NS })).items.length === 360);
  const pods = await c.run(c.api.list('pods', { namespace: NS }));
  t.false(pods.items.some((p) => p.metadata.name!.startsWith('rs-3-')));
  const gets = requests.get('kubus.api.pods.get') ?? 0;
  const deletes = requests.get('kubus.api.pods.delete') ?? 0;
  t.is(deletes, 40, 'one delete per dependent');
  t.true(gets <= 40 + 10, `${gets} pod reads (one per dependent)`);
  t.is(requests.get('kubus.api.replicasets.get') ?? 0, 0, 'the absent-owner cache answers for the deleted owner');
});

test('gc - at start, owners are hooked before their dependents: no owner is read to build the graph, nothing is collected', async (t) => {
  const clock = new VirtualClock(T0);
  const env = await startApi(t, { clock });
  const run = async <R>(p: Promise<R>) => {
    await clock.advance(10);
    return p;
  };
  const pods = ['a', 'b', 'c'].flatMap((o) => ['1', '2'].map((i) => [o, `${o}-${i}`]));
  const owners = new Map<string, KubeObject>();
  for (const name of ['a', 'b', 'c']) owners.set(name, await run(env.client.create('replicasets', rs(name))));
  for (const [o, name] of pods)
    await run(env.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, ownerReferences: [ownerRef(owners.get(o)!)] }, spec: { containers: [{ name: 'c', image: 'i' }] } } as KubeObject));
  const requests = new Map<string, number>();
  const sub = env.client.bus.subscribe(API_ALL, (msg) => requests.set(msg.subject, (requests.get(msg.subject) ?? 0) + 1));
  t.teardown(() => sub.unsubscribe());
  env.process('controller-manager').start(garbageCollectorController, 'controller/garbage-collector', undefined);
  await clock.advance(5_000);
  t.is(requests.get('kubus.api.replicasets.get') ?? 0, 0, 'the owners were in the graph before their pods');
  t.is(requests.get('kubus.api.pods.get') ?? 0, 0, 'no dependent needed a check');
  t.is((await run(env.client.list('pods', { namespace: NS }))).items.length, pods.length);
});
