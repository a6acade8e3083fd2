// One controller worker (actors/lib/controller-worker.ts) over a queue of its own: keys one at a
// time, an outcome handler that throws is logged and the worker goes on, and a reconcile that settles
// after the worker stopped has its outcome dropped.
import test from 'ava';
import { createActor } from 'xstate';
import { controllerWorker } from '../actors/lib/controller-worker.ts';
import { silentLogger } from '../bus/types.ts';

/** A queue handing keys to waiting workers (WorkQueue.next's contract: one callback per key). */
function queue(keys: string[]) {
  const waiting: Array<(key: string) => void> = [];
  return {
    next: (cb: (key: string) => void) => (keys.length ? cb(keys.shift()!) : waiting.push(cb)),
    add: (key: string) => (waiting.length ? waiting.shift()!(key) : keys.push(key)),
  };
}

const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

test('controller worker - reconciles keys one at a time; a throwing outcome handler is logged and the worker goes on', async (t) => {
  const q = queue(['a', 'b', 'c']);
  const outcomes: string[] = [];
  const errors: string[] = [];
  let running = 0;
  let most = 0;
  const worker = createActor(
    controllerWorker({
      next: q.next,
      reconcile: async (key) => {
        most = Math.max(most, ++running);
        await Promise.resolve();
        running--;
        if (key === 'c') throw new Error('c failed');
      },
      succeeded: (key) => {
        outcomes.push(`ok ${key}`);
        if (key === 'a') throw new Error('handler broke');
      },
      failed: (key, err) => outcomes.push(`failed ${key}: ${(err as Error).message}`),
      log: { ...silentLogger, error: (o: object | string) => void errors.push(JSON.stringify(o)) },
    }),
  ).start();
  await settle();
  t.deepEqual(outcomes, ['ok a', 'ok b', 'failed c: c failed']);
  t.is(most, 1, 'one key at a time');
  t.is(errors.length, 1);
  t.regex(errors[0], /"key":"a"/);
  q.add('d');
  await settle();
  t.deepEqual(outcomes.at(-1), 'ok d', 'still taking keys');
  worker.stop();
});

test('controller worker - a reconcile that settles after the worker stopped has its outcome dropped', async (t) => {
  const q = queue(['a']);
  const outcomes: string[] = [];
  let finish!: () => void;
  const worker = createActor(
    controllerWorker({
      next: q.next,
      reconcile: () => new Promise<void>((resolve) => (finish = resolve)),
      succeeded: (key) => outcomes.push(`ok ${key}`),
      failed: (key) => outcomes.push(`failed ${key}`),
      log: silentLogger,
    }),
  ).start();
  await settle();
  t.is(typeof finish, 'function', 'the reconcile of a started');
  worker.stop();
  finish();
  await settle();
  t.deepEqual(outcomes, []);
});
