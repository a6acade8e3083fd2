// InterPodAffinity (filter): the pod's required affinity and anti-affinity, and existing pods'
// required anti-affinity, per topology domain (upstream interpodaffinity/filtering.go).
import { termMatches } from '../pod-info.ts';
import { TopologyCounts } from '../topology.ts';
import { SKIP, type AffinityTerm, type ClusterView, type FilterPlugin, type NodeInfo, type PodInfo, type Status } from '../types.ts';

/** Upstream's reasons (interpodaffinity ErrReason...). */
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";

const AFFINITY: Status = { plugin: 'InterPodAffinity', code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_AFFINITY] };
const ANTI: Status = { plugin: 'InterPodAffinity', code: 'Unschedulable', reasons: [ERR_REASON_ANTI_AFFINITY] };
const EXISTING: Status = { plugin: 'InterPodAffinity', code: 'Unschedulable', reasons: [ERR_REASON_EXISTING_ANTI_AFFINITY] };

/** Per-pod counts computed once per cycle (upstream preFilterState). */
export interface InterPodAffinityState {
  view: ClusterView;
  /** Pairs where existing pods' anti-affinity selects the incoming pod. */
  existingAnti: TopologyCounts;
  /** Pairs holding pods that match all of the incoming pod's affinity terms, and its anti-affinity terms. */
  affinity: TopologyCounts;
  anti: TopologyCounts;
}

/** Returns whether a pod matches every term (and there is at least one). */
export function matchesAllTerms(terms: readonly AffinityTerm[], target: PodInfo, view: ClusterView): boolean {
  if (terms.length === 0) return false;
  const ns = view.namespaceLabels(target.namespace);
  return terms.every((t) => termMatches(t, target, ns));
}

function addExistingAnti(s: InterPodAffinityState, incoming: PodInfo, existing: PodInfo, node: NodeInfo, sign: 1 | -1): void {
  const nsIn = s.view.namespaceLabels(incoming.namespace);
  for (const t of existing.requiredAntiAffinityTerms) {
    const v = node.labels[t.topologyKey];
    if (v !== undefined && termMatches(t, incoming, nsIn)) s.existingAnti.add(t.topologyKey, v, sign);
  }
}

function addIncoming(s: InterPodAffinityState, incoming: PodInfo, existing: PodInfo, node: NodeInfo, sign: 1 | -1): void {
  const labels = node.labels;
  if (incoming.requiredAffinityTerms.length && matchesAllTerms(incoming.requiredAffinityTerms, existing, s.view))
    for (const t of incoming.requiredAffinityTerms) if (labels[t.topologyKey] !== undefined) s.affinity.add(t.topologyKey, labels[t.topologyKey], sign);
  if (incoming.requiredAntiAffinityTerms.length) {
    const nsEx = s.view.namespaceLabels(existing.namespace);
    for (const t of incoming.requiredAntiAffinityTerms)
      if (labels[t.topologyKey] !== undefined && termMatches(t, existing, nsEx)) s.anti.add(t.topologyKey, labels[t.topologyKey], sign);
  }
}

/** Returns the counts for a pod; SKIP when neither it nor any existing pod has required (anti-)affinity. */
export function interPodAffinityPreFilter(pod: PodInfo, view: ClusterView): InterPodAffinityState | typeof SKIP {
  const own = pod.requiredAffinityTerms.length > 0 || pod.requiredAntiAffinityTerms.length > 0;
  const s: InterPodAffinityState = { view, existingAnti: new TopologyCounts(), affinity: new TopologyCounts(), anti: new TopologyCounts() };
  let anyExisting = false;
  for (const n of view.nodesWithRequiredAntiAffinityPods()) {
    anyExisting = true;
    for (const e of n.pods.values()) if (e.requiredAntiAffinityTerms.length) addExistingAnti(s, pod, e, n, 1);
  }
  if (!own && !anyExisting) return SKIP;
  if (own) for (const n of view.nodes()) for (const e of n.pods.values()) addIncoming(s, pod, e, n, 1);
  return s;
}

/** Returns whether the node satisfies the pod's affinity: a matching pod in each term's domain, or it is the first of its group. */
function satisfiesAffinity(s: InterPodAffinityState, pod: PodInfo, node: NodeInfo): boolean {
  let podsExist = true;
  for (const t of pod.requiredAffinityTerms) {
    const v = node.labels[t.topologyKey];
    if (v === undefined) return false;
    if (s.affinity.get(t.topologyKey, v) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a group with affinity to itself may go anywhere that has the topology labels.
  return s.affinity.size === 0 && matchesAllTerms(pod.requiredAffinityTerms, pod, s.view);
}

/** Rejects nodes breaking the pod's required affinity (unresolvable), its anti-affinity, or existing pods' anti-affinity. */
export const interPodAffinityFilter: FilterPlugin<InterPodAffinityState> = {
  name: 'InterPodAffinity',
  preFilter: interPodAffinityPreFilter,
  filter(pod, node, s) {
    if (pod.requiredAffinityTerms.length && !satisfiesAffinity(s, pod, node)) return AFFINITY;
    for (const t of pod.requiredAntiAffinityTerms) {
      const v = node.labels[t.topologyKey];
      if (v !== undefined && s.anti.get(t.topologyKey, v) > 0) return ANTI;
    }
    if (s.existingAnti.size && s.existingAnti.anyPositiveIn(node.labels)) return EXISTING;
    return undefined;
  },
  withoutPod(s, pod, removed, node) {
    const c = { view: s.view, existingAnti: s.existingAnti.clone(), affinity: s.affinity.clone(), anti: s.anti.clone() };
    if (removed.requiredAntiAffinityTerms.length) addExistingAnti(c, pod, removed, node, -1);
    addIncoming(c, pod, removed, node, -1);
    return c;
  },
};
