// The node lifecycle controller: marks silent nodes Unknown after the grace period, taints nodes
// by condition (NoSchedule at once; NoExecute rate-limited per zone), marks the pods of a node
// that stopped being Ready not ready, and removes the taints when the node comes back.
import type { Lease } from '../../../api/kinds/lease.ts';
import type { Node } from '../../../api/kinds/node.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import { rfc3339 } from '../../../api/names.ts';
import { NODE_NAME_INDEX, nodeNameIndexers } from '../../../bus/indexers.ts';
import { runAsRoot } from '../../../bus/trace.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';
import { withDefaults } from '../../lib/options.ts';
import { DEFAULT_LIFECYCLE, deadline, unknownConditions, type LifecycleTimings, type NodeHealth } from './node-health.ts';
import { NodeMonitor } from './node-monitor.ts';
import { conditionTaints, currentNoExecute, mergeTaints, noExecuteKey, readyStatus, sameTaints } from './node-taints.ts';
import { DEFAULT_RATES, Zones, zoneOf, type EvictionRates } from './zones.ts';

export type NodeLifecycleOptions = Partial<LifecycleTimings & EvictionRates> & {
  /** Nodes reconciled at once (upstream nodeUpdateWorkerSize, 8). */
  workers?: number;
};
export type NodeLifecycleInput = NodeLifecycleOptions | void;

const LEASE_NS = 'kube-node-lease';
const DEFAULT_WORKERS = 8;

/**
 * What the controller keeps in memory, as upstream's nodeHealthMap (rebuilt after a restart).
 * Safe with several workers: a node's health is only touched by its own reconcile and by the
 * monitor pass (synchronous); the zones' token buckets are taken synchronously.
 */
interface Memory {
  monitor: NodeMonitor;
  zones: Zones;
  timings: LifecycleTimings;
}

type Ctx = ControllerContext<Memory>;

/** Sets the pods of a node that stopped being Ready to Ready=False (upstream MarkPodsNotReady). */
async function markPodsNotReady(ctx: Ctx, nodeName: string, now: number): Promise<void> {
  for (const pod of ctx.cache<Pod>('pods').byIndex(NODE_NAME_INDEX, nodeName)) {
    if (pod.metadata.deletionTimestamp) continue;
    const conditions = pod.status?.conditions ?? [];
    if (!conditions.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
    const next = conditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: rfc3339(now) } : c));
    await ctx.deps.client.updateStatus('pods', { ...pod, status: { ...pod.status, conditions: next } }).catch((err: Error) =>
      ctx.deps.log.warn({ pod: pod.metadata.name, err: err.message }, 'could not mark pod not ready'),
    );
    ctx.events.record(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
  }
}

// Leases of every namespace, as upstream's shared lease informer: the garbage collector watches them
// all too, and one shared watch carries each renewal to the controller manager once, not twice.
const leaseOf = (ctx: Ctx, name: string) => ctx.cache<Lease>('leases').get(`${LEASE_NS}/${name}`);

/** Notes a node's life and Ready status as its changes arrive (deleted: forgets it); returns its key. */
function noteNode(node: Node, ctx: Ctx): string[] {
  const name = node.metadata.name!;
  const cached = ctx.cache<Node>('nodes').get(name);
  if (cached) ctx.state.monitor.note(cached, leaseOf(ctx, name), ctx.deps.clock.now());
  else ctx.state.monitor.forget(name);
  return [name];
}

const NONE: string[] = [];

/** Notes a Lease that came or went (the monitor pass then needs no look at the node); reconciles nothing. */
function noteLease(lease: Lease, ctx: Ctx): string[] {
  if (lease.metadata.namespace !== LEASE_NS) return NONE;
  const node = ctx.cache<Node>('nodes').get(lease.metadata.name!);
  const cached = leaseOf(ctx, lease.metadata.name!);
  if (node && cached) ctx.state.monitor.note(node, cached, ctx.deps.clock.now(), true);
  return NONE;
}

/** Notes a renewal (an update: the Lease is the cache's latest, no lookup of it by a built key); reconciles nothing. */
function noteRenewal(lease: Lease, ctx: Ctx): string[] {
  if (lease.metadata.namespace !== LEASE_NS) return NONE;
  const node = ctx.cache<Node>('nodes').get(lease.metadata.name!);
  if (node) ctx.state.monitor.note(node, lease, ctx.deps.clock.now(), true);
  return NONE;
}

/** Returns true when a node's health or taints call for a reconcile (cheap: most nodes are Ready and untainted). */
function needsAction(node: Node, health: NodeHealth, now: number, t: LifecycleTimings): boolean {
  const ready = readyStatus(node);
  if (now > deadline(health, node, t) && ready !== 'Unknown') return true;
  if (ready === 'True' && !node.spec?.taints?.length && !node.spec?.unschedulable) return false;
  return !sameTaints(mergeTaints(node.spec?.taints, conditionTaints(node), noExecuteKey(ready) ?? undefined, now), node.spec?.taints);
}

