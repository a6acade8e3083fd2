// Builds a controller actor from a spec, as controller-runtime does: informer events enqueue
// object keys; one reconcile at a time reads the caches and acts on current state; failures are
// retried with backoff by the work queue. Each controller then only writes `reconcile`.
import { fromCallback, fromPromise } from 'xstate';
import type { KubeObject } from '../../api/meta.ts';
import type { Informer } from '../../bus/informer.ts';
import { keyOf } from '../../bus/informer.ts';
import { currentContext, runHandling } from '../../bus/trace.ts';
import type { SharedOptions } from '../../bus/informer-factory.ts';
import { defineActor, type ActorDefinition, type ActorDeps } from './actor.ts';
import { controllerMachine, type QueueCommand, type ReconcileResult } from './controller.machine.ts';
import { EventRecorder } from './events.ts';
import { WorkQueue } from './workqueue.ts';

export interface WatchSpec {
  resource: string;
  opts?: SharedOptions;
  /** Keys to reconcile when an object of this resource changes (default: the object's own key). */
  keys?(obj: KubeObject): string[];
}

export interface ControllerContext {
  deps: ActorDeps;
  /** The shared informer (cache) of a resource: read current state here, never from events. */
  cache<T extends KubeObject = KubeObject>(resource: string, opts?: SharedOptions): Informer<T>;
  queue: WorkQueue;
  events: EventRecorder;
}

export interface ControllerSpec<Input = void> {
  /** e.g. `node-lifecycle`; the actor kind is `controller/<name>`. */
  name: string;
  watches: WatchSpec[];
  /** Brings the object of `key` to its desired state; throw to retry with backoff. */
  reconcile(key: string, ctx: ControllerContext, input: Input): Promise<ReconcileResult | void>;
  /** Runs once when the caches are first synced (e.g. to start a periodic check). */
  started?(ctx: ControllerContext, input: Input): void;
}

/** Returns the actor definition of a controller. */
export function defineController<Input = void>(spec: ControllerSpec<Input>): ActorDefinition<Input> {
  return defineActor<Input>({
    kind: `controller/${spec.name}`,
    logic(deps, input) {
      const queue = new WorkQueue(deps.clock);
      deps.onStop(() => queue.close());
      const ctx: ControllerContext = {
        deps,
        cache: (resource, opts) => deps.informers.get(resource, opts),
        queue,
        events: new EventRecorder(deps.client, { component: spec.name }, deps.clock, deps.rng, deps.log),
      };
      const keysOf = (w: WatchSpec, obj: KubeObject) => (w.keys ? w.keys(obj) : [keyOf(obj)]);
      // One event adds each key once: a second add while it is being reconciled would mean "changed again".
      const enqueue = (w: WatchSpec, ...objs: KubeObject[]) => {
        for (const k of new Set(objs.flatMap((o) => keysOf(w, o)))) queue.add(k);
      };
      return controllerMachine.provide({
        actors: {
          queue: fromCallback<QueueCommand>(({ sendBack, receive }) => {
            receive((cmd) => {
              if (cmd.type === 'next') return queue.next((key) => sendBack({ type: 'key.ready', key }));
              queue.done(cmd.key);
              if (cmd.type === 'done') {
                queue.forget(cmd.key);
                if (cmd.requeueAfterMs !== undefined) queue.addAfter(cmd.key, cmd.requeueAfterMs);
              } else {
                deps.log.warn({ key: cmd.key, err: (cmd.error as Error)?.message ?? cmd.error, retries: queue.retries(cmd.key) + 1 }, 'reconcile failed; will retry');
                queue.addRateLimited(cmd.key);
              }
            });
          }),
          informers: fromCallback(({ sendBack }) => {
            const regs = spec.watches.map((w) => {
              const inf = ctx.cache(w.resource, w.opts);
              // A shared informer delivers in the context of the actor that started its watch: what
              // this controller does about an event is its own (the event's span stays the cause).
              const own = (fn: () => void) => runHandling({ span: currentContext()?.span, actor: deps.id }, fn);
              const h = {
                add: (o: KubeObject) => own(() => enqueue(w, o)),
                update: (old: KubeObject, o: KubeObject) => own(() => enqueue(w, old, o)),
                delete: (o: KubeObject) => own(() => enqueue(w, o)),
              };
              inf.on(h);
              for (const o of inf.list()) enqueue(w, o); // a shared informer may have synced already
              return { inf, h };
            });
            let live = true;
            void Promise.all(regs.map((r) => r.inf.waitForSync())).then(() => {
              if (!live) return;
              spec.started?.(ctx, input);
              sendBack({ type: 'informers.synced' });
            });
            return () => {
              live = false;
              for (const r of regs) r.inf.off(r.h);
            };
          }),
          reconcile: fromPromise<ReconcileResult | void, { key: string }>(({ input: { key } }) => spec.reconcile(key, ctx, input)),
        },
      });
    },
  });
}
