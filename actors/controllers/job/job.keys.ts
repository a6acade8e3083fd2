// What a pod or Job event gives the Job controller to do, resolved when it arrives (upstream
// job_controller's addPod/updatePod/deletePod and deleteJob handlers): the Job that owns or may
// adopt the pod, or the pod itself as a work item of upstream's second queue (orphanQueue).
import type { Job } from '../../../api/kinds/job.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import { controllerRefOf, type KubeObject } from '../../../api/meta.ts';
import { CONTROLLER_INDEX } from '../../../bus/indexers.ts';
import { keyOf } from '../../../bus/informer.ts';
import type { ControllerContext } from '../../lib/controller.ts';
import { selectingOwners } from '../shared/owner-keys.ts';
import { hasTrackingFinalizer, JOB_KIND } from './job.pods.ts';
import { isJobFinished } from './job.reconcile.ts';

// The key of a pod whose tracking finalizer may have to go (its Job is gone or finished, or it has
// none). A real identity, the pod's own key, in what upstream keeps as a separate queue; the
// prefix cannot be a namespace (no ':' in names), so it never clashes with a Job key.
const ORPHAN_POD = 'orphan-pod:';

/** Returns the work-queue key of an orphan pod's finalizer cleanup. */
export const orphanPodKey = (pod: KubeObject): string => `${ORPHAN_POD}${keyOf(pod)}`;

/** Returns the pod key of an orphan-pod work item, or undefined for a Job key. */
export const podKeyOfOrphanItem = (key: string): string | undefined => (key.startsWith(ORPHAN_POD) ? key.slice(ORPHAN_POD.length) : undefined);

/** Returns the unfinished Jobs of the pod's namespace whose selector matches its labels (upstream getPodJobs). */
function selectingJobs(pod: KubeObject, ctx: ControllerContext<unknown>): string[] {
  return selectingOwners(ctx.cache<Job>('jobs').lister(), pod, ctx.deps.log, (j) => !isJobFinished(j));
}

/** Returns what a pod event concerns: its live Job; else, holding the finalizer, the pod itself; and for an orphan the Jobs that may adopt it. */
export function jobKeysOfPod(o: KubeObject, ctx: ControllerContext<unknown>): string[] {
  const pod = o as Pod;
  const ref = controllerRefOf(pod);
  if (ref) {
    if (ref.kind !== JOB_KIND) return [];
    const job = ctx.cache<Job>('jobs').get(`${pod.metadata.namespace}/${ref.name}`);
    if (job && job.metadata.uid === ref.uid && !isJobFinished(job)) return [keyOf(job)];
    return hasTrackingFinalizer(pod) ? [orphanPodKey(pod)] : [];
  }
  return [...(hasTrackingFinalizer(pod) ? [orphanPodKey(pod)] : []), ...selectingJobs(pod, ctx)];
}

/** Returns the Job's own key and, once it is gone from the cache (deleted), its pods still holding the finalizer (upstream deleteJob's cleanupPodFinalizers). */
export function jobKeysOfJob(o: KubeObject, ctx: ControllerContext<unknown>): string[] {
  const key = keyOf(o);
  if (ctx.cache<Job>('jobs').get(key)?.metadata.uid === o.metadata.uid) return [key];
  const held = ctx.cache<Pod>('pods').byIndex(CONTROLLER_INDEX, o.metadata.uid!).filter(hasTrackingFinalizer);
  return [key, ...held.map(orphanPodKey)];
}
