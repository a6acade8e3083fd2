// The lifecycle every controller shares: wait for its informers to sync, then take one key at a
// time from the work queue and reconcile it. Pure: the informers, the queue and the reconcile
// step are effects given by controller.ts.
import { assign, fromCallback, fromPromise, sendTo, setup } from 'xstate';

export interface ReconcileResult {
  /** Reconcile this key again after this long (e.g. waiting for a timeout to run out). */
  requeueAfterMs?: number;
}

/** What the machine tells its queue. */
export type QueueCommand =
  | { type: 'next' }
  | { type: 'done'; key: string; requeueAfterMs?: number }
  | { type: 'failed'; key: string; error: unknown };

export const controllerMachine = setup({
  types: {
    context: {} as { key?: string },
    events: {} as { type: 'informers.synced' } | { type: 'key.ready'; key: string },
  },
  actors: {
    informers: fromCallback(() => {}),
    queue: fromCallback<QueueCommand>(() => {}),
    reconcile: fromPromise<ReconcileResult | void, { key: string }>(async () => {}),
  },
}).createMachine({
  id: 'controller',
  context: {},
  invoke: [
    { id: 'queue', src: 'queue' },
    { id: 'informers', src: 'informers' },
  ],
  initial: 'syncing',
  states: {
    syncing: { on: { 'informers.synced': 'idle' } },
    idle: {
      entry: sendTo('queue', { type: 'next' }),
      on: { 'key.ready': { target: 'working', actions: assign({ key: ({ event }) => event.key }) } },
    },
    working: {
      invoke: {
        src: 'reconcile',
        input: ({ context }) => ({ key: context.key! }),
        onDone: {
          target: 'idle',
          actions: sendTo('queue', ({ context, event }) => ({
            type: 'done' as const,
            key: context.key!,
            requeueAfterMs: event.output?.requeueAfterMs,
          })),
        },
        onError: {
          target: 'idle',
          actions: sendTo('queue', ({ context, event }) => ({ type: 'failed' as const, key: context.key!, error: event.error })),
        },
      },
    },
  },
});
