// The DefaultStorageClass admission plugin: a claim created without storageClassName gets the
// cluster's default class (upstream plugin/pkg/admission/storage/storageclass/setdefault).
import type { KubeObject } from '../../api/meta.ts';
import { isDefaultClass, type PersistentVolumeClaim, type StorageClass } from '../../api/kinds/storage.ts';
import type { ServerContext } from './context.ts';

/** Returns the default class: of several, the newest, then the first by name (upstream GetDefaultClass). */
export function defaultStorageClass(ctx: ServerContext): StorageClass | undefined {
  const classes = ctx.store
    .range('/registry/storageclasses/')
    .kvs.map((kv) => kv.value as StorageClass)
    .filter(isDefaultClass);
  classes.sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || a.metadata.name!.localeCompare(b.metadata.name!));
  return classes[0];
}

/** Sets a new claim's storageClassName to the default class when it names none (an explicit "" stays). */
export function setDefaultStorageClass(ctx: ServerContext, obj: KubeObject): void {
  const pvc = obj as PersistentVolumeClaim;
  if (!pvc.spec || typeof pvc.spec !== 'object' || pvc.spec.storageClassName != null) return;
  const sc = defaultStorageClass(ctx);
  if (sc) pvc.spec.storageClassName = sc.metadata.name;
}
