// The `endpoints.kubernetes.io/last-change-trigger-time` bookkeeping (upstream
// endpointsliceutil.TriggerTimeTracker): the earliest change (a pod's Ready transition, or
// the service's creation) that the next Endpoints write reflects.
import type { Pod } from '../../../api/kinds/pod.ts';
import type { Service } from '../../../api/kinds/service.ts';
import { parseRfc3339 } from '../../../api/names.ts';

/** The annotation upstream sets on Endpoints. */
export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';

interface ServiceState {
  lastServiceTrigger: number;
  lastPodTriggers: Map<string, number>;
}

const time = (s: string | undefined) => {
  const t = s ? parseRfc3339(s) : NaN;
  return Number.isNaN(t) ? 0 : t;
};

/** Returns when a pod last changed in a way that moves its endpoint: its Ready condition's transition (0: unknown). */
const podTrigger = (pod: Pod) => time(pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime);

/** Remembers, per service, the trigger times already reflected in its Endpoints. */
export class TriggerTimeTracker {
  private readonly states = new Map<string, ServiceState>();

  /**
   * Returns the trigger time (ms) of the Endpoints about to be computed for `key`: the service's
   * creation for a service seen for the first time, else the earliest trigger that changed since
   * the last call, or 0 when none did. Updates the remembered state.
   */
  compute(key: string, service: Service, pods: Pod[]): number {
    const state = this.states.get(key);
    const lastPods = state?.lastPodTriggers ?? new Map<string, number>();
    let min = 0;
    const earliest = (t: number) => (min = min === 0 ? t : Math.min(min, t));
    const podTriggers = new Map<string, number>();
    for (const pod of pods) {
      const t = podTrigger(pod);
      if (t === 0) continue;
      podTriggers.set(pod.metadata.name!, t);
      if (t > (lastPods.get(pod.metadata.name!) ?? 0)) earliest(t);
    }
    const serviceTrigger = time(service.metadata.creationTimestamp);
    if (serviceTrigger > (state?.lastServiceTrigger ?? 0)) earliest(serviceTrigger);
    this.states.set(key, { lastServiceTrigger: serviceTrigger, lastPodTriggers: podTriggers });
    return state ? min : serviceTrigger;
  }

  /** Forgets a deleted service. */
  delete(key: string): void {
    this.states.delete(key);
  }
}

/** Returns a time in Go's RFC3339Nano form: fractional seconds without trailing zeros (`…:05.1Z`, `…:05Z`). */
export function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_, f: string) => (f ? `.${f}Z` : 'Z'));
}
