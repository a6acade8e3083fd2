// One scheduling cycle, pure: prefilter, filter (sampling as percentageOfNodesToScore), score,
// normalize, weigh, pick the best node with seeded tie-breaks (upstream schedule_one.go).
import type { Rng } from '../../bus/random.ts';
import { fitErrorMessage, NO_NODES_AVAILABLE } from './fit-error.ts';
import { findFeasibleNodes, prepareFilters } from './filtering.ts';
import { DEFAULT_SCORES } from './plugins.ts';
import type { Nominator } from './nominator.ts';
import { preempt } from './preemption.ts';
import type { PdbInfo } from './victims.ts';
import { SKIP, type ClusterView, type NodeInfo, type PodInfo, type ScorePlugin } from './types.ts';

/** Upstream minFeasibleNodesToFind and minFeasibleNodesPercentageToFind. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE = 5;

/** Returns how many feasible nodes to look for: all below 100 nodes; else percentage (0 = adaptive 50 − n/125, ≥ 5) of them, at least 100. */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentage;
  if (pct <= 0) pct = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE, 50 - Math.trunc(numAllNodes / 125));
  if (pct >= 100) return numAllNodes;
  const n = Math.trunc((numAllNodes * pct) / 100);
  return Math.max(MIN_FEASIBLE_NODES_TO_FIND, n);
}

/** One score plugin's normalized scores for the feasible nodes (explain shows them). */
export interface PluginScores {
  name: string;
  weight: number;
  /** Normalized, before weighting; undefined when the plugin skipped this pod. */
  scores: number[] | undefined;
}

/**
 * Arrays a scheduler reuses from one cycle to the next (per feasible node: the totals, one plugin's
 * scores): at 1,000 nodes a cycle scores ~400 of them, and fresh arrays cost ~20 KB a pod in garbage.
 */
export interface ScoreBuffers {
  totals: number[];
  scores: number[];
}

/** Returns `buf` when it has `n` entries, else a new array of `n` that `set` keeps for the next call. */
function sized(buf: number[] | undefined, n: number, set: (a: number[]) => void): number[] {
  if (buf?.length === n) return buf;
  const a = new Array<number>(n);
  set(a);
  return a;
}

/**
 * Returns each feasible node's weighted total, and per plugin the normalized scores when `detail`.
 * With `buf` (and no `detail`), the totals are `buf.totals`, overwritten by the next call.
 */
export function prioritize(pod: PodInfo, feasible: readonly NodeInfo[], view: ClusterView, detail = false, plugins: readonly ScorePlugin<any>[] = DEFAULT_SCORES, buf?: ScoreBuffers): { totals: number[]; plugins: PluginScores[] } {
  const reuse = buf && !detail ? buf : undefined;
  const totals = sized(reuse?.totals, feasible.length, (a) => reuse && (reuse.totals = a)).fill(0);
  const out: PluginScores[] = [];
  for (const p of plugins) {
    const state = p.preScore ? p.preScore(pod, feasible, view) : undefined;
    if (state === SKIP) {
      if (detail) out.push({ name: p.name, weight: p.weight, scores: undefined });
      continue;
    }
    const scores = sized(reuse?.scores, feasible.length, (a) => reuse && (reuse.scores = a));
    for (let i = 0; i < feasible.length; i++) scores[i] = p.score(pod, feasible[i], state);
    p.normalize?.(scores, feasible, state);
    for (let i = 0; i < feasible.length; i++) totals[i] += scores[i] * p.weight;
    if (detail) out.push({ name: p.name, weight: p.weight, scores });
  }
  return { totals, plugins: out };
}

/**
 * Returns the index of a highest total, ties broken uniformly at random (upstream selectHost). Upstream
 * draws once per tie (reservoir sampling); on a cluster of like nodes hundreds tie, so this counts
 * them and draws once. Counted from the last tie, so that two ties get upstream's pick for the same draw.
 */
export function selectHost(totals: readonly number[], rng: Rng): number {
  let best = 0;
  let ties = 1;
  for (let i = 1; i < totals.length; i++) {
    if (totals[i] > totals[best]) {
      best = i;
      ties = 1;
    } else if (totals[i] === totals[best]) ties++;
  }
  if (ties === 1) return best;
  const top = totals[best];
  let k = rng.int(ties);
  for (let i = totals.length - 1; ; i--) if (totals[i] === top && k-- === 0) return i;
}

