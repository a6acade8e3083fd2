// The scheduler actor: informers on pods, nodes and namespaces feed its cache and queue; the
// machine runs batches of scheduling cycles; bindings go out through pods/binding; `kubus explain`
// requests are answered on SCHEDULER_EXPLAIN.
import { fromCallback, fromPromise, type EventObject } from 'xstate';
import type { KubeObject } from '../../api/meta.ts';
import { promSubject, SCHEDULER_EXPLAIN } from '../../bus/subjects.ts';
import type { InformerHandlers } from '../../bus/informer.ts';
import { defineActor } from '../lib/actor.ts';
import { serveScrapes } from '../lib/metrics-registry.ts';
import type { ExplainRequest } from './explain.ts';
import { schedulerMachine, type BatchResult, type BinderCommand, type SchedulerTimings } from './scheduler.machine.ts';
import { SchedulerRuntime, type SchedulerConfig } from './scheduler.runtime.ts';
import { SchedulerMetrics } from './metrics.ts';

/** What a process asks of its scheduler; every number has the upstream default. */
export interface SchedulerInput extends Partial<SchedulerTimings>, Partial<SchedulerConfig> {}

/** Returns the configuration asked for, with upstream defaults for the rest. */
export function schedulerConfigOf(input: SchedulerInput = {}): SchedulerConfig {
  return {
    schedulerName: input.schedulerName ?? 'default-scheduler',
    percentageOfNodesToScore: input.percentageOfNodesToScore ?? 0,
    podInitialBackoffMs: input.podInitialBackoffMs ?? 1_000,
    podMaxBackoffMs: input.podMaxBackoffMs ?? 10_000,
    podMaxInUnschedulableMs: input.podMaxInUnschedulableMs ?? 5 * 60_000,
    assumedPodTtlMs: input.assumedPodTtlMs ?? 30_000,
    batchMaxPods: input.batchMaxPods ?? 128,
    batchBudgetMs: input.batchBudgetMs ?? 20,
  };
}

/** The scheduler actor (kind "scheduler"); input: SchedulerInput. */
export const schedulerActor = defineActor<SchedulerInput | undefined>({
  kind: 'scheduler',
  logic(deps, input) {
    const cfg = schedulerConfigOf(input ?? {});
    const rt = new SchedulerRuntime(deps, cfg);
    const metricsId = { component: 'scheduler', instance: { scheduler: deps.id } };
    const metrics = new SchedulerMetrics(metricsId, cfg.schedulerName, () => rt.queue.counts());
    deps.onStop(serveScrapes(deps.bus, promSubject('scheduler'), metricsId, deps.log));
    // Each attempt's algorithm is timed (its result is counted when known: failures now, bindings when they land).
    const schedule = rt.algo.schedule.bind(rt.algo);
    rt.algo.schedule = (...args) => {
      const done = metrics.timeAttempt();
      const r = schedule(...args);
      done(r.kind);
      return r;
    };
    // A binding that landed: the assumed pod is confirmed in the cache (the machine only hears of failures).
    const bound = (key: string, node: string) => {
      metrics.attempted('scheduled');
      rt.bindSucceeded(key, node);
    };
    return schedulerMachine.provide({
      actors: {
        informers: fromCallback(({ sendBack }) => {
          const wire = <T extends KubeObject>(inf: { on(h: InformerHandlers<T>): unknown; off(h: InformerHandlers<T>): void; list(): T[] }, h: InformerHandlers<T>) => {
            inf.on(h); // replays what a shared informer has listed already
            return () => inf.off(h);
          };
          const offs = [
            wire(rt.nodes, { add: (n) => rt.onNodeAdd(n), update: (o, n) => rt.onNodeUpdate(o, n), delete: (n) => rt.onNodeDelete(n) }),
            wire(rt.pods, { add: (p) => rt.onPodAdd(p), update: (o, p) => rt.onPodUpdate(o, p), delete: (p) => rt.onPodDelete(p) }),
            ...rt.volumeBinder.informers().map((inf) => wire<KubeObject>(inf, { add: () => rt.onStorageChange(), update: () => rt.onStorageChange() })),
          ];
          let live = true;
          void Promise.all([rt.nodes.waitForSync(), rt.pods.waitForSync(), rt.namespaces.waitForSync(), rt.pdbs.waitForSync()]).then(() => {
            if (live) sendBack({ type: 'informers.synced' });
          });
          return () => {
            live = false;
            for (const off of offs) off();
          };
        }),
        queue: fromCallback<{ type: 'next' }>(({ sendBack, receive }) => {
          let live = true;
          receive(() => rt.queue.whenReady(() => live && sendBack({ type: 'queue.ready' })));
          return () => {
            live = false;
          };
        }),
        binder: fromCallback<BinderCommand>(({ sendBack, receive }) => {
          let live = true;
          receive(({ bindings }) => {
            for (const b of bindings)
              rt.volumeBinder
                .preBind(rt.pods.get(b.key) ?? { metadata: { namespace: b.namespace, name: b.name }, spec: {} } as never, rt.nodes.get(b.node), b.node)
                .then(() => deps.client.bind(b.namespace, b.name, b.node))
                .then(
                () => live && bound(b.key, b.node),
                (error: unknown) => live && sendBack({ type: 'pod.bind.failed', key: b.key, node: b.node, error }),
              );
          });
          return () => {
            live = false;
          };
        }),
        // Each timer is armed again before its work runs. The `after` transitions these replace ran the
        // work first and re-armed at the end of the step, but the work's one effect (queue.ready) goes
        // through the machine's mailbox, so both orders give the same traces. A throw in the work is
        // logged, not left to the clock's callback (on the real clock an uncaught exception).
        housekeeping: fromCallback<EventObject, SchedulerTimings>(({ input }) => {
          const every = (ms: number, work: () => void, what: string) => {
            const tick = () => {
              timer = deps.clock.setTimeout(tick, ms);
              try {
                work();
              } catch (err) {
                deps.log.error({ err }, `scheduler housekeeping: ${what} failed`);
              }
            };
            let timer = deps.clock.setTimeout(tick, ms);
            return () => deps.clock.clearTimeout(timer);
          };
          const offBackoff = every(input.backoffFlushMs, () => rt.flushBackoff(), 'the backoff flush');
          const offLeftovers = every(input.unschedulableFlushMs, () => rt.flushUnschedulable(), 'the unschedulable flush');
          return () => {
            offBackoff();
            offLeftovers();
          };
        }),
        scheduleBatch: fromPromise<BatchResult>(async () => {
          const r = rt.runBatch();
          for (const f of r.failures) metrics.attempted(f.reason === 'Unschedulable' ? 'unschedulable' : 'error');
          return r;
        }),
      },
      actions: {
        report: (_, { failures }) => rt.report(failures),
        preempt: (_, { preemptions }) => rt.preempt(preemptions),
        bindFailed: (_, { key, node, error }) => {
          metrics.attempted('error');
          rt.bindFailed(key, node, error);
        },
        explain: (_, { msg }) => {
          try {
            deps.bus.respond(msg, rt.explain(msg.data as ExplainRequest));
          } catch (err) {
            deps.log.error({ err }, 'explain failed');
            deps.bus.respond(msg, { error: (err as Error).message });
          }
        },
        batchFailed: (_, { error }) => deps.log.error({ err: error }, 'scheduling batch failed'),
      },
    });
  },
  bindings: () => [{ subject: SCHEDULER_EXPLAIN, event: (msg) => ({ type: 'explain.requested', msg }) }],
});
