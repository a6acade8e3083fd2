// StatefulSet controller (issue 4 item 4) on the virtual clock, with fake nodes: a test-only loop
// that binds pods round-robin, runs them Ready after a delay and removes deleted ones after a delay.
import test, { type ExecutionContext } from 'ava';
import type { ControllerRevision } from '../api/kinds/controllerrevision.ts';
import type { Pod } from '../api/kinds/pod.ts';
import type { StatefulSet } from '../api/kinds/statefulset.ts';
import type { KubeObject } from '../api/meta.ts';
import { rfc3339 } from '../api/names.ts';
import { statefulSetController } from '../actors/controllers/statefulset/statefulset.controller.ts';
import { VirtualClock } from '../bus/clock.ts';
import type { ApiClient } from '../bus/client.ts';
import { startApi } from './helpers/api.ts';
import { recordPodOwners } from './helpers/owners.ts';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);

interface Timing {
  /** Scheduled → Running and Ready. */
  readyMs: number;
  /** Deletion requested → gone. */
  stopMs: number;
}

/** Fake kubelets + scheduler: every second, bind pods round-robin over n1..n3, make them Running/Ready after `readyMs`, remove deleted ones after `stopMs`. */
function fakeNodes(client: ApiClient, clock: VirtualClock, timing: Timing) {
  let alive = true;
  let next = 0;
  const tick = async () => {
    const now = clock.now();
    for (const p of (await client.list<Pod>('pods', { namespace: 'default' })).items) {
      const ns = { namespace: 'default' };
      const del = p.metadata.deletionTimestamp;
      if (del) {
        const asked = Date.parse(del) - (p.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
        if (now - asked >= timing.stopMs) await client.delete('pods', p.metadata.name!, { ...ns, gracePeriodSeconds: 0 }).catch(() => undefined);
        continue;
      }
      if (!p.spec.nodeName) {
        await client.bind('default', p.metadata.name!, `n${(next++ % 3) + 1}`).catch(() => undefined);
        continue;
      }
      const scheduled = Date.parse(p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime ?? '');
      if (p.status?.phase === 'Pending' && now - scheduled >= timing.readyMs) {
        const status = { ...p.status, phase: 'Running', conditions: [...(p.status?.conditions ?? []), { type: 'Ready', status: 'True', lastTransitionTime: rfc3339(now) }] };
        await client.updateStatus('pods', { ...p, status } as KubeObject).catch(() => undefined);
      }
    }
  };
  const loop = () => alive && void tick().finally(() => clock.setTimeout(loop, 1_000));
  loop();
  return { stop: () => (alive = false) };
}

const statefulSet = (name: string, spec: Record<string, unknown> = {}, image = 'db:1'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name, namespace: 'default' },
  spec: {
    replicas: 3,
    serviceName: `${name}-headless`,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'db', image }] } },
    ...spec,
  },
});

async function cluster(t: ExecutionContext, timing: Timing = { readyMs: 5_000, stopMs: 3_000 }) {
  const clock = new VirtualClock(T0);
  const env = await startApi(t, { clock });
  const run = async <R>(p: Promise<R>): Promise<R> => {
    let done = false;
    void p.finally(() => (done = true)).catch(() => undefined);
    await clock.runUntil(() => done, clock.now() + 10_000);
    return p;
  };
  for (const n of ['n1', 'n2', 'n3'])
    await run(env.client.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: n }, status: { conditions: [{ type: 'Ready', status: 'True' }] } } as KubeObject));
  const fake = fakeNodes(env.client, clock, timing);
  t.teardown(() => fake.stop());
  env.process('controller-manager').start(statefulSetController, 'controller/statefulset', undefined);
  const all = async () => (await run(env.client.list<Pod>('pods', { namespace: 'default' }))).items;
  const names = async () => (await all()).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name!).sort();
  const get = (name: string) => run(env.client.get<StatefulSet>('statefulsets', name, { namespace: 'default' }));
  const update = async (name: string, f: (s: StatefulSet) => void) => {
    const s = structuredClone(await get(name)); // what the bus delivers is frozen
    f(s);
    await run(env.client.update('statefulsets', s as KubeObject));
  };
  /** Advances `seconds` one second at a time, calling `check` with the pods after each second. */
  const watch = async (seconds: number, check: (pods: Pod[]) => void) => {
    for (let i = 0; i < seconds; i++) {
      await clock.advance(1_000);
      check(await all());
    }
  };
  return { clock, env, run, all, names, get, update, watch };
}