/** What one cycle decided. `rejectedBy` names the plugins that turned nodes down (the queue's hints use it). */
export type CycleResult =
  | { kind: 'scheduled'; node: string; evaluated: number; feasible: number; score?: number }
  | { kind: 'unschedulable'; message: string; rejectedBy: Set<string>; nominate?: Nomination; clearNomination?: true }
  | { kind: 'error'; message: string };

/** Preemption's outcome: the node the pod is nominated to and the pods to evict there. */
export interface Nomination {
  node: string;
  victims: PodInfo[];
}

/** What a cycle reads besides the pod and the cache: nominations, disruption budgets, and now (start times). */
export interface CycleContext {
  nominator?: Nominator;
  /** Called only when a pod may preempt: budgets are compiled then. */
  pdbs?: () => readonly PdbInfo[];
  now?: number;
}

/** Knobs of the algorithm. */
export interface AlgorithmOptions {
  /** 0 = adaptive, as upstream's default. */
  percentageOfNodesToScore: number;
}

/** The scheduling algorithm with its one piece of state: where the next node search starts. */
export class SchedulingAlgorithm {
  nextStartNodeIndex = 0;
  /** Reused by every cycle: its feasible nodes and scores (nothing keeps them past a cycle). */
  private readonly feasible: NodeInfo[] = [];
  private readonly buf: ScoreBuffers = { totals: [], scores: [] };

  constructor(private readonly opts: AlgorithmOptions) {}

  /** Decides a node for the pod against the view (no side effects besides the start index). */
  schedule(pod: PodInfo, view: ClusterView, rng: Rng, cx: CycleContext = {}): CycleResult {
    const nodes = view.nodes();
    // Upstream treats an empty cluster as UnschedulableAndUnresolvable with no plugin to blame: any event retries it.
    if (nodes.length === 0) return { kind: 'unschedulable', message: NO_NODES_AVAILABLE, rejectedBy: new Set() };
    const prepared = prepareFilters(pod, view);
    // A pod nominated by an earlier preemption tries that node first (upstream evaluateNominatedNode).
    const nominated = cx.nominator?.nominatedNode(pod.key) ?? pod.pod.status?.nominatedNodeName;
    const nominatedNode = nominated ? view.get(nominated) : undefined;
    if (nominatedNode && findFeasibleNodes(pod, [nominatedNode], prepared, 0, 1, cx.nominator).feasible.length === 1)
      return { kind: 'scheduled', node: nominatedNode.name, evaluated: 1, feasible: 1 };
    const limit = numFeasibleNodesToFind(this.opts.percentageOfNodesToScore, nodes.length);
    const r = findFeasibleNodes(pod, nodes, prepared, this.nextStartNodeIndex % nodes.length, limit, cx.nominator, this.feasible);
    this.nextStartNodeIndex = (this.nextStartNodeIndex + r.processed) % nodes.length;
    if (r.feasible.length === 0) {
      const post = preempt(pod, r.failed, nodes.length, { view, prepared, pdbs: cx.pdbs?.() ?? [], nominator: cx.nominator, now: cx.now ?? 0 }, rng);
      // Upstream prints no post-filter part when preemption succeeded.
      return {
        kind: 'unschedulable',
        message: fitErrorMessage(nodes.length, r.failed.map((f) => f.status), undefined, post.kind === 'failed' ? post.message : undefined),
        rejectedBy: new Set(r.failed.map((f) => f.status.plugin)),
        ...(post.kind === 'nominated' ? { nominate: { node: post.node, victims: post.victims } } : {}),
        ...(post.kind === 'failed' && post.clear ? { clearNomination: true as const } : {}),
      };
    }
    if (r.feasible.length === 1) return { kind: 'scheduled', node: r.feasible[0].name, evaluated: 1 + r.failed.length, feasible: 1 };
    const { totals } = prioritize(pod, r.feasible, view, false, DEFAULT_SCORES, this.buf);
    const i = selectHost(totals, rng);
    return { kind: 'scheduled', node: r.feasible[i].name, evaluated: r.processed, feasible: r.feasible.length, score: totals[i] };
  }
}
