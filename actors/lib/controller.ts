// Builds a controller actor from a spec, as controller-runtime does: informer events map to object
// keys (resolved when the event arrives, with the caches at hand) and enqueue them; `workers`
// workers reconcile keys from current state, never one key in two workers at once; failures are
// retried by the queue's rate limiter, and a reconcile may ask to run again later. State that a
// controller keeps between reconciles is built once by `init` and owned by the framework.
import { fromCallback } from 'xstate';
import type { KubeObject } from '../../api/meta.ts';
import type { Indexers } from '../../bus/indexer.ts';
import type { Informer } from '../../bus/informer.ts';
import { keyOf } from '../../bus/informer.ts';
import { currentContext, runHandling, type HandlingContext } from '../../bus/trace.ts';
import type { SharedOptions } from '../../bus/informer-factory.ts';
import { defineActor, type ActorDefinition, type ActorDeps } from './actor.ts';
import { controllerMachine, type ReconcileResult } from './controller.machine.ts';
import { controllerWorker } from './controller-worker.ts';
import { EventRecorder } from './events.ts';
import { WorkQueue } from './workqueue.ts';
import { CONTROLLER_MANAGER, workQueueMetrics } from './workqueue-metrics.ts';
import { shareScrapes } from './metrics-registry.ts';
import { promSubject } from '../../bus/subjects.ts';

export type { ReconcileResult } from './controller.machine.ts';

export interface WatchSpec<S = unknown> {
  resource: string;
  opts?: SharedOptions;
  /** Indexes this controller reads on the shared informer (see bus/indexers.ts). */
  indexers?: Indexers;
  /**
   * Keys to reconcile when an object of this resource changes (default: the object's own key). A
   * mapper reads caches and may note what it saw; it never writes (it runs as the informer's delivery).
   */
  keys?(obj: KubeObject, ctx: ControllerContext<S>): Iterable<string>;
  /** Keys to reconcile on an update, when they depend on what changed (default: keys of old and new). */
  updateKeys?(old: KubeObject, obj: KubeObject, ctx: ControllerContext<S>): Iterable<string>;
}

export interface ControllerContext<S = unknown> {
  deps: ActorDeps;
  /** The shared informer (cache) of a resource: read current state here, never from events. */
  cache<T extends KubeObject = KubeObject>(resource: string, opts?: SharedOptions): Informer<T>;
  queue: WorkQueue;
  events: EventRecorder;
  /** What `init` built: the controller's memory between reconciles. */
  state: S;
}

export interface ControllerSpec<Input = void, S = undefined> {
  /** e.g. `node-lifecycle`; the actor kind is `controller/<name>`. */
  name: string;
  watches: WatchSpec<S>[];
  /** Workers reconciling at once (upstream's --concurrent-*-syncs; default 1). */
  workers?: number | ((input: Input) => number);
  /** Builds the controller's state once, before its informers deliver (register cleanups with deps.onStop). */
  init?(ctx: Omit<ControllerContext<S>, 'state'>, input: Input): S;
  /** Brings the object of `key` to its desired state; throw to retry with backoff. */
  reconcile(key: string, ctx: ControllerContext<S>, input: Input): Promise<ReconcileResult | void>;
  /** Runs once when the caches are first synced (e.g. to start a periodic check). */
  started?(ctx: ControllerContext<S>, input: Input): void;
}

