// The kubelet and the pod network's readiness (upstream's runtimeState network error): pods that
// need the pod network wait for it and start as soon as the runtime says it is ready; hostNetwork
// pods do not wait. The kubelet machine with stub effects, on the virtual clock.
import test, { type ExecutionContext } from 'ava';
import { createActor, fromCallback, fromPromise } from 'xstate';
import type { Pod } from '../api/kinds/pod.ts';
import { kubeletMachine } from '../actors/kubelet/kubelet.machine.ts';
import { podWorkerMachine } from '../actors/kubelet/pod-worker.machine.ts';
import type { PodCommand } from '../actors/kubelet/pod-worker.types.ts';
import { VirtualClock } from '../bus/clock.ts';

const T0 = Date.UTC(2026, 0, 1);
const NETWORK_ERROR = 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized';

/** A containerd kubelet whose pod workers' commands are recorded (pod name → commands), not run. */
async function kubelet(t: ExecutionContext) {
  const cmds = new Map<string, PodCommand[]>();
  const logic = kubeletMachine.provide({
    actors: {
      registerNode: fromPromise(async () => ({ uid: 'node-uid' })),
      node: fromCallback(() => {}),
      pods: fromCallback(() => {}),
      podWorker: podWorkerMachine.provide({
        actions: { exec: ({ context }, cmd) => void cmds.set(context.pod.metadata.name!, [...(cmds.get(context.pod.metadata.name!) ?? []), cmd]) },
      }),
    },
  });
  const clock = new VirtualClock(T0);
  const actor = createActor(logic, { input: { nodeName: 'n', runtime: 'containerd', cri: { endpoint: 'unix:///nonexistent.sock', logRoot: '/nonexistent/pods' } }, clock }).start();
  t.teardown(() => actor.stop());
  await clock.advance(10);
  const add = (name: string, hostNetwork = false) => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { hostNetwork, containers: [{ name: 'c', image: 'nginx:1.27' }] } } as Pod;
    actor.send({ type: 'pod.upserted', pod, now: clock.now() });
  };
  const of = (name: string, type: PodCommand['type']) => (cmds.get(name) ?? []).filter((c) => c.type === type);
  return { actor, clock, add, of };
}

test('kubelet network - pods wait for the pod network and start when it is ready; hostNetwork pods start at once', async (t) => {
  const k = await kubelet(t);
  k.add('early');
  k.add('host', true);
  t.is(k.of('early', 'sandbox.run').length, 0, 'the network is unknown until the runtime first answers');
  t.like(k.of('early', 'event'), [{ eventType: 'Warning', reason: 'NetworkNotReady', message: 'network is not ready: network state unknown' }]);
  t.is(k.of('host', 'sandbox.run').length, 1, 'a hostNetwork pod does not need the pod network');
  k.actor.send({ type: 'network.status', error: NETWORK_ERROR, now: k.clock.now() });
  k.add('later');
  t.like(k.of('early', 'event')[1], { reason: 'NetworkNotReady', message: `network is not ready: ${NETWORK_ERROR}` });
  t.like(k.of('later', 'event'), [{ reason: 'NetworkNotReady', message: `network is not ready: ${NETWORK_ERROR}` }]);
  await k.clock.advance(60_000);
  t.is(k.of('early', 'sandbox.run').length + k.of('later', 'sandbox.run').length, 0, 'no retry on a timer: they wait for the network');
  k.actor.send({ type: 'network.status', now: k.clock.now() });
  t.is(k.of('early', 'sandbox.run').length, 1, 'started as soon as the network is ready');
  t.is(k.of('later', 'sandbox.run').length, 1);
  k.add('ready');
  t.is(k.of('ready', 'sandbox.run').length, 1, 'a pod that comes once the network is ready does not wait');
  t.deepEqual(k.of('ready', 'event'), []);
});
