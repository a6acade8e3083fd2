// Compiles a pod once for scheduling: requests, host ports, tolerations, node affinity and
// pod (anti-)affinity terms (upstream framework.NewPodInfo and nodeaffinity.GetRequiredNodeAffinity).
import type { Node } from '../../api/kinds/node.ts';
import { podHostPorts, podNonZeroRequests, podRequests, type Resources } from '../../api/kinds/pod-helpers.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import { nodeSelectorTermMatches, type NodeSelectorTerm, type PodAffinityTerm, type WeightedPodAffinityTerm } from '../../api/kinds/scheduling.ts';
import type { LabelSelector } from '../../api/meta.ts';
import { labelSelectorMatcher, type LabelMatcher } from '../../api/selectors.ts';
import type { AffinityTerm, Labels, NodeInfo, PodInfo, ResourceVec, WeightedAffinityTerm } from './types.ts';

const NO_LABELS: Labels = Object.freeze({});

/** Returns whether a resource name is one the fit filter checks beyond cpu/memory/storage (upstream IsScalarResourceName). */
export function isScalarResourceName(name: string): boolean {
  if (name.startsWith('hugepages-') || name.startsWith('attachable-volumes-')) return true;
  if (!name.includes('/')) return false;
  // Extended (vendor.com/gpu) or prefixed native (kubernetes.io/...); quota names never reach here.
  return !name.startsWith('requests.');
}

/** Returns a resource list (numbers) as a ResourceVec; unknown unprefixed names are dropped, as upstream does. */
export function toResourceVec(r: Resources): ResourceVec {
  let scalars: Record<string, number> | undefined;
  for (const k in r) {
    if (k === 'cpu' || k === 'memory' || k === 'ephemeral-storage' || k === 'pods') continue;
    if (isScalarResourceName(k)) (scalars ??= {})[k] = r[k];
  }
  return { cpu: r.cpu ?? 0, memory: r.memory ?? 0, eph: r['ephemeral-storage'] ?? 0, scalars };
}

// Pods stamped from one template request the same quantities: parse each distinct set once.
const requestMemo = new Map<string, { requests: ResourceVec; nonZeroCpu: number; nonZeroMemory: number }>();

/** Returns the pod's requests (upstream PodRequests) and its cpu/memory with the scoring defaults, memoized by what they depend on. */
function requestsOf(pod: Pod): { requests: ResourceVec; nonZeroCpu: number; nonZeroMemory: number } {
  const s = pod.spec;
  const key = JSON.stringify([
    s.containers?.map((c) => c.resources?.requests ?? 0),
    s.initContainers?.map((c) => [c.resources?.requests ?? 0, c.restartPolicy ?? 0]),
    s.overhead,
  ]);
  let r = requestMemo.get(key);
  if (!r) {
    const nonZero = podNonZeroRequests(pod);
    r = { requests: toResourceVec(podRequests(pod)), nonZeroCpu: nonZero.cpu ?? 0, nonZeroMemory: nonZero.memory ?? 0 };
    if (requestMemo.size >= 4096) requestMemo.clear();
    requestMemo.set(key, r);
  }
  return r;
}

/** Returns whether two label sets are equal (key order aside), without serialising them: this runs on every bound pod's update. */
export function sameLabels(a: Labels | undefined, b: Labels | undefined): boolean {
  if (a === b) return true;
  const x = a ?? NO_LABELS;
  const y = b ?? NO_LABELS;
  let n = 0;
  for (const k in x) {
    if (x[k] !== y[k]) return false;
    n++;
  }
  return n === Object.keys(y).length;
}

