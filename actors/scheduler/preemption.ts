// Upstream's DefaultPreemption PostFilter (preemption.go, default_preemption.go): for a pod no node
// fits, find nodes where evicting lower-priority pods makes room, pick one by upstream's ordering,
// and say which pods to evict; or word why preemption cannot help ("preemption: ...").
import type { Pod } from '../../api/kinds/pod.ts';
import type { Rng } from '../../bus/random.ts';
import { fitErrorMessage } from './fit-error.ts';
import type { FailedNode, PreparedFilter } from './filtering.ts';
import { selectVictimsOnNode, startTimeOf, type NodeVictims, type PreemptionContext } from './victims.ts';
import type { ClusterView, NodeInfo, PodInfo, Status } from './types.ts';

export { NO_VICTIMS } from './victims.ts';

/** Upstream's post-filter wordings. */
export const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NOT_ELIGIBLE_NEVER = 'not eligible due to preemptionPolicy=Never.';
export const NOT_ELIGIBLE_TERMINATING = 'not eligible due to a terminating pod on the nominated node.';
/** Upstream's defaults for how many candidate nodes the dry run looks for: 10 % of the nodes, at least 100. */
export const MIN_CANDIDATE_NODES_PERCENTAGE = 10;
export const MIN_CANDIDATE_NODES_ABSOLUTE = 100;

/** The condition a victim gets before it is deleted (upstream DisruptionTarget / PreemptionByScheduler). */
export const DISRUPTION_TARGET = 'DisruptionTarget';
export const PREEMPTION_BY_SCHEDULER = 'PreemptionByScheduler';

/** A node where preemption makes room, with its victims. */
export interface Candidate {
  node: string;
  victims: NodeVictims;
}

/** What the post-filter decided: a node to nominate and the pods to evict there, or why not (the "preemption: ..." text). */
export type PreemptionResult =
  | { kind: 'nominated'; node: string; victims: PodInfo[] }
  /** `clear`: preemption cannot help anywhere, so an earlier nomination is dropped (upstream ClearNominatedNodeName). */
  | { kind: 'failed'; message: string; clear?: true };

/** Returns whether a pod is being deleted because the scheduler preempted it. */
export function terminatingByPreemption(p: Pod): boolean {
  if (!p.metadata.deletionTimestamp) return false;
  return (p.status?.conditions ?? []).some((c) => c.type === DISRUPTION_TARGET && c.status === 'True' && c.reason === PREEMPTION_BY_SCHEDULER);
}

/** Returns why the pod may not preempt now, or undefined when it may (upstream PodEligibleToPreemptOthers). */
export function notEligible(pod: PodInfo, view: ClusterView, failed: readonly FailedNode[]): string | undefined {
  if (pod.pod.spec.preemptionPolicy === 'Never') return NOT_ELIGIBLE_NEVER;
  const nominated = pod.pod.status?.nominatedNodeName;
  if (!nominated) return undefined;
  // A nominated node the filters now rule out for good is no reason to wait.
  if (failed.find((f) => f.node.name === nominated)?.status.code === 'UnschedulableAndUnresolvable') return undefined;
  const node = view.get(nominated);
  if (!node) return undefined;
  for (const p of node.pods.values()) if (p.priority < pod.priority && terminatingByPreemption(p.pod)) return NOT_ELIGIBLE_TERMINATING;
  return undefined;
}

/** Returns how many candidates the dry run looks for among n potential nodes. */
export function numCandidates(n: number): number {
  return Math.min(n, Math.max(Math.trunc((n * MIN_CANDIDATE_NODES_PERCENTAGE) / 100), MIN_CANDIDATE_NODES_ABSOLUTE));
}

