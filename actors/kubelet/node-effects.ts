// The kubelet's API writes about its node: registration, Lease renewal, Node status. Each runs
// as the root of a new trace (they are periodic, not caused by a message).
import type { Lease } from '../../api/kinds/lease.ts';
import type { Node, NodeStatus } from '../../api/kinds/node.ts';
import { isConflict, isGoneOrChanged, isNotFound } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import type { Clock } from '../../bus/clock.ts';
import type { Rng } from '../../bus/random.ts';
import { runAsRoot } from '../../bus/trace.ts';
import type { Logger } from '../../bus/types.ts';
import type { EventRecorder } from '../lib/events.ts';
import type { KubeletConfig } from './kubelet.config.ts';
import { NODE_LEASE_NAMESPACE, nodeLease, renewedLease } from './lease.ts';
import {
  changedConditions,
  conditionEventReason,
  initialNode,
  nodeStatus,
  reconcileExistingNode,
  type NodeConditionState,
  type NodeIdentity,
} from './node-status.ts';

/** What the node effects use: the actor's id (trace roots), API client, clock, rng, log, Events. */
export interface NodeEffectsDeps {
  id: string;
  client: ApiClient;
  clock: Clock;
  rng: Rng;
  /** The kubelet's logger, already bound to `node`: lines here must not add it again. */
  log: Logger;
  events?: EventRecorder;
}


/** Registers the node, renews its lease and writes its status. */
export class NodeEffects {
  /** Lease writes that succeeded and failed (tests, benchmarks). */
  readonly stats = { renewals: 0, renewFailures: 0, statusWrites: 0 };

  constructor(
    private readonly d: NodeEffectsDeps,
    private readonly cfg: KubeletConfig,
    private readonly identity: NodeIdentity,
  ) {}

  private root<T>(fn: () => Promise<T>): Promise<T> {
    return runAsRoot(this.d.id, fn);
  }

  private recordConditions(node: Node, conditions: NodeConditionState[], prev: NodeStatus['conditions']): void {
    for (const c of changedConditions(conditions, prev)) {
      const reason = conditionEventReason(c);
      this.d.events?.record(node, 'Normal', reason, `Node ${this.cfg.nodeName} status is now: ${reason}`);
    }
  }

  /** Creates the Node, or brings an existing one up to date; returns its uid. Throws to be retried. */
  register(conditions: NodeConditionState[]): Promise<{ uid: string; status?: NodeStatus }> {
    return this.root(async () => {
      const { client, clock, log } = this.d;
      const status = nodeStatus(this.cfg, this.identity, conditions, undefined, clock.now());
      try {
        const node = await client.create<Node>('nodes', initialNode(this.cfg, status));
        this.d.events?.record(node, 'Normal', 'Starting', 'Starting kubelet.');
        this.recordConditions(node, conditions, undefined);
        log.info('node registered');
        return { uid: node.metadata.uid!, status: node.status };
      } catch (err) {
        if (!isConflict(err)) {
          log.warn({ err: (err as Error).message }, 'node registration failed; will retry');
          throw err;
        }
      }
      const existing = await client.get<Node>('nodes', this.cfg.nodeName);
      const updated = reconcileExistingNode(this.cfg, existing);
      if (updated) await client.update('nodes', updated);
      this.d.events?.record(existing, 'Normal', 'Starting', 'Starting kubelet.');
      const written = await this.writeStatusNow(conditions, undefined);
      log.info('node already registered; updated');
      return { uid: existing.metadata.uid!, status: written };
    });
  }

