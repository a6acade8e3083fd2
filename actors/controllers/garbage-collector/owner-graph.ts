// The garbage collector's dependency graph (upstream graph.go): one node per uid, each knowing
// its owners (the object's ownerReferences) and its dependents (the nodes that name it as owner).
// Owners that have not been observed yet are "virtual" nodes. Plain data, no I/O.
import type { OwnerReference } from '../../../api/meta.ts';

/** Who an object is: the coordinates an ownerReference names, plus the namespace ('' when cluster-scoped). */
export interface Identity {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  namespace: string;
}

/** Returns a printable `kind namespace/name (uid)` for logs. */
export const describe = (id: Identity) => `${id.kind} ${id.namespace ? `${id.namespace}/` : ''}${id.name} (${id.uid})`;

/** Returns the identity an ownerReference points at, in the namespace of the object holding it. */
export const identityOfRef = (ref: OwnerReference, namespace: string): Identity => ({
  apiVersion: ref.apiVersion,
  kind: ref.kind,
  name: ref.name,
  uid: ref.uid,
  namespace,
});

/** Returns whether an ownerReference names exactly these coordinates (uid, name, kind, apiVersion). */
export const refMatches = (ref: OwnerReference, id: Identity) =>
  ref.uid === id.uid && ref.name === id.name && ref.kind === id.kind && ref.apiVersion === id.apiVersion;

/** Returns whether two identities are the same in every coordinate. */
export const sameIdentity = (a: Identity, b: Identity) => refMatches(a, b) && a.namespace === b.namespace;

/** Returns a stable string for an identity (the absent-owner cache key). */
export const identityKey = (id: Identity) => `${id.uid}|${id.apiVersion}|${id.kind}|${id.namespace}|${id.name}`;

/** One object (or a virtual owner) in the graph. */
export class GraphNode {
  readonly dependents = new Set<GraphNode>();
  /** Set once the object has a deletionTimestamp and the foregroundDeletion finalizer. */
  deletingDependents = false;
  /** Set once the object has a deletionTimestamp (a one-way trip). */
  beingDeleted = false;

  constructor(
    public identity: Identity,
    public owners: OwnerReference[],
    /** Built from an ownerReference, not yet seen by an informer. */
    public virtual: boolean,
  ) {}

  /** Returns the dependents whose reference to this node has blockOwnerDeletion: true. */
  blockingDependents(): GraphNode[] {
    const out: GraphNode[] = [];
    for (const dep of this.dependents)
      if (dep.owners.some((o) => o.uid === this.identity.uid && o.blockOwnerDeletion === true)) out.push(dep);
    return out;
  }
}

/** The nodes by uid. */
export class OwnerGraph {
  private readonly nodes = new Map<string, GraphNode>();

  /** Number of nodes (observed and virtual). */
  get size(): number {
    return this.nodes.size;
  }

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  /** Adds or replaces the node of a uid (linking to owners is the graph builder's job). */
  set(node: GraphNode): void {
    this.nodes.set(node.identity.uid, node);
  }

  delete(uid: string): void {
    this.nodes.delete(uid);
  }
}

/** The ownerReferences added, removed and changed (same uid, other fields) between two lists. */
export interface RefDiff {
  added: OwnerReference[];
  removed: OwnerReference[];
  changed: Array<{ old: OwnerReference; now: OwnerReference }>;
}

const sameRef = (a: OwnerReference, b: OwnerReference) =>
  refMatches(a, { ...b, namespace: '' }) && !!a.controller === !!b.controller && a.blockOwnerDeletion === b.blockOwnerDeletion;

/** Returns how the ownerReferences changed, by uid (upstream referencesDiffs). */
export function referencesDiff(old: OwnerReference[], now: OwnerReference[]): RefDiff {
  const before = new Map(old.map((r) => [r.uid, r]));
  const diff: RefDiff = { added: [], removed: [], changed: [] };
  for (const r of now) {
    const o = before.get(r.uid);
    if (!o) diff.added.push(r);
    else {
      if (!sameRef(o, r)) diff.changed.push({ old: o, now: r });
      before.delete(r.uid);
    }
  }
  diff.removed = [...before.values()];
  return diff;
}

/**
 * Splits dependents into those whose reference to `owner.uid` matches all of its coordinates and
 * those that name the uid with other coordinates or from another namespace (upstream partitionDependents).
 */
export function partitionDependents(dependents: Iterable<GraphNode>, owner: Identity): { matching: GraphNode[]; nonmatching: GraphNode[] } {
  const matching: GraphNode[] = [];
  const nonmatching: GraphNode[] = [];
  for (const dep of dependents) {
    let match = false;
    let mismatch = false;
    if (owner.namespace && owner.namespace !== dep.identity.namespace) mismatch = true;
    else
      for (const ref of dep.owners) {
        if (ref.uid !== owner.uid) continue;
        if (refMatches(ref, owner)) match = true;
        else mismatch = true;
      }
    if (match) matching.push(dep);
    if (mismatch) nonmatching.push(dep);
  }
  return { matching, nonmatching };
}
