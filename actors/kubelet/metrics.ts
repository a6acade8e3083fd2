// The kubelet's Prometheus metrics, with upstream's names: running pods and containers (read from
// the container runtime at scrape time), how long its pods took from first sight to running (on the
// injected clock), and kubelet_node_name; answered over the bus on the node's own subject.
import { Gauge, Histogram } from 'prom-client';
import type { Pod } from '../../api/kinds/pod.ts';
import type { Clock } from '../../bus/clock.ts';
import type { InformerHandlers } from '../../bus/informer.ts';
import { nodeProm } from '../../bus/subjects.ts';
import type { Bus, Logger } from '../../bus/types.ts';
import { metricsOf, serveScrapes } from '../lib/metrics-registry.ts';
import type { ContainerRuntime } from './runtimes/runtime.ts';

export interface KubeletMetricsDeps {
  bus: Bus;
  clock: Clock;
  runtime: ContainerRuntime;
  nodeName: string;
  /** The kubelet's informer of its own pods. */
  pods: { on(h: InformerHandlers<Pod>): void; off(h: InformerHandlers<Pod>): void };
  log: Logger;
}

/** Upstream's buckets of kubelet_pod_start_duration_seconds. */
const START_BUCKETS = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600];
const STATES = ['created', 'running', 'exited', 'unknown'] as const;

/** Defines the kubelet's metrics and answers scrapes on nodeProm(node) until the returned function is called. */
export function serveKubeletMetrics(d: KubeletMetricsDeps): () => void {
  const id = { component: 'kubelet', instance: { node: d.nodeName } };
  const m = metricsOf(id, 'kubelet', (registers) => {
    const source: { runtime?: ContainerRuntime } = {};
    return {
      source,
      node: new Gauge({ name: 'kubelet_node_name', help: "The node's name. The count is always 1.", labelNames: ['node'], registers: [registers] }),
      pods: new Gauge({
        name: 'kubelet_running_pods',
        help: 'Number of pods that have a running pod sandbox',
        registers: [registers],
        async collect() {
          const rt = source.runtime;
          if (!rt) return;
          // Pods with a running container: the same on every runtime (CRI's sandbox list holds stopped ones too).
          this.set(new Set((await rt.listContainers({ state: 'running' })).map((c) => c.podUid)).size);
        },
      }),
      containers: new Gauge({
        name: 'kubelet_running_containers',
        help: 'Number of containers currently running',
        labelNames: ['container_state'],
        registers: [registers],
        async collect() {
          const rt = source.runtime;
          if (!rt) return;
          const counts = new Map<string, number>(STATES.map((s) => [s, 0]));
          for (const c of await rt.listContainers()) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
          for (const [container_state, n] of counts) this.set({ container_state }, n);
        },
      }),
      start: new Histogram({ name: 'kubelet_pod_start_duration_seconds', help: 'Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run', buckets: START_BUCKETS, registers: [registers] }),
    };
  });
  m.source.runtime = d.runtime;
  m.node.set({ node: d.nodeName }, 1);
  // First sight of each pod that is not running yet, by uid; observed once, when it first runs.
  const seen = new Map<string, number>();
  const running = (p: Pod) => p.status?.phase === 'Running';
  const h: InformerHandlers<Pod> = {
    add: (p) => {
      if (!running(p) && p.metadata.uid) seen.set(p.metadata.uid, d.clock.now());
    },
    update: (_, p) => {
      const at = p.metadata.uid === undefined ? undefined : seen.get(p.metadata.uid);
      if (at === undefined || !running(p)) return;
      m.start.observe((d.clock.now() - at) / 1000);
      seen.delete(p.metadata.uid!);
    },
    delete: (p) => void (p.metadata.uid && seen.delete(p.metadata.uid)),
  };
  d.pods.on(h);
  const stop = serveScrapes(d.bus, nodeProm(d.nodeName), id, d.log);
  return () => {
    stop();
    d.pods.off(h);
    // A stopped kubelet's runtime is closed: its gauges must not list it at the next scrape (a restarted one sets its own).
    if (m.source.runtime === d.runtime) m.source.runtime = undefined;
  };
}
