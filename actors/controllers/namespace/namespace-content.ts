// How long a namespace's remaining content should take to go, per resource (upstream
// deleteAllContentForGroupVersionResource after its API calls, and estimateGracefulTermination). Pure.
import type { Pod } from '../../../api/kinds/pod.ts';
import type { KubeObject } from '../../../api/meta.ts';
import type { ResourceDef } from '../../../api/resource.ts';

/** Seconds assumed for finalizers to finish when remaining objects carry some (upstream finalizerEstimateSeconds). */
export const FINALIZER_ESTIMATE_SECONDS = 15;

/** What is left of one resource in the namespace after a delete pass. */
export interface ResourceRemaining {
  /** Seconds to wait before looking again; 0: no estimate (which does not mean nothing remains). */
  estimateSeconds: number;
  remaining: number;
  finalizers: Map<string, number>;
  /** Set when objects remain that nothing explains (no grace period left, no finalizer). */
  error?: string;
}

/** Returns `<resource>.<group>` as upstream names a resource in condition messages (`pods.`, `deployments.apps`). */
export const resourceLabel = (def: ResourceDef) => `${def.plural}.${def.group}`;

/** Returns Go's `%v` of a GroupVersionResource, e.g. `{ v1 pods}`, as upstream error messages print it. */
export const gvrString = (def: ResourceDef) => `{${def.group} ${def.version} ${def.plural}}`;

/**
 * Returns the longest termination grace period of the namespace's live pods, or 0 once that much
 * time has passed since the namespace was deleted (upstream estimateGracefulTermination).
 */
export function podGraceEstimate(pods: Pod[], deletedAtMs: number, nowMs: number): number {
  let estimate = 0;
  for (const p of pods) {
    const phase = p.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    estimate = Math.max(estimate, p.spec?.terminationGracePeriodSeconds ?? 0);
  }
  return nowMs - deletedAtMs >= estimate * 1000 ? 0 : estimate;
}

/** Returns what remains of a resource after deleting its objects, given the objects still listed and the grace estimate. */
export function remainingAfterDelete(def: ResourceDef, namespace: string, items: KubeObject[], estimate: number): ResourceRemaining {
  if (items.length === 0) return { estimateSeconds: 0, remaining: 0, finalizers: new Map() };
  const finalizers = new Map<string, number>();
  for (const item of items) for (const f of item.metadata.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
  if (estimate !== 0) return { estimateSeconds: estimate, remaining: items.length, finalizers };
  // Finalizers are normal (e.g. the garbage collector's): allow them time to finish.
  if (finalizers.size) return { estimateSeconds: FINALIZER_ESTIMATE_SECONDS, remaining: items.length, finalizers };
  return {
    estimateSeconds: 0,
    remaining: items.length,
    finalizers,
    error: `unexpected items still remain in namespace: ${namespace} for gvr: ${gvrString(def)}`,
  };
}
