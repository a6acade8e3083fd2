// Zones and their disruption state, and the per-zone rate limit on NoExecute tainting
// (upstream handleDisruption, ComputeZoneState, ReducedQPSFunc/HealthyQPSFunc).
import type { Node } from '../../../api/kinds/node.ts';
import { readyStatus } from './node-taints.ts';

export type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

export interface EvictionRates {
  /** Nodes tainted NoExecute per second in a healthy zone (upstream evictionLimiterQPS 0.1). */
  evictionQPS: number;
  /** The same in a partially disrupted large zone (secondaryEvictionLimiterQPS 0.01). */
  secondaryEvictionQPS: number;
  /** Zones larger than this keep tainting (slowly) in partial disruption (largeClusterSizeThreshold 50). */
  largeClusterThreshold: number;
  /** Share of unready nodes that makes a zone partially disrupted (unhealthyZoneThreshold 0.55). */
  unhealthyZoneThreshold: number;
}

export const DEFAULT_RATES: EvictionRates = {
  evictionQPS: 0.1,
  secondaryEvictionQPS: 0.01,
  largeClusterThreshold: 50,
  unhealthyZoneThreshold: 0.55,
};

/** Returns a node's zone key, as upstream's GetZoneKey (region and zone labels). */
export function zoneOf(node: Node): string {
  const l = node.metadata.labels ?? {};
  return `${l['topology.kubernetes.io/region'] ?? ''}:\u0000:${l['topology.kubernetes.io/zone'] ?? ''}`;
}

/** Returns a zone's state from its nodes' Ready statuses. */
export function zoneState(nodes: Node[], threshold: number): ZoneState {
  let ready = 0;
  for (const n of nodes) if (readyStatus(n) === 'True') ready++;
  const notReady = nodes.length - ready;
  if (ready === 0 && notReady > 0) return 'FullDisruption';
  if (notReady > 2 && notReady / nodes.length >= threshold) return 'PartialDisruption';
  return 'Normal';
}

interface Bucket {
  qps: number;
  tokens: number;
  at: number;
}

/** Tracks zone states and hands out tainting tokens per zone (a token bucket with burst 1). */
export class Zones {
  private readonly buckets = new Map<string, Bucket>();
  /** True when every zone is fully disrupted: then nothing is tainted (the control plane is probably cut off). */
  allFullyDisrupted = false;

  constructor(private readonly rates: EvictionRates) {}

  /** Recomputes every zone's state and rate from the current nodes. */
  update(nodes: Node[], now: number): Map<string, ZoneState> {
    const byZone = new Map<string, Node[]>();
    for (const n of nodes) {
      const z = zoneOf(n);
      const list = byZone.get(z);
      if (list) list.push(n);
      else byZone.set(z, [n]);
    }
    const states = new Map<string, ZoneState>();
    for (const [z, list] of byZone) {
      const state = zoneState(list, this.rates.unhealthyZoneThreshold);
      states.set(z, state);
      const qps =
        state === 'PartialDisruption'
          ? list.length > this.rates.largeClusterThreshold
            ? this.rates.secondaryEvictionQPS
            : 0
          : this.rates.evictionQPS;
      const b = this.buckets.get(z);
      if (!b) this.buckets.set(z, { qps, tokens: 1, at: now });
      else {
        this.refill(b, now);
        b.qps = qps;
      }
    }
    for (const z of [...this.buckets.keys()]) if (!byZone.has(z)) this.buckets.delete(z);
    this.allFullyDisrupted = states.size > 0 && [...states.values()].every((s) => s === 'FullDisruption');
    return states;
  }

  private refill(b: Bucket, now: number): void {
    b.tokens = Math.min(1, b.tokens + ((now - b.at) / 1000) * b.qps);
    b.at = now;
  }

  /** Takes a token for tainting a node in the zone; returns 0 on success, else ms until the next token (Infinity: stopped). */
  take(zone: string, now: number): number {
    let b = this.buckets.get(zone);
    if (!b) this.buckets.set(zone, (b = { qps: this.rates.evictionQPS, tokens: 1, at: now }));
    this.refill(b, now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return b.qps > 0 ? Math.ceil(((1 - b.tokens) / b.qps) * 1000) : Infinity;
  }
}
