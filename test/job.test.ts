// Job and TTL-after-finished controllers (issue 4 item 5) on the virtual clock, with fake nodes: a
// test-only loop that binds pods, runs them, ends them Succeeded or Failed after a delay, and
// terminates deleted ones as the kubelet does (terminal phase, then a delete with grace 0).
import test, { type ExecutionContext } from 'ava';
import type { Job } from '../api/kinds/job.ts';
import type { Pod } from '../api/kinds/pod.ts';
import type { KubeObject } from '../api/meta.ts';
import { rfc3339 } from '../api/names.ts';
import { nextBackoffRecord, remainingBackoff } from '../actors/controllers/job/job.backoff.ts';
import { jobController } from '../actors/controllers/job/job.controller.ts';
import { formatIndexes, parseIndexes } from '../actors/controllers/job/job.indexed.ts';
import { ttlAfterFinishedController } from '../actors/controllers/job/ttl-after-finished.controller.ts';
import { VirtualClock } from '../bus/clock.ts';
import type { ApiClient } from '../bus/client.ts';
import { startApi } from './helpers/api.ts';
import { recordPodOwners } from './helpers/owners.ts';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);

/** How a fake pod ends: after `runMs` of running, with this exit code (undefined: runs until deleted). */
type Outcome = { runMs: number; exitCode: number } | undefined;

