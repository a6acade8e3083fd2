// client-go's workqueue metrics (workqueue_depth, _adds_total, _retries_total, _queue_duration_seconds,
// _work_duration_seconds) for the controller manager's queues, labelled by queue name. Durations come
// from the queue's injected clock, so a simulation's figures are its virtual time's.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Clock } from '../../bus/clock.ts';
import { metricsOf, type ComponentId } from './metrics-registry.ts';

/** What a WorkQueue tells its metrics. */
export interface WorkQueueMetrics {
  /** A key became dirty (queued, or marked to be queued again when done). */
  added(key: string): void;
  /** A worker took a key from the queue. */
  taken(key: string): void;
  /** A worker finished a key. */
  finished(key: string): void;
  /** A key was queued again after a failure. */
  retried(): void;
}

/** Upstream's buckets: 10 ns to 10 s by tens. */
const BUCKETS = Array.from({ length: 10 }, (_, i) => 1e-8 * 10 ** i);

/** The controller manager's component id (its registry). */
export const CONTROLLER_MANAGER: ComponentId = { component: 'controller-manager' };

const define = (registers: Registry) => ({
  depth: new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name'], registers: [registers] }),
  adds: new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'], registers: [registers] }),
  retries: new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name'], registers: [registers] }),
  queued: new Histogram({ name: 'workqueue_queue_duration_seconds', help: 'How long in seconds an item stays in workqueue before being requested.', labelNames: ['name'], buckets: BUCKETS, registers: [registers] }),
  work: new Histogram({ name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes.', labelNames: ['name'], buckets: BUCKETS, registers: [registers] }),
});

/** Returns the metrics of the queue `name` in a component's registry (the controller manager's by default). */
export function workQueueMetrics(name: string, clock: Clock, id: ComponentId = CONTROLLER_MANAGER): WorkQueueMetrics {
  const m = metricsOf(id, 'workqueue', define);
  const labels = { name };
  // Set to 0 now, so a queue shows up before its first add, as upstream's.
  m.depth.set(labels, 0);
  const addedAt = new Map<string, number>();
  const startedAt = new Map<string, number>();
  return {
    added(key) {
      m.adds.inc(labels);
      m.depth.inc(labels);
      if (!addedAt.has(key)) addedAt.set(key, clock.now());
    },
    taken(key) {
      m.depth.dec(labels);
      const at = addedAt.get(key);
      if (at !== undefined) m.queued.observe(labels, (clock.now() - at) / 1000);
      addedAt.delete(key);
      startedAt.set(key, clock.now());
    },
    finished(key) {
      const at = startedAt.get(key);
      if (at !== undefined) m.work.observe(labels, (clock.now() - at) / 1000);
      startedAt.delete(key);
    },
    retried() {
      m.retries.inc(labels);
    },
  };
}
