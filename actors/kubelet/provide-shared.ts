// A machine given its implementations without building its statechart again (one tree of state
// nodes for the 1,000 kubelets of a process), and stopping its children at once when it stops.
import type { AnyActorRef, AnyActorScope, AnyStateMachine, SnapshotFrom } from 'xstate';

/**
 * Returns `machine` with these implementations, as `machine.provide` does, but sharing its state
 * nodes instead of building the statechart again: 1,000 kubelets of one process hold one tree of
 * each machine, not 1,000 (about 30 KiB each). XState looks implementations up on the snapshot's
 * machine, never on its state nodes, so an object whose prototype is `machine` serves.
 */
export function provideShared<M extends AnyStateMachine>(machine: M, impl: Parameters<M['provide']>[0]): M {
  const base = machine.implementations;
  const given = impl as { actions?: object; actors?: object };
  const implementations = { ...base, actions: { ...base.actions, ...given.actions }, actors: { ...base.actors, ...given.actors } };
  const shared = Object.create(machine, { implementations: { value: implementations } }) as M;
  // The constructor binds these to the machine itself; bound again here, they see the new implementations.
  const proto = Object.getPrototypeOf(machine) as Record<string, (...args: unknown[]) => unknown>;
  for (const m of ['getInitialSnapshot', 'getPersistedSnapshot', 'restoreSnapshot', 'start']) Object.defineProperty(shared, m, { value: proto[m].bind(shared) });
  const transition = proto.transition.bind(shared) as (snapshot: MachineSnapshotOf<M>, event: { type: string }, scope: AnyActorScope) => unknown;
  Object.defineProperty(shared, 'transition', { value: (snapshot: MachineSnapshotOf<M>, event: { type: string }, scope: AnyActorScope) => transition(event.type === 'xstate.stop' ? withChildrenStopped(snapshot, scope) : snapshot, event, scope) });
  return shared;
}

/** An actor as XState's stopChild handles it (internals of the pinned xstate ~5.33). */
type ChildRef = AnyActorRef & { _processingStatus: number; _stop(): void };
/** xstate's ProcessingStatus.Running. */
const RUNNING = 1;

/**
 * Stops the children of a machine that is stopping as XState's stopChild does each (unregistered
 * now, depth first; stopped once the step is over, or at once if never started) and returns its
 * snapshot without them. XState's own stop drops them one at a time, copying the children and
 * the whole snapshot each time: quadratic in a kubelet's ~30 pod workers, ~280 MB of garbage
 * and ~1 s of CPU when 1,000 kubelets stop at the end of a run.
 */
function withChildrenStopped<S extends { children: Record<string, AnyActorRef | undefined> }>(snapshot: S, scope: AnyActorScope): S {
  const children = Object.values(snapshot.children).filter((c): c is ChildRef => c !== undefined);
  if (children.length === 0) return snapshot;
  const unregister = (ref: AnyActorRef) => {
    const grand = (ref.getSnapshot() as { children?: Record<string, AnyActorRef> } | undefined)?.children;
    if (grand) for (const c of Object.values(grand)) unregister(c);
    (scope.system as unknown as { _unregister(ref: AnyActorRef): void })._unregister(ref);
  };
  for (const child of children) {
    unregister(child);
    if (child._processingStatus !== RUNNING) child._stop();
    else scope.defer(() => child._stop());
  }
  return { ...snapshot, children: {} };
}

type MachineSnapshotOf<M extends AnyStateMachine> = SnapshotFrom<M> & { children: Record<string, AnyActorRef | undefined> };
