// One controller worker: takes a key from the work queue, reconciles it, reports the outcome, and
// takes the next, one key at a time (controller-runtime's processNextWorkItem loop). An actor logic
// of its own that the controller machine spawns per worker: a statechart per worker invoked two
// promise actors per key (next, reconcile), each with its done event through the machine, ~60 µs
// of XState per reconcile; the steps here take the same microtask turns without them.
import { fromCallback } from 'xstate';
import type { Logger } from '../../bus/types.ts';
import type { ReconcileResult } from './controller.machine.ts';

/** What a worker does: the queue's hand-over, the reconcile, and what follows each outcome. */
export interface WorkerEffects {
  /** Calls back once with the next key (WorkQueue.next). */
  next(cb: (key: string) => void): void;
  reconcile(key: string): Promise<ReconcileResult | void>;
  succeeded(key: string, result: ReconcileResult | void): void;
  failed(key: string, error: unknown): void;
  log: Logger;
}

/** Returns the logic of one worker; stopping it drops the outcome of a reconcile still running. */
export function controllerWorker(fx: WorkerEffects) {
  return fromCallback(() => {
    let live = true;
    const report = (key: string, outcome: () => void) => {
      if (!live) return;
      try {
        outcome();
      } catch (err) {
        fx.log.error({ key, err }, 'controller worker: handling a reconcile outcome failed');
      }
      take();
    };
    // A key's reconcile starts a microtask after the queue hands it over, and its outcome is handled
    // a microtask after it settles: the turns a promise actor's resolution took.
    const take = () =>
      void new Promise<string>((resolve) => fx.next(resolve)).then((key) => {
        if (!live) return;
        let run: Promise<ReconcileResult | void>;
        try {
          run = Promise.resolve(fx.reconcile(key)); // the same promise when it is one: no turn added
        } catch (err) {
          run = Promise.reject(err);
        }
        run.then(
          (result) => report(key, () => fx.succeeded(key, result)),
          (error: unknown) => report(key, () => fx.failed(key, error)),
        );
      });
    take();
    return () => {
      live = false;
    };
  });
}
