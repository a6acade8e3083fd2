// What to do with one object whose owners have been looked up (upstream attemptToDeleteItem,
// after its API reads): keep it, drop references to owners that are gone or waiting, or delete
// it with the right propagation policy. Pure.
import type { KubeObject, OwnerReference } from '../../../api/meta.ts';
import type { PropagationPolicy } from '../../../api/protocol.ts';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER, hasFinalizer } from './graph-builder.ts';

/** An owner reference after a live check: the owner is gone (dangling) or here (with its state). */
export type OwnerLookup = { ref: OwnerReference; dangling: true } | { ref: OwnerReference; dangling: false; owner: KubeObject };

/** The owner references of an object sorted by what their owners are doing. */
export interface ClassifiedRefs {
  /** The owner exists and is not waiting for its dependents to go. */
  solid: OwnerReference[];
  /** The owner does not exist (or has another uid). */
  dangling: OwnerReference[];
  /** The owner is being deleted in the foreground, waiting for its dependents. */
  waiting: OwnerReference[];
}

/** Returns the references sorted as upstream classifyReferences does. */
export function classify(lookups: OwnerLookup[]): ClassifiedRefs {
  const out: ClassifiedRefs = { solid: [], dangling: [], waiting: [] };
  for (const l of lookups) {
    if (l.dangling) out.dangling.push(l.ref);
    else if (l.owner.metadata.deletionTimestamp && hasFinalizer(l.owner, FOREGROUND_FINALIZER)) out.waiting.push(l.ref);
    else out.solid.push(l.ref);
  }
  return out;
}

/** What to do with one object after its owners were looked up. */
export type DeletionAction =
  | { type: 'keep' }
  /** Remove the references to these owner uids (the object keeps a solid owner). */
  | { type: 'remove-refs'; uids: string[] }
  /** Delete the object; `unblock`: first set blockOwnerDeletion false on its references (cycle guard). */
  | { type: 'delete'; policy: PropagationPolicy; unblock: boolean };

/** What the graph knows about the object being decided on. */
export interface ItemView {
  /** Number of dependents it has in the graph. */
  dependents: number;
  /** Whether one of its dependents is itself deleting its dependents (a possible cycle). */
  dependentDeletingDependents: boolean;
}

/** Returns what to do with `latest` given its classified owner references. */
export function planDeletion(item: ItemView, latest: KubeObject, refs: ClassifiedRefs): DeletionAction {
  if (refs.solid.length) {
    if (!refs.dangling.length && !refs.waiting.length) return { type: 'keep' };
    // References to waiting owners must go too, or those owners would wait for this object forever.
    return { type: 'remove-refs', uids: [...refs.dangling, ...refs.waiting].map((r) => r.uid) };
  }
  if (refs.waiting.length && item.dependents > 0)
    // Its owner waits for it, and it has dependents of its own: delete it in the foreground too.
    return { type: 'delete', policy: 'Foreground', unblock: item.dependentDeletingDependents };
  // No owner left: collect it, honouring a policy already recorded as a finalizer.
  const policy: PropagationPolicy = hasFinalizer(latest, ORPHAN_FINALIZER)
    ? 'Orphan'
    : hasFinalizer(latest, FOREGROUND_FINALIZER)
      ? 'Foreground'
      : 'Background';
  return { type: 'delete', policy, unblock: false };
}

/** Returns the ownerReferences without those to `uids` (undefined when none remain). */
export function withoutOwners(refs: OwnerReference[] | undefined, uids: string[]): OwnerReference[] | undefined {
  const drop = new Set(uids);
  const kept = (refs ?? []).filter((r) => !drop.has(r.uid));
  return kept.length ? kept : undefined;
}

/** Returns the ownerReferences with blockOwnerDeletion cleared where it was set (upstream unblockOwnerReferences). */
export function unblocked(refs: OwnerReference[] | undefined): OwnerReference[] {
  return (refs ?? []).map((r) => (r.blockOwnerDeletion === true ? { ...r, blockOwnerDeletion: false } : r));
}
