// One pod's lifecycle on its node: ContainerCreating → Running (Active or CrashLoopBackOff) →
// Terminating → Terminated → Done. Each state takes only the events that mean something there
// (TAKES); what an event it takes does is decided by pod-sync.ts, level-based like upstream
// SyncPod, and the state follows from the result (NEXT). Pure: runtime calls and API writes go out
// through `exec`, which the kubelet provides; timers are XState delayed events on the injected clock.
//
// An XState actor logic written out rather than a createMachine statechart: the chart is flat (one
// action, eventless moves decided by the context), and XState's general machinery (state node
// sets, transition selection, snapshot and context copies per microstep) cost about three times the
// worker's own logic (30,000 pod starts at 1,000 nodes). It keeps what a statechart shows: the state
// value (`{ Running: 'Active' }`) in each snapshot for inspection and traces, `can`, the delayed
// events and cancels through the system's scheduler, actions through the actor's action executor (so
// commands, timers and the messages to the kubelet run in the order and at the moment they did).
import type { ActorLogic, ActorScope, AnyActorRef, EventObject } from 'xstate';
import { podIsTerminal } from './pod-status.ts';
import { initialContext, type PodWorkerInput } from './pod-step.ts';
import { react } from './pod-sync.ts';
import type { PodCommand, PodWorkerContext, PodWorkerEvent } from './pod-worker.types.ts';

/** What a worker tells the kubelet: its pod's containers stopped for good (terminated), or the pod is gone and cleaned up (done). */
export type PodWorkerDone = { type: 'worker.done'; uid: string } | { type: 'worker.terminated'; uid: string };

type EventType = PodWorkerEvent['type'];

/** The pod may change (spec, deletion) or go from the API in every state until Done. */
const POD: EventType[] = ['pod.updated', 'pod.removed'];
/** Replies to a container start, and exits (a container stop's reply, or one the runtime reported). */
const CONTAINER: EventType[] = ['container.created', 'container.started', 'container.failed', 'container.exited'];
/** Replies to the sandbox run. */
const SANDBOX_RUN: EventType[] = ['sandbox.ready', 'sandbox.failed'];

/**
 * The events each resting state takes. Any other is dropped unseen, as it can mean nothing there:
 * the timers a state does not list were cancelled when termination began (one that fired just
 * then is stale), a probe result after that finds no running container, and an exit the runtime
 * reports in Terminated was already counted from the reply to the container's stop.
 */
export const TAKES = {
  /** Waiting for the pod network, then the sandbox (retrying it after a failure); the active deadline may run out. */
  ContainerCreating: [...POD, ...SANDBOX_RUN, 'sandbox.retry', 'network.changed', 'deadline'],
  /** Containers start, exit, restart after their backoff and are probed. */
  Running: [...POD, ...CONTAINER, 'probe.tick', 'probe.result', 'backoff.done', 'deadline'],
  /** Stopping everything: replies to the stops, and to a sandbox run or container start still under way. */
  Terminating: [...POD, ...SANDBOX_RUN, ...CONTAINER, 'sandbox.stopped'],
  /** Nothing runs: the pod may still be deleted (final status, then delete) and removed (sandbox cleanup). */
  Terminated: [...POD, 'sandbox.removed'],
} satisfies Record<string, EventType[]>;

/** The worker's states; Running's two sub-states are states of their own here. */
type State = 'ContainerCreating' | 'Active' | 'CrashLoopBackOff' | 'Terminating' | 'Terminated' | 'Done';

/** A state value as XState writes it (what inspection and traces show). */
export type PodWorkerValue = 'ContainerCreating' | { Running: 'Active' | 'CrashLoopBackOff' } | 'Terminating' | 'Terminated' | 'Done';

