// Informers shared by every actor of a process: one list+watch per (resource, scope, selectors).
import type { KubeObject } from '../api/meta.ts';
import type { ApiClient } from './client.ts';
import { Informer, type InformerOptions } from './informer.ts';

export type SharedOptions = Pick<InformerOptions, 'namespace' | 'labelSelector' | 'fieldSelector'>;

/** Hands out one Informer per resource and filter, so controllers share caches, not state. */
export class SharedInformers {
  private readonly informers = new Map<string, Informer>();
  /**
   * The unfiltered informers again, by resource alone: controllers ask for theirs on every event
   * (actors/lib/controller.ts's cache), and a key string built per call was ~120 MB of garbage at
   * 1,000 nodes and 30,000 pods.
   */
  private readonly plain = new Map<string, Informer>();

  constructor(
    private readonly client: ApiClient,
    private readonly base: Omit<InformerOptions, keyof SharedOptions> = {},
  ) {}

  /** Returns the informer for this resource and filter, started on first use. */
  get<T extends KubeObject = KubeObject>(resource: string, opts?: SharedOptions): Informer<T> {
    const unfiltered = !opts || (!opts.namespace && !opts.labelSelector && !opts.fieldSelector);
    if (unfiltered) {
      const known = this.plain.get(resource);
      if (known) return known as unknown as Informer<T>;
    }
    opts ??= {};
    const key = `${resource}|${opts.namespace ?? ''}|${opts.labelSelector ?? ''}|${opts.fieldSelector ?? ''}`;
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new Informer(this.client, resource, { ...this.base, ...opts });
      this.informers.set(key, inf);
      void inf.start();
    }
    if (unfiltered) this.plain.set(resource, inf);
    return inf as unknown as Informer<T>;
  }

  stopAll(): void {
    for (const inf of this.informers.values()) inf.stop();
    this.informers.clear();
    this.plain.clear();
  }
}
