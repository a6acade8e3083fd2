// The metrics server's storage (upstream metrics-server pkg/storage): each scrape's batch replaces
// the last, keeping for every node and container the point before it, so CPU is a rate over the
// window between two scrapes. Pure: no clock, no bus.
import { cpuRate, sampleTimes, usageOf, type MetricPoint, type NodeStats, type Usage } from '../../api/metrics.ts';

interface Series {
  prev?: MetricPoint;
  last: MetricPoint;
  /** When the node was scraped before `last` (a container started after it is measured from its start). */
  since?: number;
}

interface PodEntry {
  uid: string;
  containers: Map<string, Series>;
}

/** A usage with when it was measured and over which window. */
export interface Measured<T> {
  timestamp: string;
  window: string;
  value: T;
}

export class MetricsStore {
  private nodes = new Map<string, Series>();
  private pods = new Map<string, PodEntry>();

  /** Takes a scrape's batch; nodes and pods missing from it are forgotten, as upstream's store does. */
  store(batch: readonly NodeStats[]): void {
    const nodes = new Map<string, Series>();
    const pods = new Map<string, PodEntry>();
    // Indexed loops: a batch (every node's pods and containers) every 15 s, iterated without iterator objects.
    for (let i = 0; i < batch.length; i++) {
      const s = batch[i];
      const before = this.nodes.get(s.node);
      const since = before?.last.at;
      nodes.set(s.node, { prev: before?.last, last: { at: s.at, startedAt: 0, cpuNs: s.cpuNs, memoryBytes: s.memoryBytes }, since });
      for (let j = 0; j < s.pods.length; j++) {
        const p = s.pods[j];
        const key = `${p.namespace}/${p.name}`;
        const old = this.pods.get(key);
        const same = old?.uid === p.uid ? old : undefined;
        const containers = new Map<string, Series>();
        for (let k = 0; k < p.containers.length; k++) {
          const c = p.containers[k];
          containers.set(c.name, { prev: same?.containers.get(c.name)?.last, last: { at: s.at, startedAt: c.startedAt, cpuNs: c.cpuNs, memoryBytes: c.memoryBytes }, since });
        }
        pods.set(key, { uid: p.uid, containers });
      }
    }
    this.nodes = nodes;
    this.pods = pods;
  }

  /** Returns a node's usage, or undefined when it has no two points yet. */
  node(name: string): Measured<Usage> | undefined {
    const s = this.nodes.get(name);
    const r = s && cpuRate(s.prev, s.last, s.since);
    if (!s || !r) return undefined;
    return { ...sampleTimes(s.last.at, r.windowMs), value: usageOf(r.nanoCores, s.last.memoryBytes) };
  }

  /** Returns a pod's containers' usage, or undefined unless every container has a rate (metrics-server drops partial pods). */
  pod(namespace: string, name: string): Measured<Array<{ name: string; usage: Usage }>> | undefined {
    const p = this.pods.get(`${namespace}/${name}`);
    if (!p || p.containers.size === 0) return undefined;
    const out: Array<{ name: string; usage: Usage }> = [];
    let at = 0;
    let windowMs = 0;
    for (const [c, s] of p.containers) {
      const r = cpuRate(s.prev, s.last, s.since);
      if (!r) return undefined;
      out.push({ name: c, usage: usageOf(r.nanoCores, s.last.memoryBytes) });
      at = Math.max(at, s.last.at);
      windowMs = Math.max(windowMs, r.windowMs);
    }
    return { ...sampleTimes(at, windowMs), value: out };
  }
}
