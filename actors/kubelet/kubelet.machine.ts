// The kubelet of one node: registers the Node, then at once renews its Lease, reports Node
// status, and runs one pod worker (a child actor) per pod bound to the node. Pure: the API and
// the runtime are reached through the effects kubelet.actor.ts provides; periods are `after`
// timers on the injected clock.
import { assign, enqueueActions, fromCallback, fromPromise, raise, sendTo, setup } from 'xstate';
import type { NodeStatus } from '../../api/kinds/node.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import type { Resources } from '../../api/kinds/pod-helpers.ts';
import { backoffDelay } from '../../bus/backoff.ts';
import { resolveConfig, type KubeletConfig, type KubeletInput } from './kubelet.config.ts';
import { admit, admittedRequests } from './admission.ts';
import { HEALTHY, type NodeConditionState } from './node-status.ts';
import { NETWORK_UNKNOWN, UNCHECKED_READY } from './runtime-health.ts';
import type { PodWorkerInput } from './pod-step.ts';
import { podWorkerLogic, type PodWorkerDone } from './pod-worker.logic.ts';
import type { ContainerExit, ContainerInfo } from './runtimes/runtime.ts';

/** What the kubelet machine knows: its config, node identity, heartbeat bookkeeping and its pods. */
export interface KubeletContext {
  cfg: KubeletConfig;
  runtimeName: string;
  nodeUid?: string;
  conditions: NodeConditionState[];
  registerFailures: number;
  statusFailures: number;
  /** Node status must be written again once the write under way is done. */
  statusDirty: boolean;
  /**
   * Pods with a worker: `namespace/name` → uid, and uid → key. These records change in place (one
   * kubelet owns them); Maps, as keyed objects made every new uid a property name to intern (~1 % of a
   * 1,000-node run's CPU in podUpserted).
   */
  pods: Map<string, string>;
  workers: Map<string, string>;
  /** Requests of the admitted pods that still run (uid → requests), for admission. */
  admitted: Map<string, Resources>;
  /** Why the pod network is not ready (upstream's runtimeState network error); unset when it is. */
  networkError?: string;
}

/** Events the kubelet handles (from its effects, its workers, and scenarios). */
export type KubeletEvent =
  | { type: 'pod.upserted'; pod: Pod; now: number; containers?: ContainerInfo[] }
  | { type: 'pod.deleted'; pod: Pod; now: number }
  | { type: 'container.exited'; exit: ContainerExit; now: number }
  /** Sets a node condition (a scenario simulating pressure or a sick runtime). */
  | { type: 'node.condition'; condition: NodeConditionState }
  /** The runtime's pod network became ready (no error) or not ready: pods waiting for it are told. */
  | { type: 'network.status'; error?: string; now: number }
  | { type: 'node.status.dirty' }
  | { type: 'lease.failing' }
  | { type: 'lease.recovered' }
  | { type: 'node.status.written' }
  | { type: 'node.status.failed' }
  | PodWorkerDone;

/** What the kubelet asks of its node effects (one long-lived actor: no actor per heartbeat). */
export type NodeCommand = { type: 'lease.start'; nodeUid?: string } | { type: 'node.status.write'; conditions: NodeConditionState[] };

const keyOf = (pod: Pod) => `${pod.metadata.namespace}/${pod.metadata.name}`;

const base = setup({
  types: {
    context: {} as KubeletContext,
    input: {} as KubeletInput,
    events: {} as KubeletEvent,
  },
  actors: {
    podWorker: podWorkerLogic,
    registerNode: fromPromise<{ uid: string; status?: NodeStatus }, { conditions: NodeConditionState[] }>(async () => ({ uid: '' })),
    /** Renews the lease and writes node status when told; answers lease.renewed/failed, node.status.written/failed. */
    node: fromCallback<NodeCommand>(() => {}),
    /** Pods of this node and container exits, as events. */
    pods: fromCallback<KubeletEvent>(() => {}),
  },
  actions: {
    /** Lets the effects drop what they keep about a pod whose worker is gone. */
    forget: (_, _params: { uid: string }) => {},
    /** Reports a pod worker that failed (a bug: its pod is left as it is until the pod goes). */
    workerFailed: (_, _params: { id: string; error: unknown }) => {},
  },
  delays: {
    registerRetry: ({ context }) => backoffDelay(context.registerFailures, context.cfg.registerRetry),
    report: ({ context }) => context.cfg.nodeStatusReportMs,
    nodeStatusRetry: ({ context }) => backoffDelay(context.statusFailures, context.cfg.registerRetry), // node status retries as registration
  },
});

