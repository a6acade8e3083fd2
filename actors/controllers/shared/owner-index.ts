// An index over an informer's cache by controller: the objects each controller uid controls, and
// the orphans of each namespace (upstream's controllerUIDIndex, plus the namespace lister the
// claim step reads). A reconcile then touches only its own objects, not the whole cache.
import type { KubeObject } from '../../../api/meta.ts';
import type { Informer, InformerHandlers } from '../../../bus/informer.ts';
import { keyOf } from '../../../bus/informer.ts';
import { controllerRefOf } from './ownership.ts';

/** Keeps, for one informer, the keys of objects by controller uid and the orphans by namespace. */
export class OwnerIndex<T extends KubeObject> {
  private readonly byOwner = new Map<string, Set<string>>();
  private readonly orphans = new Map<string, Set<string>>();
  private readonly handlers: InformerHandlers<T>;

  constructor(private readonly informer: Informer<T>) {
    this.handlers = {
      add: (o) => this.put(o),
      update: (old, o) => {
        this.drop(old);
        this.put(o);
      },
      delete: (o) => this.drop(o),
    };
    for (const o of informer.list()) this.put(o);
    informer.on(this.handlers);
  }

  /** Returns the cached objects whose controller reference has this uid. */
  owned(uid: string | undefined): T[] {
    return this.read(uid ? this.byOwner.get(uid) : undefined).filter((o) => controllerRefOf(o)?.uid === uid);
  }

  /** Returns the cached objects of a namespace that have no controller. */
  orphansIn(namespace: string | undefined): T[] {
    return this.read(this.orphans.get(namespace ?? '')).filter((o) => !controllerRefOf(o));
  }

  /** Stops following the informer. */
  close(): void {
    this.informer.off(this.handlers);
  }

  private read(keys: Set<string> | undefined): T[] {
    const out: T[] = [];
    for (const k of keys ?? []) {
      const o = this.informer.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  private bucket(o: T): [Map<string, Set<string>>, string] {
    const ref = controllerRefOf(o);
    return ref ? [this.byOwner, ref.uid] : [this.orphans, o.metadata.namespace ?? ''];
  }

  private put(o: T): void {
    const [map, k] = this.bucket(o);
    let s = map.get(k);
    if (!s) map.set(k, (s = new Set()));
    s.add(keyOf(o));
  }

  private drop(o: T): void {
    const [map, k] = this.bucket(o);
    const s = map.get(k);
    if (!s) return;
    s.delete(keyOf(o));
    if (s.size === 0) map.delete(k);
  }
}
