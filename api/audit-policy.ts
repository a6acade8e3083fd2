// Upstream's audit policy (audit.k8s.io/v1 Policy, k8s.io/apiserver/pkg/audit/policy): rules are
// tried in order and the first that matches a request gives its level; no match is level None.
// Parsing checks the fields as upstream's validation does and names the bad one.
import type { Attributes } from './authorization.ts';
import { isResourceRequest } from './authorization.ts';

export const AUDIT_LEVELS = ['None', 'Metadata', 'Request', 'RequestResponse'] as const;
export type AuditLevel = (typeof AUDIT_LEVELS)[number];
export const AUDIT_STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;
export type AuditStage = (typeof AUDIT_STAGES)[number];

export interface GroupResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

export interface PolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
}

export interface AuditPolicy {
  apiVersion?: string;
  kind?: string;
  rules: PolicyRule[];
  omitStages?: AuditStage[];
  omitManagedFields?: boolean;
}

/** What the policy says of one request: its level, the stages left out, and whether managedFields are. */
export interface AuditVerdict {
  level: AuditLevel;
  omitStages: AuditStage[];
  omitManagedFields: boolean;
}

/** The policy of `--audit-log` without `--audit-policy`: every request at Metadata. */
export const METADATA_FOR_ALL: AuditPolicy = { apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'Metadata' }] };

/** Thrown for a policy file upstream would refuse; the message names the field. */
export class AuditPolicyError extends Error {
  override name = 'AuditPolicyError';
}

/** Returns the level order of `level` (None 0 … RequestResponse 3). */
export const levelRank = (level: AuditLevel) => AUDIT_LEVELS.indexOf(level);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const quoted = (xs: readonly string[]) => xs.map((x) => JSON.stringify(x)).join(', ');

/** Returns `v` as the policy it holds (already parsed from YAML or JSON); throws AuditPolicyError naming the first bad field. */
export function checkPolicy(v: unknown): AuditPolicy {
  const fail = (field: string, what: string): never => {
    throw new AuditPolicyError(`${field}: ${what}`);
  };
  if (!isObj(v)) fail('<root>', 'Invalid value: the policy must be an object');
  const p = v as Record<string, unknown>;
  if (p.kind !== 'Policy') fail('kind', `Invalid value: ${JSON.stringify(p.kind)}: must be "Policy"`);
  if (p.apiVersion !== 'audit.k8s.io/v1') fail('apiVersion', `Unsupported value: ${JSON.stringify(p.apiVersion)}: supported values: "audit.k8s.io/v1"`);
  const strings = (field: string, x: unknown): void => {
    if (x !== undefined && !(Array.isArray(x) && x.every((s) => typeof s === 'string'))) fail(field, 'Invalid value: must be a list of strings');
  };
  const stages = (field: string, x: unknown): void => {
    strings(field, x);
    (x as string[] | undefined)?.forEach((s, i) => {
      if (!(AUDIT_STAGES as readonly string[]).includes(s)) fail(`${field}[${i}]`, `Unsupported value: ${JSON.stringify(s)}: supported values: ${quoted(AUDIT_STAGES)}`);
    });
  };
  const bool = (field: string, x: unknown): void => {
    if (x !== undefined && typeof x !== 'boolean') fail(field, 'Invalid value: must be true or false');
  };
  stages('omitStages', p.omitStages);
  bool('omitManagedFields', p.omitManagedFields);
  if (!Array.isArray(p.rules) || p.rules.length === 0) fail('rules', 'Required value: a policy needs at least one rule');
  (p.rules as unknown[]).forEach((r, i) => {
    const at = `rules[${i}]`;
    if (!isObj(r)) fail(at, 'Invalid value: must be an object');
    const rule = r as Record<string, unknown>;
    if (rule.level === undefined) fail(`${at}.level`, 'Required value');
    if (!(AUDIT_LEVELS as readonly unknown[]).includes(rule.level)) fail(`${at}.level`, `Unsupported value: ${JSON.stringify(rule.level)}: supported values: ${quoted(AUDIT_LEVELS)}`);
    for (const f of ['users', 'userGroups', 'verbs', 'namespaces', 'nonResourceURLs']) strings(`${at}.${f}`, rule[f]);
    stages(`${at}.omitStages`, rule.omitStages);
    bool(`${at}.omitManagedFields`, rule.omitManagedFields);
    const urls = (rule.nonResourceURLs as string[] | undefined) ?? [];
    const resources = rule.resources;
    if (resources !== undefined && !Array.isArray(resources)) fail(`${at}.resources`, 'Invalid value: must be a list');
    if (urls.length && ((resources as unknown[] | undefined)?.length || (rule.namespaces as string[] | undefined)?.length))
      fail(`${at}.nonResourceURLs`, `Invalid value: ${JSON.stringify(urls)}: rules cannot apply to both regular resources and non-resource URLs`);
    urls.forEach((u, j) => {
      if (!u.startsWith('/') && u !== '*') fail(`${at}.nonResourceURLs[${j}]`, `Invalid value: ${JSON.stringify(u)}: non-resource URLs must start with "/" or be "*"`);
      if (u.slice(0, -1).includes('*')) fail(`${at}.nonResourceURLs[${j}]`, `Invalid value: ${JSON.stringify(u)}: "*" is only allowed at the end`);
    });
    ((resources as unknown[] | undefined) ?? []).forEach((g, j) => {
      const gat = `${at}.resources[${j}]`;
      if (!isObj(g)) fail(gat, 'Invalid value: must be an object');
      const gr = g as Record<string, unknown>;
      if (gr.group !== undefined && typeof gr.group !== 'string') fail(`${gat}.group`, 'Invalid value: must be a string');
      if (typeof gr.group === 'string' && gr.group.includes('/')) fail(`${gat}.group`, `Invalid value: ${JSON.stringify(gr.group)}: must not contain "/"`);
      strings(`${gat}.resources`, gr.resources);
      strings(`${gat}.resourceNames`, gr.resourceNames);
      const names = (gr.resourceNames as string[] | undefined) ?? [];
      const res = (gr.resources as string[] | undefined) ?? [];
      if (names.length && res.some((x) => x === '*' || x.startsWith('*/')))
        fail(`${gat}.resourceNames`, `Invalid value: ${JSON.stringify(names)}: using resourceNames with wildcard resources is not allowed`);
    });
  });
  return p as unknown as AuditPolicy;
}