/** Returns the actor definition of a controller. */
export function defineController<Input = void, S = undefined>(spec: ControllerSpec<Input, S>): ActorDefinition<Input> {
  return defineActor<Input>({
    kind: `controller/${spec.name}`,
    logic(deps, input) {
      const queue = new WorkQueue(deps.clock, undefined, workQueueMetrics(spec.name, deps.clock));
      deps.onStop(() => queue.close());
      // The controllers of a process answer the controller manager's scrapes together (one subscription while any runs).
      deps.onStop(shareScrapes(deps.bus, promSubject('controller-manager'), CONTROLLER_MANAGER, deps.log));
      const base: Omit<ControllerContext<S>, 'state'> = {
        deps,
        cache: (resource, opts) => deps.informers.get(resource, opts),
        queue,
        events: new EventRecorder(deps.client, { component: spec.name }, deps.clock, deps.rng, deps.log),
      };
      const ctx: ControllerContext<S> = { ...base, state: spec.init ? spec.init(base, input) : (undefined as S) };
      const workers = typeof spec.workers === 'function' ? spec.workers(input) : (spec.workers ?? 1);
      // What first caused each queued key (an event's span): its reconcile runs as that event's
      // handling, so what it writes joins the event's trace. Requeues (retries, requeueAfter) have none.
      const causes = new Map<string, HandlingContext>();
      // A shared informer delivers in the context of the actor that started its watch: what this
      // controller does about an event is its own (the event's span stays the cause).
      const add = (k: string) => {
        if (!causes.has(k)) causes.set(k, { span: currentContext()?.span, actor: deps.id });
        queue.add(k);
      };
      // One event adds each key once: a second add while it is being reconciled would mean "changed again".
      // Every watched object's every change comes through here, so the common cases allocate nothing.
      const addOnce = (keys: Iterable<string>) => {
        if (Array.isArray(keys) && keys.length < 2) {
          if (keys.length === 1) add(keys[0]);
          return;
        }
        for (const k of new Set(keys)) add(k);
      };
      const enqueue = (w: WatchSpec<S>, o: KubeObject) => (w.keys ? addOnce(w.keys(o, ctx)) : add(keyOf(o)));
      const enqueueUpdate = (w: WatchSpec<S>, old: KubeObject, obj: KubeObject) => {
        if (w.updateKeys) return addOnce(w.updateKeys(old, obj, ctx));
        if (w.keys) {
          const a = w.keys(old, ctx);
          const b = w.keys(obj, ctx);
          // Most pod updates map to no key on one side (or both): no merged copy then (every pod write, every such watch).
          if (Array.isArray(a) && a.length === 0) return addOnce(b);
          if (Array.isArray(b) && b.length === 0) return addOnce(a);
          return addOnce([...a, ...b]);
        }
        const a = keyOf(old);
        const b = keyOf(obj);
        add(a);
        if (b !== a) add(b);
      };
      const worker = controllerWorker({
        next: (cb) => queue.next(cb),
        reconcile: (key) => {
          const cause = causes.get(key) ?? { actor: deps.id };
          causes.delete(key);
          return runHandling(cause, () => spec.reconcile(key, ctx, input));
        },
        succeeded: (key, result) => {
          queue.done(key);
          queue.forget(key);
          if (result?.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
        },
        failed: (key, error) => {
          queue.done(key);
          deps.log.warn({ key, err: (error as Error)?.message ?? error, retries: queue.retries(key) + 1 }, 'reconcile failed; will retry');
          queue.addRateLimited(key);
        },
        log: deps.log,
      });
      return controllerMachine(workers).provide({
        actors: {
          worker,
          informers: fromCallback(({ sendBack }) => {
            // Every index first: a key mapper may read another watch's index during the replay.
            for (const w of spec.watches) if (w.indexers) ctx.cache(w.resource, w.opts).addIndexers(w.indexers);
            const regs = spec.watches.map((w) => {
              const inf = ctx.cache(w.resource, w.opts);
              // Every event of the resource, for every controller watching it: no context or closure
              // is made unless a key is queued (`add` records the event's span as its cause).
              const h = {
                add: (o: KubeObject) => enqueue(w, o),
                update: (old: KubeObject, o: KubeObject) => enqueueUpdate(w, old, o),
                delete: (o: KubeObject) => enqueue(w, o),
              };
              inf.on(h); // replays what a shared informer has synced already
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
        },
      });
    },
  });
}
