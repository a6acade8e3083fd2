// The namespace controller (DESIGN §3 "Namespaces"): deleting a namespace empties it, reports
// what remains in its conditions, then removes it; on the virtual clock, with the test playing
// the kubelet for bound pods.
import test from 'ava';
import type { Namespace } from '../api/kinds/namespace.ts';
import type { KubeObject } from '../api/meta.ts';
import { StatusError } from '../api/status.ts';
import { garbageCollectorController } from '../actors/controllers/garbage-collector/garbage-collector.controller.ts';
import { namespaceController } from '../actors/controllers/namespace/namespace.controller.ts';
import { failingConditions, updateConditions } from '../actors/controllers/namespace/namespace-conditions.ts';
import { podGraceEstimate } from '../actors/controllers/namespace/namespace-content.ts';
import type { Pod } from '../api/kinds/pod.ts';
import { VirtualClock } from '../bus/clock.ts';
import { startApi } from './helpers/api.ts';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);

async function cluster(t: Parameters<typeof startApi>[0]) {
  const clock = new VirtualClock(T0);
  const env = await startApi(t, { clock });
  const run = async <R>(p: Promise<R>): Promise<R> => {
    let done = false;
    void p.then(() => (done = true), () => (done = true));
    await clock.runUntil(() => done, clock.now() + 10_000);
    return p;
  };
  const cm = env.process('controller-manager');
  cm.start(namespaceController, 'controller/namespace', undefined);
  cm.start(garbageCollectorController, 'controller/garbage-collector', undefined);
  await clock.advance(1_000);
  const until = async (what: string, cond: () => Promise<boolean>, limitMs = 120_000) => {
    const end = clock.now() + limitMs;
    while (!(await run(cond()))) {
      if (clock.now() >= end) throw new Error(`timed out waiting for ${what}`);
      await clock.advance(250);
    }
  };
  return { clock, env, run, until, api: env.client };
}

type Cluster = Awaited<ReturnType<typeof cluster>>;

const gone = (p: Promise<unknown>) => p.then(() => false, (e: StatusError) => (e.code === 404 ? true : Promise.reject(e)));
const nsGone = (c: Cluster, name: string) => gone(c.api.get('namespaces', name));
const count = async (c: Cluster, resource: string, namespace: string) => (await c.api.list(resource, { namespace })).items.length;

