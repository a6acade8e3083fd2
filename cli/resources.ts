// Resolving what the user typed (pods, po, Pod, deployments.apps) to a resource, with kubectl's errors.
import type { KubeObject } from '../api/meta.ts';
import type { ResourceDef } from '../api/resource.ts';
import { resourceByKind, resourceFor } from '../api/resources.ts';
import { UsageError } from './context.ts';

/** Returns the resource for a name the user typed; throws kubectl's error when unknown. */
export function resolveResource(name: string): ResourceDef {
  const def = resourceFor(name);
  if (!def) throw new UsageError(`the server doesn't have a resource type "${name}"`);
  return def;
}

/** Returns the resource of an object from a manifest, by its kind and apiVersion (both must be served, as upstream's REST mapping). */
export function resourceOfObject(obj: KubeObject, source: string): ResourceDef {
  const def = resourceByKind(obj.kind, obj.apiVersion ?? '');
  if (!def || def.kind !== obj.kind)
    throw new UsageError(
      `resource mapping not found for name: "${obj.metadata?.name ?? ''}" namespace: "${obj.metadata?.namespace ?? ''}" from "${source}": no matches for kind "${obj.kind}" in version "${obj.apiVersion ?? ''}"\nensure CRDs are installed first`,
    );
  return def;
}

/** Returns how kubectl names an object in messages: `pod/web`, `deployment.apps/web`. */
export const refName = (def: ResourceDef, name: string) => `${def.singular}${def.group ? `.${def.group}` : ''}/${name}`;

/** Returns the namespace for an object: its own, else -n, else default (undefined for cluster-scoped kinds). */
export function namespaceFor(def: ResourceDef, obj: KubeObject | undefined, flag: string | undefined): string | undefined {
  if (!def.namespaced) return undefined;
  const own = obj?.metadata?.namespace;
  if (own && flag && own !== flag)
    throw new UsageError(`the namespace from the provided object "${own}" does not match the namespace "${flag}". You must pass '--namespace=${own}' to perform this operation.`);
  return own ?? flag ?? 'default';
}
