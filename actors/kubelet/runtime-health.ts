// The runtime's health as the node's Ready condition (upstream's updateRuntimeUp every 5 s and the
// runtime state's errors): a runtime that answers not ready makes the node NotReady at once; one
// that does not answer only once its last good answer is older than upstream's 30 s threshold, so
// a containerd its supervisor restarts within a second does not flap the node. Ready again once it answers.
import type { Clock } from '../../bus/clock.ts';
import { nodeConditionState, type NodeConditionState } from './node-status.ts';
import type { ContainerRuntime } from './runtimes/runtime.ts';

/** How often the runtime is asked (upstream: every 5 s). */
export const RUNTIME_HEALTH_PERIOD_MS = 5_000;
/** How long a runtime may go without a good answer before it is down (upstream's maxWaitForContainerRuntime). */
export const RUNTIME_DOWN_THRESHOLD_MS = 30_000;

/** Returns the Ready condition for a runtime health answer. */
export function readyCondition(health: { ready: boolean; message?: string }): NodeConditionState {
  return health.ready ? nodeConditionState('Ready', 'True') : nodeConditionState('Ready', 'False', health.message);
}

/** Asks the runtime its status every period; calls `changed` when the Ready condition changes. Returns a stop function. */
export function watchRuntimeHealth(
  runtime: ContainerRuntime,
  clock: Clock,
  changed: (c: NodeConditionState) => void,
  { periodMs = RUNTIME_HEALTH_PERIOD_MS, downAfterMs = RUNTIME_DOWN_THRESHOLD_MS } = {},
): () => void {
  if (!runtime.status) return () => undefined;
  let last = 'ready';
  /** The last good answer (the start counts as one: the node registered after its runtime answered). */
  let lastSync = clock.now();
  let stopped = false;
  let timer: unknown;
  const tick = async () => {
    const answer = await runtime.status!().catch(() => undefined);
    if (stopped) return;
    const now = clock.now();
    if (answer) lastSync = now;
    // No answer: still the last state until the threshold has passed since the last good one.
    const health = answer ?? (now - lastSync >= downAfterMs ? { ready: false, message: 'container runtime is down' } : undefined);
    const key = health && (health.ready ? 'ready' : (health.message ?? 'not ready'));
    if (health && key !== last) {
      last = key!;
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
