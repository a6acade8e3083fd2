// One pod's lifecycle on its node: ContainerCreating → Running (Active or
// CrashLoopBackOff) → Terminating → Terminated → Done. Each state takes only the events that mean
// something there (TAKES); what an event it takes does is decided by pod-sync.ts, level-based like
// upstream SyncPod, and the state follows from the result. Pure: runtime calls and API writes go
// out through the `exec` action, which the kubelet provides; timers are XState delayed events on
// the injected clock.
import { sendParent, setup } from 'xstate';
import { podIsTerminal } from './pod-status.ts';
import { initialContext, type PodWorkerInput } from './pod-step.ts';
import { react } from './pod-sync.ts';
import type { PodCommand, PodWorkerContext, PodWorkerEvent } from './pod-worker.types.ts';

/** What a worker tells the kubelet: its pod's containers stopped for good (terminated), or the pod is gone and cleaned up (done). */
export type PodWorkerDone = { type: 'worker.done'; uid: string } | { type: 'worker.terminated'; uid: string };

type EventType = PodWorkerEvent['type'];

/** The pod may change (spec, deletion) or go from the API in every state until Done. */
const POD: EventType[] = ['pod.updated', 'pod.removed'];
/** Replies to a container start, and exits (a container stop's reply, or one the runtime reported). */
const CONTAINER: EventType[] = ['container.created', 'container.started', 'container.failed', 'container.exited'];
/** Replies to the sandbox run. */
const SANDBOX_RUN: EventType[] = ['sandbox.ready', 'sandbox.failed'];

/**
 * The events each resting state takes. Any other is dropped unseen, as it can mean nothing there:
 * the timers a state does not list were cancelled when termination began (one that fired just
 * then is stale), a probe result after that finds no running container, and an exit the runtime
 * reports in Terminated was already counted from the reply to the container's stop.
 */
export const TAKES = {
  /** Waiting for the pod network, then the sandbox (retrying it after a failure); the active deadline may run out. */
  ContainerCreating: [...POD, ...SANDBOX_RUN, 'sandbox.retry', 'network.changed', 'deadline'],
  /** Containers start, exit, restart after their backoff and are probed. */
  Running: [...POD, ...CONTAINER, 'probe.tick', 'probe.result', 'backoff.done', 'deadline'],
  /** Stopping everything: replies to the stops, and to a sandbox run or container start still under way. */
  Terminating: [...POD, ...SANDBOX_RUN, ...CONTAINER, 'sandbox.stopped'],
  /** Nothing runs: the pod may still be deleted (final status, then delete) and removed (sandbox cleanup). */
  Terminated: [...POD, 'sandbox.removed'],
} satisfies Record<string, EventType[]>;

const take = (types: EventType[]) => Object.fromEntries(types.map((t) => [t, { actions: 'react' as const }]));

const base = setup({
  types: {
    context: {} as PodWorkerContext,
    input: {} as PodWorkerInput,
    events: {} as PodWorkerEvent,
  },
  actions: {
    /** Carries out one command (runtime call, status write, Event); provided by the kubelet. */
    exec: (_, _cmd: PodCommand) => {},
  },
});

/** The pod worker's statechart; the kubelet provides `exec`. */
export const podWorkerMachine = base.extend({
  actions: {
    /** Runs the worker's logic on the event; its commands go to `exec`, its timers to XState. */
    react: base.enqueueActions(({ context, event, enqueue }) => {
      const ev = event.type.startsWith('xstate.') ? ({ type: 'worker.start' } as const) : event;
      // The step changes this context in place, as enqueue.assign would replace it, but without XState
      // (or the step) copying the context and the snapshot again (~6 events a pod, 30,000 pods). One
      // worker owns it; its guards and the kubelet's effects read it only through the snapshot.
      const { out } = react(context, ev, true);
      for (const o of out) {
        if (o.type === 'timer.cancel') enqueue.cancel(o.id);
        else if (o.type === 'timer.set') enqueue.raise(o.event, { id: o.id, delay: o.delayMs });
        else enqueue({ type: 'exec', params: o });
      }
    }),
  },
}).extend({
  guards: {
    terminating: ({ context }) => !!context.termination,
    terminated: ({ context }) => podIsTerminal(context),
    sandboxReady: ({ context }) => context.sandbox === 'ready',
    crashLooping: ({ context }) => context.ctrs.some((c) => c.inBackoff && c.waiting?.reason === 'CrashLoopBackOff'),
    backedOff: ({ context }) => !context.ctrs.some((c) => c.inBackoff),
    gone: ({ context }) => context.sandbox === 'removed',
  },
}).createMachine({
  id: 'podWorker',
  context: ({ input }) => initialContext(input),
  // The first step runs on entering ContainerCreating and decides where the pod goes from there in
  // the same macrostep: an adopted pod with a running sandbox to Running, an adopted terminal or a
  // rejected pod through Terminating (nothing to stop) to Terminated. No pass-through state before it:
  // one microstep less for each of 30,000 pod starts.
  initial: 'ContainerCreating',
  states: {
    ContainerCreating: {
      entry: 'react',
      on: take(TAKES.ContainerCreating),
      always: [{ guard: 'terminated', target: 'Terminated' }, { guard: 'terminating', target: 'Terminating' }, { guard: 'sandboxReady', target: 'Running' }],
    },
    Running: {
      on: take(TAKES.Running),
      always: { guard: 'terminating', target: 'Terminating' },
      initial: 'Active',
      states: {
        Active: { always: { guard: 'crashLooping', target: 'CrashLoopBackOff' } },
        CrashLoopBackOff: { always: { guard: 'backedOff', target: 'Active' } },
      },
    },
    Terminating: {
      on: take(TAKES.Terminating),
      always: { guard: 'terminated', target: 'Terminated' },
    },
    Terminated: {
      on: take(TAKES.Terminated),
      entry: sendParent(({ context }): PodWorkerDone => ({ type: 'worker.terminated', uid: context.uid })),
      always: { guard: 'gone', target: 'Done' },
    },
    Done: {
      type: 'final',
      entry: sendParent(({ context }): PodWorkerDone => ({ type: 'worker.done', uid: context.uid })),
    },
  },
});
