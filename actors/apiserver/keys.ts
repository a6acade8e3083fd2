// The store key layout, as upstream's: /registry/<resource>/[<namespace>/]<name>.
import type { ResourceDef } from '../../api/resource.ts';

export const REGISTRY_PREFIX = '/registry/';

/** Returns the key prefix of a resource, or of one namespace of it. */
export const resourcePrefix = (def: ResourceDef, namespace?: string) =>
  def.namespaced && namespace ? `/registry/${def.plural}/${namespace}/` : `/registry/${def.plural}/`;

/** Returns the key of one object. */
export const objectKey = (def: ResourceDef, namespace: string | undefined, name: string) =>
  def.namespaced ? `/registry/${def.plural}/${namespace}/${name}` : `/registry/${def.plural}/${name}`;

/** Returns the resource segment of a key (`pods` for `/registry/pods/ns/name`). */
export function resourceOfKey(key: string): string {
  const end = key.indexOf('/', REGISTRY_PREFIX.length);
  return key.slice(REGISTRY_PREFIX.length, end < 0 ? undefined : end);
}
