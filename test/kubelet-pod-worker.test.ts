// The pod worker's actor logic (its states as a statechart would have them) on its own, on the virtual clock: which events each state takes,
// and that one a state does not take changes nothing (no command, no timer, same context).
import test, { type ExecutionContext } from 'ava';
import { createActor, setup } from 'xstate';
import type { Pod } from '../api/kinds/pod.ts';
import { rfc3339 } from '../api/names.ts';
import { podWorkerLogic, TAKES, type PodWorkerDone } from '../actors/kubelet/pod-worker.logic.ts';
import type { PodWorkerInput } from '../actors/kubelet/pod-step.ts';
import type { PodCommand, PodWorkerEvent } from '../actors/kubelet/pod-worker.types.ts';
import { VirtualClock } from '../bus/clock.ts';

const T0 = Date.UTC(2026, 0, 1);
const ALL: PodWorkerEvent['type'][] = [
  'pod.updated', 'pod.removed', 'sandbox.ready', 'sandbox.failed', 'sandbox.retry', 'network.changed', 'sandbox.stopped', 'sandbox.removed',
  'container.created', 'container.started', 'container.failed', 'container.exited', 'probe.tick', 'probe.result', 'backoff.done', 'deadline',
];

const basePod = (): Pod =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-1' },
    spec: { nodeName: 'n', containers: [{ name: 'c', image: 'nginx:1.27', readinessProbe: { exec: { command: ['true'] }, periodSeconds: 10 } }] },
  }) as Pod;

/** Starts a worker under a parent that records what it is told; commands are recorded, not run. */
function worker(t: ExecutionContext, pod = basePod(), extra: Partial<PodWorkerInput> = {}) {
  const clock = new VirtualClock(T0);
  const cmds: PodCommand[] = [];
  const told: PodWorkerDone[] = [];
  const input: PodWorkerInput = { pod, now: clock.now(), nodeName: 'n', hostIP: '10.0.0.1', runtime: 'sim', backoff: { initialMs: 10_000, maxMs: 300_000, resetMs: 600_000 }, ...extra };
  const parent = createActor(
    setup({
      types: { events: {} as PodWorkerDone },
      actors: { worker: podWorkerLogic.provide({ actions: { exec: (_, cmd) => void cmds.push(cmd) } }) },
    }).createMachine({
      invoke: { id: 'worker', src: 'worker', input },
      on: { 'worker.*': { actions: ({ event }) => void told.push(event) } },
    }),
    { clock },
  ).start();
  t.teardown(() => parent.stop());
  const actor = parent.getSnapshot().children.worker!;
  /** Sends an event stamped with the clock; returns the commands it produced. */
  const send = (ev: Record<string, unknown> & { type: PodWorkerEvent['type'] }): PodCommand[] => {
    const from = cmds.length;
    actor.send({ now: clock.now(), ...ev } as PodWorkerEvent);
    return cmds.slice(from);
  };
  const state = () => actor.getSnapshot().value;
  return { clock, cmds, told, actor, send, state };
}

const types = (cmds: PodCommand[]) => cmds.map((c) => c.type);
const ctr = { name: 'c', attempt: 0, id: 'ctr-1' };
const deleting = (): Pod => ({ ...basePod(), metadata: { ...basePod().metadata, deletionTimestamp: rfc3339(T0), deletionGracePeriodSeconds: 30 } });

/** Brings a worker to Running with its container started. */
function running(t: ExecutionContext) {
  const w = worker(t);
  w.send({ type: 'sandbox.ready', id: 'sb-1', ip: '10.244.0.5' });
  w.send({ type: 'container.created', ...ctr, image: 'nginx:1.27', imageRef: 'sha256:1' });
  w.send({ type: 'container.started', ...ctr });
  return w;
}

