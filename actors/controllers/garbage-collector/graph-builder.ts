// Keeps the owner graph current from informer events, one event at a time, and says which
// nodes the collector must look at (upstream GraphBuilder.processGraphChanges). No I/O: what
// to check is handed to the queues; the checks themselves live in attempt-to-delete.ts.
import type { KubeObject, OwnerReference } from '../../../api/meta.ts';
import type { Logger } from '../../../bus/types.ts';
import type { AbsentOwnerCache } from './absent-owner-cache.ts';
import {
  GraphNode,
  describe,
  identityOfRef,
  partitionDependents,
  refMatches,
  referencesDiff,
  sameIdentity,
  type Identity,
  type OwnerGraph,
} from './owner-graph.ts';

/** The finalizers the API server sets for propagationPolicy Orphan and Foreground (upstream metav1.FinalizerOrphanDependents, FinalizerDeleteDependents). */
export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

/** One change seen by an informer, or a delete the collector inferred from a 404 (`virtual`). */
export interface GraphEvent {
  type: 'add' | 'update' | 'delete';
  obj: KubeObject;
  old?: KubeObject;
  /** The object's apiVersion and kind (from the informer's resource; objects may omit them). */
  apiVersion: string;
  kind: string;
  virtual?: boolean;
}

/** Where the builder sends work: the collector's two queues, and invalid references to report. */
export interface GraphQueues {
  attemptToDelete(node: GraphNode, rateLimited?: boolean): void;
  attemptToOrphan(node: GraphNode): void;
  invalidNamespaceOwnerRef(dependent: GraphNode, ownerUid: string): void;
}

/** Returns whether an object carries a finalizer. */
export const hasFinalizer = (o: KubeObject, f: string) => o.metadata.finalizers?.includes(f) ?? false;
const beingDeleted = (o: KubeObject) => !!o.metadata.deletionTimestamp;

/** Returns whether `now` has just started being deleted with finalizer `f` (it had not before). */
function deletionStartsWith(old: KubeObject | undefined, now: KubeObject, f: string): boolean {
  if (!beingDeleted(now) || !hasFinalizer(now, f)) return false;
  return !old || !beingDeleted(old) || !hasFinalizer(old, f);
}

const identityOf = (ev: GraphEvent): Identity => ({
  apiVersion: ev.apiVersion,
  kind: ev.kind,
  name: ev.obj.metadata.name ?? '',
  uid: ev.obj.metadata.uid ?? '',
  namespace: ev.obj.metadata.namespace ?? '',
});

/** Applies graph events in order; the single writer of the graph. */
export class GraphBuilder {
  constructor(
    readonly graph: OwnerGraph,
    readonly absent: AbsentOwnerCache,
    private readonly queues: GraphQueues,
    private readonly log: Logger,
  ) {}

  /** Applies one event to the graph and queues the nodes it may have made collectable. */
  process(ev: GraphEvent): void {
    const id = identityOf(ev);
    if (!id.uid) return;
    const existing = this.graph.get(id.uid);
    if (existing && !ev.virtual && existing.virtual) this.observe(existing, id);
    if (ev.type === 'delete') return this.remove(ev, id, existing);
    const owners = ev.obj.metadata.ownerReferences ?? [];
    if (!existing) {
      const node = new GraphNode(id, owners, false);
      node.beingDeleted = beingDeleted(ev.obj);
      node.deletingDependents = node.beingDeleted && hasFinalizer(ev.obj, FOREGROUND_FINALIZER);
      this.graph.set(node);
      this.addDependentToOwners(node, owners);
      return this.processTransitions(ev.old, ev.obj, node);
    }
    if (!ev.virtual && (existing.identity.apiVersion !== id.apiVersion || existing.identity.kind !== id.kind))
      existing.identity = { ...existing.identity, apiVersion: id.apiVersion, kind: id.kind };
    // Most updates keep the references: the stored object's unchanged array (or none, before and after).
    const diff = existing.owners === owners || (owners.length === 0 && existing.owners.length === 0) ? undefined : referencesDiff(existing.owners, owners);
    if (diff && (diff.added.length || diff.removed.length || diff.changed.length)) {
      this.queueUnblockedOwners(diff.removed, diff.changed);
      existing.owners = owners;
      this.addDependentToOwners(existing, diff.added);
      for (const ref of diff.removed) this.graph.get(ref.uid)?.dependents.delete(existing);
    }
    if (beingDeleted(ev.obj)) existing.beingDeleted = true;
    this.processTransitions(ev.old, ev.obj, existing);
  }

  /** A virtual node seen by an informer: takes the observed identity; dependents naming other coordinates are re-checked. */
  private observe(node: GraphNode, observed: Identity): void {
    if (!sameIdentity(observed, node.identity)) {
      for (const dep of partitionDependents(node.dependents, observed).nonmatching) {
        if (observed.namespace && dep.identity.namespace !== observed.namespace) this.queues.invalidNamespaceOwnerRef(dep, observed.uid);
        this.queues.attemptToDelete(dep);
      }
      this.log.debug({ virtual: describe(node.identity), observed: describe(observed) }, 'replacing virtual item with observed item');
      node.identity = observed;
    }
    node.virtual = false;
  }

