// Resource quota accounting as upstream's evaluators (pkg/quota/v1/evaluator/core, generic object
// counts) and the quota admission's check (plugin/pkg/admission/resourcequota): what an object uses, which
// quotas cover it, and upstream's "exceeded quota" / "must specify" texts. Pure: no store, no clock reads.
import type { Container } from './kinds/container.ts';
import { qosClass } from './kinds/pod-helpers.ts';
import type { Pod } from './kinds/pod.ts';
import type { ResourceQuota } from './kinds/resourcequota.ts';
import type { KubeObject } from './meta.ts';
import { addQuantities, compareQuantities, formatQuantity, parseQuantity, tryParseQuantity, type Quantity } from './quantity.ts';

/** Amounts per resource name (`pods`, `requests.cpu`, `count/deployments.apps` …). */
export type Usage = Map<string, Quantity>;

const one = (): Quantity => parseQuantity(1);
const zero = (): Quantity => parseQuantity(0);

/** Returns a resource list parsed (malformed quantities left out: they never pass validation). */
export function usageOf(list: Record<string, unknown> | undefined): Usage {
  const out: Usage = new Map();
  for (const [k, v] of Object.entries(list ?? {})) {
    const q = tryParseQuantity(v);
    if (q) out.set(k, q);
  }
  return out;
}

/** Returns a usage as a resource list of canonical quantity strings. */
export const listOf = (u: Usage): Record<string, string> => Object.fromEntries([...u].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, q]) => [k, formatQuantity(q)]));

/** Returns a + b per resource: a's format where both have it, b's where a's is zero (as Quantity.Add). */
export function addUsage(a: Usage, b: Usage): Usage {
  const out = new Map(a);
  for (const [k, q] of b) {
    const cur = out.get(k);
    out.set(k, cur && cur.nanos !== 0n ? addQuantities(cur, q) : q);
  }
  return out;
}

/** Returns `k=v,k2=v2` sorted by name (upstream's prettyPrint). */
export const prettyPrint = (u: Usage): string => [...u.keys()].sort().map((k) => `${k}=${formatQuantity(u.get(k)!)}`).join(',');

/** Returns the count resource of a kind's objects: `count/pods`, `count/deployments.apps`. */
export const countName = (plural: string, group: string) => `count/${group ? `${plural}.${group}` : plural}`;

// ---- pods ----

const POD_RESOURCES = new Set(['pods', 'count/pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage']);
const isPodResource = (n: string) => POD_RESOURCES.has(n) || /^(requests\.|limits\.)?hugepages-/.test(n) || (n.startsWith('requests.') && n.includes('/'));

/** Returns a pod's requests or limits as upstream's PodRequests/PodLimits: max(sum of containers and sidecars, each init container) + overhead. */
function podTotals(pod: Pod, which: 'requests' | 'limits'): Usage {
  const of = (c: Container) => usageOf(c.resources?.[which] as Record<string, unknown> | undefined);
  let sum: Usage = new Map();
  let sidecars: Usage = new Map();
  const initMax: Usage = new Map();
  const maxInto = (u: Usage) => {
    for (const [k, q] of u) if (!initMax.has(k) || compareQuantities(q, initMax.get(k)!) > 0) initMax.set(k, q);
  };
  for (const c of pod.spec?.containers ?? []) sum = addUsage(sum, of(c));
  for (const c of pod.spec?.initContainers ?? []) {
    if (c.restartPolicy === 'Always') {
      sum = addUsage(sum, of(c));
      sidecars = addUsage(sidecars, of(c));
      maxInto(sidecars);
    } else maxInto(addUsage(of(c), sidecars));
  }
  for (const [k, q] of initMax) if (!sum.has(k) || compareQuantities(q, sum.get(k)!) > 0) sum.set(k, q);
  // Overhead adds to every request, and only to the limits a pod has.
  const overhead = [...usageOf(pod.spec?.overhead as Record<string, unknown> | undefined)].filter(([k]) => which === 'requests' || sum.has(k));
  return addUsage(sum, new Map(overhead));
}

/** Returns the quota names of requests and limits (upstream's podComputeUsageHelper): cpu, requests.cpu, limits.cpu … and pods=1. */
function computeUsage(requests: Usage, limits: Usage): Usage {
  const out: Usage = new Map([['pods', one()]]);
  for (const [k, q] of requests) {
    if (k === 'cpu' || k === 'memory' || k === 'ephemeral-storage') out.set(k, q);
    out.set(`requests.${k}`, q);
  }
  for (const [k, q] of limits) if (k === 'cpu' || k === 'memory' || k === 'ephemeral-storage') out.set(`limits.${k}`, q);
  return out;
}

