// Which client watches a store event can reach. Watches are indexed by resource, then by what
// narrows them most: a pod's exact spec.nodeName, an exact metadata.name, or a namespace, as
// upstream's watch cache indexes by spec.nodeName. At 5,000 nodes an event of one pod is tested
// against its node's watch and the whole-resource watches only, and a Lease renewal costs the
// watches of other resources nothing.
import type { KubeObject } from '../../api/meta.ts';
import { REGISTRY_PREFIX } from './keys.ts';
import type { Store, StoreEvent } from './store/store.ts';
import type { ServerWatch } from './watch-sender.ts';

const PODS = 'pods';

/** Returns a pod's spec.nodeName ('' = unscheduled; undefined for no object). */
export const nodeOf = (obj: KubeObject | undefined) => (obj === undefined ? undefined : ((obj.spec as { nodeName?: string } | undefined)?.nodeName ?? ''));

interface ResourceWatches {
  /** Watches of every namespace (or of a cluster-scoped resource) with no indexed selector. */
  all: Set<ServerWatch>;
  byNamespace: Map<string, Set<ServerWatch>>;
  /** Pod watches with an exact spec.nodeName (a kubelet's). */
  byNode: Map<string, Set<ServerWatch>>;
  /** Watches of one object by name (a kubelet's own Node): an event reaches only those. */
  byName: Map<string, Set<ServerWatch>>;
}

type Slot = { set: 'all' } | { set: 'byNamespace' | 'byNode' | 'byName'; key: string };

/** Returns where a watch is indexed (always the same for one watch, so removal finds it). */
function slotOf(w: ServerWatch): Slot {
  if (w.def.plural === PODS && w.filter.nodeName !== undefined) return { set: 'byNode', key: w.filter.nodeName };
  if (w.filter.name !== undefined) return { set: 'byName', key: w.filter.name };
  // `/registry/<resource>/<namespace>/`: a watch of one namespace.
  const parts = w.prefix.split('/');
  if (w.def.namespaced && parts.length > 4) return { set: 'byNamespace', key: parts[3] };
  return { set: 'all' };
}

/** Client watches indexed so that an event visits only those it can match. */
export class WatchIndex {
  private readonly byResource = new Map<string, ResourceWatches>();

  add(w: ServerWatch): void {
    let rw = this.byResource.get(w.def.plural);
    if (!rw) this.byResource.set(w.def.plural, (rw = { all: new Set(), byNamespace: new Map(), byNode: new Map(), byName: new Map() }));
    const slot = slotOf(w);
    if (slot.set === 'all') rw.all.add(w);
    else {
      const map = rw[slot.set];
      map.set(slot.key, (map.get(slot.key) ?? new Set()).add(w));
    }
  }

  delete(w: ServerWatch): void {
    const rw = this.byResource.get(w.def.plural);
    if (!rw) return;
    const slot = slotOf(w);
    if (slot.set === 'all') rw.all.delete(w);
    else {
      const map = rw[slot.set];
      const set = map.get(slot.key);
      set?.delete(w);
      if (set?.size === 0) map.delete(slot.key);
    }
  }

  /** Calls `visit` with every watch of `resource` (the event key's) the event may match; each still checks prefix and selectors. */
  route(ev: StoreEvent, resource: string, visit: (w: ServerWatch) => void): void {
    const rw = this.byResource.get(resource);
    if (!rw) return;
    for (const w of rw.all) visit(w);
    if (rw.byNamespace.size) {
      const key = ev.kv.key;
      const start = REGISTRY_PREFIX.length + resource.length + 1;
      const end = key.indexOf('/', start);
      const set = end < 0 ? undefined : rw.byNamespace.get(key.slice(start, end));
      if (set) for (const w of set) visit(w);
    }
    if (rw.byNode.size) {
      const a = ev.type === 'put' ? nodeOf(ev.kv.value as KubeObject) : undefined;
      const b = ev.prev ? nodeOf(ev.prev.value as KubeObject) : undefined;
      if (a !== undefined) for (const w of rw.byNode.get(a) ?? []) visit(w);
      if (b !== undefined && b !== a) for (const w of rw.byNode.get(b) ?? []) visit(w);
    }
    if (rw.byName.size) {
      const name = (ev.kv.value as KubeObject).metadata.name;
      const set = name ? rw.byName.get(name) : undefined;
      if (set) for (const w of set) visit(w);
    }
  }

  clear(): void {
    this.byResource.clear();
  }
}

/** Keys of pods per spec.nodeName ('' = unscheduled), so node-filtered lists and watches skip other nodes' pods. */
export class PodsByNode {
  private readonly byNode = new Map<string, Set<string>>();

  /** Returns the keys of the pods bound to `node`. */
  get(node: string): Set<string> | undefined {
    return this.byNode.get(node);
  }

  /** Indexes every pod the store holds now (after clear, on a reload). */
  load(store: Store): void {
    for (const kv of store.range(`${REGISTRY_PREFIX}${PODS}/`).kvs) this.move(kv.key, undefined, nodeOf(kv.value as KubeObject));
  }

  /** Follows one event of a pod. */
  apply(ev: StoreEvent): void {
    this.move(ev.kv.key, ev.prev ? nodeOf(ev.prev.value as KubeObject) : undefined, ev.type === 'put' ? nodeOf(ev.kv.value as KubeObject) : undefined);
  }

  clear(): void {
    this.byNode.clear();
  }

  private move(key: string, from: string | undefined, to: string | undefined): void {
    if (from === to) return;
    if (from !== undefined) {
      const set = this.byNode.get(from);
      set?.delete(key);
      if (set?.size === 0) this.byNode.delete(from);
    }
    if (to !== undefined) this.byNode.set(to, (this.byNode.get(to) ?? new Set()).add(key));
  }
}
