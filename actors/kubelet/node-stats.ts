// The kubelet's resource stats (upstream's /metrics/resource), answered on the bus to the metrics
// server: cumulative CPU and memory working set of the node and of each running container. A CRI
// runtime measures them (ListContainerStats: usage_core_nano_seconds, working_set_bytes). With
// the sim runtime, usage is modelled from the pods' CURRENT `sim.kubus.io/cpu-usage` and
// `memory-usage` annotations: CPU integrates each rate over the time it held, on the cluster's clock.
import type { Pod } from '../../api/kinds/pod.ts';
import type { ContainerStats, NodeStats, PodStats } from '../../api/metrics.ts';
import type { Clock } from '../../bus/clock.ts';
import { nodeStats } from '../../bus/subjects.ts';
import type { Bus, Logger } from '../../bus/types.ts';
import type { ContainerInfo, ContainerRuntime } from './runtimes/runtime.ts';
import { simBehaviour } from './runtimes/sim-behaviour.ts';

/** One running container's modelled usage: CPU so far at `at`, and its current rate and memory. */
interface Modelled {
  podUid: string;
  name: string;
  at: number;
  cpuNs: number;
  nanoCores: number;
  memoryBytes: number;
  /** The pod's sim.kubus.io/* annotations the rate was read from (simKey): read again only when they change. */
  source?: string;
}

const SIM_PREFIX = 'sim.kubus.io/';

/** The simKey of each frozen pod object seen (simulated mode shares one frozen object among every reader). */
const simKeys = new WeakMap<Pod, string>();

/** Returns the pod's sim.kubus.io/* annotations as one comparable string (other annotations do not matter). */
export function simKey(pod: Pod | undefined): string {
  if (!pod) return '[]';
  let key = simKeys.get(pod);
  if (key === undefined) {
    const entries = Object.entries(pod.metadata.annotations ?? {}).filter(([k]) => k.startsWith(SIM_PREFIX));
    key = JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (Object.isFrozen(pod)) simKeys.set(pod, key);
  }
  return key;
}

/** Returns a container's modelled rate and memory from its pod's annotations (undefined: unreadable, keep the last). */
function modelledUsage(pod: Pod, name: string, log: Logger): { nanoCores: number; memoryBytes: number } | undefined {
  const init = pod.spec.initContainers?.find((c) => c.name === name);
  const kind = !init ? 'app' : init.restartPolicy === 'Always' ? 'sidecar' : 'init';
  try {
    const b = simBehaviour(pod.metadata.annotations, name, kind);
    return { nanoCores: b.cpuUsageNanoCores, memoryBytes: b.memoryUsageBytes };
  } catch (err) {
    log.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, err: (err as Error).message }, 'sim usage annotation unreadable; usage unchanged');
    return undefined;
  }
}

/** Models the usage of the sim runtime's containers from their pods' annotations. */
export class SimUsage {
  private readonly containers = new Map<string, Modelled>();
  /** The node's CPU so far: every container's, including those gone. */
  private nodeCpuNs = 0;

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Brings a container's CPU up to now at the rate it had, then takes the pod's current rate. */
  private advance(id: string, m: Modelled, pod: Pod | undefined, now: number): void {
    const delta = (m.nanoCores * Math.max(0, now - m.at)) / 1000;
    m.cpuNs += delta;
    this.nodeCpuNs += delta;
    m.at = now;
    const key = pod && simKey(pod);
    if (pod && key !== m.source) {
      m.source = key;
      const u = modelledUsage(pod, m.name, this.log);
      if (u) Object.assign(m, u);
    }
    this.containers.set(id, m);
  }

  /** A pod changed: its containers' usage so far is counted at the old rates, later at the new ones. */
  podChanged(pod: Pod): void {
    const now = this.clock.now();
    for (const [id, m] of this.containers) if (m.podUid === pod.metadata.uid) this.advance(id, m, pod, now);
  }

  /**
   * Returns the samples of the running containers, now. A container that stopped since the last
   * sample (in `containers` as exited) counts its CPU up to when it finished, then is forgotten; one
   * no longer listed at all is forgotten with what it had at the last sample.
   */
  sample(containers: ContainerInfo[], podOf: (uid: string) => Pod | undefined): { at: number; cpuNs: number; memoryBytes: number; containers: Map<string, ContainerStats> } {
    const now = this.clock.now();
    // Every running container's sample, by id: also the set of containers still here.
    const out = new Map<string, ContainerStats>();
    let memoryBytes = 0;
    for (let i = 0; i < containers.length; i++) {
      const c = containers[i];
      const m = c.state !== 'running' ? this.containers.get(c.id) : undefined;
      if (m && c.finishedAt !== undefined) this.advance(c.id, m, undefined, Math.min(now, Math.max(m.at, c.finishedAt)));
    }
    for (let i = 0; i < containers.length; i++) {
      const c = containers[i];
      if (c.state !== 'running') continue;
      const pod = podOf(c.podUid);
      const start = c.startedAt ?? c.createdAt;
      let m = this.containers.get(c.id);
      // A new container takes its pod's rate from its start.
      if (m === undefined) {
        m = { podUid: c.podUid, name: c.name, at: start, cpuNs: 0, nanoCores: 0, memoryBytes: 0 };
        if (pod) Object.assign(m, modelledUsage(pod, c.name, this.log) ?? {}, { source: simKey(pod) });
      }
      this.advance(c.id, m, pod, now);
      memoryBytes += m.memoryBytes;
      // Frozen as built: the reply's snapshot (bus/freeze.ts) then copies none of it.
      out.set(c.id, Object.freeze({ name: c.name, startedAt: start, cpuNs: Math.round(m.cpuNs), memoryBytes: m.memoryBytes }));
    }
    for (const id of this.containers.keys()) if (!out.has(id)) this.containers.delete(id);
    return { at: now, cpuNs: Math.round(this.nodeCpuNs), memoryBytes, containers: out };
  }
}

