// An informer: list, then watch from the list's revision; a local cache with secondary indexes;
// add/update/delete handlers (a late one gets the cache replayed as adds, as client-go's
// AddEventHandler); resume after a gap, silence or reconnect; list again after 410 Expired.
import type { KubeObject } from '../api/meta.ts';
import type { WatchEvent } from '../api/protocol.ts';
import { StatusError, type Status } from '../api/status.ts';
import { IndexedStore, type Indexers, type Lister } from './indexer.ts';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
import { realClock, type Clock } from './clock.ts';
import type { ApiClient } from './client.ts';
import { silentLogger, type Logger } from './types.ts';
import { watchManager, type ClientWatch, type WatchEndReason } from './watch-client.ts';

export interface InformerHandlers<T> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  clock?: Clock;
  log?: Logger;
  /** Items per list page (default 500, as client-go's reflector). */
  pageSize?: number;
  backoff?: BackoffPolicy;
}

/** Returns the cache key of an object: `namespace/name`, or `name` for cluster-scoped kinds. */
export const keyOf = (o: KubeObject) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!);

/** Keeps a local, eventually-equal copy of one resource (optionally filtered) and reports changes. */
export class Informer<T extends KubeObject = KubeObject> {
  private readonly store = new IndexedStore<T>();
  /** The cached objects by key (read-only: the informer alone writes it). */
  readonly cache: ReadonlyMap<string, T> = this.store.items;
  lastRV = '';
  synced = false;
  /** Counters for tests and `kubus status`: full lists, and watches resumed from a revision. */
  relists = 0;
  resumes = 0;
  /** Replaced, never changed in place: a dispatch goes on with the handlers it started with. */
  private handlers: readonly InformerHandlers<T>[] = [];
  private watch: ClientWatch | undefined;
  private stopped = false;
  private failures = 0;
  private timer: unknown;
  /** Cancels the current retry's wait for an API server start. */
  private unlisten: (() => void) | undefined;
  private readonly clock: Clock;
  private readonly log: Logger;
  private syncWaiters: Array<() => void> = [];

  constructor(
    private readonly client: ApiClient,
    readonly resource: string,
    private readonly opts: InformerOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.log = (opts.log ?? silentLogger).child({ informer: resource });
  }

  /** Adds handlers; the objects already cached are delivered to them at once as adds. */
  on(h: InformerHandlers<T>): this {
    this.handlers = [...this.handlers, h];
    if (h.add) for (const obj of this.store.list()) this.deliver(h, 'add', obj);
    return this;
  }

  /** Adds index functions (indexing what is cached already); re-adding the same function is a no-op. */
  addIndexers(indexers: Indexers<T>): this {
    this.store.addIndexers(indexers);
    return this;
  }

  /** Returns the cached objects whose index `name` has `value`. */
  byIndex(name: string, value: string): T[] {
    return this.store.byIndex(name, value);
  }

  /** Returns a read-only view of the cache, for reconcilers. */
  lister(): Lister<T> {
    return this.store;
  }

  /** Removes handlers added with `on`. */
  off(h: InformerHandlers<T>): void {
    const i = this.handlers.indexOf(h);
    if (i >= 0) this.handlers = [...this.handlers.slice(0, i), ...this.handlers.slice(i + 1)];
  }

  /** Starts listing and watching; resolves once the cache holds the first full list. */
  start(): Promise<void> {
    void this.relist();
    return this.waitForSync();
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return this.store.list();
  }

  stop(): void {
    this.stopped = true;
    this.cancelRetry();
    this.watch?.stop();
    this.watch = undefined;
  }

  private retry(what: () => void, err: unknown): void {
    this.failures++;
    const delay = backoffDelay(this.failures, this.opts.backoff ?? DEFAULT_BACKOFF);
    this.log.warn({ err: (err as Error)?.message ?? err, retryInMs: delay }, 'list/watch failed; retrying');
    // An API server that (re)starts says so: the retry then runs at once, not after the rest of its backoff.
    const again = () => {
      this.cancelRetry();
      what();
    };
    this.unlisten = watchManager(this.client.bus, this.clock).whenServerStarts(again);
    this.timer = this.clock.setTimeout(again, delay);
  }