  /** Links a node into its owners' dependents, creating (and queueing for a check) virtual owners. */
  private addDependentToOwners(n: GraphNode, owners: OwnerReference[]): void {
    let suspicious = false;
    for (const ref of owners) {
      let owner = this.graph.get(ref.uid);
      const known = !!owner;
      if (!owner) {
        owner = new GraphNode(identityOfRef(ref, n.identity.namespace), [], true);
        this.graph.set(owner);
      }
      owner.dependents.add(n);
      if (!known) {
        this.queues.attemptToDelete(owner); // the collector asks the API server whether it exists
        continue;
      }
      if (suspicious) continue;
      const ownerNamespaced = owner.identity.namespace !== '';
      if (ownerNamespaced && owner.identity.namespace !== n.identity.namespace) {
        if (!owner.virtual) this.queues.invalidNamespaceOwnerRef(n, ref.uid);
        suspicious = true;
      } else if (!refMatches(ref, owner.identity)) suspicious = true;
      else if (!ownerNamespaced && owner.identity.namespace !== n.identity.namespace && owner.virtual) suspicious = true;
    }
    if (suspicious) this.queues.attemptToDelete(n);
  }

  /** Owners that a removed or no-longer-blocking reference may have been holding up are checked again. */
  private queueUnblockedOwners(removed: OwnerReference[], changed: Array<{ old: OwnerReference; now: OwnerReference }>): void {
    const uids = removed.filter((r) => r.blockOwnerDeletion === true).map((r) => r.uid);
    for (const c of changed) if (c.old.blockOwnerDeletion === true && c.now.blockOwnerDeletion !== true) uids.push(c.now.uid);
    for (const uid of uids) {
      const owner = this.graph.get(uid);
      if (owner) this.queues.attemptToDelete(owner);
    }
  }

  private processTransitions(old: KubeObject | undefined, now: KubeObject, node: GraphNode): void {
    if (deletionStartsWith(old, now, ORPHAN_FINALIZER)) return this.queues.attemptToOrphan(node);
    if (deletionStartsWith(old, now, FOREGROUND_FINALIZER)) {
      node.deletingDependents = true;
      for (const dep of node.dependents) this.queues.attemptToDelete(dep);
      this.queues.attemptToDelete(node);
    }
  }

  private remove(ev: GraphEvent, deleted: Identity, existing: GraphNode | undefined): void {
    if (!existing) return this.log.debug({ uid: deleted.uid }, 'deleted item is not in the graph');
    if (ev.virtual && !this.confirmVirtualDelete(existing, deleted)) return;
    this.graph.delete(existing.identity.uid);
    for (const ref of existing.owners) this.graph.get(ref.uid)?.dependents.delete(existing);
    if (existing.dependents.size > 0) this.absent.add(deleted);
    for (const dep of existing.dependents) this.queues.attemptToDelete(dep);
    for (const ref of existing.owners) {
      const owner = this.graph.get(ref.uid);
      if (owner?.deletingDependents) this.queues.attemptToDelete(owner); // one fewer dependent to wait for
    }
  }

  /**
   * A 404 for `deleted`: returns whether the node may go. Dependents that name the uid with other
   * coordinates keep it (under another identity they use); those that match are checked again.
   */
  private confirmVirtualDelete(node: GraphNode, deleted: Identity): boolean {
    if (!node.virtual && sameIdentity(node.identity, deleted)) return true;
    const { matching, nonmatching } = partitionDependents(node.dependents, deleted);
    if (node.virtual && nonmatching.length === 0) return true;
    if (matching.length) {
      this.absent.add(deleted);
      for (const dep of matching) this.queues.attemptToDelete(dep);
    }
    if (node.virtual && sameIdentity(node.identity, deleted)) {
      const alt = alternateOwnerIdentity(nonmatching, deleted);
      if (alt) {
        node.identity = alt;
        this.queues.attemptToDelete(node, true);
      }
    }
    return false;
  }
}

const refLess = (a: Identity, b: Identity) => {
  for (const f of ['kind', 'apiVersion', 'namespace', 'name', 'uid'] as const) if (a[f] !== b[f]) return a[f] < b[f];
  return false;
};

/** Returns another identity the dependents use for this uid: the first after `absent` in order, else the first (upstream getAlternateOwnerIdentity). */
export function alternateOwnerIdentity(deps: GraphNode[], absent: Identity): Identity | undefined {
  const clusterScoped = absent.namespace === '';
  let first: Identity | undefined;
  let firstAfter: Identity | undefined;
  for (const dep of deps)
    for (const ref of dep.owners) {
      if (ref.uid !== absent.uid) continue;
      if (refMatches(ref, absent) && (clusterScoped || absent.namespace === dep.identity.namespace)) continue;
      const id = identityOfRef(ref, dep.identity.namespace);
      if (clusterScoped && id.apiVersion === absent.apiVersion && id.kind === absent.kind) id.namespace = '';
      if (sameIdentity(id, absent)) continue;
      if (!first || refLess(id, first)) first = id;
      if (refLess(absent, id) && (!firstAfter || refLess(id, firstAfter))) firstAfter = id;
    }
  return firstAfter ?? first;
}