/** Returns true while a pod counts against compute quota: not terminal, and not past its deletion grace (QuotaV1Pod). */
export function podCounts(pod: Pod, nowMs: number): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const del = pod.metadata.deletionTimestamp;
  if (del && pod.metadata.deletionGracePeriodSeconds != null) return Date.parse(del) + pod.metadata.deletionGracePeriodSeconds * 1000 > nowMs;
  return true;
}

function podUsage(pod: Pod, nowMs: number): Usage {
  const count: Usage = new Map([['count/pods', one()]]);
  if (!podCounts(pod, nowMs)) return count;
  return addUsage(computeUsage(podTotals(pod, 'requests'), podTotals(pod, 'limits')), count);
}

const COMPUTE_CONSTRAINED = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

/**
 * Returns upstream's `must specify requests.cpu for: a,b; …` when a quota limits cpu or memory and
 * containers do not request (or limit) it, else undefined (podEvaluator.Constraints).
 */
export function podConstraints(pod: Pod, restricted: string[]): string | undefined {
  const required = restricted.filter((r) => COMPUTE_CONSTRAINED.has(r));
  const missing = new Map<string, Set<string>>();
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const has = computeUsage(usageOf(c.resources?.requests as Record<string, unknown>), usageOf(c.resources?.limits as Record<string, unknown>));
    for (const r of required) if (!has.has(r)) missing.set(r, (missing.get(r) ?? new Set()).add(c.name));
  }
  if (!missing.size) return undefined;
  const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}

/** Returns whether a pod is in a quota's scope (scopes and scopeSelector all match; none matches all). */
export function podInScope(quota: ResourceQuota, pod: Pod): boolean {
  const terminating = pod.spec?.activeDeadlineSeconds != null && pod.spec.activeDeadlineSeconds >= 0;
  const bestEffort = qosClass(pod) === 'BestEffort';
  const pc = pod.spec?.priorityClassName ?? '';
  const scope = (name: string, op = 'Exists', values: string[] = []): boolean => {
    switch (name) {
      case 'Terminating': return terminating;
      case 'NotTerminating': return !terminating;
      case 'BestEffort': return bestEffort;
      case 'NotBestEffort': return !bestEffort;
      // The class as a label `PriorityClass=<name>`, absent when the pod names none.
      case 'PriorityClass': return op === 'Exists' ? pc !== '' : op === 'DoesNotExist' ? pc === '' : op === 'In' ? pc !== '' && values.includes(pc) : op === 'NotIn' ? pc === '' || !values.includes(pc) : false;
      default: return false;
    }
  };
  return (quota.spec?.scopes ?? []).every((s) => scope(s)) && (quota.spec?.scopeSelector?.matchExpressions ?? []).every((e) => scope(e.scopeName, e.operator, e.values));
}

// ---- every kind ----

/** Returns the names of a quota's hard list that an object of this resource is counted in (MatchingResources). */
export function matchingResources(hard: string[], plural: string, group: string): string[] {
  const count = countName(plural, group);
  return hard.filter((n) => {
    if (n === count) return true;
    if (group) return false;
    switch (plural) {
      case 'pods': return isPodResource(n);
      case 'services': return n === 'services' || n === 'services.loadbalancers' || n === 'services.nodeports';
      case 'persistentvolumeclaims': return n === 'persistentvolumeclaims' || n === 'requests.storage' || /\.storageclass\.storage\.k8s\.io\/(requests\.storage|persistentvolumeclaims)$/.test(n);
      case 'configmaps': case 'secrets': case 'replicationcontrollers': case 'resourcequotas': return n === plural;
      default: return false;
    }
  });
}

/** Returns what one object uses, as the evaluator of its resource counts it. */
export function objectUsage(plural: string, group: string, obj: KubeObject, nowMs: number): Usage {
  const count: Usage = new Map([[countName(plural, group), one()]]);
  if (group) return count;
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  switch (plural) {
    case 'pods':
      return podUsage(obj as Pod, nowMs);
    case 'services': {
      const type = spec.type as string | undefined;
      const ports = Array.isArray(spec.ports) ? spec.ports.length : 0;
      const nodePorts = type === 'NodePort' || (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false) ? ports : 0;
      return addUsage(count, new Map([['services', one()], ['services.loadbalancers', parseQuantity(type === 'LoadBalancer' ? 1 : 0)], ['services.nodeports', parseQuantity(nodePorts)]]));
    }
    case 'persistentvolumeclaims': {
      const u: Usage = new Map([['persistentvolumeclaims', one()]]);
      const cls = typeof spec.storageClassName === 'string' ? spec.storageClassName : '';
      if (cls) u.set(`${cls}.storageclass.storage.k8s.io/persistentvolumeclaims`, one());
      const storage = usageOf((spec.resources as { requests?: Record<string, unknown> } | undefined)?.requests).get('storage');
      if (storage) {
        u.set('requests.storage', storage);
        if (cls) u.set(`${cls}.storageclass.storage.k8s.io/requests.storage`, storage);
      }
      return addUsage(count, u);
    }
    case 'configmaps': case 'secrets': case 'replicationcontrollers': case 'resourcequotas':
      return addUsage(count, new Map([[plural, one()]]));
    default:
      return count;
  }
}

