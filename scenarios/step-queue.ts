// A scenario's steps run one at a time, in the order the script called them, on either mode.
import type { ApiClient } from '../bus/client.ts';

/** Queues a script's steps; a condition being evaluated lets its own API reads through. */
export class StepQueue {
  private queue: Promise<unknown> = Promise.resolve();
  private evaluating = 0;

  /** Runs `fn` after every step queued before it (a script that forgets an await still gets them in order). */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs the evaluation of a condition as one step; calls made inside it are not queued behind it. */
  evaluate<T>(fn: () => Promise<T>): Promise<T> {
    return this.serial(async () => {
      this.evaluating++;
      try {
        return await fn();
      } finally {
        this.evaluating--;
      }
    });
  }

  /** Returns `client` with each call a queued step passed through `drive` (simulated mode drives it), except inside an evaluation (its wait drives them). */
  driven(client: ApiClient, drive: <T>(p: Promise<T>) => Promise<T>): ApiClient {
    const self = this;
    return new Proxy(client, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          const call = () => (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          return self.evaluating > 0 ? call() : self.serial(() => drive(call()));
        };
      },
    });
  }
}
