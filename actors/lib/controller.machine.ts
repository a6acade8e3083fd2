// The lifecycle every controller shares: wait for its informers to sync, then run `workers`
// workers, each taking one key at a time from the work queue and reconciling it. Pure: the
// informers, the queue and the reconcile step are effects given by controller.ts.
import { assign, enqueueActions, fromCallback, fromPromise, setup } from 'xstate';

export interface ReconcileResult {
  /** Reconcile this key again after this long (e.g. waiting for a timeout to run out). */
  requeueAfterMs?: number;
}

/** One worker: waits for a key, reconciles it, reports the outcome, and waits again. */
export const workerMachine = setup({
  types: { context: {} as { key?: string } },
  actors: {
    /** Resolves with the next key the queue hands this worker. */
    next: fromPromise<string>(async () => ''),
    reconcile: fromPromise<ReconcileResult | void, { key: string }>(async () => {}),
  },
  actions: {
    succeeded: (_, _params: { key: string; result: ReconcileResult | void }) => {},
    failed: (_, _params: { key: string; error: unknown }) => {},
  },
}).createMachine({
  id: 'worker',
  context: {},
  initial: 'waiting',
  states: {
    waiting: {
      invoke: { src: 'next', onDone: { target: 'working', actions: assign({ key: ({ event }) => event.output }) } },
    },
    working: {
      invoke: {
        src: 'reconcile',
        input: ({ context }) => ({ key: context.key! }),
        onDone: { target: 'waiting', actions: { type: 'succeeded', params: ({ context, event }) => ({ key: context.key!, result: event.output }) } },
        onError: { target: 'waiting', actions: { type: 'failed', params: ({ context, event }) => ({ key: context.key!, error: event.error }) } },
      },
    },
  },
});

/** Returns the controller machine with `workers` workers (upstream's --concurrent-*-syncs). */
export const controllerMachine = (workers: number) =>
  setup({
    types: { events: {} as { type: 'informers.synced' } },
    actors: { informers: fromCallback(() => {}), worker: workerMachine },
  }).createMachine({
    id: 'controller',
    invoke: { id: 'informers', src: 'informers' },
    initial: 'syncing',
    states: {
      syncing: { on: { 'informers.synced': 'running' } },
      running: {
        entry: enqueueActions(({ enqueue }) => {
          for (let i = 0; i < workers; i++) enqueue.spawnChild('worker', { id: `worker-${i}` });
        }),
      },
    },
  });
