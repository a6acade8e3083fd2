// Every kubus process answers `kubus status`: its host, pid, bus connection and what it runs.
import { hostname } from 'node:os';
import { STATUS_QUERY } from '../bus/subjects.ts';
import type { Bus, Subscription } from '../bus/types.ts';

export interface ComponentStatus {
  /** apiserver, kube-scheduler, kube-controller-manager, kubelet, trace-recorder ... */
  name: string;
  /** For elected components: whether this process leads, and as whom. */
  leader?: boolean;
  identity?: string;
  /** For kubelets: how many nodes this process runs, and which. */
  count?: number;
  nodes?: string[];
}

export interface ProcessStatus {
  process: string;
  host: string;
  pid: number;
  startedAt: string;
  /** The NATS server this process is connected to now (empty on MemoryBus). */
  server: string;
  components: ComponentStatus[];
}

/** Answers status queries on the bus with `describe()`; returns the subscription. */
export function serveStatus(bus: Bus & { server?: string }, process_: string, components: () => ComponentStatus[]): Subscription {
  const startedAt = new Date().toISOString();
  return bus.subscribe(STATUS_QUERY, (msg) => {
    const status: ProcessStatus = {
      process: process_,
      host: hostname(),
      pid: process.pid,
      startedAt,
      server: bus.server ?? '',
      components: components(),
    };
    bus.respond(msg, status);
  });
}