test('pod worker - each resting state takes exactly the events of its TAKES row', (t) => {
  const w = worker(t);
  const takes = () => {
    const s = w.actor.getSnapshot();
    return ALL.filter((type) => s.can({ type } as PodWorkerEvent));
  };
  t.is(w.state(), 'ContainerCreating');
  t.deepEqual(takes(), ALL.filter((e) => TAKES.ContainerCreating.includes(e)));
  w.send({ type: 'sandbox.ready', id: 'sb-1', ip: '10.244.0.5' });
  t.deepEqual(w.state(), { Running: 'Active' });
  t.deepEqual(takes(), ALL.filter((e) => TAKES.Running.includes(e)));
  t.false(takes().includes('sandbox.stopped'), 'Running has no sandbox stop under way');
  w.send({ type: 'container.created', ...ctr, image: 'nginx:1.27', imageRef: 'sha256:1' });
  w.send({ type: 'container.started', ...ctr });
  w.send({ type: 'pod.updated', pod: deleting() });
  t.is(w.state(), 'Terminating');
  t.deepEqual(takes(), ALL.filter((e) => TAKES.Terminating.includes(e)));
  for (const e of ['probe.tick', 'probe.result', 'backoff.done', 'deadline'] as const) t.false(takes().includes(e), `Terminating drops ${e}`);
  w.send({ type: 'container.exited', name: 'c', id: 'ctr-1', exitCode: 0, reason: 'Completed', startedAt: T0, finishedAt: T0 });
  w.send({ type: 'sandbox.stopped' });
  t.is(w.state(), 'Terminated');
  t.deepEqual(takes(), ['pod.updated', 'pod.removed', 'sandbox.removed']);
  t.deepEqual(w.told, [{ type: 'worker.terminated', uid: 'uid-1' }]);
  t.deepEqual(types(w.send({ type: 'pod.removed' })), ['sandbox.remove']);
  w.send({ type: 'sandbox.removed' });
  t.is(w.actor.getSnapshot().status, 'done');
  t.deepEqual(w.told.at(-1), { type: 'worker.done', uid: 'uid-1' });
});

test('pod worker - a probe result that comes back after termination began is dropped: no command, same context', async (t) => {
  const w = running(t);
  await w.clock.advance(0);
  t.like(w.cmds.at(-1), { type: 'probe.run', kind: 'readiness', id: 'ctr-1' }, 'the readiness probe ran at once');
  t.deepEqual(types(w.send({ type: 'pod.updated', pod: deleting() })), ['container.stop', 'event', 'status']);
  t.is(w.state(), 'Terminating');
  const before = w.actor.getSnapshot();
  t.deepEqual(w.send({ type: 'probe.result', name: 'c', id: 'ctr-1', kind: 'readiness', result: 'success', output: '' }), []);
  t.is(w.actor.getSnapshot().context, before.context, 'the chart did not even run the logic');
  t.deepEqual(w.send({ type: 'deadline' }), []);
  t.deepEqual(w.send({ type: 'backoff.done', name: 'c' }), []);
  t.is(w.actor.getSnapshot().context, before.context);
});

test('pod worker - a container exit reported again in Terminated changes nothing', (t) => {
  const w = running(t);
  w.send({ type: 'pod.updated', pod: deleting() });
  const exit = { type: 'container.exited', name: 'c', id: 'ctr-1', exitCode: 0, reason: 'Completed', startedAt: T0, finishedAt: T0 } as const;
  w.send(exit);
  w.send({ type: 'sandbox.stopped' });
  t.is(w.state(), 'Terminated');
  const before = w.actor.getSnapshot();
  t.deepEqual(w.send(exit), [], 'the runtime reports the exit the stop already answered');
  t.is(w.actor.getSnapshot(), before);
});

test('pod worker - a sandbox that fails while the pod is terminating is not retried', async (t) => {
  const w = worker(t);
  t.deepEqual(types(w.cmds), ['sandbox.run', 'status']);
  w.send({ type: 'pod.updated', pod: deleting() });
  t.is(w.state(), 'Terminating', 'the sandbox run is still under way');
  const out = w.send({ type: 'sandbox.failed', reason: 'FailedCreatePodSandBox', message: 'no IP left' });
  t.like(out[0], { type: 'event', reason: 'FailedCreatePodSandBox' });
  t.is(w.state(), 'Terminated');
  t.is(w.clock.pending, 0, 'no retry timer');
  await w.clock.advance(60_000);
  t.false(w.cmds.slice(2).some((c) => c.type === 'sandbox.run'));
});

