// InterPodAffinity (score): preferred (anti-)affinity of the pod towards existing pods, and of
// existing pods towards it (their required affinity weighs 1), summed per topology domain.
import { termMatches } from '../pod-info.ts';
import { MAX_NODE_SCORE, SKIP, type AffinityTerm, type ClusterView, type Labels, type NodeInfo, type PodInfo, type ScorePlugin } from '../types.ts';

/** Upstream's hardPodAffinityWeight default. */
export const HARD_POD_AFFINITY_WEIGHT = 1;

type TopologyScore = Map<string, Map<string, number>>;

function processTerm(ts: TopologyScore, t: AffinityTerm, weight: number, target: PodInfo, ns: Labels | undefined, node: NodeInfo, sign: 1 | -1): void {
  if (weight === 0) return;
  const v = node.labels[t.topologyKey];
  if (v === undefined || !termMatches(t, target, ns)) return;
  let m = ts.get(t.topologyKey);
  if (!m) ts.set(t.topologyKey, (m = new Map()));
  m.set(v, (m.get(v) ?? 0) + weight * sign);
}

function processExisting(ts: TopologyScore, pod: PodInfo, e: PodInfo, node: NodeInfo, view: ClusterView): void {
  const nsE = view.namespaceLabels(e.namespace);
  const nsP = view.namespaceLabels(pod.namespace);
  for (const t of pod.preferredAffinityTerms) processTerm(ts, t, t.weight, e, nsE, node, 1);
  for (const t of pod.preferredAntiAffinityTerms) processTerm(ts, t, t.weight, e, nsE, node, -1);
  for (const t of e.requiredAffinityTerms) processTerm(ts, t, HARD_POD_AFFINITY_WEIGHT, pod, nsP, node, 1);
  for (const t of e.preferredAffinityTerms) processTerm(ts, t, t.weight, pod, nsP, node, 1);
  for (const t of e.preferredAntiAffinityTerms) processTerm(ts, t, t.weight, pod, nsP, node, -1);
}

/** Returns the per-domain sums; SKIP when no term applies anywhere. */
export function interPodAffinityPreScore(pod: PodInfo, _feasible: readonly NodeInfo[], view: ClusterView): TopologyScore | typeof SKIP {
  const own = pod.preferredAffinityTerms.length > 0 || pod.preferredAntiAffinityTerms.length > 0;
  const ts: TopologyScore = new Map();
  for (const n of own ? view.nodes() : view.nodesWithAffinityPods()) {
    if (Object.keys(n.labels).length === 0) continue;
    for (const e of n.pods.values()) if (own || e.hasAffinity) processExisting(ts, pod, e, n, view);
  }
  return ts.size === 0 ? SKIP : ts;
}

/** Weight 2; raw scores may be negative and are scaled min..max to 0..100. */
export const interPodAffinityScore: ScorePlugin<TopologyScore> = {
  name: 'InterPodAffinity',
  weight: 2,
  preScore: interPodAffinityPreScore,
  score(_pod, node, ts) {
    let s = 0;
    for (const [key, vals] of ts) {
      const v = node.labels[key];
      if (v !== undefined) s += vals.get(v) ?? 0;
    }
    return s;
  },
  normalize(scores) {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s > max) max = s;
      if (s < min) min = s;
    }
    const diff = max - min;
    for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((scores[i] - min) / diff)) : 0;
  },
};