const readyAt = (p: Pod) => Date.parse(p.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime ?? '');

test('statefulset - OrderedReady starts pods in order, each once the previous one is Ready; identity and status', async (t) => {
  const { env, run, names, get, watch } = await cluster(t);
  await run(env.client.create('statefulsets', statefulSet('web')));
  const seen = new Map<string, Pod>();
  await watch(40, (pods) => pods.forEach((p) => seen.set(p.metadata.name!, p)));
  t.deepEqual(await names(), ['web-0', 'web-1', 'web-2']);
  for (const [prev, next] of [['web-0', 'web-1'], ['web-1', 'web-2']]) {
    const created = Date.parse(seen.get(next)!.metadata.creationTimestamp!);
    t.true(created >= readyAt(seen.get(prev)!), `${next} created after ${prev} is Ready`);
  }
  const p = seen.get('web-1')!;
  t.like(p.metadata.labels, { app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-1', 'apps.kubernetes.io/pod-index': '1' });
  t.like(p.spec, { hostname: 'web-1', subdomain: 'web-headless' });
  t.like(p.metadata.ownerReferences?.[0], { kind: 'StatefulSet', name: 'web', controller: true });
  const s = (await get('web')).status!;
  t.like(s, { replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3, observedGeneration: 1 });
  t.is(s.currentRevision, s.updateRevision);
  t.is(p.metadata.labels!['controller-revision-hash'], s.currentRevision!, 'pods carry the revision name, as upstream');
});

test('statefulset - a deleted pod comes back with the same name; a failed pod is replaced', async (t) => {
  const { clock, env, run, names, all } = await cluster(t);
  await run(env.client.create('statefulsets', statefulSet('db')));
  await clock.advance(40_000);
  const before = (await all()).find((p) => p.metadata.name === 'db-1')!;
  await run(env.client.delete('pods', 'db-1', { namespace: 'default' }));
  await clock.advance(20_000);
  t.deepEqual(await names(), ['db-0', 'db-1', 'db-2']);
  const after = (await all()).find((p) => p.metadata.name === 'db-1')!;
  t.not(after.metadata.uid, before.metadata.uid, 'a new pod with the old name');

  const failing = (await all()).find((p) => p.metadata.name === 'db-2')!;
  await run(env.client.updateStatus('pods', { ...failing, status: { ...failing.status, phase: 'Failed' } } as KubeObject));
  await clock.advance(20_000);
  const replaced = (await all()).find((p) => p.metadata.name === 'db-2')!;
  t.not(replaced.metadata.uid, failing.metadata.uid);
  t.is(replaced.status?.phase, 'Running');
});

test('statefulset - scales down from the highest ordinal, one pod at a time, waiting for each to terminate', async (t) => {
  const { env, run, names, update, watch } = await cluster(t);
  await run(env.client.create('statefulsets', statefulSet('kv', { replicas: 4 })));
  await watch(60, () => {});
  t.deepEqual(await names(), ['kv-0', 'kv-1', 'kv-2', 'kv-3']);
  await update('kv', (s) => (s.spec.replicas = 1));
  const order: string[] = [];
  let maxTerminating = 0;
  await watch(30, (pods) => {
    const terminating = pods.filter((p) => p.metadata.deletionTimestamp);
    maxTerminating = Math.max(maxTerminating, terminating.length);
    for (const p of terminating) if (!order.includes(p.metadata.name!)) order.push(p.metadata.name!);
  });
  t.deepEqual(order, ['kv-3', 'kv-2', 'kv-1']);
  t.is(maxTerminating, 1);
  t.deepEqual(await names(), ['kv-0']);
});

test('statefulset - Parallel creates and deletes pods without waiting', async (t) => {
  const { env, run, names, update, watch } = await cluster(t, { readyMs: 600_000, stopMs: 3_000 });
  await run(env.client.create('statefulsets', statefulSet('par', { replicas: 4, podManagementPolicy: 'Parallel' })));
  await watch(3, () => {});
  t.deepEqual(await names(), ['par-0', 'par-1', 'par-2', 'par-3'], 'all created although none is Ready');
  await update('par', (s) => (s.spec.replicas = 1));
  let terminating = 0;
  await watch(2, (pods) => (terminating = Math.max(terminating, pods.filter((p) => p.metadata.deletionTimestamp).length)));
  t.is(terminating, 3, 'scale-down deletes at once');
});

test('statefulset - a rolling update with a partition updates from the highest ordinal down to the partition only', async (t) => {
  const { env, run, all, get, update, watch } = await cluster(t);
  await run(env.client.create('statefulsets', statefulSet('app', { replicas: 4, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } })));
  await watch(60, () => {});
  const oldRev = (await get('app')).status!.currentRevision;
  await update('app', (s) => (s.spec.template.spec.containers[0].image = 'db:2'));
  const order: string[] = [];
  await watch(60, (pods) => {
    for (const p of pods) if (p.metadata.deletionTimestamp && !order.includes(p.metadata.name!)) order.push(p.metadata.name!);
  });
  t.deepEqual(order, ['app-3', 'app-2'], 'highest ordinal first, nothing below the partition');
  const images = Object.fromEntries((await all()).map((p) => [p.metadata.name, p.spec.containers[0].image]));
  t.deepEqual(images, { 'app-0': 'db:1', 'app-1': 'db:1', 'app-2': 'db:2', 'app-3': 'db:2' });
  let s = (await get('app')).status!;
  t.like(s, { replicas: 4, updatedReplicas: 2, currentReplicas: 2, currentRevision: oldRev });
  t.not(s.updateRevision, oldRev);

  await update('app', (x) => (x.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }));
  await watch(60, () => {});
  t.deepEqual((await all()).map((p) => p.spec.containers[0].image), ['db:2', 'db:2', 'db:2', 'db:2']);
  s = (await get('app')).status!;
  t.like(s, { updatedReplicas: 4, currentReplicas: 4, currentRevision: s.updateRevision });
  const revs = (await run(env.client.list<ControllerRevision>('controllerrevisions', { namespace: 'default' }))).items;
  t.deepEqual(revs.map((r) => r.revision).sort(), [1, 2]);
});