/** Path match: exact, `*`, or a prefix ending in `*` (upstream's ruleMatchesNonResource). */
const urlMatches = (patterns: string[], path: string) => patterns.some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));

/** Upstream's resource match: `*`, `resource/subresource`, `*\/subresource`, `resource/*`, under resourceNames if any. */
function resourceMatches(rules: GroupResources[], a: Attributes): boolean {
  const resource = a.resource ?? '';
  const sub = a.subresource ?? '';
  const combined = sub ? `${resource}/${sub}` : resource;
  for (const gr of rules) {
    if ((gr.group ?? '') !== (a.apiGroup ?? '')) continue;
    if (!gr.resources?.length) return true;
    if (gr.resourceNames?.length && !gr.resourceNames.includes(a.name ?? '')) continue;
    for (const res of gr.resources) {
      if (res === '*' || res === combined) return true;
      if (sub && res.startsWith('*/') && res.slice(2) === sub) return true;
      if (res.endsWith('/*') && res.slice(0, -2) === resource) return true;
    }
  }
  return false;
}

/** Returns true when `rule` applies to the request (upstream's ruleMatches). */
export function ruleMatches(rule: PolicyRule, a: Attributes): boolean {
  if (rule.users?.length && !rule.users.includes(a.user.username)) return false;
  if (rule.userGroups?.length && !(a.user.groups ?? []).some((g) => rule.userGroups!.includes(g))) return false;
  if (rule.verbs?.length && !rule.verbs.includes(a.verb)) return false;
  if (rule.namespaces?.length || rule.resources?.length) {
    if (!isResourceRequest(a)) return false;
    if (rule.namespaces?.length && !rule.namespaces.includes(a.namespace ?? '')) return false;
    return !rule.resources?.length || resourceMatches(rule.resources, a);
  }
  if (rule.nonResourceURLs?.length) return !isResourceRequest(a) && urlMatches(rule.nonResourceURLs, a.path!);
  return true;
}

const NONE: AuditVerdict = { level: 'None', omitStages: [], omitManagedFields: false };

/** Returns the verdict of the first rule that matches (None when none does), stages omitted by the rule and the policy together. */
export function auditVerdict(policy: AuditPolicy, a: Attributes): AuditVerdict {
  const rule = policy.rules.find((r) => ruleMatches(r, a));
  if (!rule || rule.level === 'None') return NONE;
  const omit = [...(policy.omitStages ?? []), ...(rule.omitStages ?? [])];
  return { level: rule.level, omitStages: omit, omitManagedFields: rule.omitManagedFields ?? policy.omitManagedFields ?? false };
}
