// Choosing victims on one node for a preemptor (upstream default_preemption.go SelectVictimsOnNode
// and filterPodsWithPDBViolation): remove every lower-priority pod, check the preemptor fits, then
// reprieve as many as possible, most important first, PDB-violating ones before the others.
import type { PodDisruptionBudget } from '../../api/kinds/poddisruptionbudget.ts';
import { labelSelectorMatcher, type LabelMatcher } from '../../api/selectors.ts';
import { runFilters, type PreparedFilter } from './filtering.ts';
import type { Nominator } from './nominator.ts';
import { addPodToNode, nodeInfoWithout, removePodFromNode } from './node-info.ts';
import type { ClusterView, NodeInfo, PodInfo, Status } from './types.ts';

/** Upstream's status when a node has no lower-priority pod to evict. */
export const NO_VICTIMS = 'No preemption victims found for incoming pod';

/** A budget as preemption reads it: where it applies and how many disruptions it allows now. */
export interface PdbInfo {
  namespace: string;
  matches: LabelMatcher;
  allowed: number;
  disrupted: ReadonlySet<string>;
}

/** Compiles budgets; one with an empty or malformed selector matches nothing, as upstream. */
export function pdbInfos(pdbs: readonly PodDisruptionBudget[]): PdbInfo[] {
  const out: PdbInfo[] = [];
  for (const p of pdbs) {
    const sel = p.spec?.selector;
    if (!sel || (!Object.keys(sel.matchLabels ?? {}).length && !sel.matchExpressions?.length)) continue;
    let matches: LabelMatcher;
    try {
      matches = labelSelectorMatcher(sel);
    } catch {
      continue;
    }
    out.push({ namespace: p.metadata.namespace ?? 'default', matches, allowed: p.status?.disruptionsAllowed ?? 0, disrupted: new Set(Object.keys(p.status?.disruptedPods ?? {})) });
  }
  return out;
}

/** Returns when a pod started (status.startTime), or `now` for one that has not: it counts as just started. */
export const startTimeOf = (p: PodInfo, now: number): number => {
  const t = Date.parse(p.pod.status?.startTime ?? '');
  return Number.isNaN(t) ? now : t;
};

/** Returns whether a is more important than b: higher priority, then earlier start (upstream MoreImportantPod). */
export const moreImportant = (a: PodInfo, b: PodInfo, now: number): boolean =>
  a.priority !== b.priority ? a.priority > b.priority : startTimeOf(a, now) < startTimeOf(b, now);

/** Splits pods (most important first) into those whose eviction would break a budget and the rest. */
export function splitByPdbViolation(pods: readonly PodInfo[], pdbs: readonly PdbInfo[]): { violating: PodInfo[]; nonViolating: PodInfo[] } {
  const allowed = pdbs.map((p) => p.allowed);
  const violating: PodInfo[] = [];
  const nonViolating: PodInfo[] = [];
  for (const p of pods) {
    let violated = false;
    if (Object.keys(p.labels).length)
      pdbs.forEach((b, i) => {
        if (b.namespace !== p.namespace || !b.matches(p.labels) || b.disrupted.has(p.pod.metadata.name ?? '')) return;
        if (--allowed[i] < 0) violated = true;
      });
    (violated ? violating : nonViolating).push(p);
  }
  return { violating, nonViolating };
}

/** Victims chosen on one node, most important first, and how many of them break a budget. */
export interface NodeVictims {
  pods: PodInfo[];
  pdbViolations: number;
}

/** What a cycle's preemption needs besides the pod and node: the view, prepared filters, budgets, nominations, now. */
export interface PreemptionContext {
  view: ClusterView;
  prepared: readonly PreparedFilter[];
  pdbs: readonly PdbInfo[];
  nominator?: Nominator;
  now: number;
}

/** Returns the victims on a node that make room for the pod, or the status saying why none do. */
export function selectVictimsOnNode(pod: PodInfo, node: NodeInfo, ctx: PreemptionContext): NodeVictims | Status {
  const potential = [...node.pods.values()].filter((p) => p.priority < pod.priority);
  if (potential.length === 0) return { plugin: 'DefaultPreemption', code: 'UnschedulableAndUnresolvable', reasons: [NO_VICTIMS] };
  const removed = new Set(potential.map((p) => p.key));
  // One working copy of the node: reprieves add a pod back, and take it out again when it must go.
  const work = nodeInfoWithout(node, removed);
  const adjusts = ctx.prepared.some(({ plugin }) => plugin.withoutPod);
  const fits = () => {
    const states = !adjusts
      ? ctx.prepared
      : ctx.prepared.map(({ plugin, state }) => {
          let s = state;
          if (plugin.withoutPod) for (const p of potential) if (removed.has(p.key)) s = plugin.withoutPod(s, pod, p, node, ctx.view);
          return { plugin, state: s };
        });
    return runFilters(states, pod, ctx.nominator ? ctx.nominator.withNominated(work, pod) : work);
  };
  const status = fits();
  if (status) return status;
  potential.sort((a, b) => (moreImportant(a, b, ctx.now) ? -1 : moreImportant(b, a, ctx.now) ? 1 : 0));
  const { violating, nonViolating } = splitByPdbViolation(potential, ctx.pdbs);
  const victims: PodInfo[] = [];
  let pdbViolations = 0;
  // Puts a pod back; it stays a victim when the preemptor no longer fits with it.
  const reprieve = (p: PodInfo): boolean => {
    removed.delete(p.key);
    addPodToNode(work, p);
    if (!fits()) return true;
    removed.add(p.key);
    removePodFromNode(work, p.key);
    victims.push(p);
    return false;
  };
  for (const p of violating) if (!reprieve(p)) pdbViolations++;
  for (const p of nonViolating) reprieve(p);
  if (violating.length && nonViolating.length) victims.sort((a, b) => (moreImportant(a, b, ctx.now) ? -1 : moreImportant(b, a, ctx.now) ? 1 : 0));
  return { pods: victims, pdbViolations };
}