/** Returns whether a quota covers an object: it limits something the object uses, and (for pods) its scopes match. */
export function quotaMatches(quota: ResourceQuota, plural: string, group: string, obj: KubeObject): boolean {
  if (!matchingResources(Object.keys(quota.status?.hard ?? {}), plural, group).length) return false;
  const scoped = (quota.spec?.scopes?.length ?? 0) > 0 || (quota.spec?.scopeSelector?.matchExpressions?.length ?? 0) > 0;
  if (!scoped) return true;
  return plural === 'pods' && !group && podInScope(quota, obj as Pod);
}

/** Returns a quota's usage as its controller computes it: every hard resource, zero when nothing uses it. */
export function quotaUsage(quota: ResourceQuota, objects: Array<{ plural: string; group: string; obj: KubeObject }>, nowMs: number): Usage {
  const hard = Object.keys(quota.spec?.hard ?? {});
  let used: Usage = new Map(hard.map((h) => [h, zero()]));
  const scoped = (quota.spec?.scopes?.length ?? 0) > 0 || (quota.spec?.scopeSelector?.matchExpressions?.length ?? 0) > 0;
  for (const { plural, group, obj } of objects) {
    const names = matchingResources(hard, plural, group);
    if (!names.length) continue;
    if (scoped && !(plural === 'pods' && !group && podInScope(quota, obj as Pod))) continue;
    const u = objectUsage(plural, group, obj, nowMs);
    used = addUsage(used, new Map(names.filter((n) => u.has(n)).map((n) => [n, u.get(n)!])));
  }
  return used;
}

/** The outcome of checking one new object against a namespace's quotas. */
export type QuotaCheck = { error: string } | { charge: Array<{ quota: ResourceQuota; used: Record<string, string> }> };

/**
 * Checks a new object (or an update of `old`) against the quotas of its namespace as upstream's
 * CheckRequest: returns the first refusal's text (`failed quota: …`, `status unknown for quota: …`,
 * `exceeded quota: …`), or each covering quota's new status.used. An update is charged only what it adds.
 */
export function checkQuotas(quotas: ResourceQuota[], plural: string, group: string, obj: KubeObject, nowMs: number, old?: KubeObject): QuotaCheck {
  const covering: ResourceQuota[] = [];
  for (const q of quotas) {
    if (!quotaMatches(q, plural, group, obj)) continue;
    const name = q.metadata.name;
    const restricted = matchingResources(Object.keys(q.status?.hard ?? {}), plural, group);
    const why = plural === 'pods' && !group ? podConstraints(obj as Pod, restricted) : undefined;
    if (why) return { error: `failed quota: ${name}: ${why}` };
    const used = q.status?.used ?? {};
    if (restricted.some((r) => !(r in used))) return { error: `status unknown for quota: ${name}, resources: ${[...restricted].sort().join(',')}` };
    covering.push(q);
  }
  const before = old ? objectUsage(plural, group, old, nowMs) : new Map<string, Quantity>();
  const delta: Usage = new Map();
  for (const [k, q] of objectUsage(plural, group, obj, nowMs)) {
    const grown = q.nanos - (before.get(k)?.nanos ?? 0n);
    if (grown > 0n) delta.set(k, { nanos: grown, format: q.format });
  }
  if (!delta.size) return { charge: [] };
  const charge: Array<{ quota: ResourceQuota; used: Record<string, string> }> = [];
  for (const q of covering) {
    const hard = usageOf(q.status?.hard);
    const used = usageOf(q.status?.used);
    const requested: Usage = new Map([...delta].filter(([k]) => hard.has(k)));
    const next = addUsage(used, requested);
    const exceeded = [...requested.keys()].filter((k) => compareQuantities(next.get(k)!, hard.get(k)!) > 0);
    if (exceeded.length) {
      const mask = (u: Usage) => new Map([...u].filter(([k]) => exceeded.includes(k)));
      return { error: `exceeded quota: ${q.metadata.name}, requested: ${prettyPrint(mask(requested))}, used: ${prettyPrint(mask(used))}, limited: ${prettyPrint(mask(hard))}` };
    }
    charge.push({ quota: q, used: listOf(next) });
  }
  return { charge };
}
