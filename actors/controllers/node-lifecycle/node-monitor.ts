// What the node lifecycle controller's monitor pass looks at. Upstream's monitorNodeHealth walks
// every node each period; at 5,000 idle nodes that is 1,000 nodes/s of work for nothing. Here life
// (a renewed Lease, a new Ready heartbeat) is noted as it arrives, and the pass looks only at the
// nodes whose silence may have run out (a heap keyed by deadline) and at the nodes that are not
// idle (not Ready, tainted, cordoned). An idle node costs one heap entry per grace period.
import type { Lease } from '../../../api/kinds/lease.ts';
import type { Node } from '../../../api/kinds/node.ts';
import { deadline, observe, observeInPlace, type LifecycleTimings, type NodeHealth } from './node-health.ts';
import { readyStatus } from './node-taints.ts';
import { zoneOf } from './zones.ts';

/** A min-heap of (time, name); entries made stale by a later push are skipped by the caller. */
class DeadlineHeap {
  private readonly at: number[] = [];
  private readonly names: string[] = [];

  get size(): number {
    return this.at.length;
  }

  /** Returns the earliest time, or Infinity when empty. */
  peek(): number {
    return this.at.length ? this.at[0] : Infinity;
  }

  push(at: number, name: string): void {
    let i = this.at.length;
    this.at.push(at);
    this.names.push(name);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.at[p] <= at) break;
      this.move(p, i);
      i = p;
    }
    this.at[i] = at;
    this.names[i] = name;
  }

  pop(): { at: number; name: string } {
    const top = { at: this.at[0], name: this.names[0] };
    const at = this.at.pop()!;
    const name = this.names.pop()!;
    const n = this.at.length;
    if (n) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && this.at[c + 1] < this.at[c]) c++;
        if (this.at[c] >= at) break;
        this.move(c, i);
        i = c;
      }
      this.at[i] = at;
      this.names[i] = name;
    }
    return top;
  }

  private move(from: number, to: number): void {
    this.at[to] = this.at[from];
    this.names[to] = this.names[from];
  }
}

/** Returns true when nothing about a node needs a look unless its silence runs out: Ready, untainted, schedulable. */
export const idle = (node: Node) => readyStatus(node) === 'True' && !node.spec?.taints?.length && !node.spec?.unschedulable;

/** The controller's per-node memory (upstream nodeHealthMap) and what the next monitor pass must look at. */
export class NodeMonitor {
  private readonly health = new Map<string, NodeHealth>();
  private readonly heap = new DeadlineHeap();
  /** The heap entry that counts for each node (others are stale). */
  private readonly scheduled = new Map<string, number>();
  /** Nodes that are not idle: looked at every pass. */
  private readonly busy = new Set<string>();
  /** Zone and Ready status per node: a change means the zones' states must be computed again. */
  private readonly zoneReady = new Map<string, string>();
  /** True when a node came, went, changed zone or Ready status since the zones were last computed. */
  zonesDirty = true;

  constructor(private readonly t: LifecycleTimings) {}

  /**
   * Notes what a node and its Lease show at `now` (call on every change of either); returns its
   * health. `renewal`: only the Lease changed (500/s at 5,000 nodes), so readiness and zone did not.
   */
  note(node: Node, lease: Lease | undefined, now: number, renewal = false): NodeHealth {
    const name = node.metadata.name!;
    const prev = this.health.get(name);
    // A renewal of a node already known (500/s at 5,000 nodes) changes its health in place: no allocation.
    const h = renewal && prev ? observeInPlace(prev, node, lease, now) : observe(prev, node, lease, now);
    if (h !== prev) this.health.set(name, h);
    // A node already past its deadline is looked at again each period, as upstream's pass would.
    const d = deadline(h, node, this.t);
    const at = d > now ? d : now + this.t.monitorPeriodMs;
    const s = this.scheduled.get(name);
    if (s === undefined || at < s) {
      this.scheduled.set(name, at);
      this.heap.push(at, name);
    }
    if (renewal) return h;
    if (!idle(node)) this.busy.add(name);
    const zr = `${zoneOf(node)}\u0000${readyStatus(node)}`;
    if (this.zoneReady.get(name) !== zr) {
      this.zoneReady.set(name, zr);
      this.zonesDirty = true;
    }
    return h;
  }

  /** Forgets a node that is gone. */
  forget(name: string): void {
    this.health.delete(name);
    this.scheduled.delete(name);
    this.busy.delete(name);
    if (this.zoneReady.delete(name)) this.zonesDirty = true;
  }

  /**
   * Visits, at `now`, each node whose deadline may have passed and each busy node, once, with its
   * health noted afresh; `find` returns a node and its Lease from the caches (undefined: gone).
   */
  pass(now: number, find: (name: string) => { node: Node; lease?: Lease } | undefined, visit: (node: Node, h: NodeHealth) => void): void {
    const seen = new Set<string>();
    const look = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      const found = find(name);
      if (!found) return this.forget(name);
      if (idle(found.node)) this.busy.delete(name);
      visit(found.node, this.note(found.node, found.lease, now));
    };
    while (this.heap.peek() <= now) {
      const { at, name } = this.heap.pop();
      if (this.scheduled.get(name) !== at) continue; // a later push replaced it
      this.scheduled.delete(name);
      look(name);
    }
    for (const name of [...this.busy]) look(name);
  }

  /** Node names in the heap and busy set (tests: what a pass costs). */
  get sizes(): { heap: number; busy: number; nodes: number } {
    return { heap: this.heap.size, busy: this.busy.size, nodes: this.health.size };
  }
}
