// Upstream's RBAC post-start hook: the default ClusterRoles and ClusterRoleBindings (and the few
// namespaced Roles and RoleBindings, as upstream's kube-system ones) are created when
// missing at API server start, and reconciled when there (rbac-defaults.reconcile.ts): a rule or subject
// a newer kubus added reaches a store an older one wrote; a user's additions stay, and an object
// annotated autoupdate "false" is left as it is.
import type { ClusterRole, Role, RoleBinding } from '../../../api/kinds/rbac.ts';
import type { KubeObject } from '../../../api/meta.ts';
import type { ResourceDef } from '../../../api/resource.ts';
import { resourceFor } from '../../../api/resources.ts';
import { aggregatedRules } from '../../../api/kinds/rbac-aggregation.ts';
import type { ServerContext } from '../context.ts';
import { guaranteed } from '../freshness.ts';
import { objectKey, resourcePrefix } from '../keys.ts';
import { update } from '../writes.ts';
import { isDeepStrictEqual } from 'node:util';
import { defaultClusterRoleBindings, defaultClusterRoles, defaultRoleBindings, defaultRoles, RETIRED_RULES } from './default-roles.ts';
import { isProtected, reconcileBinding, reconcileRole } from './rbac-defaults.reconcile.ts';

/** The aggregating defaults, each after the one it aggregates. */
const AGGREGATED_IN_ORDER = ['view', 'edit', 'admin'];

/** Creates the default ClusterRoles and ClusterRoleBindings that are missing and reconciles those that are there. */
export async function bootstrapRbac(ctx: ServerContext, create: (def: ResourceDef, body: KubeObject) => Promise<unknown>): Promise<void> {
  const roleDef = resourceFor('clusterroles')!;
  const bindingDef = resourceFor('clusterrolebindings')!;
  const missing = (def: ResourceDef, o: KubeObject) => !ctx.store.get(objectKey(def, o.metadata.namespace, o.metadata.name!));
  const roles = defaultClusterRoles();
  // admin, edit and view grant their rules from the start, as the aggregation controller will fill them
  // (the same rules in the same order: it then has nothing to write), so a cluster without it works too.
  const all = [...ctx.store.range(resourcePrefix(roleDef)).kvs.map((kv) => kv.value as ClusterRole), ...roles.filter((r) => missing(roleDef, r as KubeObject))];
  for (const name of AGGREGATED_IN_ORDER) {
    const role = roles.find((r) => r.metadata.name === name)!;
    if (missing(roleDef, role as KubeObject)) role.rules = aggregatedRules(role, all) ?? [];
  }
  for (const r of roles) {
    if (missing(roleDef, r as KubeObject)) await create(roleDef, r as KubeObject);
    else await reconcile(ctx, roleDef, r, planRole);
  }
  const nsRoleDef = resourceFor('roles')!;
  for (const r of defaultRoles()) {
    if (missing(nsRoleDef, r as KubeObject)) await create(nsRoleDef, r as KubeObject);
    else await reconcile(ctx, nsRoleDef, r, planRole);
  }
  for (const [def, bindings] of [[bindingDef, defaultClusterRoleBindings()], [resourceFor('rolebindings')!, defaultRoleBindings()]] as const)
    for (const b of bindings) {
      if (missing(def, b as KubeObject)) await create(def, b as KubeObject);
      else await reconcile(ctx, def, b, reconcileBinding);
    }
}

/** reconcileRole, after taking out the rules an earlier kubus gave this default and took back (RETIRED_RULES). */
function planRole<T extends ClusterRole | Role>(expected: T, existing: T): T | undefined {
  if (isProtected(existing)) return undefined;
  const retired = existing.metadata.namespace ? [] : (RETIRED_RULES[existing.metadata.name!] ?? []);
  const rules = existing.rules ?? [];
  const kept = rules.filter((r) => !retired.some((x) => isDeepStrictEqual(x, r)));
  const stripped = kept.length === rules.length ? existing : { ...existing, rules: kept };
  return (reconcileRole(expected, stripped) as T | undefined) ?? (stripped === existing ? undefined : stripped);
}

/** Stores the reconciled object, read afresh on each attempt (a concurrent write is a 409, then tried again). */
async function reconcile<T extends ClusterRole | Role | RoleBinding>(ctx: ServerContext, def: ResourceDef, expected: T, plan: (expected: T, existing: T) => T | undefined): Promise<void> {
  const { name, namespace } = expected.metadata as { name: string; namespace?: string };
  await guaranteed(ctx, async () => {
    const kv = ctx.store.get(objectKey(def, namespace, name));
    const next = kv && plan(expected, ctx.hub.objectOf(kv) as T);
    if (!next) return;
    await update(ctx, def, { name, namespace, body: structuredClone(next) as KubeObject });
    ctx.log.info({ resource: def.plural, namespace, name }, 'default RBAC object reconciled: missing rules or subjects added, retired rules removed');
  });
}