  /** Renews the lease (optimistically from the last one; on conflict or absence reads or creates it). Throws to be retried. */
  renewLease(latest: Lease | undefined, nodeUid: string | undefined): Promise<{ lease: Lease; nextRenewMs: number }> {
    return this.root(async () => {
      const { client, clock, rng } = this.d;
      const { nodeName, leaseDurationSeconds: dur } = this.cfg;
      const next = (lease: Lease) => {
        this.stats.renewals++;
        return { lease, nextRenewMs: this.cfg.renewIntervalMs * (1 + this.cfg.renewJitter * rng.float()) };
      };
      try {
        if (latest) {
          try {
            return next(await client.update<Lease>('leases', renewedLease(latest, nodeName, nodeUid, dur, clock.now())));
          } catch (err) {
            if (!isGoneOrChanged(err)) throw err;
          }
        }
        let cur: Lease;
        try {
          cur = await client.get<Lease>('leases', nodeName, { namespace: NODE_LEASE_NAMESPACE });
        } catch (err) {
          if (!isNotFound(err)) throw err;
          return next(await client.create<Lease>('leases', nodeLease(nodeName, nodeUid, dur, clock.now())));
        }
        return next(await client.update<Lease>('leases', renewedLease(cur, nodeName, nodeUid, dur, clock.now())));
      } catch (err) {
        this.stats.renewFailures++;
        this.d.log.warn({ err: (err as Error).message }, 'failed to renew lease; will retry');
        throw err;
      }
    });
  }

  /**
   * Writes the node's status (heartbeat times now; transition times kept from the server's copy).
   * The server's copy is `cached` (the kubelet's watch of its own Node) when that copy has every
   * condition at the status being written, as upstream's kubelet reads it from its informer since 1.30
   * (kubernetes#123977): no GET for the periodic report. Else (a change, someone else's write, no copy
   * yet) a GET, so transition times and events start from the server's latest. A cached copy that is
   * stale (written since by someone else) is found by the patch's resourceVersion: 409, then a GET.
   */
  writeStatus(conditions: NodeConditionState[], cached?: () => Node | undefined): Promise<NodeStatus | undefined> {
    return this.root(() => this.writeStatusNow(conditions, cached?.()));
  }

  private async writeStatusNow(conditions: NodeConditionState[], cached: Node | undefined): Promise<NodeStatus | undefined> {
    const { client, clock, log } = this.d;
    // The Node is gone (deleted, or the API server lost its data): register it again.
    const again = async () => {
      log.warn('node object missing; registering again');
      return (await this.register(conditions)).status;
    };
    try {
      let cur: Node;
      if (cached && sameStatuses(cached, conditions)) cur = cached;
      else {
        try {
          cur = await client.get<Node>('nodes', this.cfg.nodeName);
        } catch (err) {
          if (!isNotFound(err)) throw err;
          return await again();
        }
      }
      const prev = cur.status?.conditions;
      const status = nodeStatus(this.cfg, this.identity, conditions, prev, clock.now());
      let node: Node;
      const fromCache = cur === cached;
      try {
        // A patch from the cached copy carries its resourceVersion: a copy someone wrote past (the node
        // lifecycle controller's Unknown while this kubelet was cut off) gets a 409, and the write
        // starts again from the server's copy, so transition times and events see that change.
        const body = fromCache ? { metadata: { resourceVersion: cur.metadata.resourceVersion }, status } : { status };
        node = await client.patch<Node>('nodes', this.cfg.nodeName, body, { status: true });
      } catch (err) {
        if (fromCache && isConflict(err)) return await this.writeStatusNow(conditions, undefined);
        // A cached Node may be one deleted since: the patch finds nothing.
        if (!isNotFound(err)) throw err;
        return await again();
      }
      this.stats.statusWrites++;
      this.recordConditions(node, conditions, prev);
      return node.status;
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'failed to update node status; will retry');
      throw err;
    }
  }
}

/** Whether `node` has each of `conditions` at its status, written by the kubelet. */
function sameStatuses(node: Node, conditions: NodeConditionState[]): boolean {
  const have = node.status?.conditions;
  return conditions.every((c) => {
    const o = have?.find((x) => x.type === c.type);
    return o !== undefined && o.status === c.status && o.reason === c.reason;
  });
}