test('pod worker - CrashLoopBackOff is a sub-state of Running, left when the backoff ends', async (t) => {
  const w = running(t);
  const exit = (id: string) => ({ type: 'container.exited', name: 'c', id, exitCode: 1, reason: 'Error', startedAt: w.clock.now(), finishedAt: w.clock.now() }) as const;
  t.like(w.send(exit('ctr-1')), [{ type: 'container.start' }], 'the first restart is at once');
  w.send({ type: 'container.created', name: 'c', attempt: 1, id: 'ctr-2', image: 'nginx:1.27', imageRef: 'sha256:1' });
  w.send({ type: 'container.started', name: 'c', attempt: 1, id: 'ctr-2' });
  w.send(exit('ctr-2'));
  t.deepEqual(w.state(), { Running: 'CrashLoopBackOff' });
  await w.clock.advance(9_999);
  t.deepEqual(w.state(), { Running: 'CrashLoopBackOff' });
  await w.clock.advance(1);
  t.deepEqual(w.state(), { Running: 'Active' });
  t.like(w.cmds.filter((c) => c.type === 'container.start').at(-1), { config: { attempt: 2 } });
});

test('pod worker - a start the runtime refused (exited StartError) shows RunContainerError for a relist period, restarts, then backs off in CrashLoopBackOff', async (t) => {
  const w = worker(t);
  w.send({ type: 'sandbox.ready', id: 'sb-1', ip: '10.244.0.5' });
  const refused = (id: string, attempt: number) => {
    w.send({ type: 'container.created', name: 'c', attempt, id, image: 'nginx:1.27', imageRef: 'sha256:1' });
    return w.send({ type: 'container.exited', name: 'c', id, exitCode: 128, reason: 'StartError', message: 'exec: "nope": executable file not found in $PATH', startedAt: 0, finishedAt: w.clock.now() });
  };
  const status = () => (w.cmds.filter((c) => c.type === 'status').at(-1) as Extract<PodCommand, { type: 'status' }>).status.containerStatuses![0];
  t.false(types(refused('ctr-1', 0)).includes('container.start'), 'no restart before the next sync');
  t.like(status(), {
    state: { waiting: { reason: 'RunContainerError', message: 'exec: "nope": executable file not found in $PATH' } },
    lastState: { terminated: { exitCode: 128, reason: 'StartError', startedAt: '1970-01-01T00:00:00Z' } },
    restartCount: 0,
  });
  await w.clock.advance(1_000);
  t.like(w.cmds.at(-2), { type: 'container.start', config: { attempt: 1 } }, 'the first restart is at the next sync');
  refused('ctr-2', 1);
  t.is(status().state!.waiting!.reason, 'RunContainerError');
  await w.clock.advance(1_000);
  t.like(status(), { state: { waiting: { reason: 'CrashLoopBackOff' } }, restartCount: 1 });
  t.deepEqual(w.state(), { Running: 'CrashLoopBackOff' });
  await w.clock.advance(8_999);
  t.deepEqual(w.state(), { Running: 'CrashLoopBackOff' });
  await w.clock.advance(1);
  t.like(w.cmds.filter((c) => c.type === 'container.start').at(-1), { config: { attempt: 2 } }, 'restarted 10 s after the exit');
});

const NETWORK_ERROR = 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized';

test('pod worker - a pod waits for the pod network, then starts its sandbox as soon as the network is ready', async (t) => {
  const w = worker(t, basePod(), { networkError: NETWORK_ERROR });
  t.deepEqual(types(w.cmds), ['event', 'status'], 'no sandbox while the network is not ready');
  t.like(w.cmds[0], { type: 'event', eventType: 'Warning', reason: 'NetworkNotReady', message: `network is not ready: ${NETWORK_ERROR}` });
  t.like(w.cmds[1], { type: 'status', status: { phase: 'Pending' } });
  t.is(w.state(), 'ContainerCreating');
  t.is(w.clock.pending, 0, 'no retry timer: the network change wakes the pod');
  await w.clock.advance(60_000);
  t.deepEqual(types(w.cmds), ['event', 'status'], 'nothing happens while it waits');
  t.deepEqual(w.send({ type: 'network.changed', error: NETWORK_ERROR }), [], 'the same error again: no second Event');
  t.deepEqual(types(w.send({ type: 'network.changed' })).slice(0, 1), ['sandbox.run'], 'ready: the sandbox at once');
});

