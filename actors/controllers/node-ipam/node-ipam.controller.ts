// The node IPAM controller (upstream pkg/controller/nodeipam, range allocator): every Node gets
// spec.podCIDR(s), one node CIDR from each cluster CIDR. CIDRs nodes already have are occupied
// (first every cached node's, once synced), a deleted node's are released for reuse, and a node
// that has CIDRs keeps them. When the range is full the node gets a CIDRNotAvailable Event.
import type { Node } from '../../../api/kinds/node.ts';
import { isNotFound } from '../../../api/status.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';
import { EventRecorder } from '../../lib/events.ts';
import { CidrExhaustedError, CidrRangeError, CidrSet } from './cidr-set.ts';

/** The controller's settings (kube-controller-manager's --cluster-cidr, --node-cidr-mask-size, --service-cluster-ip-range). */
export interface NodeIpamInput {
  /** Default 10.244.0.0/16 (one per IP family upstream; IPv4 here). */
  clusterCIDRs?: string[];
  /** Default 24. */
  nodeCIDRMaskSize?: number;
  /** Kept out of node CIDRs when it overlaps a cluster CIDR; default 10.96.0.0/12. */
  serviceCIDR?: string;
}

export const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';

interface IpamState {
  sets: CidrSet[];
  /** The CIDRs this controller holds for each node (occupied or allocated). */
  owned: Map<string, string[]>;
  /** Events from upstream's component name. */
  recorder: EventRecorder;
}

/** Index of nodes by each of their pod CIDRs: an allocation never hands out one a cached node has. */
const BY_POD_CIDR = 'nodeipam:podCIDR';
const podCIDRs = (n: Node): string[] => n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : []);

/** Returns the sets of a controller input (throws on a bad CIDR: the controller is misconfigured). */
export function cidrSets(input: NodeIpamInput = {}): CidrSet[] {
  const sets = (input.clusterCIDRs ?? [DEFAULT_CLUSTER_CIDR]).map((c) => new CidrSet(c, input.nodeCIDRMaskSize ?? 24));
  const svc = input.serviceCIDR ?? '10.96.0.0/12';
  for (const s of sets) if (s.overlaps(svc)) s.occupy(svc);
  return sets;
}

/** Marks a node's CIDRs used (upstream occupyCIDRs); CIDRs outside the cluster CIDRs are logged and left alone. */
function occupy(ctx: ControllerContext<IpamState>, name: string, cidrs: string[]): void {
  const { sets, owned } = ctx.state;
  const held: string[] = [];
  cidrs.forEach((cidr, i) => {
    try {
      if (i >= sets.length) throw new CidrRangeError(`node:${name} has an allocated cidr: ${cidr} at index:${i} that does not exist in cluster cidrs configuration`);
      sets[i].occupy(cidr);
      held.push(cidr);
    } catch (err) {
      ctx.deps.log.debug({ node: name, err: (err as Error).message }, 'node CIDR not occupied');
    }
  });
  const before = owned.get(name) ?? [];
  // A reservation the node never got (our patch lost to someone else's): back to the pool.
  before.forEach((c, i) => !held.includes(c) && sets[i]?.release(c));
  owned.set(name, held);
}

function release(ctx: ControllerContext<IpamState>, name: string): void {
  ctx.state.owned.get(name)?.forEach((c, i) => ctx.state.sets[i]?.release(c));
  ctx.state.owned.delete(name);
}

/** Takes one free CIDR from each set that no cached node has; releases what it took and throws when a set is full. */
function allocate(ctx: ControllerContext<IpamState>): string[] {
  const nodes = ctx.cache<Node>('nodes');
  const got: string[] = [];
  try {
    for (const set of ctx.state.sets) {
      let cidr = set.allocateNext();
      // A node whose own CIDR we have not occupied yet (its event still queued) keeps it.
      while (nodes.byIndex(BY_POD_CIDR, cidr).length > 0) cidr = set.allocateNext();
      got.push(cidr);
    }
    return got;
  } catch (err) {
    got.forEach((c, i) => ctx.state.sets[i].release(c));
    throw err;
  }
}

/** The node IPAM controller's actor definition. */
export const nodeIpamController = defineController<NodeIpamInput | undefined, IpamState>({
  name: 'node-ipam',
  // Upstream runs 30 CIDR update workers; one keeps allocation free of races here.
  workers: 1,
  watches: [
    {
      resource: 'nodes',
      indexers: { [BY_POD_CIDR]: (n) => podCIDRs(n as Node) },
      // A node's heartbeats do not concern us: only a node without CIDRs or whose CIDRs changed.
      updateKeys: (old, n) => {
        const a = podCIDRs(old as Node).join(',');
        const b = podCIDRs(n as Node).join(',');
        return a === b && b !== '' ? [] : [n.metadata.name!];
      },
    },
  ],
  init: (ctx, input) => ({
    sets: cidrSets(input),
    owned: new Map(),
    recorder: new EventRecorder(ctx.deps.client, { component: 'cidrAllocator' }, ctx.deps.clock, ctx.deps.rng.fork('cidr-events'), ctx.deps.log),
  }),
  // Upstream occupies every existing node's CIDRs before allocating any.
  started(ctx) {
    for (const n of ctx.cache<Node>('nodes').list()) if (podCIDRs(n).length) occupy(ctx, n.metadata.name!, podCIDRs(n));
  },
  async reconcile(name, ctx) {
    const node = ctx.cache<Node>('nodes').get(name);
    if (!node) return release(ctx, name);
    const have = podCIDRs(node);
    if (have.length) return occupy(ctx, name, have);
    let cidrs: string[];
    try {
      cidrs = allocate(ctx);
    } catch (err) {
      if (!(err instanceof CidrExhaustedError)) throw err;
      ctx.state.recorder.record(node, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
      throw new Error(`failed to allocate cidr from cluster cidr: ${err.message}`);
    }
    try {
      const patch = { metadata: { uid: node.metadata.uid }, spec: { podCIDR: cidrs[0], podCIDRs: cidrs } };
      await ctx.deps.client.patch('nodes', name, patch, { type: 'strategic' });
      ctx.deps.log.info({ node: name, cidrs }, 'Set Node PodCIDR');
      ctx.state.owned.set(name, cidrs);
    } catch (err) {
      cidrs.forEach((c, i) => ctx.state.sets[i].release(c));
      if (isNotFound(err)) return; // the node is gone: nothing to give
      ctx.state.recorder.record(node, 'Normal', 'CIDRAssignmentFailed', `Node ${name} status is now: CIDRAssignmentFailed`);
      throw err;
    }
  },
});