  /** Drops a scheduled retry (its timer and its wait for an API server start). */
  private cancelRetry(): void {
    this.clock.clearTimeout(this.timer);
    this.unlisten?.();
    this.unlisten = undefined;
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    this.relists++;
    const { namespace, labelSelector, fieldSelector } = this.opts;
    const items: T[] = [];
    let rv = '';
    try {
      let cont: string | undefined;
      do {
        const page = await this.client.list<T>(this.resource, {
          namespace,
          labelSelector,
          fieldSelector,
          limit: this.opts.pageSize ?? 500,
          continue: cont,
        });
        items.push(...page.items);
        rv = page.metadata.resourceVersion;
        cont = page.metadata.continue;
      } while (cont);
    } catch (err) {
      return this.retry(() => void this.relist(), err);
    }
    if (this.stopped) return;
    this.replace(items, rv);
    void this.startWatch();
  }

  /** Makes the cache equal to a fresh list, reporting the differences as events. */
  private replace(items: T[], rv: string): void {
    const seen = new Set<string>();
    for (const obj of items) {
      const key = keyOf(obj);
      seen.add(key);
      const old = this.store.set(key, obj);
      if (!old) this.dispatch('add', obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.dispatch('update', obj, old);
    }
    for (const [key, old] of [...this.store.items]) {
      if (seen.has(key)) continue;
      this.store.delete(key);
      this.dispatch('delete', old);
    }
    this.lastRV = rv;
    if (!this.synced) {
      this.synced = true;
      const w = this.syncWaiters;
      this.syncWaiters = [];
      for (const f of w) f();
    }
  }

  private async startWatch(): Promise<void> {
    if (this.stopped) return;
    const { namespace, labelSelector, fieldSelector } = this.opts;
    try {
      this.watch = await this.client.watch(
        this.resource,
        { namespace, labelSelector, fieldSelector, resourceVersion: this.lastRV, allowWatchBookmarks: true },
        { event: (ev) => this.onEvent(ev), end: (reason, status) => this.onEnd(reason, status) },
      );
      this.failures = 0;
      if (this.stopped) this.watch.stop();
    } catch (err) {
      if (err instanceof StatusError && err.code === 410) return void this.relist();
      this.retry(() => void this.startWatch(), err);
    }
  }

  private onEvent(ev: WatchEvent): void {
    const obj = ev.object as T;
    const rv = obj.metadata?.resourceVersion;
    if (rv) this.lastRV = rv;
    if (ev.type === 'BOOKMARK') return;
    const key = keyOf(obj);
    if (ev.type === 'DELETED') {
      if (this.store.delete(key)) this.dispatch('delete', obj);
      return;
    }
    const old = this.store.set(key, obj);
    if (old) this.dispatch('update', obj, old);
    else this.dispatch('add', obj);
  }

  private onEnd(reason: WatchEndReason, status?: Status): void {
    this.watch = undefined;
    if (this.stopped || reason === 'stopped') return;
    this.log.debug({ reason, rv: this.lastRV }, 'watch ended');
    if (reason === 'expired') return void this.relist();
    if (reason === 'error') return this.retry(() => void this.relist(), status?.message);
    this.resumes++;
    void this.startWatch();
  }

  private dispatch(kind: 'add' | 'update' | 'delete', obj: T, old?: T): void {
    for (const h of this.handlers) this.deliver(h, kind, obj, old); // a handler may register another: a new array
  }

  private deliver(h: InformerHandlers<T>, kind: 'add' | 'update' | 'delete', obj: T, old?: T): void {
    try {
      if (kind === 'add') h.add?.(obj);
      else if (kind === 'update') h.update?.(old!, obj);
      else h.delete?.(obj);
    } catch (err) {
      this.log.error({ err, key: keyOf(obj) }, `informer ${kind} handler threw`);
    }
  }
}
