// PodTopologySpread (filter): whenUnsatisfiable=DoNotSchedule constraints; the domain's matching pods
// (+1 if the pod matches itself) minus the global minimum may not exceed maxSkew.
import { countMatching, nodeHasAllKeys, nodeIncluded, spreadConstraintsOf, type SpreadConstraint } from '../spread.ts';
import { SKIP, type ClusterView, type FilterPlugin, type NodeInfo, type PodInfo, type Status } from '../types.ts';

/** Upstream's reasons (podtopologyspread ErrReason...). */
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;
const SKEW: Status = { plugin: 'PodTopologySpread', code: 'Unschedulable', reasons: [ERR_REASON_CONSTRAINTS_NOT_MATCH] };
const LABEL: Status = { plugin: 'PodTopologySpread', code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_NODE_LABEL_NOT_MATCH] };

/** Per-pod domain counts computed once per cycle (upstream preFilterState). */
export interface SpreadFilterState {
  constraints: SpreadConstraint[];
  /** Per constraint: matching pods per topology value (every eligible domain has an entry). */
  counts: Array<Map<string, number>>;
  /** Per constraint: the global minimum (0 when there are fewer domains than minDomains). */
  min: number[];
}

function computeMin(s: SpreadFilterState): void {
  s.min = s.constraints.map((c, i) => {
    const m = s.counts[i];
    if (m.size < c.minDomains) return 0;
    let min = Infinity;
    for (const v of m.values()) if (v < min) min = v;
    return min === Infinity ? 0 : min;
  });
}

/** Returns the per-domain counts of the pod's hard constraints; SKIP when it has none. */
export function podTopologySpreadPreFilter(pod: PodInfo, view: ClusterView): SpreadFilterState | typeof SKIP {
  const constraints = spreadConstraintsOf(pod, 'DoNotSchedule');
  if (constraints.length === 0) return SKIP;
  const s: SpreadFilterState = { constraints, counts: constraints.map(() => new Map()), min: [] };
  for (const n of view.nodes()) {
    if (!nodeHasAllKeys(n.labels, constraints)) continue;
    constraints.forEach((c, i) => {
      if (!nodeIncluded(c, pod, n)) return;
      const v = n.labels[c.topologyKey];
      s.counts[i].set(v, (s.counts[i].get(v) ?? 0) + countMatching(n, c.selector, pod.namespace));
    });
  }
  computeMin(s);
  return s;
}

/** Rejects nodes missing a topology key (unresolvable) or where placing the pod would exceed maxSkew. */
export const podTopologySpreadFilter: FilterPlugin<SpreadFilterState> = {
  name: 'PodTopologySpread',
  preFilter: podTopologySpreadPreFilter,
  filter(pod, node, s) {
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      const v = node.labels[c.topologyKey];
      if (v === undefined) return LABEL;
      const self = c.selector(pod.labels) ? 1 : 0;
      if ((s.counts[i].get(v) ?? 0) + self - s.min[i] > c.maxSkew) return SKEW;
    }
    return undefined;
  },
  withoutPod(s, pod, removed: PodInfo, node: NodeInfo) {
    const c: SpreadFilterState = { constraints: s.constraints, counts: s.counts.map((m) => new Map(m)), min: [] };
    if (removed.namespace === pod.namespace && nodeHasAllKeys(node.labels, s.constraints))
      s.constraints.forEach((k, i) => {
        if (!k.selector(removed.labels) || !nodeIncluded(k, pod, node)) return;
        const v = node.labels[k.topologyKey];
        c.counts[i].set(v, (c.counts[i].get(v) ?? 0) - 1);
      });
    computeMin(c);
    return c;
  },
};
