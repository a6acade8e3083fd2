// A restarted kubelet removes the sandboxes of pods deleted while it was down (pod-orphans.ts).
import test from 'ava';
import { removeOrphanedSandboxes } from '../actors/kubelet/pod-orphans.ts';
import type { ContainerRuntime } from '../actors/kubelet/runtimes/runtime.ts';
import { silentLogger } from '../bus/types.ts';

/** A runtime holding `sandboxes` (id → pod uid) that records the calls; stopping `failing` fails. */
const fakeRuntime = (sandboxes: Record<string, string>, failing = '') => {
  const calls: string[] = [];
  const runtime = {
    listPodSandboxes: async () => Object.entries(sandboxes).map(([id, podUid]) => ({ id, podUid })),
    stopPodSandbox: async (id: string) => {
      if (id === failing) throw new Error('runtime says no');
      calls.push(`stop ${id}`);
    },
    removePodSandbox: async (id: string) => void calls.push(`remove ${id}`),
  } as unknown as ContainerRuntime;
  return { runtime, calls };
};

test('kubelet orphans - sandboxes whose pod is gone are stopped, then removed; those of known pods stay; one that fails does not stop the rest', async (t) => {
  const { runtime, calls } = fakeRuntime({ s1: 'live', s2: 'deleted', s3: 'also-deleted', s4: 'stuck' }, 's4');
  let asked = 0;
  const known = () => (asked++, new Set(['live']));
  t.is(await removeOrphanedSandboxes(runtime, known, silentLogger), 2);
  t.deepEqual(calls, ['stop s2', 'remove s2', 'stop s3', 'remove s3']);
  t.is(asked, 1, 'the known pods are asked once, after listing');
});

test('kubelet orphans - a runtime without sandboxes to list (sim) has none to remove', async (t) => {
  t.is(await removeOrphanedSandboxes({} as ContainerRuntime, () => new Set(), silentLogger), 0);
});