const VALUE: Record<State, PodWorkerValue> = {
  ContainerCreating: 'ContainerCreating',
  Active: Object.freeze({ Running: 'Active' }),
  CrashLoopBackOff: Object.freeze({ Running: 'CrashLoopBackOff' }),
  Terminating: 'Terminating',
  Terminated: 'Terminated',
  Done: 'Done',
};

const TAKEN: Record<State, ReadonlySet<string>> = {
  ContainerCreating: new Set(TAKES.ContainerCreating),
  Active: new Set(TAKES.Running),
  CrashLoopBackOff: new Set(TAKES.Running),
  Terminating: new Set(TAKES.Terminating),
  Terminated: new Set(TAKES.Terminated),
  Done: new Set(),
};

const crashLooping = (ctx: PodWorkerContext) => ctx.ctrs.some((c) => c.inBackoff && c.waiting?.reason === 'CrashLoopBackOff');
const backedOff = (ctx: PodWorkerContext) => !ctx.ctrs.some((c) => c.inBackoff);

/**
 * The eventless moves, as the statechart's `always` transitions were, a sub-state's before its
 * parent's: an adopted pod with a running sandbox goes to Running, an adopted terminal or rejected
 * one through Terminating to Terminated, a deleted one from anywhere in Running to Terminating.
 */
function next(ctx: PodWorkerContext, s: State): State {
  switch (s) {
    case 'ContainerCreating':
      return podIsTerminal(ctx) ? 'Terminated' : ctx.termination ? 'Terminating' : ctx.sandbox === 'ready' ? 'Active' : s;
    case 'Active':
      return crashLooping(ctx) ? 'CrashLoopBackOff' : ctx.termination ? 'Terminating' : s;
    case 'CrashLoopBackOff':
      return backedOff(ctx) ? 'Active' : ctx.termination ? 'Terminating' : s;
    case 'Terminating':
      return podIsTerminal(ctx) ? 'Terminated' : s;
    case 'Terminated':
      return ctx.sandbox === 'removed' ? 'Done' : s;
    case 'Done':
      return s;
  }
}

/** A pod worker's snapshot: its state (and value), its context (changed in place by its one owner), its status. */
export class PodWorkerSnapshot {
  readonly value: PodWorkerValue;
  readonly output = undefined;
  readonly error = undefined;
  constructor(
    readonly state: State,
    readonly context: PodWorkerContext,
    readonly status: 'active' | 'done' | 'stopped' = state === 'Done' ? 'done' : 'active',
  ) {
    this.value = VALUE[state];
  }

  /** Whether the worker takes this event in its state (as a statechart snapshot's `can`). */
  can(event: { type: string }): boolean {
    return this.status === 'active' && TAKEN[this.state].has(event.type);
  }
}

/** The event a step ran on: the worker's start (xstate.init) or an event it took. */
export type ExecEvent = PodWorkerEvent | { type: 'xstate.init'; input: PodWorkerInput };
type ExecArgs = { context: PodWorkerContext; event: ExecEvent; self: AnyActorRef };
/** Carries out one command (runtime call, status write, Event); given by the kubelet. */
export type PodExec = (args: ExecArgs, cmd: PodCommand) => void;

type Scope = ActorScope<PodWorkerSnapshot, PodWorkerEvent>;
/** The system's relay: a message from one actor to another, as sendParent sends it (inspected with its sender). */
type Relay = { _relay(source: AnyActorRef, target: AnyActorRef, event: EventObject): void };

/** The pod worker's actor logic; `provide` gives it the kubelet's `exec`, as a machine's provide would. */
export class PodWorkerLogic implements ActorLogic<PodWorkerSnapshot, PodWorkerEvent, PodWorkerInput> {
  constructor(readonly implementations: { actions: { exec: PodExec } } = { actions: { exec: () => {} } }) {}

  /** Returns this logic with the given `exec`. */
  provide(impl: { actions: { exec: PodExec } }): PodWorkerLogic {
    return new PodWorkerLogic({ actions: { ...this.implementations.actions, ...impl.actions } });
  }