test('pod worker - a hostNetwork pod starts while the pod network is not ready', (t) => {
  const pod = basePod();
  pod.spec.hostNetwork = true;
  const w = worker(t, pod, { networkError: NETWORK_ERROR });
  t.deepEqual(types(w.cmds), ['sandbox.run', 'status']);
});

test('pod worker - a start error other than a pull (CreateContainerConfigError) is retried every 10 s, without stepping the crash-loop backoff', async (t) => {
  const w = worker(t);
  w.send({ type: 'sandbox.ready', id: 'sb-1', ip: '10.244.0.5' });
  for (let attempt = 0; attempt < 3; attempt++) {
    w.send({ type: 'container.failed', name: 'c', attempt: 0, reason: 'CreateContainerConfigError', message: 'configmap "x" not found' });
    const starts = w.cmds.filter((c) => c.type === 'container.start').length;
    await w.clock.advance(9_999);
    t.is(w.cmds.filter((c) => c.type === 'container.start').length, starts, 'not before 10 s');
    await w.clock.advance(1);
    t.is(w.cmds.filter((c) => c.type === 'container.start').length, starts + 1, `retry ${attempt + 1} after 10 s`);
  }
  t.is(w.actor.getSnapshot().context.ctrs[0].backoff, undefined, 'the crash-loop entry is untouched');
});

test('pod worker - the image pull backoff is per image: 10 s, 20 s for one image, 10 s again for the next', async (t) => {
  const w = worker(t);
  w.send({ type: 'sandbox.ready', id: 'sb-1', ip: '10.244.0.5' });
  /** Fails the pull under way; returns the ms until the next container.start. */
  const failAndWait = async () => {
    w.send({ type: 'container.failed', name: 'c', attempt: 0, reason: 'ErrImagePull', message: 'not found' });
    const starts = w.cmds.filter((c) => c.type === 'container.start').length;
    let ms = 0;
    while (w.cmds.filter((c) => c.type === 'container.start').length === starts && ms < 600_000) {
      await w.clock.advance(1_000);
      ms += 1_000;
    }
    return ms;
  };
  t.is(await failAndWait(), 10_000);
  t.is(await failAndWait(), 20_000);
  const pod = basePod();
  pod.spec.containers[0].image = 'nginx:1.28';
  w.send({ type: 'pod.updated', pod });
  t.is(await failAndWait(), 10_000, 'another image: its own backoff');
});

test('pod worker - stopping it (its kubelet stops) cancels its timers: no restart after the stop', async (t) => {
  const w = running(t);
  const exit = (id: string) => ({ type: 'container.exited', name: 'c', id, exitCode: 1, reason: 'Error', startedAt: w.clock.now(), finishedAt: w.clock.now() }) as const;
  w.send(exit('ctr-1'));
  w.send({ type: 'container.created', name: 'c', attempt: 1, id: 'ctr-2', image: 'nginx:1.27', imageRef: 'sha256:1' });
  w.send({ type: 'container.started', name: 'c', attempt: 1, id: 'ctr-2' });
  w.send(exit('ctr-2'));
  t.deepEqual(w.state(), { Running: 'CrashLoopBackOff' });
  t.true(w.clock.pending > 0, 'the backoff timer waits');
  w.actor._parent!.stop();
  t.is(w.actor.getSnapshot().status, 'stopped');
  t.is(w.clock.pending, 0, 'no timer of the stopped worker is left');
  await w.clock.advance(60_000);
  t.is(w.cmds.filter((c) => c.type === 'container.start').length, 2, 'no restart after the stop');
});
