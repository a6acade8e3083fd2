// The scheduler actor beyond single scenarios: the real clock with a real burst, determinism on the
// virtual clock, which pods it takes, and the 5-minute retry of unschedulable pods.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import type { Pod } from '../api/kinds/pod.ts';
import { nodeAllocatable, podRequests } from '../api/kinds/pod-helpers.ts';
import type { ExplainReply } from '../actors/scheduler/explain.ts';
import { schedulerActor } from '../actors/scheduler/scheduler.actor.ts';
import { componentRegistry } from '../actors/lib/metrics-registry.ts';
import { apiSubject, SCHEDULER_EXPLAIN } from '../bus/subjects.ts';
import { startApi } from './helpers/api.ts';
import { mkNode, mkPod, schedEnv } from './helpers/scheduler.ts';
import { waitFor } from './helpers/wait.ts';

const strip = (o: KubeObject) => {
  const c = structuredClone(o);
  delete c.metadata.uid;
  return c;
};

test('scheduler - real clock: a burst of 100 pods onto 20 one-cpu nodes binds exactly what fits', async (t) => {
  const env = await startApi(t);
  const nodes = Array.from({ length: 20 }, (_, i) => mkNode(`n${i}`, { cpu: '1', memory: '4Gi' }));
  for (const n of nodes) await env.client.create('nodes', strip(n));
  const sched = env.process('scheduler').start(schedulerActor, 'scheduler', {});
  await waitFor(() => sched.snapshot()?.matches({ lifecycle: 'idle' }), 'scheduler synced');
  await Promise.all(Array.from({ length: 100 }, (_, i) => env.client.create('pods', strip(mkPod(`p${i}`, { cpu: '300m', memory: '64Mi' })))));
  const bound = async () => (await env.client.list<Pod>('pods', { namespace: 'default' })).items.filter((p) => p.spec.nodeName);
  await waitFor(async () => (await bound()).length === 60, '60 pods bound');
  await waitFor(async () => (await env.client.list<Pod>('pods', { namespace: 'default' })).items.filter((p) => p.status?.conditions?.some((c) => c.reason === 'Unschedulable')).length === 40, '40 pods marked Unschedulable');
  const cpu = new Map<string, number>();
  for (const p of await bound()) cpu.set(p.spec.nodeName!, (cpu.get(p.spec.nodeName!) ?? 0) + podRequests(p).cpu);
  for (const [node, used] of cpu) t.true(used <= nodeAllocatable(nodes[0]).cpu, `${node}: ${used}m`);
  t.is(cpu.size, 20);
});

test('scheduler - the same seed gives the same placements', async (t) => {
  const place = async (seed: number) => {
    const s = await schedEnv(t, seed);
    for (let i = 0; i < 8; i++) await s.createNode(mkNode(`n${i}`, { labels: { 'topology.kubernetes.io/zone': `z${i % 3}` } }));
    s.startScheduler();
    for (let i = 0; i < 12; i++) await s.createPod(mkPod(`p${i}`, { cpu: '100m', labels: { app: 'web' } }));
    await s.clock.advance(5_000);
    return (await s.listPods()).map((p) => `${p.metadata.name}@${p.spec.nodeName}`);
  };
  const a = await place(11);
  t.is(a.filter((x) => !x.endsWith('@undefined')).length, 12);
  t.deepEqual(await place(11), a);
});

test('scheduler - pods for another scheduler, or already naming their node, are left alone', async (t) => {
  const s = await schedEnv(t);
  await s.createNode(mkNode('n1'));
  const other = mkPod('other');
  other.spec.schedulerName = 'my-scheduler';
  await s.createPod(other);
  s.startScheduler();
  await s.createPod(mkPod('mine'));
  await s.clock.advance(3_000);
  t.is((await s.getPod('other')).spec.nodeName, undefined);
  t.is((await s.getPod('other')).status?.conditions, undefined);
  t.is((await s.getPod('mine')).spec.nodeName, 'n1');
  // A second scheduler with that name takes it.
  s.env.process('scheduler-2').start(schedulerActor, 'my-scheduler', { schedulerName: 'my-scheduler' });
  await s.clock.advance(3_000);
  t.is((await s.getPod('other')).spec.nodeName, 'n1');
});