  getInitialSnapshot(scope: Scope, input: PodWorkerInput): PodWorkerSnapshot {
    const ctx = initialContext(input);
    // The first step runs on entering ContainerCreating (its effects once the actor starts).
    this.step(ctx, { type: 'worker.start' }, { type: 'xstate.init', input }, scope);
    return this.settle(ctx, 'ContainerCreating', { type: 'xstate.init', input }, scope);
  }

  transition(snapshot: PodWorkerSnapshot, event: PodWorkerEvent | { type: 'xstate.stop' }, scope: Scope): PodWorkerSnapshot {
    if (event.type === 'xstate.stop') return new PodWorkerSnapshot(snapshot.state, snapshot.context, 'stopped');
    // An event the state does not take: nothing runs, the snapshot stays the same object.
    if (!snapshot.can(event)) return snapshot;
    this.step(snapshot.context, event, event, scope);
    return this.settle(snapshot.context, snapshot.state, event, scope);
  }

  getPersistedSnapshot(snapshot: PodWorkerSnapshot) {
    return { status: snapshot.status, value: snapshot.value, context: snapshot.context, output: undefined, error: undefined } as never;
  }

  /**
   * Runs the worker's logic on the event. Its commands go to `exec` at once (deferred until the
   * actor starts, for the first step), timers to the scheduler after the step, as XState runs a
   * custom action and a delayed raise or a cancel.
   */
  private step(ctx: PodWorkerContext, ev: PodWorkerEvent | { type: 'worker.start' }, event: ExecEvent, scope: Scope): void {
    // The step changes this context in place: one worker owns it; the kubelet's effects read it only through the snapshot.
    const { out } = react(ctx, ev, true);
    const args = { context: ctx, event, self: scope.self as AnyActorRef };
    const exec = this.implementations.actions.exec;
    for (const o of out) {
      if (o.type === 'timer.cancel') {
        const id = o.id;
        run(scope, args, 'xstate.cancel', { sendId: id }, () => scope.defer(() => scope.system.scheduler.cancel(scope.self, id)));
      } else if (o.type === 'timer.set') {
        const { id, delayMs, event: raised } = o;
        run(scope, args, 'xstate.raise', { event: raised, id, delay: delayMs }, () => scope.defer(() => scope.system.scheduler.schedule(scope.self, scope.self, raised, delayMs, id)));
      } else run(scope, args, 'exec', o, () => exec(args, o));
    }
  }

  /** Takes the eventless moves from `s`; entering Terminated and Done tells the kubelet. */
  private settle(ctx: PodWorkerContext, s: State, event: ExecEvent, scope: Scope): PodWorkerSnapshot {
    for (let to = next(ctx, s); to !== s; to = next(ctx, s)) {
      s = to;
      if (s === 'Terminated') this.tell(ctx, { type: 'worker.terminated', uid: ctx.uid }, event, scope);
      if (s === 'Done') this.tell(ctx, { type: 'worker.done', uid: ctx.uid }, event, scope);
    }
    return new PodWorkerSnapshot(s, ctx);
  }

  private tell(ctx: PodWorkerContext, msg: PodWorkerDone, event: ExecEvent, scope: Scope): void {
    const self = scope.self as AnyActorRef;
    const parent = self._parent;
    if (!parent) return;
    run(scope, { context: ctx, event, self }, 'xstate.sendTo', { to: parent, event: msg }, () => scope.defer(() => (scope.system as unknown as Relay)._relay(self, parent, msg)));
  }
}

/** Hands an action to the actor's executor: at once while the actor runs, after its start for the first step; inspected as an action. */
function run(scope: Scope, args: ExecArgs, type: string, params: unknown, exec: () => void): void {
  scope.actionExecutor({ type, info: args as never, params: params as never, exec });
}

/** The pod worker's logic; the kubelet provides `exec`. */
export const podWorkerLogic = new PodWorkerLogic();
