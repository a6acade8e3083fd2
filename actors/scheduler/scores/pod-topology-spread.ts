// PodTopologySpread (score): whenUnsatisfiable=ScheduleAnyway constraints; fewer matching pods in
// the node's domains is better (upstream podtopologyspread/scoring.go; no system default constraints).
import { countMatching, nodeHasAllKeys, nodeIncluded, spreadConstraintsOf, type SpreadConstraint } from '../spread.ts';
import { MAX_NODE_SCORE, SKIP, type ScorePlugin } from '../types.ts';

/** The hostname topology key: counted per node, not per domain. */
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';

/** Per-pod state of the spread score (upstream preScoreState). */
export interface SpreadScoreState {
  constraints: SpreadConstraint[];
  /** Feasible nodes lacking a topology key: scored 0. */
  ignored: Set<string>;
  counts: Array<Map<string, number>>;
  weights: number[];
}

/** Weight 2; skipped for pods without ScheduleAnyway constraints. */
export const podTopologySpreadScore: ScorePlugin<SpreadScoreState> = {
  name: 'PodTopologySpread',
  weight: 2,
  preScore(pod, feasible, view) {
    const constraints = spreadConstraintsOf(pod, 'ScheduleAnyway');
    if (constraints.length === 0 || view.nodes().length === 0) return SKIP;
    const s: SpreadScoreState = { constraints, ignored: new Set(), counts: constraints.map(() => new Map()), weights: [] };
    const sizes = constraints.map(() => 0);
    for (const n of feasible) {
      if (!nodeHasAllKeys(n.labels, constraints)) {
        s.ignored.add(n.name);
        continue;
      }
      constraints.forEach((c, i) => {
        if (c.topologyKey === LABEL_HOSTNAME) return;
        const v = n.labels[c.topologyKey];
        if (!s.counts[i].has(v)) {
          s.counts[i].set(v, 0);
          sizes[i]++;
        }
      });
    }
    s.weights = constraints.map((c, i) => Math.log((c.topologyKey === LABEL_HOSTNAME ? feasible.length - s.ignored.size : sizes[i]) + 2));
    for (const n of view.nodes()) {
      if (!nodeHasAllKeys(n.labels, constraints)) continue;
      constraints.forEach((c, i) => {
        if (!nodeIncluded(c, pod, n)) return;
        const v = n.labels[c.topologyKey];
        const cur = s.counts[i].get(v);
        if (cur !== undefined) s.counts[i].set(v, cur + countMatching(n, c.selector, pod.namespace));
      });
    }
    return s;
  },
  score(pod, node, s) {
    if (s.ignored.has(node.name)) return 0;
    let score = 0;
    s.constraints.forEach((c, i) => {
      const v = node.labels[c.topologyKey];
      if (v === undefined) return;
      const cnt = c.topologyKey === LABEL_HOSTNAME ? countMatching(node, c.selector, pod.namespace) : (s.counts[i].get(v) ?? 0);
      score += cnt * s.weights[i] + (c.maxSkew - 1);
    });
    return Math.round(score);
  },
  normalize(scores, nodes, s) {
    let min = Infinity;
    let max = 0;
    scores.forEach((v, i) => {
      if (s.ignored.has(nodes[i].name)) return;
      if (v < min) min = v;
      if (v > max) max = v;
    });
    for (let i = 0; i < scores.length; i++) {
      if (s.ignored.has(nodes[i].name)) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i])) / max);
    }
  },
};
