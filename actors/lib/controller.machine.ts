// The lifecycle every controller shares: wait for its informers to sync, then run `workers`
// workers, each taking one key at a time from the work queue and reconciling it. Pure: the
// informers and the workers (controller-worker.ts) are effects given by controller.ts.
import { enqueueActions, fromCallback, setup } from 'xstate';

export interface ReconcileResult {
  /** Reconcile this key again after this long (e.g. waiting for a timeout to run out). */
  requeueAfterMs?: number;
}

/** Returns the controller machine with `workers` workers (upstream's --concurrent-*-syncs). */
export const controllerMachine = (workers: number) =>
  setup({
    types: { events: {} as { type: 'informers.synced' } },
    actors: { informers: fromCallback(() => {}), worker: fromCallback(() => {}) },
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
