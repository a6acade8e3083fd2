// Upstream's RBAC authorizer: a request is allowed when a rule of a role bound to its user (or one of
// its groups) allows it, ClusterRoleBindings first, then the RoleBindings of the request's namespace.
// Members of system:masters are allowed everything, as upstream's privileged group.
import { SYSTEM_MASTERS } from '../../../api/authorization.ts';
import type { PolicyRule, RoleBinding, Subject } from '../../../api/kinds/rbac.ts';
import type { UserInfo } from '../../../api/protocol.ts';
import { ruleAllows, type Attributes } from './attributes.ts';
import { groupKey, userKey, type BindingIndex, type Grant } from './binding-index.ts';


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

/** One authorization mode (RBAC, Node) or their chain (chain.ts): a decision, and the rules a review lists. */
export interface Authorizer {
  authorize(a: Attributes): Decision;
  rulesFor(user: UserInfo, namespace: string): RuleSet;
}

const describeSubject = (s: Subject) => `${s.kind} "${s.kind === 'ServiceAccount' && s.namespace ? `${s.namespace}/${s.name}` : s.name}"`;

/** The index keys of a user: its name and each of its groups. */
const subjectKeys = (user: UserInfo) => [userKey(user.username), ...(user.groups ?? []).map(groupKey)];

const allowedBy = (g: Grant): Decision => ({ allowed: true, reason: `RBAC: allowed by ${describe(g)}` });

/** Upstream's describer of the binding that allowed a request: `ClusterRoleBinding "x" of ClusterRole "y" to Group "z"`. */
function describe(g: Grant): string {
  const b = g.binding;
  const ref = b.roleRef ?? {};
  const name = b.metadata?.namespace ? `${b.metadata.name}/${b.metadata.namespace}` : b.metadata?.name;
  return `${b.metadata?.namespace ? 'RoleBinding' : 'ClusterRoleBinding'} "${name}" of ${ref.kind} "${ref.name}" to ${describeSubject(g.subject)}`;
}

export class RbacAuthorizer implements Authorizer {
  constructor(private readonly index: BindingIndex) {}

  authorize(a: Attributes): Decision {
    if (a.user.groups?.includes(SYSTEM_MASTERS)) return { allowed: true, reason: '' };
    const errors: string[] = [];
    // Plain loops, no dedupe: a binding met twice (the user's and a group's) only repeats its check.
    const keys = subjectKeys(a.user);
    for (const k of keys) for (const g of this.index.clusterGrants(k)) if (this.allows(g, a, errors)) return allowedBy(g);
    if (a.namespace) for (const k of keys) for (const g of this.index.namespaceGrants(a.namespace, k)) if (this.allows(g, a, errors)) return allowedBy(g);
    return { allowed: false, reason: errors.length ? `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}` : '' };
  }

  /** Every rule that applies to the user in `namespace` (cluster-wide ones included), as SelfSubjectRulesReview lists them. */
  rulesFor(user: UserInfo, namespace: string): RuleSet {
    const errors: string[] = [];
    const rules: PolicyRule[] = [];
    const keys = subjectKeys(user);
    const grants = [...keys.flatMap((k) => [...this.index.clusterGrants(k)]), ...keys.flatMap((k) => [...this.index.namespaceGrants(namespace, k)])];
    // A binding that names the user and one of its groups lists its rules once.
    for (const g of new Set(grants.map((x) => x.binding))) rules.push(...(this.rulesOf(g, errors) ?? []));
    return { rules, errors };
  }

  private allows(g: Grant, a: Attributes, errors: string[]): boolean {
    const rules = this.rulesOf(g.binding, errors);
    return !!rules && rules.some((r) => ruleAllows(a, r));
  }

  /** The rules of the role a grant refers to; a missing role is recorded in `errors`, as upstream reports it. */
  private rulesOf(binding: RoleBinding, errors: string[]): PolicyRule[] | undefined {
    const ref = binding.roleRef ?? {};
    const rules = this.index.roleRules(ref.kind, binding.metadata?.namespace, ref.name);
    if (!rules) {
      const missing = `${ref.kind === 'Role' ? 'role' : 'clusterrole'}.rbac.authorization.k8s.io "${ref.name}" not found`;
      if (!errors.includes(missing)) errors.push(missing);
      return undefined;
    }
    return rules;
  }
}
