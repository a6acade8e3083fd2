// An index by namespace over a shared informer's cache (client-go's namespace indexer), kept
// from the informer's events, so a controller lists one namespace without scanning the cluster.
import type { KubeObject } from '../../../api/meta.ts';
import type { Informer, InformerHandlers } from '../../../bus/informer.ts';
import { keyOf } from '../../../bus/informer.ts';

/** The objects of one informer grouped by namespace; call `detach` when the owner stops. */
export class NamespaceIndex<T extends KubeObject = KubeObject> {
  private readonly byNamespace = new Map<string, Map<string, T>>();
  private readonly handlers: InformerHandlers<T>;

  /** Indexes the informer's current objects and follows its events from now on. */
  constructor(private readonly informer: Informer<T>) {
    this.handlers = {
      add: (o) => this.put(o),
      update: (_old, o) => this.put(o),
      delete: (o) => this.drop(o),
    };
    informer.on(this.handlers);
    for (const o of informer.list()) this.put(o);
  }

  /** Returns the objects of a namespace (a fresh array). */
  list(namespace: string): T[] {
    return [...(this.byNamespace.get(namespace)?.values() ?? [])];
  }

  /** Stops following the informer. */
  detach(): void {
    this.informer.off(this.handlers);
  }

  private put(o: T): void {
    const ns = o.metadata.namespace ?? '';
    let m = this.byNamespace.get(ns);
    if (!m) this.byNamespace.set(ns, (m = new Map()));
    m.set(keyOf(o), o);
  }

  private drop(o: T): void {
    const ns = o.metadata.namespace ?? '';
    const m = this.byNamespace.get(ns);
    m?.delete(keyOf(o));
    if (m?.size === 0) this.byNamespace.delete(ns);
  }
}
