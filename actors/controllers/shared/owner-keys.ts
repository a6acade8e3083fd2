// What an event about a controlled object (a pod, a ReplicaSet, a ControllerRevision) wakes, as
// upstream's workload controllers' event handlers: its controller, or for a live orphan every
// owner of its namespace whose selector matches it (getPodReplicaSets, GetPodDaemonSets ...).
import { controllerRefOf, type KubeObject, type LabelSelector } from '../../../api/meta.ts';
import { isEmptySelector, labelSelectorMatcher, sameLabels } from '../../../api/selectors.ts';
import type { Lister } from '../../../bus/indexer.ts';
import { NAMESPACE_INDEX } from '../../../bus/indexers.ts';
import { keyOf } from '../../../bus/informer.ts';
import type { Logger } from '../../../bus/types.ts';

type Selecting = KubeObject & { spec: { selector?: LabelSelector } };

/** Returns the key of the object's controller when it is of this kind. */
export function controllerKeys(obj: KubeObject, kind: string): string[] {
  const ref = controllerRefOf(obj);
  return ref?.kind === kind ? [`${obj.metadata.namespace}/${ref.name}`] : [];
}

/**
 * Returns the keys of the owners in the object's namespace (read through their NAMESPACE_INDEX) whose selector matches it; an empty or broken
 * selector matches nothing. `selectorOf` reads an owner's selector (a ReplicationController's label map as a LabelSelector).
 */
export function selectingOwners<O extends Selecting>(
  owners: Lister<O>,
  obj: KubeObject,
  log: Logger,
  also: (owner: O) => boolean = () => true,
  selectorOf: (owner: O) => LabelSelector | undefined = (o) => o.spec.selector,
): string[] {
  const out: string[] = [];
  for (const owner of owners.byIndex(NAMESPACE_INDEX, obj.metadata.namespace ?? '')) {
    const sel = selectorOf(owner);
    if (!sel || isEmptySelector(sel) || !also(owner)) continue;
    try {
      if (labelSelectorMatcher(sel)(obj.metadata.labels)) out.push(keyOf(owner));
    } catch (err) {
      log.warn({ owner: keyOf(owner), err: (err as Error).message }, 'invalid selector; it selects nothing');
    }
  }
  return out;
}

/** Returns what an added or deleted object wakes: its controller of `kind`, or for a live orphan its possible adopters. */
export function ownerOrAdopters(obj: KubeObject, kind: string, adopters: (o: KubeObject) => string[]): string[] {
  if (controllerRefOf(obj)) return controllerKeys(obj, kind);
  if (obj.metadata.deletionTimestamp) return []; // an object going away is never adopted
  return adopters(obj);
}

/** Returns what an update wakes (upstream updatePod / updateReplicaSet): old and new controller; an orphan's possible adopters only when its labels or controller changed. */
export function ownerUpdateKeys(old: KubeObject, obj: KubeObject, kind: string, adopters: (o: KubeObject) => string[]): string[] {
  const oldRef = controllerRefOf(old);
  const ref = controllerRefOf(obj);
  const moved = oldRef !== undefined && oldRef.uid !== ref?.uid;
  // The common case, a controlled object updated under the same controller, without arrays spread together (every pod update, in several controllers).
  if (ref && !moved) return controllerKeys(obj, kind);
  const keys = moved ? controllerKeys(old, kind) : [];
  if (ref) return [...keys, ...controllerKeys(obj, kind)];
  const changed = oldRef !== undefined || !sameLabels(old.metadata.labels, obj.metadata.labels);
  return changed ? [...keys, ...ownerOrAdopters(obj, kind, adopters)] : keys;
}
