// The kubelet and the pod network's readiness (upstream's runtimeState network error): pods that
// need the pod network wait for it and start as soon as the runtime says it is ready; hostNetwork
// pods do not wait. The kubelet machine with stub effects, on the virtual clock.
import test, { type ExecutionContext } from 'ava';
import { createActor, fromCallback, fromPromise } from 'xstate';
import type { Pod } from '../api/kinds/pod.ts';
import type { KubeletInput } from '../actors/kubelet/kubelet.config.ts';
import { kubeletMachine } from '../actors/kubelet/kubelet.machine.ts';
import type { NodeConditionState } from '../actors/kubelet/node-status.ts';
import { podWorkerLogic } from '../actors/kubelet/pod-worker.logic.ts';
import type { PodCommand } from '../actors/kubelet/pod-worker.types.ts';
import { VirtualClock } from '../bus/clock.ts';

const T0 = Date.UTC(2026, 0, 1);
const NETWORK_ERROR = 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized';

const CONTAINERD: KubeletInput = { nodeName: 'n', runtime: 'containerd', cri: { endpoint: 'unix:///nonexistent.sock', logRoot: '/nonexistent/pods' } };

/** A kubelet (containerd by default) whose pod workers' commands are recorded (pod name → commands), not run, and the conditions it registered with. */
async function kubelet(t: ExecutionContext, input: KubeletInput = CONTAINERD) {
  const cmds = new Map<string, PodCommand[]>();
  let registered: NodeConditionState[] = [];
  const logic = kubeletMachine.provide({
    actors: {
      registerNode: fromPromise(async ({ input: { conditions } }) => ((registered = conditions), { uid: 'node-uid' })),
      node: fromCallback(() => {}),
      pods: fromCallback(() => {}),
      podWorker: podWorkerLogic.provide({
        actions: { exec: ({ context }, cmd) => void cmds.set(context.pod.metadata.name!, [...(cmds.get(context.pod.metadata.name!) ?? []), cmd]) },
      }),
    },
  });
  const clock = new VirtualClock(T0);
  const actor = createActor(logic, { input, clock }).start();
  t.teardown(() => actor.stop());
  await clock.advance(10);
  const add = (name: string, hostNetwork = false) => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { hostNetwork, containers: [{ name: 'c', image: 'nginx:1.27' }] } } as Pod;
    actor.send({ type: 'pod.upserted', pod, now: clock.now() });
  };
  const of = (name: string, type: PodCommand['type']) => (cmds.get(name) ?? []).filter((c) => c.type === type);
  return { actor, clock, add, of, registered: () => registered };
}

test('kubelet network - a containerd node registers NotReady until its runtime first answers (upstream); a sim node registers Ready', async (t) => {
  const ready = (cs: NodeConditionState[]) => cs.find((c) => c.type === 'Ready');
  t.like(ready((await kubelet(t)).registered()), { status: 'False', reason: 'KubeletNotReady', message: '[container runtime status check may not have completed yet, network state unknown]' });
  t.like(ready((await kubelet(t, { nodeName: 's', runtime: 'sim' })).registered()), { status: 'True', reason: 'KubeletReady' });
});

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
