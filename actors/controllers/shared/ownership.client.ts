// Claiming objects for a controller through the API (upstream ClaimPods / ClaimControllerRevisions):
// adopt matching orphans, release owned objects that stopped matching, keep the rest.
import type { KubeObject, OwnerReference } from '../../../api/meta.ts';
import { StatusError } from '../../../api/status.ts';
import type { ControllerContext } from '../../lib/controller.ts';
import { claimOf, type Owner } from './ownership.ts';

/** Who claims, what, and how a candidate is matched. */
export interface ClaimOptions<T extends KubeObject> {
  owner: Owner;
  /** The owner's resource (e.g. `daemonsets`), read fresh before the first adoption. */
  ownerResource: string;
  /** The claimed objects' resource (`pods`, `controllerrevisions`). */
  resource: string;
  ref: OwnerReference;
  /** Whether the owner's selector (and any membership rule) matches the object. */
  matches(obj: T): boolean;
  /** A finalizer adopted objects get (the Job's tracking finalizer). */
  finalizer?: string;
  /** Called with every object the claim wrote (for the cache fence). */
  wrote?(obj: KubeObject): void;
}

const gone = (err: unknown) => err instanceof StatusError && (err.code === 404 || err.code === 422);

/** Returns whether the owner may adopt: it still exists with the same uid and is not being deleted (RecheckDeletionTimestamp). */
async function canAdopt(ctx: ControllerContext, o: ClaimOptions<KubeObject>): Promise<boolean> {
  try {
    const fresh = await ctx.deps.client.get(o.ownerResource, o.owner.metadata.name!, { namespace: o.owner.metadata.namespace });
    return fresh.metadata.uid === o.owner.metadata.uid && !fresh.metadata.deletionTimestamp;
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) return false;
    throw err;
  }
}

/** Returns the objects the owner controls after adopting and releasing as needed; throws on a failed write (retry). */
export async function claimObjects<T extends KubeObject>(ctx: ControllerContext, objs: readonly T[], o: ClaimOptions<T>): Promise<T[]> {
  const claimed: T[] = [];
  let adoptable: boolean | undefined;
  for (const obj of objs) {
    const decision = claimOf(o.owner, obj, o.matches(obj));
    if (decision === 'own') claimed.push(obj);
    else if (decision === 'adopt') {
      adoptable ??= await canAdopt(ctx, o as unknown as ClaimOptions<KubeObject>);
      if (!adoptable) {
        ctx.deps.log.debug({ owner: o.owner.metadata.name, obj: obj.metadata.name }, 'owner is going away; not adopting');
        continue;
      }
      const metadata: Record<string, unknown> = {
        ownerReferences: [...(obj.metadata.ownerReferences ?? []), o.ref],
        resourceVersion: obj.metadata.resourceVersion,
      };
      if (o.finalizer && !obj.metadata.finalizers?.includes(o.finalizer)) metadata.finalizers = [...(obj.metadata.finalizers ?? []), o.finalizer];
      try {
        const next = await ctx.deps.client.patch<T>(o.resource, obj.metadata.name!, { metadata }, { namespace: obj.metadata.namespace });
        o.wrote?.(next);
        claimed.push(next);
      } catch (err) {
        if (!gone(err)) throw err;
        ctx.deps.log.debug({ obj: obj.metadata.name, err: (err as Error).message }, 'adoption target is gone');
      }
    } else if (decision === 'release') {
      const refs = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== o.owner.metadata.uid);
      try {
        const next = await ctx.deps.client.patch(o.resource, obj.metadata.name!, { metadata: { ownerReferences: refs, resourceVersion: obj.metadata.resourceVersion } }, { namespace: obj.metadata.namespace });
        o.wrote?.(next);
      } catch (err) {
        if (!gone(err)) throw err;
        ctx.deps.log.debug({ obj: obj.metadata.name, err: (err as Error).message }, 'release target is gone');
      }
    }
  }
  return claimed;
}
