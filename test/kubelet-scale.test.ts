// Several kubelets on one bus: each sees only its own pods (server-side spec.nodeName filter),
// 100 pods across 5 nodes end the same way every run with the same seed, and one broken pod
// worker does not take its kubelet down.
import test, { type ExecutionContext } from 'ava';
import { createActor, fromCallback, fromPromise, type AnyActorRef } from 'xstate';
import type { Pod } from '../api/kinds/pod.ts';
import type { KubeObject } from '../api/meta.ts';
import { kubeletActor } from '../actors/kubelet/kubelet.actor.ts';
import { kubeletMachine } from '../actors/kubelet/kubelet.machine.ts';
import { PodWorkerLogic, podWorkerLogic } from '../actors/kubelet/pod-worker.logic.ts';
import { VirtualClock } from '../bus/clock.ts';
import type { Envelope } from '../bus/memory-bus.ts';
import { startApi } from './helpers/api.ts';

const T0 = Date.UTC(2026, 0, 1);

test("kubelet - a node's kubelet never receives other nodes' pods", async (t) => {
  const clock = new VirtualClock(T0);
  const toB: Envelope[] = [];
  const env = await startApi(t, { clock, faults: { drop: (e, to) => (to === 'node-b' && toB.push(e), false) } });
  const a = env.process('node-a').start(kubeletActor, 'kubelet/node-a', { nodeName: 'node-a' });
  const b = env.process('node-b').start(kubeletActor, 'kubelet/node-b', { nodeName: 'node-b' });
  await clock.advance(1000);
  for (let i = 0; i < 10; i++) {
    void env.client.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `a-${i}`, namespace: 'default', labels: { marker: 'only-on-node-a' } },
      spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'nginx:1.27' }] },
    } as KubeObject);
  }
  await clock.advance(60_000);
  t.is(a.snapshot()!.context.pods.size, 10);
  t.is(b.snapshot()!.context.pods.size, 0);
  t.true(toB.length > 0, 'node-b did get its own traffic (lease and node replies, watch heartbeats)');
  const leaked = toB.filter((e) => Buffer.from(e.bytes).includes('only-on-node-a'));
  t.deepEqual(leaked, []);
});