async function fill(c: Cluster, ns: string) {
  await c.run(c.api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
  const inNs = (o: Record<string, unknown>) => o as unknown as KubeObject;
  await c.run(c.api.create('configmaps', inNs({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: ns }, data: { a: '1' } })));
  await c.run(c.api.create('secrets', inNs({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec', namespace: ns } })));
  await c.run(c.api.create('services', inNs({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc', namespace: ns }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } })));
  const rs = await c.run(
    c.api.create('replicasets', inNs({
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs', namespace: ns },
      spec: { replicas: 1, selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    })),
  );
  const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true };
  for (const [name, node] of [['unbound', undefined], ['bound', 'n1'], ['owned', 'n1']] as const) {
    await c.run(c.api.create('pods', inNs({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels: { app: 'x' }, ...(name === 'owned' ? { ownerReferences: [owner] } : {}) }, spec: { containers: [{ name: 'c', image: 'i' }] } })));
    if (node) await c.run(c.api.bind(ns, name, node));
  }
}

/** Plays the kubelets: pods being deleted in `ns` are removed for good. */
async function kubeletsFinish(c: Cluster, ns: string) {
  for (const p of (await c.run(c.api.list('pods', { namespace: ns }))).items)
    if (p.metadata.deletionTimestamp) await c.run(c.api.delete('pods', p.metadata.name!, { namespace: ns, gracePeriodSeconds: 0 }));
}

const condition = (ns: Namespace, type: string) => (ns.status?.conditions as Array<{ type: string; status: string; reason: string; message: string }> | undefined)?.find((x) => x.type === type);

test('namespace - deleting a namespace empties it, says what remains, then removes it', async (t) => {
  const c = await cluster(t);
  await fill(c, 'team');
  await fill(c, 'other');
  const deleted = (await c.run(c.api.delete('namespaces', 'team'))) as Namespace;
  t.is(deleted.status?.phase, 'Terminating');
  await c.until('pods being deleted', async () => (await c.api.list('pods', { namespace: 'team' })).items.every((p) => p.metadata.deletionTimestamp));
  await c.until('content remaining reported', async () => condition(await c.api.get<Namespace>('namespaces', 'team'), 'NamespaceContentRemaining')?.status === 'True');
  const waiting = await c.run(c.api.get<Namespace>('namespaces', 'team'));
  t.is(condition(waiting, 'NamespaceContentRemaining')?.message, 'Some resources are remaining: pods. has 2 resource instances', 'the two bound pods wait for their kubelets');
  t.like(condition(waiting, 'NamespaceDeletionContentFailure'), { status: 'False', reason: 'ContentDeleted' });
  t.deepEqual(waiting.spec?.finalizers, ['kubernetes'], 'kept while content remains');
  for (const r of ['configmaps', 'secrets', 'services', 'replicasets']) t.is(await c.run(count(c, r, 'team')), 0, `${r} deleted`);
  await kubeletsFinish(c, 'team');
  await c.until('namespace gone', () => nsGone(c, 'team'));
  t.is(await c.run(count(c, 'configmaps', 'other')), 1, 'other namespaces are untouched');
  t.is(await c.run(count(c, 'pods', 'other')), 3);
});

test('namespace - nothing can be created in a terminating namespace; an empty one goes quickly', async (t) => {
  const c = await cluster(t);
  await c.run(c.api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'empty' } }));
  await c.run(c.api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'held' } }));
  await c.run(c.api.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'held', finalizers: ['example.com/hold'] } }));
  const start = c.clock.now();
  await c.run(c.api.delete('namespaces', 'empty'));
  await c.run(c.api.delete('namespaces', 'held'));
  const refused = await c.run(c.api.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late', namespace: 'held' } }).catch((e: StatusError) => e));
  t.is((refused as StatusError).code, 403);
  await c.until('empty namespace gone', () => nsGone(c, 'empty'));
  t.true(c.clock.now() - start < 10_000, 'after the 5 s deletion grace period, at once');
  await c.until('finalizers reported', async () => condition(await c.api.get<Namespace>('namespaces', 'held'), 'NamespaceFinalizersRemaining')?.status === 'True');
  const held = await c.run(c.api.get<Namespace>('namespaces', 'held'));
  t.is(condition(held, 'NamespaceFinalizersRemaining')?.message, 'Some finalizers are remaining: example.com/hold in 1 resource instances');
  t.is(condition(held, 'NamespaceContentRemaining')?.message, 'Some resources are remaining: configmaps. has 1 resource instances');
  await c.run(c.api.patch('configmaps', 'x', { metadata: { finalizers: null } }, { namespace: 'held' }));
  await c.until('held namespace gone once the finalizer is removed', () => nsGone(c, 'held'));
  t.pass();
});

test('namespace - conditions: failures set True, cleared failures flip back to their OK reason', (t) => {
  const failing = failingConditions({ remainingByResource: new Map([['pods.', 2]]), remainingByFinalizer: new Map(), deleteErrors: ['boom'] }, T0);
  const first = updateConditions([], failing, T0);
  t.true(first.changed);
  t.is(first.conditions.length, 5);
  t.like(first.conditions.find((c) => c.type === 'NamespaceDeletionContentFailure'), { status: 'True', reason: 'ContentDeletionFailed', message: 'Failed to delete all resource types, 1 remaining: boom' });
  t.false(updateConditions(first.conditions, failing, T0 + 1000).changed, 'same state: no write');
  const cleared = updateConditions(first.conditions, [], T0 + 2000);
  t.like(cleared.conditions.find((c) => c.type === 'NamespaceContentRemaining'), { status: 'False', reason: 'ContentRemoved', lastTransitionTime: '2026-11-23T10:00:02Z' });
});

test('namespace - the pod grace estimate runs out with time since deletion', (t) => {
  const pod = (grace: number, phase = 'Running') => ({ metadata: {}, spec: { containers: [], terminationGracePeriodSeconds: grace }, status: { phase } }) as unknown as Pod;
  t.is(podGraceEstimate([pod(30), pod(60), pod(90, 'Succeeded')], T0, T0 + 10_000), 60);
  t.is(podGraceEstimate([pod(30)], T0, T0 + 30_000), 0);
});
