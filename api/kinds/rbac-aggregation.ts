// What an aggregated ClusterRole's rules should be (upstream pkg/controller/clusterroleaggregation). Pure: the
// aggregation controller and the API server's RBAC bootstrap (which fills admin, edit and view) share it.
import type { ClusterRole, PolicyRule } from './rbac.ts';
import { deepEqual } from '../validation/field.ts';
import { labelSelectorMatcher } from '../selectors.ts';

const byName = (a: ClusterRole, b: ClusterRole) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0);

/**
 * Returns the rules of an aggregating ClusterRole: for each selector in turn, the rules of the other
 * ClusterRoles it selects, by name, each rule once; undefined when the role does not aggregate.
 */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!role.aggregationRule) return undefined;
  const rules: PolicyRule[] = [];
  for (const sel of selectors ?? []) {
    const match = labelSelectorMatcher(sel);
    const picked = all.filter((r) => r.metadata.name !== role.metadata.name && match(r.metadata.labels ?? {})).sort(byName);
    for (const r of picked) for (const rule of r.rules ?? []) if (!rules.some((x) => deepEqual(x, rule))) rules.push(rule);
  }
  return rules;
}

/** Returns true when the role's rules already are the aggregate (absent and empty are the same, as Semantic.DeepEqual). */
export const rulesUpToDate = (role: ClusterRole, rules: readonly PolicyRule[]): boolean => deepEqual(role.rules ?? [], rules);
