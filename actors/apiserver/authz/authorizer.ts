// Upstream's RBAC authorizer: a request is allowed when a rule of a role bound to its user (or one of
// its groups) allows it, ClusterRoleBindings first, then the RoleBindings of the request's namespace.
// Members of system:masters are allowed everything, as upstream's privileged group.
import type { PolicyRule, Subject } from '../../../api/kinds/rbac.ts';
import type { UserInfo } from '../../../api/protocol.ts';
import type { Store } from '../store/store.ts';
import { ruleAllows, type Attributes } from './attributes.ts';
import { groupKey, userKey, type BindingIndex, type Grant } from './binding-index.ts';

export const SYSTEM_MASTERS = 'system:masters';
export const AUTHENTICATED = 'system:authenticated';

export interface Decision {
  allowed: boolean;
  /** Why (upstream's reason: the binding that allowed, or the roles that could not be read). */
  reason: string;
}

/** What a user may do in a namespace, as SelfSubjectRulesReview reports it. */
export interface RuleSet {
  rules: PolicyRule[];
  errors: string[];
}

const describeSubject = (s: Subject) => `${s.kind} "${s.kind === 'ServiceAccount' && s.namespace ? `${s.namespace}/${s.name}` : s.name}"`;

/** Upstream's describer of the binding that allowed a request: `ClusterRoleBinding "x" of ClusterRole "y" to Group "z"`. */
function describe(g: Grant): string {
  const b = g.binding;
  const ref = b.roleRef ?? {};
  const name = b.metadata?.namespace ? `${b.metadata.name}/${b.metadata.namespace}` : b.metadata?.name;
  return `${b.metadata?.namespace ? 'RoleBinding' : 'ClusterRoleBinding'} "${name}" of ${ref.kind} "${ref.name}" to ${describeSubject(g.subject)}`;
}

export class RbacAuthorizer {
  constructor(
    private readonly store: Store,
    private readonly index: BindingIndex,
  ) {}

  authorize(a: Attributes): Decision {
    if (a.user.groups?.includes(SYSTEM_MASTERS)) return { allowed: true, reason: '' };
    const errors: string[] = [];
    for (const grant of this.grants(a.user, a.namespace)) {
      const rules = this.rulesOf(grant, errors);
      if (rules?.some((r) => ruleAllows(a, r))) return { allowed: true, reason: `RBAC: allowed by ${describe(grant)}` };
    }
    return { allowed: false, reason: errors.length ? `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}` : '' };
  }

  /** Every rule that applies to the user in `namespace` (cluster-wide ones included), as SelfSubjectRulesReview lists them. */
  rulesFor(user: UserInfo, namespace: string): RuleSet {
    const errors: string[] = [];
    const rules: PolicyRule[] = [];
    for (const grant of this.grants(user, namespace)) rules.push(...(this.rulesOf(grant, errors) ?? []));
    return { rules, errors };
  }

  /** The user's grants: ClusterRoleBindings of the user and each group, then their RoleBindings in `namespace`; each binding once. */
  private *grants(user: UserInfo, namespace: string | undefined): Generator<Grant> {
    const keys = [userKey(user.username), ...(user.groups ?? []).map(groupKey)];
    const lists = keys.map((k) => this.index.clusterGrants(k));
    if (namespace) lists.push(...keys.map((k) => this.index.namespaceGrants(namespace, k)));
    // A binding that names the user and one of its groups is visited once.
    const seen = new Set<Grant['binding']>();
    for (const list of lists)
      for (const g of list) {
        if (seen.has(g.binding)) continue;
        seen.add(g.binding);
        yield g;
      }
  }

  /** The rules of the role a grant refers to; a missing role is recorded in `errors`, as upstream reports it. */
  private rulesOf(g: Grant, errors: string[]): PolicyRule[] | undefined {
    const ref = g.binding.roleRef ?? {};
    const ns = g.binding.metadata?.namespace;
    const key = ref.kind === 'Role' ? `/registry/roles/${ns}/${ref.name}` : `/registry/clusterroles/${ref.name}`;
    const kv = this.store.get(key);
    if (!kv) {
      errors.push(ref.kind === 'Role' ? `role.rbac.authorization.k8s.io "${ref.name}" not found` : `clusterrole.rbac.authorization.k8s.io "${ref.name}" not found`);
      return undefined;
    }
    return (kv.value as { rules?: PolicyRule[] }).rules ?? [];
  }
}

/** Returns the user as the authorizer sees it: every user a request carries was authenticated, so it is in system:authenticated. */
export function authenticated(user: UserInfo): UserInfo {
  const groups = user.groups ?? [];
  if (groups.includes(AUTHENTICATED) || groups.includes('system:unauthenticated')) return user;
  return { ...user, groups: [...groups, AUTHENTICATED] };
}
