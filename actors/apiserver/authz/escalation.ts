// Upstream's RBAC escalation prevention (registry/rbac/*/policybased and validation.ConfirmNoEscalation):
// a user may write a Role or ClusterRole only with rules it holds itself, unless it may `escalate`
// roles; it may bind a role only when it holds the role's rules, unless it may `bind` that role.
// system:masters and the trusted caller (no user) are never checked, as upstream's EscalationAllowed.
import { authenticated, SYSTEM_MASTERS } from '../../../api/authorization.ts';
import type { PolicyRule, RoleRef } from '../../../api/kinds/rbac.ts';
import type { UserInfo } from '../../../api/protocol.ts';
import { resourceFor } from '../../../api/resources.ts';
import { forbidden, notFound } from '../../../api/status.ts';
import type { Attributes } from '../admission.ts';
import { qualified, type ServerContext } from '../context.ts';
import { objectKey } from '../keys.ts';

const RBAC = 'rbac.authorization.k8s.io';

/** One atomic permission: a verb on one group's resource (and name), or on a non-resource URL. */
interface Right {
  verb: string;
  group?: string;
  resource?: string;
  name?: string;
  url?: string;
}

/** Upstream's BreakdownRule: a rule as the atomic rights it grants. */
export function breakdown(r: PolicyRule): Right[] {
  const out: Right[] = [];
  for (const verb of r.verbs ?? []) {
    for (const group of r.apiGroups ?? [])
      for (const resource of r.resources ?? []) {
        if (r.resourceNames?.length) for (const name of r.resourceNames) out.push({ verb, group, resource, name });
        else out.push({ verb, group, resource });
      }
    for (const url of r.nonResourceURLs ?? []) out.push({ verb, url });
  }
  return out;
}

const has = (xs: string[] | undefined, x: string) => !!xs && (xs.includes('*') || xs.includes(x));

/** Returns true when the owner's rule grants the right (upstream's ruleCovers on one atomic rule). */
export function covers(owner: PolicyRule, right: Right): boolean {
  if (!has(owner.verbs, right.verb)) return false;
  if (right.url !== undefined) {
    return (owner.nonResourceURLs ?? []).some((u) => u === '*' || u === right.url || (u.endsWith('*') && right.url!.startsWith(u.slice(0, -1))));
  }
  if (!has(owner.apiGroups, right.group!)) return false;
  const res = right.resource!;
  const sub = res.includes('/') ? res.slice(res.indexOf('/') + 1) : '';
  if (!(owner.resources ?? []).some((o) => o === '*' || o === res || (sub && o === `*/${sub}`))) return false;
  if (!owner.resourceNames?.length) return true;
  return right.name !== undefined && owner.resourceNames.includes(right.name);
}

/** Go's %q of a []string: `["a" "b"]`. */
const goList = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;

/** Upstream's rulesToString: the missing rights compacted (verbs of one resource together), as CompactString, sorted, one a line. */
function describeMissing(missing: Right[]): string {
  const byTarget = new Map<string, { r: Right; verbs: string[] }>();
  for (const m of missing) {
    const key = JSON.stringify([m.group, m.resource, m.name, m.url]);
    const at = byTarget.get(key);
    if (at) at.verbs.push(m.verb);
    else byTarget.set(key, { r: m, verbs: [m.verb] });
  }
  const lines = [...byTarget.values()].map(({ r, verbs }) => {
    const parts: string[] = [];
    if (r.group !== undefined) parts.push(`APIGroups:${goList([r.group])}`);
    if (r.resource !== undefined) parts.push(`Resources:${goList([r.resource])}`);
    if (r.url !== undefined) parts.push(`NonResourceURLs:${goList([r.url])}`);
    if (r.name !== undefined) parts.push(`ResourceNames:${goList([r.name])}`);
    parts.push(`Verbs:${goList(verbs)}`);
    return `{${parts.join(', ')}}`;
  });
  return [...new Set(lines)].sort().join('\n');
}

/** Returns true when the authorizer lets `user` do `verb` on a role of `plural` named `name` in `namespace`. */
function may(ctx: ServerContext, user: UserInfo, verb: string, plural: string, namespace: string, name: string): boolean {
  return ctx.authz.authorize({ user, verb, apiGroup: RBAC, apiVersion: '*', resource: plural, namespace, name }).allowed;
}

/** Throws upstream's 403 unless `user` holds every rule in `rules` in `namespace` ('' = cluster-wide only). */
function confirmNoEscalation(ctx: ServerContext, a: Attributes, user: UserInfo, namespace: string, rules: PolicyRule[]): void {
  const owned = ctx.authz.rulesFor(user, namespace).rules;
  const missing = rules.flatMap(breakdown).filter((right) => !owned.some((o) => covers(o, right)));
  if (!missing.length) return;
  const why = `user ${JSON.stringify(user.username)} (groups=${goList(user.groups ?? [])}) is attempting to grant RBAC permissions not currently held:\n${describeMissing(missing)}`;
  throw forbidden(qualified(a.def), a.name, why);
}

/** The rules a binding's roleRef names; upstream's 404 when the role is missing. */
function roleRules(ctx: ServerContext, ref: RoleRef | undefined, namespace: string): PolicyRule[] {
  const kind = ref?.kind === 'Role' ? 'roles' : 'clusterroles';
  const def = resourceFor(kind)!;
  const kv = ctx.store.get(objectKey(def, kind === 'roles' ? namespace : undefined, ref?.name ?? ''));
  if (!kv) throw notFound(qualified(def), ref?.name ?? '');
  return (kv.value as { rules?: PolicyRule[] }).rules ?? [];
}

/** Refuses a create or update of a role or binding that would grant `a.user` more than it holds. */
export function checkEscalation(ctx: ServerContext, a: Attributes): void {
  if ((a.operation !== 'CREATE' && a.operation !== 'UPDATE') || a.def.group !== RBAC || a.subresource !== '' || !a.user) return;
  const user = authenticated(a.user);
  if (user.groups?.includes(SYSTEM_MASTERS)) return;
  const plural = a.def.plural;
  const namespace = a.def.namespaced ? a.namespace : '';
  if (plural === 'roles' || plural === 'clusterroles') {
    if (may(ctx, user, 'escalate', plural, namespace, a.name)) return;
    return confirmNoEscalation(ctx, a, user, namespace, (a.object as { rules?: PolicyRule[] }).rules ?? []);
  }
  if (plural === 'rolebindings' || plural === 'clusterrolebindings') {
    const ref = (a.object as { roleRef?: RoleRef }).roleRef;
    if (may(ctx, user, 'bind', ref?.kind === 'Role' ? 'roles' : 'clusterroles', namespace, ref?.name ?? '')) return;
    confirmNoEscalation(ctx, a, user, namespace, roleRules(ctx, ref, namespace));
  }
}