test('statefulset - an orphan pod is adopted by the set it belongs to, not by another set selecting the same labels', async (t) => {
  const { env, run, names, get, watch } = await cluster(t);
  await run(env.client.create('statefulsets', statefulSet('web', { replicas: 1 })));
  const other = statefulSet('other', { replicas: 1 }) as KubeObject & { spec: { selector: unknown; template: { metadata: unknown } } };
  other.spec.selector = { matchLabels: { app: 'web' } };
  other.spec.template.metadata = { labels: { app: 'web' } };
  await run(env.client.create('statefulsets', other));
  await watch(20, () => {});
  t.deepEqual(await names(), ['other-0', 'web-0']);
  const { owners, stop } = await run(recordPodOwners(env.client));
  t.teardown(stop);
  // web-1 is beyond web's one replica: once adopted, it is condemned and deleted.
  await run(env.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'db', image: 'db:1' }] } }));
  await watch(10, () => {});
  t.deepEqual([...(owners.get('web-1') ?? [])], [(await get('web')).metadata.uid]);
  t.deepEqual(await names(), ['other-0', 'web-0']);
});

test('statefulset - OnDelete: pods keep their revision until deleted, then come back at the update revision', async (t) => {
  const { env, run, all, get, update, watch } = await cluster(t);
  await run(env.client.create('statefulsets', statefulSet('od', { replicas: 2, updateStrategy: { type: 'OnDelete' } })));
  await watch(40, () => {});
  await update('od', (s) => (s.spec.template.spec.containers[0].image = 'db:2'));
  await watch(30, () => {});
  t.deepEqual((await all()).map((p) => p.spec.containers[0].image), ['db:1', 'db:1']);
  await run(env.client.delete('pods', 'od-0', { namespace: 'default' }));
  await watch(30, () => {});
  const images = Object.fromEntries((await all()).map((p) => [p.metadata.name, p.spec.containers[0].image]));
  t.deepEqual(images, { 'od-0': 'db:2', 'od-1': 'db:1' });
  t.like((await get('od')).status, { replicas: 2, updatedReplicas: 1 });
});
