// Topology spread constraints compiled for one pod, and pod counting per domain (shared by the
// PodTopologySpread filter and score; upstream podtopologyspread/common.go).
import type { TopologySpreadConstraint } from '../../api/kinds/scheduling.ts';
import { labelSelectorMatcher, type LabelMatcher } from '../../api/selectors.ts';
import { toleratesTaint } from '../../api/kinds/scheduling.ts';
import type { Labels, NodeInfo, PodInfo } from './types.ts';

/** A compiled topology spread constraint. */
export interface SpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  minDomains: number;
  selector: LabelMatcher;
  honorNodeAffinity: boolean;
  honorTaints: boolean;
}

/** Returns the pod's constraints with the given whenUnsatisfiable, matchLabelKeys merged into the selector. */
export function spreadConstraintsOf(pod: PodInfo, when: 'DoNotSchedule' | 'ScheduleAnyway'): SpreadConstraint[] {
  const out: SpreadConstraint[] = [];
  for (const c of pod.spreadConstraints as TopologySpreadConstraint[]) {
    if (c.whenUnsatisfiable !== when) continue;
    let sel: LabelMatcher;
    try {
      const base = labelSelectorMatcher(c.labelSelector);
      const extra = (c.matchLabelKeys ?? []).filter((k) => pod.labels[k] !== undefined).map((k) => [k, pod.labels[k]] as const);
      sel = extra.length ? (l) => base(l) && extra.every(([k, v]) => l?.[k] === v) : base;
    } catch {
      sel = () => false; // never passes validation; selects nothing
    }
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      minDomains: c.minDomains ?? 1,
      selector: sel,
      honorNodeAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
      honorTaints: c.nodeTaintsPolicy === 'Honor',
    });
  }
  return out;
}

/** Returns whether the node has every constraint's topology key. */
export const nodeHasAllKeys = (labels: Labels, cs: readonly SpreadConstraint[]): boolean => cs.every((c) => labels[c.topologyKey] !== undefined);

/** Returns whether a node counts for a constraint under its nodeAffinityPolicy / nodeTaintsPolicy (upstream matchNodeInclusionPolicies). */
export function nodeIncluded(c: SpreadConstraint, pod: PodInfo, node: NodeInfo): boolean {
  if (c.honorNodeAffinity && pod.requiredNodeAffinity && !pod.requiredNodeAffinity(node)) return false;
  if (c.honorTaints) for (const t of node.hardTaints) if (!toleratesTaint(pod.tolerations, t)) return false;
  return true;
}

/** Returns how many live pods of a namespace on the node the selector matches (upstream countPodsMatchSelector). */
export function countMatching(node: NodeInfo, selector: LabelMatcher, namespace: string): number {
  let n = 0;
  for (const p of node.pods.values()) if (!p.terminating && p.namespace === namespace && selector(p.labels)) n++;
  return n;
}