/** Runs 100 pods of assorted behaviours on 5 nodes for 10 virtual minutes; returns every pod's final status. */
async function fleet(t: ExecutionContext, seed: number): Promise<string> {
  const clock = new VirtualClock(T0);
  const env = await startApi(t, { clock, seed });
  for (let n = 0; n < 5; n++) env.process(`node-${n}`).start(kubeletActor, `kubelet/node-${n}`, { nodeName: `node-${n}` });
  await clock.advance(1000);
  for (let i = 0; i < 100; i++) {
    const annotations: Record<string, string> = {};
    if (i % 7 === 0) annotations['sim.kubus.io/crash-loop'] = 'true';
    else if (i % 5 === 0) Object.assign(annotations, { 'sim.kubus.io/exit-after': `${i}s`, 'sim.kubus.io/exit-code': String(i % 2) });
    if (i % 3 === 0) annotations['sim.kubus.io/start-delay'] = `${i * 100}ms`;
    const spec: Pod['spec'] = {
      nodeName: `node-${i % 5}`,
      restartPolicy: ['Always', 'OnFailure', 'Never'][i % 3],
      containers: [{ name: 'app', image: `app:${i % 4}`, ...(i % 4 === 0 ? { readinessProbe: { exec: { command: ['true'] }, periodSeconds: 5 } } : {}) }],
    };
    if (i % 6 === 0) spec.initContainers = [{ name: 'init', image: 'busybox:1.36' }];
    void env.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${String(i).padStart(3, '0')}`, namespace: 'default', annotations }, spec } as KubeObject);
  }
  await clock.advance(10 * 60_000);
  let list: { items: Pod[] } | undefined;
  void env.client.list<Pod>('pods', { namespace: 'default' }).then((l) => (list = l));
  await clock.runUntil(() => !!list);
  t.is(list!.items.length, 100);
  const phases: Record<string, number> = {};
  for (const p of list!.items) phases[p.status!.phase!] = (phases[p.status!.phase!] ?? 0) + 1;
  t.true((phases.Running ?? 0) > 50 && (phases.Succeeded ?? 0) > 0 && (phases.Failed ?? 0) > 0, JSON.stringify(phases));
  for (let n = 0; n < 5; n++) {
    const ips = list!.items.filter((p) => p.spec.nodeName === `node-${n}`).map((p) => p.status!.podIP);
    t.is(new Set(ips).size, ips.length, `pod IPs on node-${n} are unique`);
  }
  return JSON.stringify(list!.items.map((p) => [p.metadata.name, p.metadata.uid, p.status]));
}

test('kubelet - 100 pods on 5 nodes end with the same statuses every run (same seed)', async (t) => {
  const first = await fleet(t, 42);
  const second = await fleet(t, 42);
  t.is(second, first);
  t.true(first.includes('CrashLoopBackOff'));
});

test('kubelet - a pod worker that fails is reported and the kubelet goes on', async (t) => {
  const failed: Array<{ id: string }> = [];
  const logic = kubeletMachine.provide({
    actors: {
      registerNode: fromPromise(async () => ({ uid: 'node-uid' })),
      node: fromCallback(() => {}),
      pods: fromCallback(() => {}),
      podWorker: podWorkerLogic.provide({
        actions: {
          exec: () => {
            throw new Error('boom');
          },
        },
      }),
    },
    actions: { workerFailed: (_, p) => void failed.push(p) },
  });
  const clock = new VirtualClock(T0);
  const kubelet = createActor(logic, { input: { nodeName: 'n' }, clock }).start();
  t.teardown(() => kubelet.stop());
  await clock.advance(10);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'pod-uid' }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } as Pod;
  kubelet.send({ type: 'pod.upserted', pod, now: clock.now() });
  await clock.advance(10);
  t.like(failed, [{ id: 'pod-uid' }]);
  t.is(kubelet.getSnapshot().status, 'active');
});

test("kubelet - the kubelets of one process share their statecharts' state nodes, each with its own effects", async (t) => {
  const clock = new VirtualClock(T0);
  const env = await startApi(t, { clock });
  const proc = env.process('nodes');
  const a = proc.start(kubeletActor, 'kubelet/node-a', { nodeName: 'node-a' });
  const b = proc.start(kubeletActor, 'kubelet/node-b', { nodeName: 'node-b' });
  await clock.advance(1000);
  const logicOf = (h: typeof a) => (h.ref as unknown as { logic: typeof kubeletMachine }).logic;
  t.is(logicOf(a).root, kubeletMachine.root, 'one tree of state nodes, not one per kubelet');
  t.is(logicOf(b).root, kubeletMachine.root);
  t.not(logicOf(a).implementations.actors.pods, logicOf(b).implementations.actors.pods, 'each kubelet has its own effects');
  const worker = (h: typeof a) => logicOf(h).implementations.actors.podWorker as typeof podWorkerLogic;
  t.true(worker(a) instanceof PodWorkerLogic, 'pod workers are the pod worker logic, with no tree of state nodes to share');
  t.not(worker(a).implementations.actions.exec, worker(b).implementations.actions.exec, "each kubelet's workers run its own effects");
  for (const n of ['node-a', 'node-b'])
    void env.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `on-${n}`, namespace: 'default' }, spec: { nodeName: n, containers: [{ name: 'c', image: 'nginx:1.27' }] } } as KubeObject);
  await clock.advance(30_000);
  let list: { items: Pod[] } | undefined;
  void env.client.list<Pod>('pods', { namespace: 'default' }).then((l) => (list = l));
  await clock.runUntil(() => !!list);
  t.deepEqual(list!.items.map((p) => [p.metadata.name, p.status?.phase]).sort(), [['on-node-a', 'Running'], ['on-node-b', 'Running']]);
});

test('kubelet - a kubelet that stops stops its pod workers with it', async (t) => {
  const clock = new VirtualClock(T0);
  const env = await startApi(t, { clock });
  const proc = env.process('nodes');
  const h = proc.start(kubeletActor, 'kubelet/node-a', { nodeName: 'node-a' });
  await clock.advance(1000);
  for (let i = 0; i < 5; i++)
    void env.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}`, namespace: 'default' }, spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'nginx:1.27' }] } } as KubeObject);
  await clock.advance(30_000);
  const ref = h.ref!;
  const children = Object.values(ref.getSnapshot().children as Record<string, AnyActorRef>);
  const workers = children.filter((c) => c.id !== 'pods' && c.id !== 'node');
  t.is(workers.length, 5);
  t.true(children.every((c) => c.getSnapshot().status === 'active'));
  const stopped: string[] = [];
  for (const c of children) c.subscribe({ complete: () => stopped.push(c.id) });
  await proc.stop('kubelet/node-a');
  t.is(ref.getSnapshot().status, 'stopped');
  t.deepEqual(ref.getSnapshot().children, {});
  t.deepEqual(stopped.sort(), children.map((c) => c.id).sort(), 'every child completed (stopped)');
  t.true(children.every((c) => c.getSnapshot().status === 'stopped'));
  t.true(children.every((c) => (c as unknown as { _processingStatus: number })._processingStatus === 2), 'none processes events any more');
});
