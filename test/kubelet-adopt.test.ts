// A restarted kubelet adopts what its runtime still runs: the worker takes the sandbox and each
// container's latest instance, starts nothing again, and probes the running ones as just started.
import test from 'ava';
import type { Pod } from '../api/kinds/pod.ts';
import { initialContext, type PodWorkerInput } from '../actors/kubelet/pod-step.ts';
import { react } from '../actors/kubelet/pod-sync.ts';
import type { ContainerInfo } from '../actors/kubelet/runtimes/runtime.ts';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: {
    nodeName: 'n1',
    initContainers: [{ name: 'init', image: 'busybox' }],
    containers: [
      { name: 'app', image: 'busybox', readinessProbe: { exec: { command: ['true'] } } },
      { name: 'side', image: 'busybox' },
    ],
  },
  status: { phase: 'Running', podIP: '10.244.0.7', startTime: '2026-12-04T00:00:00Z' },
} as Pod;

const info = (id: string, name: string, attempt: number, state: ContainerInfo['state'], extra: Partial<ContainerInfo> = {}): ContainerInfo => ({
  id, sandboxId: 'sb1', podUid: 'u1', name, attempt, state, image: 'docker.io/library/busybox:latest', imageRef: 'sha256:b', createdAt: 1000, startedAt: 2000, ...extra,
});

const input = (containers?: ContainerInfo[]): PodWorkerInput => ({ pod, now: 10_000, nodeName: 'n1', hostIP: '10.0.0.2', runtime: 'containerd', backoff: { initialMs: 10_000, maxMs: 300_000, resetMs: 600_000 }, containers });

test('kubelet adopt - running containers are taken over with their ids and attempts; nothing starts again', (t) => {
  const ctx = initialContext(
    input([
      info('i0', 'init', 0, 'exited', { exitCode: 0, reason: 'Completed', finishedAt: 3000 }),
      info('a0', 'app', 0, 'exited', { exitCode: 1, reason: 'Error', finishedAt: 4000 }),
      info('a1', 'app', 1, 'running'),
      info('s0', 'side', 0, 'running'),
    ]),
  );
  t.like(ctx, { sandbox: 'ready', sandboxId: 'sb1', podIP: '10.244.0.7' });
  t.deepEqual(ctx.ctrs.map((c) => [c.name, c.phase, c.id, c.attempt]), [
    ['init', 'exited', 'i0', 0],
    ['app', 'running', 'a1', 1],
    ['side', 'running', 's0', 0],
  ]);
  const { ctx: after, out } = react(ctx, { type: 'worker.start' });
  const types: string[] = out.map((o) => o.type);
  t.false(types.includes('sandbox.run'), 'no new sandbox');
  t.false(out.some((o) => o.type === 'container.start'), 'no container started again');
  t.true(out.some((o) => o.type === 'timer.set' && o.id === 'probe:app:readiness'), 'the readiness probe is armed');
  t.like(after.ctrs.find((c) => c.name === 'side'), { started: true, ready: true });
  t.true(out.some((o) => o.type === 'status'), 'the status is written');
});

test('kubelet adopt - a pod with nothing running in the runtime starts afresh', (t) => {
  const ctx = initialContext(input([info('a0', 'app', 0, 'exited', { exitCode: 0 })]));
  t.is(ctx.sandbox, 'none');
  const { out } = react(ctx, { type: 'worker.start' });
  t.true(out.some((o) => o.type === 'sandbox.run'));
  t.is(initialContext(input()).sandbox, 'none');
});
