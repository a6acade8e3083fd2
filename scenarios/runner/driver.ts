// What a runner mode provides to the scenario API: the cluster, its clock, and its faults.
import type { Taint } from '../../api/kinds/scheduling.ts';
import type { ElectionTimings } from '../../actors/lib/leader-election/leader-election.machine.ts';
import type { Clock } from '../../bus/clock.ts';
import type { ApiClient } from '../../bus/client.ts';
import type { Logger } from '../../bus/types.ts';
import type { LogFormat } from '../../runtime/logger.ts';
import type { Component, ExternalSpec } from '../api.types.ts';
import type { FaultPlan } from '../faults.ts';
import { replicaNames, type Replicas } from '../replicas.ts';
import type { TraceSink } from '../trace-output.ts';
import type { ExternalProcess } from './external.ts';
import type { Mode } from '../types.ts';

/** A node ready to start: every option resolved. */
export interface ResolvedNode {
  name: string;
  /** Its number in the fleet: picks its pod CIDR and address. */
  index: number;
  capacity?: Record<string, string>;
  labels?: Record<string, string>;
  taints?: Taint[];
}

/** Cluster timings after scaling (ms), as the components are started with them. */
export interface ClusterTimings {
  leaseDurationSeconds: number;
  nodeStatusReportMs: number;
  events: boolean;
  gracePeriodMs: number;
  monitorPeriodMs: number;
  startupGracePeriodMs: number;
  evictionQPS: number;
  /** Leader election of replicated components. */
  election: ElectionTimings;
}

export interface DriverOptions {
  seed: number;
  timeScale: number;
  timings: ClusterTimings;
  /** Replicas per component (more than one: behind leader election). */
  replicas: Replicas;
  log: Logger;
  /** Real mode: the processes' log format (their stderr is a pipe, so they would pick JSON themselves). */
  logFormat?: LogFormat;
  /** Real mode: nodes per `kubus node` process (default: one up to 100 nodes, 500 beyond; runner/node-groups.ts). */
  nodesPerProcess?: number;
  /** Records messages and state changes (simulated: all of them; real: the runner's own connection). */
  trace?: TraceSink;
}

/** One mode's cluster. All times are cluster time in ms since the start of the run. */
export interface Driver {
  readonly mode: Mode;
  /** The runner's own connection (never faulted). */
  readonly client: ApiClient;
  /** The clock informers and request timeouts use. */
  readonly clock: Clock;
  readonly faults: FaultPlan;
  /** Starts the control plane and the first nodes; resolves when they have registered. */
  start(nodes: ResolvedNode[]): Promise<void>;
  now(): number;
  /** Lets the cluster run until `p` settles (simulated: drives the virtual clock). */
  drive<T>(p: Promise<T>): Promise<T>;
  /** Lets the cluster run until `changed()` holds or cluster time reaches `until`. */
  runUntil(changed: () => boolean, until: number): Promise<void>;
  /** Tells a waiting runUntil to look at `changed()` again (real mode; simulated checks after every timer). */
  wake(): void;
  /** Lets cluster time pass. */
  advance(ms: number): Promise<void>;
  /** Waits wall-clock time (real); simulated: advance. */
  sleep(ms: number): Promise<void>;
  addNode(node: ResolvedNode): Promise<void>;
  /** Stops a node: gracefully (planned removal) or as a crash. */
  stopNode(name: string, graceful: boolean): Promise<void>;
  heartbeats(name: string, on: boolean): void;
  /** Cuts (true) or restores a node's or component's connection. */
  cut(target: string, cut: boolean): Promise<void>;
  /** Kills one control-plane member (a component, or one replica of it), as kill -9. */
  crash(target: string): Promise<void>;
  /** Starts a member again (killing it first if it runs). */
  restart(target: string): Promise<void>;
  /** Returns the replica (target name) whose leader-election identity this is, if it is one of ours. */
  replicaOf(identity: string): string | undefined;
  /** Takes the bus down (the NATS server dies: every connection drops) or brings it back up. */
  setBusDown(down: boolean): Promise<void>;
  /** Returns true when `target` names a running node or control-plane member of this cluster. */
  knows(target: string): boolean;
  /** Messages delivered so far (simulated), for the report. */
  messages(): number | undefined;
  /**
   * Real mode: starts a user's process with KUBECONFIG pointing at the cluster's HTTP gateway (started
   * on first use); it is ended with the cluster. Simulated mode has none (the context refuses the step).
   */
  external?(spec: ExternalSpec & { name: string }, cwd: string, onLine: (line: string) => void): Promise<ExternalProcess>;
  /** Waits until what the cluster did so far has reached the trace (real mode: the processes' feeds). */
  settleTrace?(): Promise<void>;
  stop(): Promise<void>;
}

/** Thrown when a step names a node or component the cluster doesn't have. */
export class UnknownTargetError extends Error {
  override name = 'UnknownTargetError';
}

/** The control-plane components, in start order. */
export const COMPONENTS: readonly Component[] = ['apiserver', 'scheduler', 'controller-manager'];

/** Returns every control-plane member (target name) in start order: components, or their replicas. */
export function members(r: Replicas): Array<[Component, string]> {
  return COMPONENTS.flatMap((c) => replicaNames(c, r[c]).map((t): [Component, string] => [c, t]));
}
