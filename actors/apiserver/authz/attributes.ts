// The RBAC rule matching of upstream's plugin/pkg/auth/authorizer/rbac (RuleAllows and its helpers in rbac/v1/evaluation_helpers).
import { isResourceRequest, type Attributes } from '../../../api/authorization.ts';
import type { PolicyRule } from '../../../api/kinds/rbac.ts';

export type { Attributes };

const ALL = '*';

/** A rule's verbs hold the verb, or `*`. */
const verbMatches = (r: PolicyRule, verb: string) => (r.verbs ?? []).some((v) => v === ALL || v === verb);

const groupMatches = (r: PolicyRule, group: string) => (r.apiGroups ?? []).some((g) => g === ALL || g === group);

/** `*`, the exact `resource/subresource`, or `*\/subresource` for any resource's subresource of that name. */
function resourceMatches(r: PolicyRule, combined: string, subresource: string): boolean {
  for (const res of r.resources ?? []) {
    if (res === ALL || res === combined) return true;
    if (subresource && res.length === subresource.length + 2 && res.startsWith('*/') && res.endsWith(subresource)) return true;
  }
  return false;
}

/** No resourceNames: any name (and no name, as list and create have); else the exact name. */
const nameMatches = (r: PolicyRule, name: string) => !r.resourceNames?.length || r.resourceNames.includes(name);

/** `*`, the exact path, or a prefix ending in `*`. */
function urlMatches(r: PolicyRule, path: string): boolean {
  for (const url of r.nonResourceURLs ?? []) {
    if (url === ALL || url === path) return true;
    if (url.endsWith(ALL) && path.startsWith(url.replace(/\*+$/, ''))) return true;
  }
  return false;
}

/** Returns true when the rule allows the request (upstream's RuleAllows). */
export function ruleAllows(a: Attributes, r: PolicyRule): boolean {
  if (!verbMatches(r, a.verb)) return false;
  if (!isResourceRequest(a)) return urlMatches(r, a.path!);
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : (a.resource ?? '');
  return groupMatches(r, a.apiGroup ?? '') && resourceMatches(r, combined, a.subresource ?? '') && nameMatches(r, a.name ?? '');
}
