// Carries out a SlicePlan through the API: creates, then updates, then deletes (upstream
// finalize's order), noting each write's revision in the fence so the next reconcile of the key
// waits for the cache to show them. A failure records a Warning event on the owner and is thrown
// for the queue to retry; nothing is created in a terminating namespace.
import type { KubeObject } from '../../../api/meta.ts';
import { isNamespaceTerminating, isNotFound } from '../../../api/status.ts';
import type { ControllerContext } from '../../lib/controller.ts';
import type { CacheFence } from '../shared/cache-fence.ts';
import type { SlicePlan } from './slices.plan.ts';

/** Writes the plan for `key`; `owner` (a Service or Endpoints) gets the Warning event when a write fails. */
export async function writeSlices(ctx: ControllerContext<unknown>, key: string, owner: KubeObject, plan: SlicePlan, fence: CacheFence): Promise<void> {
  const { client, log } = ctx.deps;
  const noted = (o: KubeObject) => fence.wrote(key, 'endpointslices', o.metadata.resourceVersion);
  try {
    for (const s of plan.create) noted(await client.create('endpointslices', s as unknown as KubeObject));
    for (const s of plan.update) noted(await client.update('endpointslices', s as unknown as KubeObject));
    for (const s of plan.delete) {
      const gone = await client.delete('endpointslices', s.metadata.name!, { namespace: s.metadata.namespace }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
        return undefined;
      });
      if (gone) noted(gone as KubeObject);
    }
  } catch (err) {
    if (isNamespaceTerminating(err)) {
      log.debug({ key }, 'namespace is terminating; EndpointSlices not created');
      return;
    }
    const what = owner.kind === 'Service' ? `Service ${key}` : `Endpoints ${key}`;
    ctx.events.record(owner, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for ${what}: ${(err as Error).message}`);
    throw err;
  }
  if (plan.create.length + plan.update.length + plan.delete.length)
    log.debug({ key, created: plan.create.length, updated: plan.update.length, deleted: plan.delete.length }, 'endpoint slices written');
}
