// What a scenario body gets as `s`: topology, workloads, waiting, faults, time, expectations.
import type { Event } from '../api/kinds/event.ts';
import type { Node } from '../api/kinds/node.ts';
import type { Pod } from '../api/kinds/pod.ts';
import type { KubeObject } from '../api/meta.ts';
import type { ApiClient } from '../bus/client.ts';
import type { Duration, Manifest, Mode, NodeSpec, ParamValues } from './types.ts';
import type { NodeSet, ObjectSet, PodSet } from './view/sets.ts';

/** What a condition returns: pass/fail, optionally with what it saw. */
export type CheckResult = boolean | { ok: boolean; seen?: string };

/** A condition: reads the runner's caches (`s.pods()` …) or the API (`s.api`), sync or async. */
export type Condition = () => CheckResult | Promise<CheckResult>;

/** The control-plane components a fault can hit. */
export type Component = 'apiserver' | 'scheduler' | 'controller-manager';

/** The components that can run as several replicas behind leader election (option `replicas`). */
export type ElectedComponent = 'scheduler' | 'controller-manager';

/** A component (all its replicas), or one replica of a replicated one: `scheduler-0`, `controller-manager-1`, `apiserver-2` … */
export type ControlPlaneTarget = Component | `${Component}-${number}`;

export interface WaitOptions {
  /** Deadline in cluster time (default 1m). */
  within?: Duration;
  /** How often an async condition is polled (default 1s of cluster time; sync ones are checked on every change). */
  every?: Duration;
}

export interface ObjectFilter {
  namespace?: string;
  /** Label selector, e.g. `app=web,tier!=db`. */
  labels?: string;
  /** Names starting with this. */
  name?: string;
}

export interface PodFilter extends ObjectFilter {
  /** Pods bound to this node. */
  node?: string;
}

/** Handlers for changes the runner's informers see. */
export interface ChangeHandlers<T extends KubeObject = KubeObject> {
  add?(obj: T): void;
  update?(old: T, obj: T): void;
  delete?(obj: T): void;
}

/** Options for message faults. */
export interface MessageFaultOptions {
  /** Only messages sent by this node or component. */
  from?: string;
  /** Only deliveries to this node or component. */
  to?: string;
}

/** A process of the user's own that a real scenario runs against its gateway (KUBECONFIG points at it). */
export interface ExternalSpec {
  /** The executable (looked up on PATH), e.g. `process.execPath`, `kubectl`, `python3`. */
  command: string;
  args?: string[];
  /** Added to the runner's environment; KUBECONFIG is set by the runner. */
  env?: Record<string, string>;
  /** Working directory (default: the script's folder). */
  cwd?: string;
  /** Labels its output lines in the log (default: the command's base name). */
  name?: string;
}

/** A started external process; the runner ends its process group when the run ends, pass or fail. */
export interface ExternalHandle {
  readonly name: string;
  readonly pid: number;
  /** The exit code, null when a signal ended it, undefined while it runs (usable in a sync condition). */
  readonly exitCode: number | null | undefined;
  /** Resolves when it exits. */
  readonly exited: Promise<number | null>;
  /** Its last 20 KB of output (stdout and stderr). */
  output(): string;
  /** Ends it (SIGTERM to its process group, SIGKILL after 3 s). */
  stop(): Promise<void>;
}

/** A fault that can be lifted. */
export interface FaultHandle {
  stop(): void;
}

/** The API of a scenario body. Durations are cluster time, in Go syntax (`'30s'`, `'5m'`). */
export interface ScenarioApi {
  readonly name: string;
  readonly mode: Mode;
  readonly seed: number;
  /** 1 in simulated mode; the factor periods are divided by in real mode. */
  readonly timeScale: number;
  /** The declared parameters' values (`--param name=value`, else the defaults); durations in ms. */
  readonly params: ParamValues;

  // ---- progress and figures
  /** Starts a named step (shown as progress; results are grouped by step). */
  step(name: string): void;
  /** Prints a line of progress. */
  log(text: string): void;
  /** Records a figure for the report. */
  metric(name: string, value: number, unit: string): void;

  // ---- time
  /** Cluster time since the start of the run (ms). */
  now(): number;
  /** Real time since the start of the run (ms); for reports only, never for decisions. */
  realElapsed(): number;
  /** Returns seconds as the cluster sees them: `n` simulated, `n / timeScale` (whole, ≥ 1) real. For tolerationSeconds and the like. */
  seconds(n: number): number;
  /** Returns a duration in ms as the cluster sees it (divided by timeScale in real mode). */
  ms(d: Duration): number;
  /** Lets `d` of cluster time pass: the virtual clock (simulated), or d / timeScale of wall-clock time (real). `quiet`: no progress line (a pacing loop). */
  advance(d: Duration, opts?: { quiet?: boolean }): Promise<void>;
  /** Waits `d` of wall-clock time, unscaled (real); in simulated mode the same as advance(d). */
  sleep(d: Duration): Promise<void>;

  // ---- topology
  /** Starts a node (kubelet) that registers and joins. */
  addNode(name: string, spec?: Omit<NodeSpec, 'name' | 'prefix' | 'count'>): Promise<void>;
  /** Stops a node's kubelet gracefully and deletes its Node object (a planned removal). */
  removeNode(name: string): Promise<void>;