function terminated(p: Pod, now: number, exitCode: number) {
  const at = rfc3339(now);
  const conditions = (p.status?.conditions ?? []).filter((c) => c.type !== 'Ready').concat({ type: 'Ready', status: 'False', lastTransitionTime: at });
  const containerStatuses = p.spec.containers.map((c) => ({ name: c.name, ready: false, restartCount: 0, state: { terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed', finishedAt: at } } }));
  return { ...p, status: { ...p.status, phase: exitCode ? 'Failed' : 'Succeeded', conditions, containerStatuses } } as KubeObject;
}

/** Fake kubelets + scheduler, every second: bind, run (Ready) 1 s after binding, end per `outcome`, terminate deleted pods. */
function fakeNodes(client: ApiClient, clock: VirtualClock, outcome: (p: Pod) => Outcome) {
  let alive = true;
  let next = 0;
  const tick = async () => {
    const now = clock.now();
    for (const p of (await client.list<Pod>('pods', { namespace: 'default' })).items) {
      const ns = { namespace: 'default' };
      const phase = p.status?.phase;
      const final = phase === 'Succeeded' || phase === 'Failed';
      if (p.metadata.deletionTimestamp) {
        if (!final) await client.updateStatus('pods', terminated(p, now, 143)).catch(() => undefined);
        if ((p.metadata.deletionGracePeriodSeconds ?? 0) > 0 || !final) await client.delete('pods', p.metadata.name!, { ...ns, gracePeriodSeconds: 0 }).catch(() => undefined);
        continue;
      }
      if (!p.spec.nodeName) {
        await client.bind('default', p.metadata.name!, `n${(next++ % 3) + 1}`).catch(() => undefined);
        continue;
      }
      if (phase === 'Pending') {
        const status = { ...p.status, phase: 'Running', startTime: rfc3339(now), conditions: [...(p.status?.conditions ?? []), { type: 'Ready', status: 'True', lastTransitionTime: rfc3339(now) }] };
        await client.updateStatus('pods', { ...p, status } as KubeObject).catch(() => undefined);
        continue;
      }
      const o = outcome(p);
      if (phase === 'Running' && o && now - Date.parse(p.status!.startTime!) >= o.runMs) await client.updateStatus('pods', terminated(p, now, o.exitCode)).catch(() => undefined);
    }
  };
  const loop = () => alive && void tick().finally(() => clock.setTimeout(loop, 1_000));
  loop();
  return { stop: () => (alive = false) };
}

const job = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: 'default' },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox' }] } }, ...spec },
});

async function cluster(t: ExecutionContext, outcome: (p: Pod) => Outcome) {
  const clock = new VirtualClock(T0);
  const env = await startApi(t, { clock });
  const run = async <R>(p: Promise<R>): Promise<R> => {
    let done = false;
    void p.finally(() => (done = true)).catch(() => undefined);
    await clock.runUntil(() => done, clock.now() + 10_000);
    return p;
  };
  const fake = fakeNodes(env.client, clock, outcome);
  t.teardown(() => fake.stop());
  const cm = env.process('controller-manager');
  cm.start(jobController, 'controller/job', undefined);
  cm.start(ttlAfterFinishedController, 'controller/ttl-after-finished', undefined);
  const pods = async () => (await run(env.client.list<Pod>('pods', { namespace: 'default' }))).items;
  const get = (name: string) => run(env.client.get<Job>('jobs', name, { namespace: 'default' }));
  const watch = async (seconds: number, check: (pods: Pod[]) => void = () => {}) => {
    for (let i = 0; i < seconds; i++) {
      await clock.advance(1_000);
      check(await pods());
    }
  };
  return { clock, env, run, pods, get, watch };
}

const conds = (j: Job) => (j.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => [c.type, c.reason, c.message]);

test('job - completions 5 / parallelism 2 completes with never more than 2 pods active', async (t) => {
  const { env, run, pods, get, watch } = await cluster(t, () => ({ runMs: 5_000, exitCode: 0 }));
  await run(env.client.create('jobs', job('batch', { completions: 5, parallelism: 2 })));
  let maxActive = 0;
  const seen = new Set<string>();
  await watch(60, (ps) => {
    ps.forEach((p) => seen.add(p.metadata.name!));
    maxActive = Math.max(maxActive, ps.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length);
  });
  t.is(maxActive, 2);
  t.is(seen.size, 5, 'exactly one pod per completion');
  const j = await get('batch');
  t.deepEqual(conds(j), [
    ['SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods'],
    ['Complete', 'CompletionsReached', 'Reached expected number of succeeded pods'],
  ]);
  t.like(j.status, { succeeded: 5, failed: undefined, active: undefined, ready: 0, terminating: 0 }, 'zero counters omitted, as upstream (omitempty)');
  t.truthy(j.status?.startTime);
  t.truthy(j.status?.completionTime);
  t.deepEqual((j.status as { uncountedTerminatedPods?: object }).uncountedTerminatedPods, { succeeded: [], failed: [] });
  const all = await pods();
  const p = all[0];
  t.like(p.metadata.labels, { 'batch.kubernetes.io/job-name': 'batch', 'job-name': 'batch', 'batch.kubernetes.io/controller-uid': j.metadata.uid, 'controller-uid': j.metadata.uid });
  t.like(p.metadata.ownerReferences?.[0], { kind: 'Job', name: 'batch', controller: true });
  t.true(all.every((x) => !x.metadata.finalizers?.includes('batch.kubernetes.io/job-tracking')), 'tracking finalizers removed once counted');
});

test('job - pods that always fail are recreated after 10 s, 20 s, 40 s ... and the Job fails at backoffLimit (6)', async (t) => {
  const { env, run, get, watch } = await cluster(t, () => ({ runMs: 2_000, exitCode: 1 }));
  await run(env.client.create('jobs', job('crash')));
  const seen = new Map<string, Pod>();
  await watch(700, (ps) => ps.forEach((p) => seen.set(p.metadata.name!, p)));
  const ordered = [...seen.values()].sort((a, b) => a.metadata.creationTimestamp!.localeCompare(b.metadata.creationTimestamp!));
  t.is(ordered.length, 7, 'backoffLimit 6: the 7th failure ends the Job');
  const gaps = ordered.slice(1).map((p, i) => (Date.parse(p.metadata.creationTimestamp!) - Date.parse(ordered[i].status!.containerStatuses![0].state!.terminated!.finishedAt!)) / 1000);
  const expected = [10, 20, 40, 80, 160, 320];
  gaps.forEach((g, i) => t.true(g >= expected[i] && g <= expected[i] + 1, `replacement ${i + 1} after ${g} s (expected ${expected[i]} s)`));
  const j = await get('crash');
  t.deepEqual(conds(j), [
    ['FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
    ['Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
  ]);
  t.like(j.status, { failed: 7, succeeded: undefined, active: undefined });
  t.falsy(j.status?.completionTime);
});

test('job - activeDeadlineSeconds fails the Job (DeadlineExceeded) and deletes its running pods', async (t) => {
  const { env, run, pods, get, watch } = await cluster(t, () => undefined);
  await run(env.client.create('jobs', job('slow', { parallelism: 2, completions: 4, activeDeadlineSeconds: 30 })));
  await watch(25);
  t.is((await pods()).filter((p) => p.status?.phase === 'Running').length, 2);
  t.deepEqual(conds(await get('slow')), []);
  await watch(10);
  const j = await get('slow');
  t.deepEqual(conds(j), [
    ['FailureTarget', 'DeadlineExceeded', 'Job was active longer than specified deadline'],
    ['Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline'],
  ]);
  t.like(j.status, { active: undefined, failed: 2, terminating: 0 });
  t.deepEqual(await pods(), [], 'the running pods were deleted');
});

test('job - ttlSecondsAfterFinished deletes the finished Job after the TTL', async (t) => {
  const { clock, env, run, get, watch } = await cluster(t, () => ({ runMs: 3_000, exitCode: 0 }));
  await run(env.client.create('jobs', job('short', { ttlSecondsAfterFinished: 60 })));
  await watch(10);
  const done = await get('short');
  const finishedAt = Date.parse(done.status!.conditions!.find((c) => c.type === 'Complete' && c.status === 'True')!.lastTransitionTime!);
  const gone = () => run(env.client.get('jobs', 'short', { namespace: 'default' }).then(() => false, () => true));
  await clock.advance(finishedAt + 59_000 - clock.now());
  t.false(await gone(), 'still there before the TTL');
  await clock.advance(2_000);
  t.true(await gone(), 'deleted once the TTL has passed');
});

test('job - suspend deletes the active pods without counting them as failed; resume starts again', async (t) => {
  const { env, run, pods, get, watch } = await cluster(t, () => ({ runMs: 30_000, exitCode: 0 }));
  await run(env.client.create('jobs', job('pausable', { parallelism: 2, completions: 2 })));
  await watch(5);
  t.is((await pods()).length, 2);
  const j = await get('pausable');
  await run(env.client.update('jobs', { ...j, spec: { ...j.spec, suspend: true } } as KubeObject));
  await watch(5);
  t.deepEqual(await pods(), []);
  const s = await get('pausable');
  t.like(s.status, { active: undefined, failed: undefined });
  t.deepEqual(conds(s), [['Suspended', 'JobSuspended', 'Job suspended']]);
  await run(env.client.update('jobs', { ...s, spec: { ...s.spec, suspend: false } } as KubeObject));
  await watch(40);
  const r = await get('pausable');
  t.like(r.status, { succeeded: 2, failed: undefined });
  t.deepEqual(conds(r).map((c) => c[0]), ['SuccessCriteriaMet', 'Complete']);
});

test('job - Indexed: one succeeded pod per index (a failed index is retried), with the index annotation, label, hostname and env', async (t) => {
  const decided = new Map<string, Outcome>();
  const outcome = (p: Pod): Outcome => {
    // The first pod of index 2 fails; every other pod succeeds.
    if (!decided.has(p.metadata.name!)) {
      const first = p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] === '2' && ![...decided.keys()].some((n) => n.startsWith('idx-2-'));
      decided.set(p.metadata.name!, { runMs: 3_000, exitCode: first ? 1 : 0 });
    }
    return decided.get(p.metadata.name!);
  };
  const { env, run, pods, get, watch } = await cluster(t, outcome);
  await run(env.client.create('jobs', job('idx', { completionMode: 'Indexed', completions: 4, parallelism: 2 })));
  await watch(60);
  const j = await get('idx');
  t.like(j.status, { succeeded: 4, failed: 1, completedIndexes: '0-3' });
  t.deepEqual(conds(j).map((c) => c[0]), ['SuccessCriteriaMet', 'Complete']);
  const all = await pods();
  t.deepEqual(all.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']).sort(), ['0', '1', '2', '2', '3']);
  const p = all.find((x) => x.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] === '3')!;
  t.true(p.metadata.name!.startsWith('idx-3-'));
  t.is(p.spec.hostname, 'idx-3');
  t.is(p.metadata.labels?.['batch.kubernetes.io/job-completion-index'], '3');
  t.deepEqual(p.spec.containers[0].env, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } } }]);
});

