// One pod's lifecycle on its node: Pending → ContainerCreating → Running (Active or
// CrashLoopBackOff) → Terminating → Terminated → Done. Pure: what to do is decided by
// pod-sync.ts; runtime calls and API writes go out through the `exec` action, which the
// kubelet provides; timers are XState delayed events on the injected clock.
import { sendParent, setup } from 'xstate';
import { podIsTerminal } from './pod-status.ts';
import { initialContext, type PodWorkerInput } from './pod-step.ts';
import { react } from './pod-sync.ts';
import type { PodCommand, PodWorkerContext, PodWorkerEvent } from './pod-worker.types.ts';

/** What a worker tells the kubelet: its pod's containers stopped for good (terminated), or the pod is gone and cleaned up (done). */
export type PodWorkerDone = { type: 'worker.done'; uid: string } | { type: 'worker.terminated'; uid: string };

const EVENTS: PodWorkerEvent['type'][] = [
  'pod.updated',
  'pod.removed',
  'sandbox.ready',
  'sandbox.failed',
  'sandbox.retry',
  'sandbox.stopped',
  'sandbox.removed',
  'container.created',
  'container.started',
  'container.failed',
  'container.exited',
  'probe.tick',
  'probe.result',
  'backoff.done',
  'deadline',
];

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
      const { ctx, out } = react(context, ev);
      enqueue.assign(() => ctx);
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
    gone: ({ context }) => context.sandbox === 'removed',
  },
}).createMachine({
  id: 'podWorker',
  context: ({ input }) => initialContext(input),
  on: Object.fromEntries(EVENTS.map((t) => [t, { actions: 'react' }])),
  initial: 'Pending',
  states: {
    Pending: {
      entry: 'react',
      always: [{ guard: 'terminated', target: 'Terminated' }, { guard: 'terminating', target: 'Terminating' }, { target: 'ContainerCreating' }],
    },
    ContainerCreating: {
      always: [{ guard: 'terminating', target: 'Terminating' }, { guard: 'sandboxReady', target: 'Running' }],
    },
    Running: {
      always: { guard: 'terminating', target: 'Terminating' },
      initial: 'Active',
      states: {
        Active: { always: { guard: 'crashLooping', target: 'CrashLoopBackOff' } },
        CrashLoopBackOff: { always: { guard: ({ context }) => !context.ctrs.some((c) => c.inBackoff), target: 'Active' } },
      },
    },
    Terminating: { always: { guard: 'terminated', target: 'Terminated' } },
    Terminated: {
      entry: sendParent(({ context }): PodWorkerDone => ({ type: 'worker.terminated', uid: context.uid })),
      always: { guard: 'gone', target: 'Done' },
    },
    Done: {
      type: 'final',
      entry: sendParent(({ context }): PodWorkerDone => ({ type: 'worker.done', uid: context.uid })),
    },
  },
});
