// The scheduler's lifecycle: syncing (informers list) → idle ⇄ scheduling batches of pods, with
// bindings handed to the binder and housekeeping on timers (backoff flush, assumed-pod expiry,
// unschedulable leftovers). Pure: the cache, queue, binder and reports are effects provided by
// scheduler.actor.ts.
import { assign, fromCallback, fromPromise, sendTo, setup, type EventObject } from 'xstate';
import type { BusMessage } from '../../bus/types.ts';
import { withDefaults } from '../lib/options.ts';

/** Timers of the scheduler machine. */
export interface SchedulerTimings {
  /** Pause between batches so that watch events and replies are handled (0 = next timer turn). */
  yieldMs: number;
  /** How often pods whose backoff ended move to the active queue and expired assumptions are dropped (upstream 1 s). */
  backoffFlushMs: number;
  /** How often pods unschedulable for podMaxInUnschedulableMs are retried anyway (upstream 30 s). */
  unschedulableFlushMs: number;
}

/** Upstream defaults; yieldMs 0 lets I/O in between batches without waiting. */
export const DEFAULT_SCHEDULER_TIMINGS: SchedulerTimings = { yieldMs: 0, backoffFlushMs: 1_000, unschedulableFlushMs: 30_000 };

/** A decision to bind: the pod was assumed on the node. */
export interface Binding {
  key: string;
  namespace: string;
  name: string;
  node: string;
}

/** A failed attempt to report on the pod (condition PodScheduled=False and a FailedScheduling event). */
export interface Failure {
  key: string;
  reason: 'Unschedulable' | 'SchedulerError';
  message: string;
  /** Set when preemption nominated a node for the pod (status.nominatedNodeName); '' clears an earlier nomination. */
  nominatedNodeName?: string;
}

/** A decision to preempt: the victims to evict gracefully so the preemptor fits on the node. */
export interface Preemption {
  preemptor: { key: string; uid: string };
  node: string;
  victims: Array<{ key: string; namespace: string; name: string }>;
  /** Lower-priority pods nominated to the node before, whose nominations are cleared. */
  unnominated: string[];
}

/** What one batch did. */
export interface BatchResult {
  bindings: Binding[];
  failures: Failure[];
  preemptions?: Preemption[];
  /** Pods are still waiting in the active queue. */
  more: boolean;
}

/** What the machine sends its binder. */
export type BinderCommand = { type: 'bind'; bindings: Binding[] };

/** Events of the scheduler machine: facts from effects and requests from the bus. */
export type SchedulerEvent =
  | { type: 'informers.synced' }
  | { type: 'queue.ready' }
  | { type: 'pod.bind.failed'; key: string; node: string; error: unknown }
  | { type: 'explain.requested'; msg: BusMessage };

/** Counters kept in the machine context (inspection, benchmarks, tests). */
export interface SchedulerStats {
  scheduled: number;
  failed: number;
  bindFailures: number;
  batches: number;
}

/** The scheduler's pure lifecycle; effects are given with `.provide` by scheduler.actor.ts. */
export const schedulerMachine = setup({
  types: {
    context: {} as { timings: SchedulerTimings; stats: SchedulerStats; more: boolean },
    input: {} as Partial<SchedulerTimings>,
    events: {} as SchedulerEvent,
  },
  actions: {
    report: (_, _params: { failures: Failure[] }) => {},
    preempt: (_, _params: { preemptions: Preemption[] }) => {},
    bindFailed: (_, _params: { key: string; node: string; error: unknown }) => {},
    explain: (_, _params: { msg: BusMessage }) => {},
    batchFailed: (_, _params: { error: unknown }) => {},
  },
  actors: {
    informers: fromCallback(() => {}),
    queue: fromCallback<{ type: 'next' }>(() => {}),
    /** Binds each pod decided; confirms those that land itself, reports those that fail (pod.bind.failed). */
    binder: fromCallback<BinderCommand>(() => {}),
    scheduleBatch: fromPromise<BatchResult>(async () => ({ bindings: [], failures: [], more: false })),
    /**
     * The housekeeping timers on the injected clock: every backoffFlushMs, pods whose backoff ended
     * move to the active queue and expired assumptions are dropped; every unschedulableFlushMs, pods
     * unschedulable too long are retried. Plain timers, not `after` transitions of this machine: the
     * 1 s flush is 3,600 ticks an hour of cluster time (the 30 s one 120 more), and each was an XState
     * event, a transition and a delayed event scheduled again, nearly always with nothing to move.
     */
    housekeeping: fromCallback<EventObject, SchedulerTimings>(() => {}),
  },
  delays: {
    yield: ({ context }) => context.timings.yieldMs,
  },
}).createMachine({
  id: 'scheduler',
  context: ({ input }) => ({
    timings: withDefaults(DEFAULT_SCHEDULER_TIMINGS, input as Partial<typeof DEFAULT_SCHEDULER_TIMINGS> | undefined),
    stats: { scheduled: 0, failed: 0, bindFailures: 0, batches: 0 },
    more: false,
  }),
  invoke: [
    { id: 'queue', src: 'queue' },
    { id: 'binder', src: 'binder' },
    { id: 'informers', src: 'informers' },
  ],
  on: {
    // A binding that lands is not an event here: the binder confirms the assumed pod itself (nothing
    // to decide; one event per pod was ~1 s of XState's work at 30,000 pods). A failed one is.
    'pod.bind.failed': {
      actions: [
        { type: 'bindFailed', params: ({ event }) => ({ key: event.key, node: event.node, error: event.error }) },
        assign({ stats: ({ context }) => ({ ...context.stats, bindFailures: context.stats.bindFailures + 1 }) }),
      ],
    },
    'explain.requested': { actions: { type: 'explain', params: ({ event }) => ({ msg: event.msg }) } },
  },
  type: 'parallel',
  states: {
    lifecycle: {
      initial: 'syncing',
      states: {
        syncing: { on: { 'informers.synced': 'idle' } },
        idle: {
          entry: sendTo('queue', { type: 'next' }),
          on: { 'queue.ready': 'waking' },
        },
        // Lets pending watch events and replies in before the batch (a timer turn of the injected clock).
        waking: { after: { yield: 'scheduling' } },
        scheduling: {
          invoke: {
            src: 'scheduleBatch',
            onDone: {
              target: 'batched',
              actions: [
                sendTo('binder', ({ event }) => ({ type: 'bind' as const, bindings: event.output.bindings })),
                { type: 'preempt', params: ({ event }) => ({ preemptions: event.output.preemptions ?? [] }) },
                { type: 'report', params: ({ event }) => ({ failures: event.output.failures }) },
                assign({
                  more: ({ event }) => event.output.more,
                  stats: ({ context, event }) => ({
                    ...context.stats,
                    scheduled: context.stats.scheduled + event.output.bindings.length,
                    failed: context.stats.failed + event.output.failures.length,
                    batches: context.stats.batches + 1,
                  }),
                }),
              ],
            },
            onError: { target: 'idle', actions: { type: 'batchFailed', params: ({ event }) => ({ error: event.error }) } },
          },
        },
        batched: { always: [{ guard: ({ context }) => context.more, target: 'waking' }, { target: 'idle' }] },
      },
    },
    // The timers run in the housekeeping actor; these regions keep the state value inspection shows.
    housekeeping: {
      type: 'parallel',
      invoke: { id: 'housekeeping', src: 'housekeeping', input: ({ context }) => context.timings },
      states: {
        backoff: { initial: 'waiting', states: { waiting: {} } },
        leftovers: { initial: 'waiting', states: { waiting: {} } },
      },
    },
  },
});
