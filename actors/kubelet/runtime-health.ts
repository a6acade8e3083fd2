// The runtime's health as the node's Ready condition (upstream's updateRuntimeUp every 5 s and the
// runtime state's errors): a runtime that answers not ready makes the node NotReady at once; one
// that does not answer only once its last good answer is older than upstream's 30 s threshold, so
// a containerd its supervisor restarts within a second does not flap the node. Ready again once it answers.
// The network's readiness (CRI NetworkReady) goes into the same condition, and to the pod workers:
// pods that need the pod network wait for it (upstream's runtimeState.networkErrors).
import type { Clock } from '../../bus/clock.ts';
import { nodeConditionState, type NodeConditionState } from './node-status.ts';
import type { ContainerRuntime, RuntimeHealth } from './runtimes/runtime.ts';

/** How often the runtime is asked (upstream: every 5 s). */
export const RUNTIME_HEALTH_PERIOD_MS = 5_000;
/** How long a runtime may go without a good answer before it is down (upstream's maxWaitForContainerRuntime). */
export const RUNTIME_DOWN_THRESHOLD_MS = 30_000;
/** The network error before the runtime first answered (upstream's ErrNetworkUnknown). */
export const NETWORK_UNKNOWN = 'network state unknown';
/** The runtime error before its first answer (upstream's runtimeState before its first sync). */
export const RUNTIME_UNCHECKED = 'container runtime status check may not have completed yet';

/** Returns the Ready condition for a runtime health answer: its errors joined as upstream's error aggregate. */
export function readyCondition(health: RuntimeHealth): NodeConditionState {
  const errors = [health.ready ? undefined : health.message, health.networkError].filter((e): e is string => !!e);
  if (!errors.length) return nodeConditionState('Ready', 'True');
  return nodeConditionState('Ready', 'False', errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`);
}

/**
 * The Ready condition of a node whose runtime has not answered yet: NotReady, as upstream registers
 * it. Registered Ready, a containerd node went NotReady ~0.3 s later (its CNI not initialized) and
 * a test waiting for Ready nodes scheduled onto it in between.
 */
export const UNCHECKED_READY = readyCondition({ ready: false, message: RUNTIME_UNCHECKED, networkError: NETWORK_UNKNOWN });

const keyOf = (c: NodeConditionState) => (c.status === 'True' ? 'ready' : c.message);

/** The watch's timing, and who hears of the network's changes. */
export interface HealthWatchOptions {
  periodMs?: number;
  downAfterMs?: number;
  /** When the first check runs (upstream checks at once; default one period). */
  firstCheckMs?: number;
  /** Called with the network's error (undefined: ready) on the first answer and whenever it changes. */
  network?: (error: string | undefined) => void;
  /** The Ready condition the node has before the first answer (default Ready); `changed` hears of any other. */
  initial?: NodeConditionState;
}

/** Asks the runtime its status every period; calls `changed` when the Ready condition changes. Returns a stop function. */
export function watchRuntimeHealth(
  runtime: ContainerRuntime,
  clock: Clock,
  changed: (c: NodeConditionState) => void,
  { periodMs = RUNTIME_HEALTH_PERIOD_MS, downAfterMs = RUNTIME_DOWN_THRESHOLD_MS, firstCheckMs = periodMs, network, initial }: HealthWatchOptions = {},
): () => void {
  if (!runtime.status) return () => undefined;
  let last = initial ? keyOf(initial) : 'ready';
  /** The network's last known error: kept while the runtime does not answer, as upstream's runtime state. */
  let networkError: string | undefined | null = null;
  /** The last good answer (the start counts as one: the node registered after its runtime answered). */
  let lastSync = clock.now();
  let stopped = false;
  let timer: unknown;
  const tick = async () => {
    const answer = await runtime.status!().catch(() => undefined);
    if (stopped) return;
    const now = clock.now();
    if (answer) {
      lastSync = now;
      if (answer.networkError !== networkError) network?.(answer.networkError);
      networkError = answer.networkError;
    }
    const knownNetwork = networkError ?? undefined;
    // No answer: still the last state until the threshold has passed since the last good one.
    const health = answer ?? (now - lastSync >= downAfterMs ? { ready: false, message: 'container runtime is down', networkError: knownNetwork } : undefined);
    const condition = health && readyCondition(health);
    const key = condition && keyOf(condition);
    if (condition && key !== last) {
      last = key!;
      changed(condition);
    }
    timer = clock.setTimeout(() => void tick(), periodMs);
  };
  timer = clock.setTimeout(() => void tick(), firstCheckMs);
  return () => {
    stopped = true;
    clock.clearTimeout(timer);
  };
}