/** The kubelet's statechart; kubelet.actor.ts provides its effects (registerNode, node, pods, forget). */
export const kubeletMachine = base.extend({
  actions: {
    /** Starts a worker for a new pod, or passes the change on to the pod's worker. */
    podUpserted: base.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'pod.upserted') return;
      const pod = event.pod;
      const uid = pod.metadata.uid!;
      const key = keyOf(pod);
      const known = context.pods.get(key);
      if (known === uid) return void enqueue.sendTo(uid, { type: 'pod.updated', pod, now: event.now });
      // A new pod, or a new pod under the name of a deleted one: the old worker cleans up on its own.
      if (known !== undefined) enqueue.sendTo(known, { type: 'pod.removed', now: event.now });
      const active = !pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
      const requests = active ? admittedRequests(pod) : undefined;
      const rejected = requests && admit(pod, context.admitted.values(), context.cfg.allocatable, requests);
      const input: PodWorkerInput = {
        pod,
        now: event.now,
        nodeName: context.cfg.nodeName,
        hostIP: context.cfg.internalIP,
        runtime: context.runtimeName,
        backoff: context.cfg.restartBackoff,
        rejected,
        containers: event.containers,
        networkError: context.networkError,
      };
      enqueue.spawnChild('podWorker', { id: uid, input });
      // The per-pod records change in place: copying them for every pod cost ~2 % of a 1,000-node
      // run's CPU (30 pods a node, 30,000 pod starts). Nothing keeps an older context to compare.
      context.pods.set(key, uid);
      context.workers.set(uid, key);
      if (active && !rejected) context.admitted.set(uid, requests!);
    }),
  },
}).createMachine({
  id: 'kubelet',
  context: ({ input }) => {
    const cfg = resolveConfig(input);
    return {
      cfg,
      runtimeName: cfg.runtime,
      // A real runtime's node is NotReady until its runtime first answers (runtime-health.ts).
      conditions: cfg.cri ? [...HEALTHY.filter((c) => c.type !== 'Ready'), UNCHECKED_READY] : HEALTHY,
      registerFailures: 0,
      statusFailures: 0,
      statusDirty: false,
      pods: new Map(),
      workers: new Map(),
      admitted: new Map(),
      // A real runtime's network is unknown until it first answers (the sim runtime's is always ready).
      networkError: cfg.cri ? NETWORK_UNKNOWN : undefined,
    };
  },
  initial: 'registering',
  states: {
    registering: {
      invoke: {
        src: 'registerNode',
        input: ({ context }) => ({ conditions: context.conditions }),
        onDone: { target: 'running', actions: assign({ nodeUid: ({ event }) => event.output.uid, registerFailures: 0 }) },
        onError: { target: 'waitingToRegister', actions: assign({ registerFailures: ({ context }) => context.registerFailures + 1 }) },
      },
    },
    waitingToRegister: { after: { registerRetry: 'registering' } },
    running: {
      type: 'parallel',
      invoke: [
        { id: 'pods', src: 'pods' },
        { id: 'node', src: 'node' },
      ],
      on: {
        'pod.upserted': { actions: 'podUpserted' },
        'pod.deleted': {
          guard: ({ context, event }) => context.pods.get(keyOf(event.pod)) === event.pod.metadata.uid,
          actions: enqueueActions(({ event, enqueue }) => enqueue.sendTo(event.pod.metadata.uid!, { type: 'pod.removed', now: event.now })),
        },
        'network.status': {
          guard: ({ context, event }) => context.networkError !== event.error,
          actions: enqueueActions(({ context, event, enqueue }) => {
            enqueue.assign({ networkError: event.error });
            for (const uid of context.workers.keys()) enqueue.sendTo(uid, { type: 'network.changed', error: event.error, now: event.now });
          }),
        },
        'container.exited': {
          guard: ({ context, event }) => context.workers.has(event.exit.podUid),
          actions: enqueueActions(({ event, enqueue }) => {
            const e = event.exit;
            enqueue.sendTo(e.podUid, { type: 'container.exited', name: e.name, id: e.id, exitCode: e.exitCode, reason: e.reason, message: e.message, startedAt: e.startedAt, finishedAt: e.finishedAt, now: event.now });
          }),
        },
        'xstate.error.actor.*': {
          actions: {
            type: 'workerFailed',
            params: ({ event }: { event: { type: string; error?: unknown } }) => ({ id: event.type.slice('xstate.error.actor.'.length), error: event.error }),
          },
        },
        'worker.terminated': {
          guard: ({ context, event }) => context.admitted.has(event.uid),
          actions: ({ context, event }) => void context.admitted.delete(event.uid),
        },
        'worker.done': {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const key = context.workers.get(event.uid);
            enqueue.stopChild(event.uid);
            enqueue({ type: 'forget', params: { uid: event.uid } });
            context.workers.delete(event.uid);
            if (key !== undefined && context.pods.get(key) === event.uid) context.pods.delete(key);
            context.admitted.delete(event.uid);
          }),
        },
      },
      states: {
        // The renewal loop itself (every 10 s, retries 200 ms → 7 s) runs in the node effect actor:
        // 500 renewals/s at 5,000 nodes are too many to pass through this machine. It reports
        // only when renewals start failing and when they succeed again.
        lease: {
          initial: 'healthy',
          entry: sendTo('node', ({ context }): NodeCommand => ({ type: 'lease.start', nodeUid: context.nodeUid })),
          states: {
            healthy: { on: { 'lease.failing': 'failing' } },
            failing: {
              on: {
                // Back after failures: the node may have been marked unreachable meanwhile.
                'lease.recovered': { target: 'healthy', actions: raise({ type: 'node.status.dirty' }) },
              },
            },
          },
        },
        nodeStatus: {
          initial: 'idle',
          states: {
            idle: {
              after: { report: 'writing' },
              on: { 'node.status.dirty': 'writing' },
            },
            writing: {
              entry: [assign({ statusDirty: false }), sendTo('node', ({ context }): NodeCommand => ({ type: 'node.status.write', conditions: context.conditions }))],
              on: {
                'node.status.dirty': { actions: assign({ statusDirty: true }) },
                'node.status.written': [
                  { guard: ({ context }) => context.statusDirty, target: 'writing', reenter: true, actions: assign({ statusFailures: 0 }) },
                  { target: 'idle', actions: assign({ statusFailures: 0 }) },
                ],
                'node.status.failed': { target: 'retrying', actions: assign({ statusFailures: ({ context }) => context.statusFailures + 1 }) },
              },
            },
            retrying: {
              after: { nodeStatusRetry: 'writing' },
            },
          },
        },
      },
    },
  },
  on: {
    'node.condition': {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const c = event.condition;
        enqueue.assign({ conditions: [...context.conditions.filter((x) => x.type !== c.type), c] });
        enqueue.raise({ type: 'node.status.dirty' });
      }),
    },
  },
});
