// The DaemonSet, StatefulSet and Job controllers with the real scheduler and kubelets (sim
// runtime) on the virtual clock: they rely only on API semantics, so the real components do.
import test, { type ExecutionContext } from 'ava';
import type { DaemonSet } from '../api/kinds/daemonset.ts';
import type { Job } from '../api/kinds/job.ts';
import type { Pod } from '../api/kinds/pod.ts';
import type { StatefulSet } from '../api/kinds/statefulset.ts';
import type { KubeObject } from '../api/meta.ts';
import { daemonSetController } from '../actors/controllers/daemonset/daemonset.controller.ts';
import { jobController } from '../actors/controllers/job/job.controller.ts';
import { statefulSetController } from '../actors/controllers/statefulset/statefulset.controller.ts';
import { kubeletActor } from '../actors/kubelet/kubelet.actor.ts';
import { schedulerActor } from '../actors/scheduler/scheduler.actor.ts';
import { VirtualClock } from '../bus/clock.ts';
import { startApi } from './helpers/api.ts';

async function cluster(t: ExecutionContext, nodes = 3) {
  const clock = new VirtualClock(Date.UTC(2026, 10, 23, 10, 0, 0));
  const env = await startApi(t, { clock });
  const run = async <R>(p: Promise<R>): Promise<R> => {
    let done = false;
    void p.finally(() => (done = true)).catch(() => undefined);
    await clock.runUntil(() => done, clock.now() + 60_000);
    return p;
  };
  for (let i = 1; i <= nodes; i++) env.process(`node-${i}`).start(kubeletActor, `kubelet/node-${i}`, { nodeName: `node-${i}`, index: i });
  const cp = env.process('control-plane');
  cp.start(schedulerActor, 'scheduler', undefined);
  cp.start(daemonSetController, 'controller/daemonset', undefined);
  cp.start(statefulSetController, 'controller/statefulset', undefined);
  cp.start(jobController, 'controller/job', undefined);
  await clock.advance(5_000);
  const pods = async (app: string) => (await run(env.client.list<Pod>('pods', { namespace: 'default', labelSelector: `app=${app}` }))).items;
  return { clock, env, run, pods };
}

const template = (app: string, annotations: Record<string, string> = {}, extra: Record<string, unknown> = {}) => ({
  metadata: { labels: { app }, annotations },
  spec: { containers: [{ name: 'c', image: 'img:1' }], ...extra },
});

test('daemonset - with the real scheduler and kubelets, every node runs one Ready daemon pod', async (t) => {
  const { clock, env, run, pods } = await cluster(t);
  await run(env.client.create('daemonsets', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent') } } as KubeObject));
  await clock.advance(30_000);
  const ps = await pods('agent');
  t.deepEqual(ps.map((p) => p.spec.nodeName).sort(), ['node-1', 'node-2', 'node-3']);
  t.true(ps.every((p) => p.status?.phase === 'Running'));
  const ds = await run(env.client.get<DaemonSet>('daemonsets', 'agent', { namespace: 'default' }));
  t.like(ds.status, { desiredNumberScheduled: 3, numberReady: 3, numberAvailable: 3 });
});

test('statefulset - with the real scheduler and kubelets, pods start in order and a deleted pod returns', async (t) => {
  const { clock, env, run, pods } = await cluster(t);
  const spec = { replicas: 3, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: template('db', { 'sim.kubus.io/start-delay': '3s' }) };
  await run(env.client.create('statefulsets', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default' }, spec } as KubeObject));
  await clock.advance(60_000);
  let ps = await pods('db');
  t.deepEqual(ps.map((p) => p.metadata.name).sort(), ['db-0', 'db-1', 'db-2']);
  const created = (n: string) => Date.parse(ps.find((p) => p.metadata.name === n)!.metadata.creationTimestamp!);
  t.true(created('db-0') < created('db-1') && created('db-1') < created('db-2'));
  await run(env.client.delete('pods', 'db-1', { namespace: 'default' }));
  await clock.advance(60_000);
  ps = await pods('db');
  t.deepEqual(ps.map((p) => p.metadata.name).sort(), ['db-0', 'db-1', 'db-2']);
  const sts = await run(env.client.get<StatefulSet>('statefulsets', 'db', { namespace: 'default' }));
  t.like(sts.status, { replicas: 3, readyReplicas: 3 });
});

test('job - with the real scheduler and kubelets, completions 4 / parallelism 2 completes and an always-failing Job fails', async (t) => {
  const { clock, env, run } = await cluster(t);
  const job = (name: string, spec: object, annotations: Record<string, string>) =>
    ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'default' }, spec: { ...spec, template: template(name, annotations, { restartPolicy: 'Never' }) } }) as KubeObject;
  await run(env.client.create('jobs', job('ok', { completions: 4, parallelism: 2 }, { 'sim.kubus.io/exit-after': '5s' })));
  await run(env.client.create('jobs', job('bad', { backoffLimit: 2 }, { 'sim.kubus.io/exit-after': '1s', 'sim.kubus.io/exit-code': '1' })));
  await clock.advance(180_000);
  const ok = await run(env.client.get<Job>('jobs', 'ok', { namespace: 'default' }));
  t.like(ok.status, { succeeded: 4 });
  t.true(ok.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'));
  const bad = await run(env.client.get<Job>('jobs', 'bad', { namespace: 'default' }));
  t.like(bad.status, { failed: 3 });
  t.true(bad.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True' && c.reason === 'BackoffLimitExceeded'));
});
