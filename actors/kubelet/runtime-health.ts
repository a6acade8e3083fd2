// The runtime's health as the node's Ready condition (upstream's updateRuntimeUp every 5 s and the
// Ready setter's runtime errors): a runtime that stops answering, or says it is not ready, makes
// the node NotReady with upstream's message; Ready again once it answers.
import type { Clock } from '../../bus/clock.ts';
import { nodeConditionState, type NodeConditionState } from './node-status.ts';
import type { ContainerRuntime } from './runtimes/runtime.ts';

/** How often the runtime is asked (upstream: every 5 s). */
export const RUNTIME_HEALTH_PERIOD_MS = 5_000;

/** Returns the Ready condition for a runtime health answer. */
export function readyCondition(health: { ready: boolean; message?: string }): NodeConditionState {
  return health.ready ? nodeConditionState('Ready', 'True') : nodeConditionState('Ready', 'False', health.message);
}

/** Asks the runtime its status every period; calls `changed` when the Ready condition changes. Returns a stop function. */
export function watchRuntimeHealth(runtime: ContainerRuntime, clock: Clock, changed: (c: NodeConditionState) => void, periodMs = RUNTIME_HEALTH_PERIOD_MS): () => void {
  if (!runtime.status) return () => undefined;
  let last = 'ready';
  let stopped = false;
  let timer: unknown;
  const tick = async () => {
    const health = await runtime.status!().catch((err: Error) => ({ ready: false, message: `container runtime is down: ${err.message}` }));
    if (stopped) return;
    const key = health.ready ? 'ready' : (health.message ?? 'not ready');
    if (key !== last) {
      last = key;
      changed(readyCondition(health));
    }
    timer = clock.setTimeout(() => void tick(), periodMs);
  };
  timer = clock.setTimeout(() => void tick(), periodMs);
  return () => {
    stopped = true;
    clock.clearTimeout(timer);
  };
}
