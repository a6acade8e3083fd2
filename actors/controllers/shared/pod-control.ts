// Creating and deleting a controller's pods with the Events upstream's RealPodControl records
// (SuccessfulCreate "Created pod: x", FailedCreate "Error creating: ...", and the delete pair).
import type { Pod } from '../../../api/kinds/pod.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { isNamespaceTerminating, isNotFound } from '../../../api/status.ts';
import type { ControllerContext } from '../../lib/controller.ts';


/** Creates a pod for `owner`; returns it, or undefined when its namespace is terminating; throws other failures. */
export async function createPod(ctx: ControllerContext, owner: KubeObject, pod: Pod, wrote: (o: KubeObject) => void): Promise<Pod | undefined> {
  try {
    const created = await ctx.deps.client.create<Pod>('pods', pod);
    wrote(created);
    ctx.events.record(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    return created;
  } catch (err) {
    if (isNamespaceTerminating(err)) {
      ctx.deps.log.debug({ owner: owner.metadata.name }, 'namespace terminating; not creating pods');
      return undefined;
    }
    ctx.events.record(owner, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
    throw err;
  }
}

/** Deletes a pod of `owner` (a pod already gone counts as deleted); throws other failures. */
export async function deletePod(ctx: ControllerContext, owner: KubeObject, pod: Pod, wrote: (o: KubeObject) => void): Promise<void> {
  try {
    wrote(await ctx.deps.client.delete('pods', pod.metadata.name!, { namespace: pod.metadata.namespace }));
    ctx.events.record(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
  } catch (err) {
    if (isNotFound(err)) return;
    ctx.events.record(owner, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
    throw err;
  }
}
