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
  /** The annotations the rate was read from: read again only when the pod's change (stats are asked every 15 s). */
  source?: object;
}

/** What a pod without annotations is read from (one object, so it is read once). */
const NO_ANNOTATIONS = {};

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
    const annotations = pod?.metadata.annotations ?? NO_ANNOTATIONS;
    if (pod && annotations !== m.source) {
      m.source = annotations;
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

  /** Returns the samples of the running containers, now; forgets containers no longer running. */
  sample(running: ContainerInfo[], podOf: (uid: string) => Pod | undefined): { at: number; cpuNs: number; memoryBytes: number; containers: Map<string, ContainerStats> } {
    const now = this.clock.now();
    const out = new Map<string, ContainerStats>();
    const live = new Set<string>();
    let memoryBytes = 0;
    for (const c of running) {
      live.add(c.id);
      const pod = podOf(c.podUid);
      const start = c.startedAt ?? c.createdAt;
      const m = this.containers.get(c.id) ?? { podUid: c.podUid, name: c.name, at: start, cpuNs: 0, nanoCores: 0, memoryBytes: 0 };
      // A new container takes its pod's rate from its start.
      if (!this.containers.has(c.id) && pod) Object.assign(m, modelledUsage(pod, c.name, this.log) ?? {}, { source: pod.metadata.annotations ?? NO_ANNOTATIONS });
      this.advance(c.id, m, pod, now);
      memoryBytes += m.memoryBytes;
      out.set(c.id, { name: c.name, startedAt: start, cpuNs: Math.round(m.cpuNs), memoryBytes: m.memoryBytes });
    }
    for (const id of [...this.containers.keys()]) if (!live.has(id)) this.containers.delete(id);
    return { at: now, cpuNs: Math.round(this.nodeCpuNs), memoryBytes, containers: out };
  }
}

/** A real runtime's samples (CRI ListContainerStats): the node's CPU is its containers', those gone included. */
class RuntimeUsage {
  private last = new Map<string, number>();
  private goneCpuNs = 0;

  constructor(private readonly clock: Clock) {}

  sample(running: ContainerInfo[], stats: Map<string, { cpuNs: number; memoryBytes: number }>): ReturnType<SimUsage['sample']> {
    const containers = new Map<string, ContainerStats>();
    const now = new Map<string, number>();
    let cpuNs = 0;
    let memoryBytes = 0;
    for (const c of running) {
      const st = stats.get(c.id);
      if (!st) continue;
      now.set(c.id, st.cpuNs);
      cpuNs += st.cpuNs;
      memoryBytes += st.memoryBytes;
      containers.set(c.id, { name: c.name, startedAt: c.startedAt ?? c.createdAt, cpuNs: st.cpuNs, memoryBytes: st.memoryBytes });
    }
    for (const [id, v] of this.last) if (!now.has(id)) this.goneCpuNs += v;
    this.last = now;
    return { at: this.clock.now(), cpuNs: this.goneCpuNs + cpuNs, memoryBytes, containers };
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
    if (old.metadata.annotations !== pod.metadata.annotations) usage.podChanged(pod);
  });
  const stats = async (): Promise<NodeStats> => {
    const running = await d.runtime.listContainers({ state: 'running' });
    const byUid = new Map(d.pods().map((p) => [p.metadata.uid!, p]));
    // A runtime with stats (CRI) is measured; the sim's usage is modelled from annotations.
    const s = d.runtime.containerStats ? real.sample(running, await d.runtime.containerStats()) : usage.sample(running, (uid) => byUid.get(uid));
    const pods = new Map<string, PodStats>();
    for (const c of running) {
      const pod = byUid.get(c.podUid);
      if (!pod) continue;
      let p = pods.get(c.podUid);
      if (!p) pods.set(c.podUid, (p = { namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: c.podUid, containers: [] }));
      const cs = s.containers.get(c.id);
      if (cs) p.containers.push(cs);
    }
    return { node: d.nodeName, at: s.at, cpuNs: s.cpuNs, memoryBytes: s.memoryBytes, pods: [...pods.values()] };
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