test('job - an orphan holding the tracking finalizer loses it, so do the pods of a deleted Job; an orphan its selector matches is adopted by that Job only', async (t) => {
  const { env, run, pods, get, watch } = await cluster(t, () => undefined);
  const F = 'batch.kubernetes.io/job-tracking';
  await run(env.client.create('jobs', job('keeper', { parallelism: 1, completions: 1 })));
  await run(env.client.create('jobs', job('bystander', { parallelism: 1, completions: 1 })));
  await run(env.client.create('jobs', job('doomed', { parallelism: 1, completions: 1 })));
  await watch(5);
  const doomed = (await pods()).find((p) => p.metadata.ownerReferences?.[0].name === 'doomed')!;
  t.true(doomed.metadata.finalizers?.includes(F));
  await run(env.client.delete('jobs', 'doomed', { namespace: 'default' })); // no garbage collector here: the pod stays
  const keeper = await get('keeper');
  const pod = (name: string, labels: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels, finalizers: [F] }, spec: { containers: [{ name: 'c', image: 'i' }] } });
  // Every owner the pods ever had (the adopted one is then deleted as one too many for parallelism 1).
  const { owners, stop } = await run(recordPodOwners(env.client));
  t.teardown(stop);
  await run(env.client.create('pods', pod('stray', { app: 'none' })));
  await run(env.client.create('pods', pod('foundling', { 'batch.kubernetes.io/controller-uid': keeper.metadata.uid! })));
  await watch(5);
  const byName = new Map((await pods()).map((p) => [p.metadata.name!, p]));
  t.deepEqual(byName.get('stray')?.metadata.finalizers ?? [], [], 'an orphan that no Job selects: its finalizer goes');
  t.deepEqual(byName.get(doomed.metadata.name!)?.metadata.finalizers ?? [], [], "the deleted Job's pod: its finalizer goes");
  t.deepEqual([...(owners.get('foundling') ?? [])], [keeper.metadata.uid], 'adopted by the Job whose selector matches it, and no other');
});