/**
 * A real runtime's samples (CRI ListContainerStats): the node's CPU is its containers', those gone
 * included. A container is gone when it is no longer running; one running but missing from a stats
 * reply keeps its last values in the node's totals (no per-container sample this round).
 */
export class RuntimeUsage {
  private last = new Map<string, { cpuNs: number; memoryBytes: number }>();
  private goneCpuNs = 0;

  constructor(private readonly clock: Clock) {}

  sample(containers: ContainerInfo[], stats: Map<string, { cpuNs: number; memoryBytes: number }>): ReturnType<SimUsage['sample']> {
    const out = new Map<string, ContainerStats>();
    const next = new Map<string, { cpuNs: number; memoryBytes: number }>();
    let cpuNs = 0;
    let memoryBytes = 0;
    for (const c of containers) {
      if (c.state !== 'running') continue;
      const st = stats.get(c.id);
      const v = st ?? this.last.get(c.id);
      if (!v) continue;
      next.set(c.id, v);
      cpuNs += v.cpuNs;
      memoryBytes += v.memoryBytes;
      if (st) out.set(c.id, Object.freeze({ name: c.name, startedAt: c.startedAt ?? c.createdAt, cpuNs: st.cpuNs, memoryBytes: st.memoryBytes }));
    }
    // A container that stopped counts its final reading when the reply still has one.
    for (const [id, v] of this.last) if (!next.has(id)) this.goneCpuNs += Math.max(v.cpuNs, stats.get(id)?.cpuNs ?? 0);
    this.last = next;
    return { at: this.clock.now(), cpuNs: this.goneCpuNs + cpuNs, memoryBytes, containers: out };
  }
}

export interface StatsServerDeps {
  bus: Bus;
  runtime: ContainerRuntime;
  nodeName: string;
  clock: Clock;
  /** The node's pods as the kubelet's informer has them. */
  pods(): Pod[];
  /** Registers a handler for pod updates (the kubelet's informer). */
  onPodUpdate(fn: (old: Pod, pod: Pod) => void): () => void;
  log: Logger;
}

/** Answers NodeStats on nodeStats(node) until the returned function is called. */
export function serveStats(d: StatsServerDeps): () => void {
  const usage = new SimUsage(d.clock, d.log);
  const real = new RuntimeUsage(d.clock);
  const off = d.onPodUpdate((old, pod) => {
    // Most updates are status writes: the API server keeps unchanged parts of a pod (its annotations) the same objects.
    if (old.metadata.annotations !== pod.metadata.annotations && simKey(old) !== simKey(pod)) usage.podChanged(pod);
  });
  const stats = async (): Promise<NodeStats> => {
    const all = await d.runtime.listContainers();
    const byUid = new Map<string, Pod>();
    for (const p of d.pods()) byUid.set(p.metadata.uid!, p);
    // A runtime with stats (CRI) is measured; the sim's usage is modelled from annotations.
    const s = d.runtime.containerStats ? real.sample(all, await d.runtime.containerStats()) : usage.sample(all, (uid) => byUid.get(uid));
    // Built frozen, as the bus would snapshot it: sent, it is not copied again (a reply every 15 s per node).
    const pods = new Map<string, PodStats>();
    for (let i = 0; i < all.length; i++) {
      const c = all[i];
      if (c.state !== 'running') continue;
      const pod = byUid.get(c.podUid);
      if (!pod) continue;
      let p = pods.get(c.podUid);
      if (!p) pods.set(c.podUid, (p = { namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: c.podUid, containers: [] }));
      const cs = s.containers.get(c.id);
      if (cs) p.containers.push(cs);
    }
    const list: PodStats[] = [];
    for (const p of pods.values()) {
      Object.freeze(p.containers);
      list.push(Object.freeze(p));
    }
    return Object.freeze({ node: d.nodeName, at: s.at, cpuNs: s.cpuNs, memoryBytes: s.memoryBytes, pods: Object.freeze(list) as PodStats[] });
  };
  const sub = d.bus.subscribe(nodeStats(d.nodeName), (msg) => {
    stats().then(
      (out) => d.bus.respond(msg, out),
      (err: Error) => {
        d.log.warn({ err: err.message }, 'node stats failed');
        d.bus.respond(msg, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 500, reason: 'InternalError', message: err.message });
      },
    );
  });
  return () => {
    sub.unsubscribe();
    off();
  };
}
