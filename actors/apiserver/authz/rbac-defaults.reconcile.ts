// Upstream's RBAC reconciliation (pkg/registry/rbac/reconciliation), as its post-start hook runs it on
// the default roles and bindings: what is missing is added, what a user added is kept, and an object
// annotated rbac.authorization.kubernetes.io/autoupdate: "false" is never touched.
import type { ClusterRole, PolicyRule, RoleBinding, Subject } from '../../../api/kinds/rbac.ts';
import { isDeepStrictEqual } from 'node:util';
import { breakdown, covers } from './escalation.ts';

export const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';

/** Returns true when the stored object opted out of reconciliation (autoupdate "false"). */
export const isProtected = (o: { metadata: { annotations?: Record<string, string> } }) => o.metadata.annotations?.[AUTOUPDATE] === 'false';

/** The existing metadata with the expected labels and annotations it lacks (its own values win). */
function mergedMeta<T extends ClusterRole | RoleBinding>(expected: T, existing: T): T['metadata'] {
  const m = structuredClone(existing.metadata);
  for (const f of ['labels', 'annotations'] as const) {
    const want = expected.metadata[f];
    if (want && Object.keys(want).some((k) => !(k in (m[f] ?? {})))) m[f] = { ...want, ...m[f] };
  }
  return m;
}

/** The expected rules the existing ones do not fully cover. */
export function missingRules(existing: PolicyRule[], expected: PolicyRule[]): PolicyRule[] {
  return expected.filter((rule) => breakdown(rule).some((right) => !existing.some((o) => covers(o, right))));
}

/**
 * Returns the role to store (missing rules, aggregation selectors, labels and annotations added), or
 * undefined when it needs nothing or is protected. An aggregated role's rules belong to the aggregation controller.
 */
export function reconcileRole(expected: ClusterRole, existing: ClusterRole): ClusterRole | undefined {
  if (isProtected(existing)) return undefined;
  const next: ClusterRole = { ...existing, metadata: mergedMeta(expected, existing) };
  const rules = existing.rules ?? [];
  const missing = expected.aggregationRule ? [] : missingRules(rules, expected.rules ?? []);
  if (missing.length) next.rules = [...rules, ...structuredClone(missing)];
  const wanted = expected.aggregationRule?.clusterRoleSelectors ?? [];
  const have = existing.aggregationRule?.clusterRoleSelectors ?? [];
  const lacking = wanted.filter((s) => !have.some((h) => isDeepStrictEqual(h, s)));
  if (lacking.length) next.aggregationRule = { ...existing.aggregationRule, clusterRoleSelectors: [...have, ...structuredClone(lacking)] };
  return isDeepStrictEqual(next, existing) ? undefined : next;
}

// apiGroup follows from kind (defaulted on write), so it is not compared.
const sameSubject = (a: Subject, b: Subject) => a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');

/**
 * Returns the binding to store (missing subjects, labels and annotations added), or undefined when it
 * needs nothing or is protected. A different roleRef is left as it is: roleRef is immutable.
 */
export function reconcileBinding(expected: RoleBinding, existing: RoleBinding): RoleBinding | undefined {
  if (isProtected(existing)) return undefined;
  const next: RoleBinding = { ...existing, metadata: mergedMeta(expected, existing) };
  const subjects = existing.subjects ?? [];
  const lacking = (expected.subjects ?? []).filter((s) => !subjects.some((h) => sameSubject(h, s)));
  if (lacking.length) next.subjects = [...subjects, ...structuredClone(lacking)];
  return isDeepStrictEqual(next, existing) ? undefined : next;
}