test('scheduler - an unschedulable pod with nothing changing is retried after podMaxInUnschedulablePodsDuration (5 min)', async (t) => {
  const s = await schedEnv(t);
  await s.createNode(mkNode('n1', { cpu: '1' }));
  s.startScheduler();
  await s.createPod(mkPod('big', { cpu: '2' }));
  const lastAt = async () => (await s.run(s.env.client.bus.request<ExplainReply>(SCHEDULER_EXPLAIN, { name: 'big' }))).data.last?.at;
  await s.clock.advance(1_000);
  const first = await lastAt();
  await s.clock.advance(4 * 60_000);
  t.is(await lastAt(), first, 'no retry before 5 minutes');
  await s.clock.advance(90_000);
  t.not(await lastAt(), first, 'retried by the leftover flush (every 30 s)');
});

test('scheduler - a binding that fails (request lost, timed out) is forgotten and retried after backoff', async (t) => {
  const s = await schedEnv(t);
  await s.createNode(mkNode('n1', { cpu: '1' }));
  // A profile of its own: the metrics registry is the process's, shared with this file's other schedulers.
  const profile = 'bind-retry-scheduler';
  const sched = s.startScheduler({ schedulerName: profile });
  const pod = (name: string, cpu: string) => {
    const p = mkPod(name, { cpu });
    p.spec.schedulerName = profile;
    return p;
  };
  // scheduler_schedule_attempts_total by result: a binding counts as scheduled once it landed, a lost one as an error.
  const attempts = async () => {
    const metric = componentRegistry({ component: 'scheduler', instance: { scheduler: 'scheduler' } }).getSingleMetric('scheduler_schedule_attempts_total');
    const values = metric ? (await metric.get()).values : [];
    const of = (result: string) => values.find((v) => v.labels.result === result && v.labels.profile === profile)?.value ?? 0;
    return { scheduled: of('scheduled'), error: of('error') };
  };
  await s.clock.advance(1_000);
  let dropped = 0;
  const bind = apiSubject('pods', 'bind');
  s.env.broker.faults = { drop: (env) => env.subject === bind && env.from === 'scheduler' && dropped++ === 0 };
  await s.createPod(pod('p', '600m'));
  await s.clock.advance(9_000);
  t.is((await s.getPod('p')).spec.nodeName, undefined, 'the first binding is lost');
  t.deepEqual(await attempts(), { scheduled: 0, error: 0 }, 'the lost binding not counted before it times out');
  await s.clock.advance(5_000); // the request times out at 10 s; the pod backs off 1 s, then binds
  t.is((await s.getPod('p')).spec.nodeName, 'n1');
  t.like(sched.snapshot()?.context.stats, { bindFailures: 1, scheduled: 2 });
  t.deepEqual(await attempts(), { scheduled: 1, error: 1 }, 'one binding lost, one retried that landed (not lost, not doubled)');
  // Its assumption was dropped before the retry: the node holds it once.
  await s.createPod(pod('q', '400m'));
  await s.clock.advance(2_000);
  t.is((await s.getPod('q')).spec.nodeName, 'n1');
  t.deepEqual(await attempts(), { scheduled: 2, error: 1 });
});

test('scheduler - with no nodes at all a pod is Unschedulable ("no nodes available to schedule pods") until the first node registers', async (t) => {
  const s = await schedEnv(t);
  s.startScheduler();
  await s.createPod(mkPod('early'));
  await s.clock.advance(2_000);
  t.like((await s.getPod('early')).status?.conditions?.find((c) => c.type === 'PodScheduled'), { status: 'False', reason: 'Unschedulable', message: 'no nodes available to schedule pods' });
  await s.createNode(mkNode('first'));
  await s.clock.advance(1_000);
  t.is((await s.getPod('early')).spec.nodeName, 'first');
});
