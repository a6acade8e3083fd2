// The status conditions of a namespace being deleted (upstream deletion/status_condition_utils.go):
// each of five types is True with the failure, or False with its "all good" reason. Pure.
import { rfc3339 } from '../../../api/names.ts';

/** A namespace condition as upstream's v1.NamespaceCondition. */
export interface NamespaceCondition {
  type: string;
  status: 'True' | 'False';
  lastTransitionTime?: string;
  reason: string;
  message: string;
}

/** The condition types the namespace controller maintains, in upstream order. */
export const CONDITION_TYPES = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining',
] as const;

const OK: Record<(typeof CONDITION_TYPES)[number], { reason: string; message: string }> = {
  NamespaceDeletionDiscoveryFailure: { reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  NamespaceDeletionGroupVersionParsingFailure: { reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
  NamespaceDeletionContentFailure: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  NamespaceContentRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  NamespaceFinalizersRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
};

/** What one pass over the namespace's content found. */
export interface ContentTotals {
  /** `<resource>.<group>` → objects left (upstream prints the core group as empty: `pods.`). */
  remainingByResource: Map<string, number>;
  /** finalizer → objects it still holds. */
  remainingByFinalizer: Map<string, number>;
  /** One message per resource whose content could not be deleted. */
  deleteErrors: string[];
}

/** Returns the failing conditions (status True) that a pass's totals call for. */
export function failingConditions(totals: ContentTotals, now: number): NamespaceCondition[] {
  const at = rfc3339(now);
  const out: NamespaceCondition[] = [];
  const listed = (m: Map<string, number>, fmt: (k: string, n: number) => string) =>
    [...m].filter(([, n]) => n > 0).map(([k, n]) => fmt(k, n)).sort();
  if (totals.remainingByResource.size) {
    const parts = listed(totals.remainingByResource, (k, n) => `${k} has ${n} resource instances`);
    out.push({ type: 'NamespaceContentRemaining', status: 'True', lastTransitionTime: at, reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${parts.join(', ')}` });
  }
  if (totals.remainingByFinalizer.size) {
    const parts = listed(totals.remainingByFinalizer, (k, n) => `${k} in ${n} resource instances`);
    out.push({ type: 'NamespaceFinalizersRemaining', status: 'True', lastTransitionTime: at, reason: 'SomeFinalizerRemain', message: `Some finalizers are remaining: ${parts.join(', ')}` });
  }
  if (totals.deleteErrors.length) {
    const msgs = [...totals.deleteErrors].sort();
    out.push({
      type: 'NamespaceDeletionContentFailure',
      status: 'True',
      lastTransitionTime: at,
      reason: 'ContentDeletionFailed',
      message: `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(', ')}`,
    });
  }
  return out;
}

/**
 * Returns the namespace's conditions with every maintained type set from `failing` (or to its OK
 * variant), and whether anything changed; lastTransitionTime moves only when the status flips.
 */
export function updateConditions(current: readonly NamespaceCondition[], failing: NamespaceCondition[], now: number): { conditions: NamespaceCondition[]; changed: boolean } {
  const conditions = current.map((c) => ({ ...c }));
  let changed = false;
  for (const type of CONDITION_TYPES) {
    const want = failing.find((c) => c.type === type) ?? { type, status: 'False' as const, lastTransitionTime: rfc3339(now), ...OK[type] };
    const old = conditions.find((c) => c.type === type);
    if (!old) {
      conditions.push(want);
      changed = true;
    } else if (old.status !== want.status || old.message !== want.message || old.reason !== want.reason) {
      if (old.status !== want.status) old.lastTransitionTime = rfc3339(now);
      Object.assign(old, { status: want.status, reason: want.reason, message: want.message });
      changed = true;
    }
  }
  return { conditions, changed };
}
