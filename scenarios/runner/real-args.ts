// The command lines of real mode's processes: `kubus control-plane` per control-plane member and
// `kubus node` per node, with the cluster's timings (already scaled) as flags.
import type { Component } from '../api.types.ts';
import { elected, sharedStore, type Replicas } from '../replicas.ts';
import type { ClusterTimings } from './driver.ts';
import { groupNameArgs, type NodeGroup } from './node-groups.ts';

/** What every process's command line depends on. */
export interface ArgsContext {
  timings: ClusterTimings;
  replicas: Replicas;
  /** With --trace, every process publishes its messages and state changes (the runner records them). */
  trace: boolean;
  /** The API server's data directory (one API server; replicas share the jetstream store instead). */
  dataDir: string;
}

/** A flag value in Go's duration syntax, at least 1 ms (a scaled period may round to 0). */
const goMs = (ms: number) => `${Math.max(1, Math.round(ms))}ms`;
const traceFlag = (x: { trace: boolean }) => (x.trace ? ['--trace'] : []);

/** Returns the arguments of a component's control-plane process (the same for each of its replicas). */
export function controlPlaneArgs(c: Component, x: ArgsContext): string[] {
  const t = x.timings;
  const head = ['control-plane', '--log-level', 'warn', '--actors', c, ...traceFlag(x)];
  const e = t.election;
  const election = elected(c, x.replicas)
    ? ['--leader-elect', 'true', '--leader-elect-lease-duration', goMs(e.leaseDurationMs), '--leader-elect-renew-deadline', goMs(e.renewDeadlineMs), '--leader-elect-retry-period', goMs(e.retryPeriodMs)]
    : ['--leader-elect', 'false'];
  // Replicas serve at once on one JetStream stream of the scenario's nats-server (R1: it is one server).
  if (c === 'apiserver') return [...head, ...election, ...(sharedStore(x.replicas) ? ['--store', 'jetstream'] : ['--data', x.dataDir])];
  if (c === 'scheduler') return [...head, ...election];
  return [
    ...head,
    ...election,
    ...['--node-monitor-grace-period', goMs(t.gracePeriodMs), '--node-monitor-period', goMs(t.monitorPeriodMs)],
    ...['--node-startup-grace-period', goMs(t.startupGracePeriodMs), '--node-eviction-rate', String(t.evictionQPS)],
  ];
}

/** Returns the arguments of the scenario's HTTP gateway (a control-plane process with only the gateway, plain HTTP on a free loopback port: the scenario's own processes are its only callers). */
export function gatewayArgs(x: ArgsContext): string[] {
  return ['control-plane', '--log-level', 'warn', '--actors', 'gateway', ...traceFlag(x), '--insecure-http', '--http-address', '127.0.0.1:0', '--leader-elect', 'false'];
}

/**
 * Returns the arguments of a `kubus node` process: one node, or a group of them (`--count`), all of
 * the first node's spec; without timings (the scale-nats bench), the kubelet's defaults.
 */
export function nodeArgs(g: NodeGroup, x: { trace: boolean; timings?: ClusterTimings }): string[] {
  const t = x.timings;
  const n = g.nodes[0]!;
  const args = ['node', ...groupNameArgs(g), '--first-index', String(n.index), '--log-level', 'warn', ...traceFlag(x)];
  if (t) args.push('--node-lease-duration', `${t.leaseDurationSeconds}s`, '--node-status-report-frequency', goMs(t.nodeStatusReportMs));
  if (n.capacity) args.push('--capacity', Object.entries(n.capacity).map(([k, v]) => `${k}=${v}`).join(','));
  if (n.labels) args.push('--labels', Object.entries(n.labels).map(([k, v]) => `${k}=${v}`).join(','));
  if (n.taints?.length) args.push('--register-with-taints', n.taints.map((x) => `${x.key}${x.value ? `=${x.value}` : ''}:${x.effect}`).join(','));
  return args;
}
