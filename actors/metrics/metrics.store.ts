// The metrics server's storage (upstream metrics-server pkg/storage): each scrape's batch replaces
// the last, keeping for every node and container the point before it, so CPU is a rate over the
// window between two scrapes. Pure: no clock, no bus.
import { cpuRate, sampleTimes, usageOf, type MetricPoint, type NodeStats, type Usage } from '../../api/metrics.ts';

interface Series {
  prev?: MetricPoint;
  last: MetricPoint;
  /** When the node was scraped before `last` (a container started after it is measured from its start). */
  since?: number;
  /** The batch that last wrote it (a node's series; a container's when it was changed in place). */
  gen: number;
}

interface PodEntry {
  uid: string;
  /** Its containers' names and series, in the order of the batch that made them. */
  names: string[];
  series: Series[];
  /** The batch that last wrote it, and what it held before that batch (for a pod a batch holds twice). */
  gen: number;
  oldUid: string | undefined;
  oldNames: string[] | undefined;
  oldSeries: Series[] | undefined;
}

/** The point a series held before batch `gen` (it moved to `prev` if the batch changed it in place). */
const lastBefore = (s: Series, gen: number) => (s.gen === gen ? s.prev : s.last);

/** A usage with when it was measured and over which window. */
export interface Measured<T> {
  timestamp: string;
  window: string;
  value: T;
}

/** True when a batch's containers are `names`, in the same order. */
function sameNames(names: readonly string[], containers: NodeStats['pods'][number]['containers']): boolean {
  if (names.length !== containers.length) return false;
  for (let k = 0; k < names.length; k++) if (names[k] !== containers[k].name) return false;
  return true;
}

export class MetricsStore {
  private gen = 0;
  private nodes = new Map<string, Series>();
  /** By namespace, then name: no key string per pod and scrape. */
  private pods = new Map<string, Map<string, PodEntry>>();

  /**
   * Takes a scrape's batch; nodes and pods missing from it are forgotten, as upstream's store does.
   * As if each batch built new maps from the last (what each point's predecessor is), but a pod whose
   * uid and containers are those of the last batch has its series moved on in place: a batch every
   * 15 s of every pod otherwise makes objects that live until the next one (old space for the GC).
   */
  store(batch: readonly NodeStats[]): void {
    const gen = ++this.gen;
    for (let i = 0; i < batch.length; i++) {
      const s = batch[i];
      const point = { at: s.at, startedAt: 0, cpuNs: s.cpuNs, memoryBytes: s.memoryBytes };
      let n = this.nodes.get(s.node);
      if (!n) this.nodes.set(s.node, (n = { prev: undefined, last: point, since: undefined, gen }));
      else if (n.gen !== gen) {
        n.since = n.last.at;
        n.prev = n.last;
        n.last = point;
        n.gen = gen;
      } else n.last = point; // twice in one batch: the later wins, after the same point as the first
      for (let j = 0; j < s.pods.length; j++) this.storePod(s.pods[j], s.at, n.since, gen);
    }
    for (const [name, n] of this.nodes) if (n.gen !== gen) this.nodes.delete(name);
    for (const [ns, byName] of this.pods) {
      for (const [name, e] of byName) {
        if (e.gen !== gen) byName.delete(name);
        else e.oldNames = e.oldSeries = undefined;
      }
      if (byName.size === 0) this.pods.delete(ns);
    }
  }

  private storePod(p: NodeStats['pods'][number], at: number, since: number | undefined, gen: number): void {
    let byName = this.pods.get(p.namespace);
    if (!byName) this.pods.set(p.namespace, (byName = new Map()));
    let e = byName.get(p.name);
    if (!e) {
      e = { uid: p.uid, names: [], series: [], gen, oldUid: undefined, oldNames: undefined, oldSeries: undefined };
      byName.set(p.name, e);
    } else if (e.gen !== gen) {
      e.gen = gen;
      e.oldUid = e.uid;
      e.oldNames = e.names;
      e.oldSeries = e.series;
      if (e.uid === p.uid && sameNames(e.names, p.containers)) {
        for (let k = 0; k < p.containers.length; k++) {
          const c = p.containers[k];
          const sr = e.series[k];
          sr.prev = sr.last;
          sr.last = { at, startedAt: c.startedAt, cpuNs: c.cpuNs, memoryBytes: c.memoryBytes };
          sr.since = since;
          sr.gen = gen;
        }
        return;
      }
    }
    // New, changed, or a second time in this batch: built afresh from what it held before the batch.
    const same = e.oldUid === p.uid && e.oldNames !== undefined;
    const containers = new Map<string, Series>();
    for (let k = 0; k < p.containers.length; k++) {
      const c = p.containers[k];
      const was = same ? e.oldNames!.indexOf(c.name) : -1;
      const prev = was >= 0 ? lastBefore(e.oldSeries![was], gen) : undefined;
      containers.set(c.name, { prev, last: { at, startedAt: c.startedAt, cpuNs: c.cpuNs, memoryBytes: c.memoryBytes }, since, gen: 0 });
    }
    e.uid = p.uid;
    e.names = [...containers.keys()];
    e.series = [...containers.values()];
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
    const p = this.pods.get(namespace)?.get(name);
    if (!p || p.names.length === 0) return undefined;
    const out: Array<{ name: string; usage: Usage }> = [];
    let at = 0;
    let windowMs = 0;
    for (let k = 0; k < p.names.length; k++) {
      const s = p.series[k];
      const r = cpuRate(s.prev, s.last, s.since);
      if (!r) return undefined;
      out.push({ name: p.names[k], usage: usageOf(r.nanoCores, s.last.memoryBytes) });
      at = Math.max(at, s.last.at);
      windowMs = Math.max(windowMs, r.windowMs);
    }
    return { ...sampleTimes(at, windowMs), value: out };
  }
}
