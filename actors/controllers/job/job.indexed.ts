// Indexed Jobs as upstream's indexed_job_utils.go: each pod carries a completion index in
// [0, completions); the Job is done when every index has a succeeded pod; completedIndexes is kept
// as an interval string ("1,3-5"). Pure.
import type { Job } from '../../../api/kinds/job.ts';
import type { Pod, PodTemplateSpec } from '../../../api/kinds/pod.ts';
import { byRemovalOrder } from './job.pods.ts';

/** The annotation (and label) with a pod's completion index (batch.JobCompletionIndexAnnotation). */
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
const INDEX_ENV = 'JOB_COMPLETION_INDEX';

/** Returns whether the Job is Indexed. */
export const isIndexed = (job: Job): boolean => job.spec.completionMode === 'Indexed';

/** Returns a pod's completion index from its annotation, -1 when absent or malformed (getCompletionIndex). */
export function completionIndexOf(pod: Pod): number {
  const v = pod.metadata.annotations?.[JOB_COMPLETION_INDEX];
  if (v === undefined || !/^[0-9]+$/.test(v)) return -1;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : -1;
}

/** Returns whether a pod's index is valid for the Job (0 ≤ index < completions). */
export const hasValidIndex = (job: Job, pod: Pod): boolean => {
  const ix = completionIndexOf(pod);
  return ix >= 0 && ix < (job.spec.completions ?? 0);
};

/** Returns the indexes of an interval string ("1,3-5"), ignoring malformed parts and those ≥ completions (parseIndexesFromString). */
export function parseIndexes(s: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  for (const part of (s ?? '').split(',')) {
    const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(part.trim());
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = Math.min(Number(m[2] ?? m[1]), completions - 1);
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return out;
}

/** Returns indexes as a sorted interval string ("1,3-5"; orderedIntervals.String). */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Returns the indexes already in status.completedIndexes and those plus succeeded pods still holding the finalizer (calculateSucceededIndexes). */
export function succeededIndexes(job: Job, pods: readonly Pod[], hasFinalizer: (p: Pod) => boolean): { prev: Set<number>; all: Set<number> } {
  const completions = job.spec.completions ?? 0;
  const prev = parseIndexes(job.status?.completedIndexes, completions);
  const all = new Set(prev);
  for (const p of pods) if (p.status?.phase === 'Succeeded' && hasValidIndex(job, p) && hasFinalizer(p)) all.add(completionIndexOf(p));
  return { prev, all };
}

/** Returns the lowest `count` indexes with no success and no active (or, replacing only failed pods, terminating) pod (firstPendingIndexes). */
export function firstPendingIndexes(job: Job, succeeded: ReadonlySet<number>, busy: readonly Pod[], count: number): number[] {
  const taken = new Set(succeeded);
  for (const p of busy) if (completionIndexOf(p) >= 0) taken.add(completionIndexOf(p));
  const out: number[] = [];
  for (let i = 0; i < (job.spec.completions ?? 0) && out.length < count; i++) if (!taken.has(i)) out.push(i);
  return out;
}

/** Returns active pods to remove because their index is invalid or held by a more advanced pod, and the others (appendDuplicatedIndexPodsForRemoval). */
export function duplicateIndexPods(job: Job, active: readonly Pod[]): { remove: Pod[]; keep: Pod[] } {
  const remove: Pod[] = [];
  const byIndex = new Map<number, Pod[]>();
  for (const p of active) {
    const ix = completionIndexOf(p);
    if (!hasValidIndex(job, p)) remove.push(p);
    else byIndex.set(ix, [...(byIndex.get(ix) ?? []), p]);
  }
  const keep: Pod[] = [];
  for (const pods of byIndex.values()) {
    const ordered = byRemovalOrder(pods);
    remove.push(...ordered.slice(0, -1));
    keep.push(ordered[ordered.length - 1]);
  }
  return { remove, keep };
}

/** Returns the template of the pod for an index: annotation, label, hostname and JOB_COMPLETION_INDEX env (addCompletionIndexAnnotation & co). */
export function indexedTemplate(job: Job, template: PodTemplateSpec, index: number): PodTemplateSpec {
  const t = structuredClone(template);
  const meta = (t.metadata ??= {});
  meta.annotations = { ...(meta.annotations ?? {}), [JOB_COMPLETION_INDEX]: String(index) };
  meta.labels = { ...(meta.labels ?? {}), [JOB_COMPLETION_INDEX]: String(index) };
  t.spec.hostname = `${job.metadata.name}-${index}`;
  for (const c of [...(t.spec.containers ?? []), ...(t.spec.initContainers ?? [])]) {
    if ((c.env ?? []).some((e) => e.name === INDEX_ENV)) continue;
    c.env = [...(c.env ?? []), { name: INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_COMPLETION_INDEX}']` } } }];
  }
  return t;
}