test('job - pure: completed-index intervals and the failure backoff record', (t) => {
  t.deepEqual([...parseIndexes('0-2,5,7-8,x,12', 10)], [0, 1, 2, 5, 7, 8]);
  t.is(formatIndexes([5, 0, 1, 2, 8, 7]), '0-2,5,7-8');
  t.is(formatIndexes([]), '');
  const failedAt = (s: number): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { creationTimestamp: rfc3339(T0) }, spec: { containers: [{ name: 'c' }] }, status: { containerStatuses: [{ name: 'c', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, finishedAt: rfc3339(T0 + s * 1000) } } }] } }) as Pod;
  let rec = nextBackoffRecord(undefined, [], [failedAt(0)]);
  t.deepEqual(rec, { failuresAfterLastSuccess: 1, lastFailureTime: T0 });
  t.is(remainingBackoff(rec, T0 + 4_000), 6_000);
  rec = nextBackoffRecord(rec, [], [failedAt(30), failedAt(20)]);
  t.is(remainingBackoff(rec, T0 + 30_000), 40_000, 'three failures: 10 s · 2²');
  rec = nextBackoffRecord({ failuresAfterLastSuccess: 9, lastFailureTime: T0 }, [], []);
  t.is(remainingBackoff(rec, T0), 360_000, 'capped at 6 min');
  t.deepEqual(nextBackoffRecord(rec, [failedAt(50)], [failedAt(40)]), { failuresAfterLastSuccess: 0 }, 'a later success resets it');
});
