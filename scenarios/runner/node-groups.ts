// Real mode's node processes: one `kubus node` per node up to PROCESS_PER_NODE_MAX nodes (each behind
// a relay of its own, so one node can be cut, stopped or faulted); beyond, the nodes run as
// `kubus node --count K` processes of up to NODES_PER_PROCESS nodes each, as the scale-nats bench runs
// them: a thousand node processes would not fit a machine, a few of a thousand kubelets each do.
import type { FaultRule } from '../faults.ts';
import { UnknownTargetError, type ResolvedNode } from './driver.ts';

/** Real mode runs one process per node up to this many nodes at the start of a run. */
export const PROCESS_PER_NODE_MAX = 100;
/** Beyond PROCESS_PER_NODE_MAX: nodes in one `kubus node --count` process, at most. */
export const NODES_PER_PROCESS = 500;

/** Consecutive nodes of one spec, run by one `kubus node --name PREFIX --count K --name-from N` process. */
export interface NodeGroup {
  /** The process's name: its first and last node (`node-0…node-499`). */
  name: string;
  prefix: string;
  /** The number in the first node's name. */
  from: number;
  /** Every node, in order; the first's `index` is the group's first index (CIDRs and addresses). */
  nodes: ResolvedNode[];
}

const numbered = (name: string): [string, number] | undefined => {
  const m = /^(.*)-(0|[1-9]\d*)$/.exec(name);
  return m ? [m[1]!, Number(m[2])] : undefined;
};
const specOf = (n: ResolvedNode) => JSON.stringify([n.capacity, n.labels, n.taints]);

/**
 * Returns `nodes` as groups of at most `perProcess` that one `kubus node --count` process can run:
 * same prefix, consecutive numbers and fleet indexes, same capacity, labels and taints. A node
 * whose name ends in no number is a group of one.
 */
export function groupNodes(nodes: ResolvedNode[], perProcess = NODES_PER_PROCESS): NodeGroup[] {
  const groups: NodeGroup[] = [];
  let cur: NodeGroup | undefined;
  for (const n of nodes) {
    const num = numbered(n.name);
    const last = cur?.nodes.at(-1);
    const fits =
      cur && last && num && num[0] === cur.prefix && num[1] === cur.from + cur.nodes.length && n.index === last.index + 1 && specOf(n) === specOf(last) && cur.nodes.length < perProcess;
    if (fits) cur!.nodes.push(n);
    else {
      cur = { name: '', prefix: num?.[0] ?? n.name, from: num?.[1] ?? -1, nodes: [n] };
      groups.push(cur);
    }
  }
  for (const g of groups) g.name = g.nodes.length === 1 ? g.nodes[0]!.name : `${g.nodes[0]!.name}…${g.nodes.at(-1)!.name}`;
  return groups;
}

/** Returns a group's `kubus node` naming flags: `--name N` for one node, else `--name PREFIX --count K --name-from N`. */
export function groupNameArgs(g: NodeGroup): string[] {
  if (g.nodes.length === 1) return ['--name', g.nodes[0]!.name];
  return ['--name', g.prefix, '--count', String(g.nodes.length), '--name-from', String(g.from)];
}

/**
 * Returns the processes real mode starts `nodes` in: `perProcess` nodes at most in each (--nodes-per-process);
 * by default one per node up to PROCESS_PER_NODE_MAX nodes, NODES_PER_PROCESS beyond.
 */
export function processGroups(nodes: ResolvedNode[], perProcess?: number): NodeGroup[] {
  const per = perProcess ?? (nodes.length > PROCESS_PER_NODE_MAX ? NODES_PER_PROCESS : 1);
  return per > 1 ? groupNodes(nodes, per) : nodes.map(soloGroup);
}

/** Returns the group of one node (its own process). */
export const soloGroup = (n: ResolvedNode): NodeGroup => ({ name: n.name, prefix: n.name, from: -1, nodes: [n] });

/** Why a node of a shared process can't be acted on alone (errors say it). */
export const SHARED_WHY = 'beyond 100 nodes, or with --nodes-per-process, nodes share `kubus node --count` processes';

/**
 * Throws for a message fault that would miss nodes of shared processes unnoticed: faults act in the
 * relays, and a shared process has none. `shared`: the nodes that run in one.
 */
export function refuseSharedFault(r: FaultRule, shared: ReadonlyMap<string, unknown>): void {
  if (!shared.size) return;
  const named = [r.from, r.to].find((t) => t && shared.has(t));
  if (named) throw new UnknownTargetError(`node ${named} runs in a shared process (${SHARED_WHY}): its messages can't be dropped or delayed`);
  if (!r.from && !r.to) throw new UnknownTargetError(`a message fault without from/to can't reach the nodes of shared processes (${SHARED_WHY}): name a sender or receiver that runs alone, or run with --nodes-per-process 1`);
}