/** The node lifecycle controller's actor definition (input: timings, eviction rates, workers). */
export const nodeLifecycleController = defineController<NodeLifecycleInput, Memory>({
  name: 'node-lifecycle',
  workers: (input) => (input && input.workers) || DEFAULT_WORKERS,
  // Lease renewals (500/s at 5,000 nodes) are only noted (node-monitor.ts); the monitor pass below
  // runs every monitor period, as upstream's monitorNodeHealth does, and queues the nodes that
  // need something done, looking only at nodes whose deadline passed or that are not idle. A
  // reconcile per renewal cost ~3x the whole heartbeat budget. Pods are only read (by node, when
  // one stops being Ready).
  watches: [
    { resource: 'nodes', keys: noteNode, updateKeys: (_old, node, ctx) => noteNode(node as Node, ctx) },
    { resource: 'leases', keys: (l, ctx) => noteLease(l as Lease, ctx), updateKeys: (_old, l, ctx) => noteRenewal(l as Lease, ctx) },
    { resource: 'pods', indexers: nodeNameIndexers, keys: () => [] },
  ],
  init: (_ctx, input) => {
    const timings = withDefaults(DEFAULT_LIFECYCLE, input);
    return { monitor: new NodeMonitor(timings), zones: new Zones(withDefaults(DEFAULT_RATES, input)), timings };
  },
  started(ctx) {
    const mem = ctx.state;
    const t = mem.timings;
    const tick = () =>
      runAsRoot(ctx.deps.id, () => {
        const now = ctx.deps.clock.now();
        const nodes = ctx.cache<Node>('nodes');
        // Zone states change only when a node comes, goes or changes Ready status (or zone).
        if (mem.monitor.zonesDirty) {
          mem.monitor.zonesDirty = false;
          const was = mem.zones.allFullyDisrupted;
          mem.zones.update(nodes.list(), now);
          if (was !== mem.zones.allFullyDisrupted) {
            ctx.deps.log.warn({ allFullyDisrupted: mem.zones.allFullyDisrupted }, 'cluster disruption mode changed');
            for (const node of nodes.list()) ctx.queue.add(node.metadata.name!);
          }
        }
        const find = (name: string) => {
          const node = nodes.get(name);
          return node && { node, lease: leaseOf(ctx, name) };
        };
        mem.monitor.pass(now, find, (node, health) => {
          if (needsAction(node, health, now, t)) ctx.queue.add(node.metadata.name!);
        });
        timer = ctx.deps.clock.setTimeout(tick, t.monitorPeriodMs);
      });
    let timer = ctx.deps.clock.setTimeout(tick, 0);
    ctx.deps.onStop(() => ctx.deps.clock.clearTimeout(timer));
  },
  async reconcile(name, ctx) {
    const mem = ctx.state;
    const t = mem.timings;
    const now = ctx.deps.clock.now();
    let node = ctx.cache<Node>('nodes').get(name);
    if (!node) {
      mem.monitor.forget(name);
      return;
    }
    const health = mem.monitor.note(node, leaseOf(ctx, name), now);
    const before = readyStatus(node);

    if (now > deadline(health, node, t)) {
      const conditions = unknownConditions(node, now);
      if (conditions) {
        node = await ctx.deps.client.updateStatus<Node>('nodes', { ...node, status: { ...node.status, conditions } });
        ctx.events.record(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      }
    }
    const ready = readyStatus(node);
    if (before === 'True' && ready !== 'True') await markPodsNotReady(ctx, name, now);

    // NoExecute: swap at once between not-ready and unreachable; a new one waits for the zone's token.
    let noExecute = mem.zones.allFullyDisrupted ? undefined : noExecuteKey(ready);
    let waitMs = 0;
    const has = currentNoExecute(node);
    if (noExecute && !has) {
      waitMs = mem.zones.take(zoneOf(node), now);
      if (waitMs > 0) noExecute = undefined;
    }
    const taints = mergeTaints(node.spec?.taints, conditionTaints(node), noExecute, now);
    if (!sameTaints(taints, node.spec?.taints)) {
      node = await ctx.deps.client.update<Node>('nodes', { ...node, spec: { ...node.spec, taints } });
      if (noExecute && !has) ctx.events.record(node, 'Normal', 'TaintManagerEviction', `Node ${name} tainted ${noExecute}:NoExecute`);
    }

    // A NoExecute taint waiting for its zone's token is retried when the token is due.
    if (waitMs > 0 && Number.isFinite(waitMs)) return { requeueAfterMs: waitMs };
  },
});