  // ---- workloads
  /** Creates or updates objects: one object, a list, a YAML/JSON string, or a path to a manifest file. */
  apply(what: Manifest | Manifest[] | string): Promise<KubeObject[]>;
  /** Merge-patches an object (`kind` as kubectl takes it: pod, deploy, deployments …). */
  patch(kind: string, name: string, patch: Record<string, unknown>, opts?: { namespace?: string }): Promise<KubeObject>;
  /** Sets replicas of a Deployment, ReplicaSet or StatefulSet. */
  scale(kind: string, name: string, replicas: number, opts?: { namespace?: string }): Promise<void>;
  /** Deletes an object. */
  delete(kind: string, name: string, opts?: { namespace?: string; gracePeriodSeconds?: number; propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' }): Promise<void>;
  /** The API, for plain conditions and anything the helpers don't cover (driven by the runner). */
  readonly api: ApiClient;
  /**
   * Real mode only: starts a process of your own (an operator, a client-library script, kubectl)
   * with KUBECONFIG pointing at the scenario's HTTP gateway (started on first use), its output in
   * the run's log; it is stopped (its process group) when the run ends, even on failure.
   * Simulated mode refuses it (time there is virtual and no HTTP gateway runs): give such a
   * scenario `modes: ['real']`.
   */
  external(spec: ExternalSpec): Promise<ExternalHandle>;

  // ---- reading state (the runner's informer caches: always current as of the last event)
  pods(filter?: PodFilter): PodSet;
  nodes(filter?: ObjectFilter): NodeSet;
  /** Objects of a kind the runner watches (pods, nodes, deployments, replicasets, daemonsets, events …). */
  list<T extends KubeObject = KubeObject>(kind: string, filter?: ObjectFilter): ObjectSet<T>;
  events(filter?: ObjectFilter & { reason?: string }): ObjectSet<Event>;
  get<T extends KubeObject = KubeObject>(kind: string, name: string, namespace?: string): T | undefined;
  /** Returns the status of a node's Ready condition ('True', 'False', 'Unknown', or undefined). */
  nodeReady(name: string): string | undefined;
  /** Returns a node's taints as `key:Effect`. */
  nodeTaints(name: string): string[];
  /** Calls handlers on every change of a kind (until the run ends, or the returned function is called). */
  on<T extends KubeObject = KubeObject>(kind: string, handlers: ChangeHandlers<T>): () => void;

  // ---- waiting and expectations
  /** Waits until `cond` holds; at the deadline the run fails here, naming the condition and what it saw last. */
  until(description: string, cond: Condition, opts?: WaitOptions): Promise<void>;
  /** An expectation checked now; a failure is reported and the run goes on. */
  expect(description: string, check: Condition): Promise<boolean>;
  /** An expectation that must come true within the deadline; a failure is reported and the run goes on. */
  eventually(description: string, cond: Condition, opts?: WaitOptions): Promise<boolean>;
  /** An invariant checked after every watch event from now on (to the end, or until stopped); must be synchronous. */
  always(description: string, invariant: () => CheckResult): FaultHandle;

  // ---- faults
  /** The node's process (real) or kubelet actor (simulated) dies; its Node object stays. */
  killNode(name: string): Promise<void>;
  /** The node's lease renewals and status updates are dropped; everything else goes on. */
  stopHeartbeats(name: string): Promise<void>;
  resumeHeartbeats(name: string): Promise<void>;
  /** Cuts a node or component off the bus: its messages are dropped both ways. */
  partition(target: string): Promise<void>;
  heal(target: string): Promise<void>;
  /**
   * A control-plane process dies, as kill -9 (the API server's store survives, as on disk; with
   * API server replicas the shared store keeps the data). A replicated component's name hits every
   * replica; `scheduler-1` or `apiserver-1` only that one.
   */
  crash(target: ControlPlaneTarget): Promise<void>;
  /** Starts a crashed member again (a running one is killed first); a component's name restarts every replica. */
  restart(target: ControlPlaneTarget): Promise<void>;
  /** The replicas of a component (`['scheduler-0', 'scheduler-1']`; `['scheduler']` when it has one). */
  replicas(component: Component): string[];
  /**
   * The replica the component's Lease (kube-system/kube-scheduler …) names as holder, from the
   * runner's cache; undefined before anyone holds it. A killed leader stays named until another takes over.
   */
  leader(component: ElectedComponent): ControlPlaneTarget | undefined;
  /**
   * The bus dies: nats-server killed with SIGKILL (real), every connection of the broker down
   * (simulated). Every process loses its connection; nothing can be started until restartBus().
   */
  crashBus(): Promise<void>;
  /** The bus comes back (real: nats-server on the same port); resolves once the runner's own connection is back; the others reconnect on their own. */
  restartBus(): Promise<void>;
  /** Drops a fraction (0–1) of the deliveries on subjects matching a NATS pattern (`*`, `>`). */
  dropMessages(pattern: string, fraction: number, opts?: MessageFaultOptions): FaultHandle;
  /** Delays deliveries on subjects matching a pattern by `d`. */
  delayMessages(pattern: string, d: Duration, opts?: MessageFaultOptions): FaultHandle;
  /** Subject patterns for the message faults. */
  readonly subjects: {
    /** API requests on a resource (all verbs, or one): `api('pods', 'bind')`. */
    api(resource: string, verb?: string): string;
    /** Watch events and heartbeats to every client. */
    watches: string;
    /** Everything. */
    all: string;
  };
}

export type { Event, Node, Pod };
