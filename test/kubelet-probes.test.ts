// Startup, liveness and readiness probes on the sim runtime (answers from sim.kubus.io/*
// annotations), on the virtual clock: periods, thresholds, startup gating, restarts.
import test, { type ExecutionContext } from 'ava';
import type { Probe } from '../api/kinds/container.ts';
import type { ContainerStatus, Pod } from '../api/kinds/pod.ts';
import type { KubeObject } from '../api/meta.ts';
import { kubeletActor } from '../actors/kubelet/kubelet.actor.ts';
import { VirtualClock } from '../bus/clock.ts';
import { Informer } from '../bus/informer.ts';
import { startApi } from './helpers/api.ts';

const T0 = Date.UTC(2026, 0, 1);

interface Env {
  clock: VirtualClock;
  /** `reason: message (count)` of the pod's Events. */
  events(): Promise<string[]>;
  pod(): Pod;
  /** Virtual seconds at which the pod's Ready condition or its container's `started` flipped, and to what. */
  flips: Array<[number, string]>;
}

/** Runs one pod on one kubelet; `probes` go on its container. */
async function probed(t: ExecutionContext, annotations: Record<string, string>, probes: { startupProbe?: Probe; livenessProbe?: Probe; readinessProbe?: Probe }, restartPolicy = 'Always'): Promise<Env> {
  const clock = new VirtualClock(T0);
  const api = await startApi(t, { clock });
  api.process('node-1').start(kubeletActor, 'kubelet/node-1', { nodeName: 'node-1' });
  await clock.advance(1000);
  const pods = new Informer<Pod>(api.client, 'pods', { clock });
  const flips: Array<[number, string]> = [];
  let last = '';
  const seen = (p: Pod) => {
    const s = p.status?.containerStatuses?.[0];
    const now = `Ready=${p.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '-'} started=${s?.started ?? '-'} restarts=${s?.restartCount ?? 0}`;
    if (now !== last) flips.push([Math.round((clock.now() - T0) / 100) / 10 - 1, now]);
    last = now;
  };
  pods.on({ add: seen, update: (_, p) => seen(p) });
  void pods.start();
  t.teardown(() => pods.stop());
  const body: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', annotations },
    spec: { nodeName: 'node-1', restartPolicy, containers: [{ name: 'c', image: 'nginx:1.27', ...probes }] },
  };
  void api.client.create('pods', body);
  await clock.advance(0);
  const events = async () => {
    let list: { items: KubeObject[] } | undefined;
    void api.client.list('events', { namespace: 'default' }).then((l) => (list = l));
    await clock.runUntil(() => !!list);
    return list!.items.filter((e) => (e.involvedObject as { kind: string }).kind === 'Pod').map((e) => `${e.reason}: ${e.message} (${e.count})`).sort();
  };
  return { clock, pod: () => pods.get('default/p')!, flips, events };
}

const exec = (extra: Partial<Probe> = {}): Probe => ({ exec: { command: ['cat', '/tmp/healthy'] }, ...extra });
const c0 = (p: Pod): ContainerStatus => p.status!.containerStatuses![0];

test('kubelet - a readiness probe gates Ready: probed at once and every period, ready after successThreshold', async (t) => {
  const env = await probed(t, { 'sim.kubus.io/ready-delay': '15s', 'sim.kubus.io/readiness-fail-after': '60s' }, { readinessProbe: exec({ successThreshold: 2 }) });
  await env.clock.advance(100_000);
  t.deepEqual(env.flips, [
    [0, 'Ready=- started=- restarts=0'],
    [0, 'Ready=False started=false restarts=0'],
    [0, 'Ready=False started=true restarts=0'],
    [30, 'Ready=True started=true restarts=0'],
    [80, 'Ready=False started=true restarts=0'],
  ], 'probes at 0, 10 fail; 20, 30 succeed (threshold 2); 60, 70, 80 fail (threshold 3)');
});

test('kubelet - a failing liveness probe kills the container after failureThreshold, and it restarts', async (t) => {
  const env = await probed(t, { 'sim.kubus.io/liveness-fail-after': '30s' }, { livenessProbe: exec({ initialDelaySeconds: 5 }) });
  await env.clock.advance(54_000);
  t.is(c0(env.pod()).restartCount, 0, 'failures at 35 s and 45 s are under the threshold');
  await env.clock.advance(2000);
  const s = c0(env.pod());
  t.is(s.restartCount, 1, 'the third failure (55 s) kills it; the first restart is immediate');
  t.truthy(s.state?.running);
  t.like(s.lastState?.terminated, { exitCode: 0, reason: 'Completed', finishedAt: '2026-01-01T00:00:56Z' });
  const events = await env.events();
  t.true(events.includes('Unhealthy: Liveness probe failed: command "cat /tmp/healthy" exited with 1 (3)'), events.join('\n'));
  t.true(events.includes('Killing: Container c failed liveness probe, will be restarted (1)'), events.join('\n'));
  await env.clock.advance(60_000);
  t.is(c0(env.pod()).restartCount, 1, 'the new instance is healthy for 30 s, probed from 5 s after its start');
  await env.clock.advance(10_000);
  t.is(c0(env.pod()).restartCount, 2);
});

test('kubelet - under restartPolicy Never a liveness failure ends the pod', async (t) => {
  const env = await probed(t, { 'sim.kubus.io/liveness-fail-after': '10s', 'sim.kubus.io/stop-exit-code': '143' }, { livenessProbe: exec({ periodSeconds: 5, failureThreshold: 1 }) }, 'Never');
  await env.clock.advance(30_000);
  const p = env.pod();
  t.is(p.status?.phase, 'Failed');
  t.like(c0(p), { restartCount: 0, state: { terminated: { exitCode: 143, reason: 'Error' } } });
});

test('kubelet - a startup probe holds started, readiness and liveness until it succeeds', async (t) => {
  const env = await probed(
    t,
    { 'sim.kubus.io/startup-delay': '22s', 'sim.kubus.io/liveness-fail-after': '23s' },
    { startupProbe: exec({ periodSeconds: 5, failureThreshold: 10 }), readinessProbe: exec(), livenessProbe: exec({ periodSeconds: 60 }) },
  );
  await env.clock.advance(24_000);
  t.is(c0(env.pod()).started, false, 'startup probes at 0, 5, 10, 15, 20 s fail');
  await env.clock.advance(2000);
  t.like(c0(env.pod()), { started: true, ready: true, restartCount: 0 });
  t.deepEqual(env.flips.slice(-1), [[25, 'Ready=True started=true restarts=0']], 'started at 25 s; readiness probed at once');
  t.is(c0(env.pod()).restartCount, 0, 'liveness (failing from 23 s) first ran at 25 s: one failure, below the threshold');
});

test('kubelet - a startup probe that keeps failing restarts the container', async (t) => {
  const env = await probed(t, { 'sim.kubus.io/startup-delay': '1h' }, { startupProbe: exec({ periodSeconds: 10, failureThreshold: 3 }) });
  await env.clock.advance(19_000);
  t.is(c0(env.pod()).restartCount, 0);
  await env.clock.advance(2000);
  t.like(c0(env.pod()), { restartCount: 1, started: false });
});
