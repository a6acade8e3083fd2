// Pure node-health logic of the node lifecycle controller (upstream tryUpdateNodeHealth): when
// a node last showed life (its Lease renewed, or its Ready heartbeat moved), and which
// conditions go Unknown once it has been silent for longer than the grace period.
import type { Condition } from '../../../api/kinds/common.ts';
import type { Lease } from '../../../api/kinds/lease.ts';
import type { Node } from '../../../api/kinds/node.ts';
import { nodeCondition } from '../../../api/kinds/pod-helpers.ts';
import { parseRfc3339, rfc3339 } from '../../../api/names.ts';

export interface LifecycleTimings {
  /** Silence after which a node's conditions go Unknown (upstream nodeMonitorGracePeriod). */
  gracePeriodMs: number;
  /** The same for a node that never posted status (nodeStartupGracePeriod). */
  startupGracePeriodMs: number;
  /** How often health is re-checked at the least (nodeMonitorPeriod). */
  monitorPeriodMs: number;
}

export const DEFAULT_LIFECYCLE: LifecycleTimings = { gracePeriodMs: 50_000, startupGracePeriodMs: 60_000, monitorPeriodMs: 5_000 };

/** What the controller remembers of a node between checks (upstream nodeHealthData). */
export interface NodeHealth {
  /** Local time the node last showed life. */
  probeAt: number;
  heartbeat?: string;
  leaseRenew?: string;
}

const CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** Returns the node's health after observing it now: life is a new Ready heartbeat or a renewed lease. */
export function observe(prev: NodeHealth | undefined, node: Node, lease: Lease | undefined, now: number): NodeHealth {
  const heartbeat = nodeCondition(node, 'Ready')?.lastHeartbeatTime;
  const leaseRenew = lease?.spec?.renewTime;
  if (!prev) {
    // Never seen: a node without status is judged from its creation (startup grace), others from now.
    const probeAt = heartbeat ? now : parseRfc3339(node.metadata.creationTimestamp ?? rfc3339(now));
    return { probeAt, heartbeat, leaseRenew };
  }
  const renewed = leaseRenew !== undefined && (prev.leaseRenew === undefined || leaseRenew > prev.leaseRenew);
  const beat = heartbeat !== undefined && heartbeat !== prev.heartbeat;
  return { probeAt: renewed || beat ? now : prev.probeAt, heartbeat, leaseRenew };
}

/** observe() that updates `h` itself and returns it (the monitor's renewals: the old health is no one else's). */
export function observeInPlace(h: NodeHealth, node: Node, lease: Lease | undefined, now: number): NodeHealth {
  const heartbeat = nodeCondition(node, 'Ready')?.lastHeartbeatTime;
  const leaseRenew = lease?.spec?.renewTime;
  const renewed = leaseRenew !== undefined && (h.leaseRenew === undefined || leaseRenew > h.leaseRenew);
  if (renewed || (heartbeat !== undefined && heartbeat !== h.heartbeat)) h.probeAt = now;
  h.heartbeat = heartbeat;
  h.leaseRenew = leaseRenew;
  return h;
}

/** Returns when the node's silence runs out: probeAt + the grace period that applies to it. */
export function deadline(h: NodeHealth, node: Node, t: LifecycleTimings): number {
  return h.probeAt + (nodeCondition(node, 'Ready') ? t.gracePeriodMs : t.startupGracePeriodMs);
}

/** Returns the conditions with Ready and the pressure conditions set to Unknown, or undefined if nothing changes. */
export function unknownConditions(node: Node, now: number): Condition[] | undefined {
  const at = rfc3339(now);
  const conditions = [...(node.status?.conditions ?? [])];
  let changed = false;
  for (const type of CONDITIONS) {
    const i = conditions.findIndex((c) => c.type === type);
    if (i < 0) {
      conditions.push({
        type,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata.creationTimestamp,
        lastTransitionTime: at,
      });
      changed = true;
    } else if (conditions[i].status !== 'Unknown') {
      conditions[i] = {
        ...conditions[i],
        status: 'Unknown',
        reason: 'NodeStatusUnknown',
        message: 'Kubelet stopped posting node status.',
        lastTransitionTime: at,
      };
      changed = true;
    }
  }
  return changed ? conditions : undefined;
}
