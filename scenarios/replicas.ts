// Replicas of the control-plane components: how many a scenario runs, what each is called
// (`scheduler-0`, `scheduler-1` …; a single replica keeps the component's name), which Lease
// elects the leader of the elected ones, and whether the API servers share one store.
import type { Component } from './api.types.ts';
import type { ScenarioOptions } from './types.ts';

/** The components that run as several replicas behind leader election. */
export type ElectedComponent = 'scheduler' | 'controller-manager';

/** Replicas per component, resolved. */
export type Replicas = Record<Component, number>;

/** The Lease (kube-system/<name>) each elected component's replicas compete for, as upstream. */
export const LEASE_OF: Record<ElectedComponent, string> = { scheduler: 'kube-scheduler', 'controller-manager': 'kube-controller-manager' };

/** The components a scenario may replicate: the elected ones, and API servers on a shared store. */
const REPLICABLE: readonly Component[] = ['apiserver', 'scheduler', 'controller-manager'];

/** The most replicas a scenario may ask for (each one is a process in real mode). */
export const MAX_REPLICAS = 5;

/** Thrown for a replica count or name a script spelled wrong. */
export class ReplicaSpecError extends Error {
  override name = 'ReplicaSpecError';
}

/** Returns the replica counts of `options.replicas` (default 1 each), checked. */
export function resolveReplicas(r: ScenarioOptions['replicas'] = {}): Replicas {
  const out: Replicas = { apiserver: 1, scheduler: 1, 'controller-manager': 1 };
  for (const [c, n] of Object.entries(r ?? {})) {
    if (!REPLICABLE.includes(c as Component)) throw new ReplicaSpecError(`replicas: "${c}" can't be replicated (only ${REPLICABLE.join(', ')})`);
    if (!Number.isInteger(n) || n < 1 || n > MAX_REPLICAS) throw new ReplicaSpecError(`replicas.${c} must be a whole number from 1 to ${MAX_REPLICAS}, got ${n}`);
    out[c as Component] = n;
  }
  return out;
}

/** Returns the targets of a component's replicas: its own name when there is one, else `<c>-0 … <c>-(n-1)`. */
export function replicaNames(c: Component, n: number): string[] {
  return n === 1 ? [c] : Array.from({ length: n }, (_, i) => `${c}-${i}`);
}

/** Returns the component a target names (the component itself or one of its replicas), else undefined. */
export function componentOf(target: string): Component | undefined {
  const m = /^(apiserver|scheduler|controller-manager)(?:-\d+)?$/.exec(target);
  return m ? (m[1] as Component) : undefined;
}

/** Returns whether a component runs behind leader election (more than one replica). */
export const elected = (c: Component, r: Replicas): c is ElectedComponent => c !== 'apiserver' && r[c] > 1;

/** Returns whether the API servers share one replicated store (more than one replica; one keeps its own). */
export const sharedStore = (r: Replicas): boolean => r.apiserver > 1;