/** Tries nodes from `offset` until enough candidates are found (non-violating ones counted first, as upstream); statuses say why the others failed. */
export function dryRunPreemption(pod: PodInfo, potential: readonly NodeInfo[], ctx: PreemptionContext, offset: number, wanted: number): { candidates: Candidate[]; statuses: Status[] } {
  const clean: Candidate[] = [];
  const violating: Candidate[] = [];
  const statuses: Status[] = [];
  for (let i = 0; i < potential.length; i++) {
    const node = potential[(offset + i) % potential.length];
    const r = selectVictimsOnNode(pod, node, ctx);
    if ('plugin' in r) {
      statuses.push(r);
      continue;
    }
    if (r.pods.length === 0) {
      statuses.push({ plugin: 'DefaultPreemption', code: 'Unschedulable', reasons: [`expected at least one victim pod on node "${node.name}"`] });
      continue;
    }
    (r.pdbViolations === 0 ? clean : violating).push({ node: node.name, victims: r });
    if (clean.length > 0 && clean.length + violating.length >= wanted) break;
  }
  return { candidates: [...clean, ...violating], statuses };
}

/** Returns the earliest start among a node's highest-priority victims (upstream GetEarliestPodStartTime). */
function earliestStartOfTopVictims(v: NodeVictims, now: number): number {
  let max = -Infinity;
  let earliest = Infinity;
  for (const p of v.pods) {
    const t = startTimeOf(p, now);
    if (p.priority > max) [max, earliest] = [p.priority, t];
    else if (p.priority === max && t < earliest) earliest = t;
  }
  return earliest;
}

/**
 * Picks the node to preempt on (upstream pickOneNodeForPreemption): fewest PDB violations, then
 * the lowest highest-victim priority, the smallest sum of priorities, the fewest victims, the
 * latest start of the top victims; still tied, the first in dry-run order.
 */
export function pickOneNodeForPreemption(candidates: readonly Candidate[], now: number): Candidate | undefined {
  const scores: Array<(c: Candidate) => number> = [
    (c) => -c.victims.pdbViolations,
    (c) => -c.victims.pods[0].priority,
    // Offset by 2^31 as upstream so that negative priorities still add up to a larger sum for more pods.
    (c) => -c.victims.pods.reduce((s, p) => s + p.priority + 2 ** 31, 0),
    (c) => -c.victims.pods.length,
    (c) => earliestStartOfTopVictims(c.victims, now),
  ];
  let left = [...candidates];
  for (const score of scores) {
    if (left.length <= 1) break;
    let best = -Infinity;
    let next: Candidate[] = [];
    for (const c of left) {
      const s = score(c);
      if (s > best) [best, next] = [s, [c]];
      else if (s === best) next.push(c);
    }
    left = next;
  }
  return left[0];
}

/** Runs the post-filter for a pod no node fits: a nomination with victims, or upstream's "preemption: ..." text. */
export function preempt(pod: PodInfo, failed: readonly FailedNode[], numAllNodes: number, ctx: PreemptionContext, rng?: Rng): PreemptionResult {
  const why = notEligible(pod, ctx.view, failed);
  if (why) return { kind: 'failed', message: `preemption: ${why}` };
  // Only nodes rejected as Unschedulable (not ...AndUnresolvable) might be helped by removing pods.
  const potential = failed.filter((f) => f.status.code === 'Unschedulable').map((f) => f.node);
  if (potential.length === 0) return { kind: 'failed', message: `preemption: ${fitErrorMessage(numAllNodes, [], PREEMPTION_NOT_HELPFUL)}`, clear: true };
  const offset = rng && potential.length > 1 ? rng.int(potential.length) : 0;
  const { candidates, statuses } = dryRunPreemption(pod, potential, ctx, offset, numCandidates(potential.length));
  const best = pickOneNodeForPreemption(candidates, ctx.now);
  if (best) return { kind: 'nominated', node: best.node, victims: best.victims.pods };
  return { kind: 'failed', message: `preemption: ${fitErrorMessage(numAllNodes, statuses, PREEMPTION_NOT_HELPFUL)}`, clear: true };
}

/**
 * Returns upstream's post-filter message for a pod no node fits, or undefined when evicting
 * lower-priority pods would make room (upstream then preempts and prints no suffix). For explain.
 */
export function preemptionMessage(pod: PodInfo, view: ClusterView, failed: readonly FailedNode[], numAllNodes: number, prepared: readonly PreparedFilter[], now = 0): string | undefined {
  const r = preempt(pod, failed, numAllNodes, { view, prepared, pdbs: [], now });
  return r.kind === 'failed' ? r.message : undefined;
}