/** Returns a pod's key in caches and queues: namespace/name. */
export const podKey = (pod: Pod): string => `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;

/** Returns a matcher for node labels + name against a list of terms (ORed); undefined terms match nothing. */
function termsMatcher(terms: NodeSelectorTerm[]): (node: NodeInfo) => boolean {
  return (n) => {
    for (const t of terms) if (nodeSelectorTermMatches(t, n.labels as Record<string, string>, n.name)) return true;
    return false;
  };
}

/** Returns the pod's required node constraint (nodeSelector AND required affinity terms), or undefined when it has none. */
export function requiredNodeAffinityOf(pod: Pod): ((node: NodeInfo) => boolean) | undefined {
  const sel = pod.spec.nodeSelector;
  const selKeys = sel ? Object.keys(sel) : [];
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const terms = required ? termsMatcher(required.nodeSelectorTerms ?? []) : undefined;
  if (selKeys.length === 0 && !terms) return undefined;
  return (n) => {
    for (const k of selKeys) if (n.labels[k] !== sel![k]) return false;
    return terms ? terms(n) : true;
  };
}

// A selector with a bad operator never passes validation; a foreign object's bad selector selects nothing.
function safeMatcher(sel: LabelSelector | undefined): LabelMatcher {
  try {
    return labelSelectorMatcher(sel);
  } catch {
    return () => false;
  }
}

/** Returns the namespaces a term applies to: its own list, else the pod's namespace when it has no namespaceSelector. */
function compileTerm(pod: Pod, t: PodAffinityTerm): AffinityTerm {
  const ns = pod.metadata.namespace ?? 'default';
  const namespaces = new Set(t.namespaces?.length ? t.namespaces : t.namespaceSelector ? [] : [ns]);
  return {
    namespaces,
    nsSelector: t.namespaceSelector ? safeMatcher(t.namespaceSelector) : undefined,
    selector: safeMatcher(t.labelSelector),
    topologyKey: t.topologyKey,
  };
}

const compileWeighted = (pod: Pod, ts: WeightedPodAffinityTerm[] | undefined): WeightedAffinityTerm[] =>
  (ts ?? []).map((w) => ({ ...compileTerm(pod, w.podAffinityTerm), weight: w.weight }));

/** Returns the PodInfo of a pod (throws nothing: malformed parts count as absent). */
export function podInfoOf(pod: Pod): PodInfo {
  const spec = pod.spec;
  const aff = spec.affinity;
  const reqAff = (aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => compileTerm(pod, t));
  const reqAnti = (aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => compileTerm(pod, t));
  const prefAff = compileWeighted(pod, aff?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
  const prefAnti = compileWeighted(pod, aff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
  const req = requestsOf(pod);
  const preferredNodeAffinity = (aff?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
    .filter((p) => p.weight !== 0 && ((p.preference.matchExpressions?.length ?? 0) > 0 || (p.preference.matchFields?.length ?? 0) > 0))
    .map((p) => ({ weight: p.weight, matches: termsMatcher([p.preference]) }));
  return {
    pod,
    key: podKey(pod),
    uid: pod.metadata.uid ?? '',
    namespace: pod.metadata.namespace ?? 'default',
    labels: pod.metadata.labels ?? NO_LABELS,
    priority: spec.priority ?? 0,
    terminating: !!pod.metadata.deletionTimestamp,
    requests: req.requests,
    nonZeroCpu: req.nonZeroCpu,
    nonZeroMemory: req.nonZeroMemory,
    ports: podHostPorts(pod),
    tolerations: spec.tolerations ?? [],
    requiredNodeAffinity: requiredNodeAffinityOf(pod),
    preferredNodeAffinity,
    requiredAffinityTerms: reqAff,
    requiredAntiAffinityTerms: reqAnti,
    preferredAffinityTerms: prefAff,
    preferredAntiAffinityTerms: prefAnti,
    hasAffinity: !!(aff?.podAffinity || aff?.podAntiAffinity),
    spreadConstraints: spec.topologySpreadConstraints ?? [],
  };
}

/** Returns whether a term selects a pod: its namespace is listed or matched by labels, and its labels match (upstream AffinityTerm.Matches). */
export function termMatches(term: AffinityTerm, target: PodInfo, nsLabels: Labels | undefined): boolean {
  if (!term.namespaces.has(target.namespace) && !(term.nsSelector && term.nsSelector(nsLabels ?? NO_LABELS))) return false;
  return term.selector(target.labels);
}

/** Returns a node's labels, never undefined. */
export const nodeLabels = (node: Node | undefined): Labels => node?.metadata.labels ?? NO_LABELS;
