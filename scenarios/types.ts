// The scenario model: what a script declares (options, body), the results a run produces, and
// the report. Imports nothing of ours but api types; everything in scenarios/ leans on it.
import type { Taint } from '../api/kinds/scheduling.ts';
import type { KubeObject } from '../api/meta.ts';
import type { ScenarioApi } from './api.types.ts';

/** A duration in Go syntax (`'30s'`, `'5m'`, `'1h30m'`) or milliseconds. */
export type Duration = string | number;

/** The two ways a script runs: in one process on a virtual clock, or as real processes over NATS. */
export type Mode = 'simulated' | 'real';

/** A node (or a group of `count` nodes named `<prefix>-<i>`) and how it is made. */
export interface NodeSpec {
  /** One node of this name. */
  name?: string;
  /** With `count`: nodes `<prefix>-0 …` (default prefix `node`; indices continue across groups). */
  prefix?: string;
  count?: number;
  /** e.g. `{ cpu: '4', memory: '16Gi', pods: '110' }` (the kubelet's default). */
  capacity?: Record<string, string>;
  labels?: Record<string, string>;
  /** Taints at registration: objects, or `key[=value]:Effect` strings. */
  taints?: Array<Taint | string>;
}

/** Timings of the kubelets (upstream defaults; scaled down in real mode). */
export interface KubeletTimings {
  /** Lease duration (default 40s; renewed every quarter of it). */
  leaseDuration?: Duration;
  /** Node status written at least this often (default 5m). */
  nodeStatusReport?: Duration;
  /** Record Kubernetes Events (default true; big scenarios turn them off). */
  events?: boolean;
}

/** Timings of the node lifecycle controller (upstream defaults; scaled down in real mode). */
export interface LifecycleTimings {
  /** Silence after which a node goes Unknown (default 50s). */
  nodeMonitorGracePeriod?: Duration;
  /** How often node health is checked (default 5s). */
  nodeMonitorPeriod?: Duration;
  /** Grace for a node that never posted status (default 1m). */
  nodeStartupGracePeriod?: Duration;
  /** Nodes tainted NoExecute per second per zone (default 0.1). */
  nodeEvictionRate?: number;
}

/** Leader election of replicated components (upstream defaults; scaled down in real mode). */
export interface ElectionTimingOptions {
  /** How long the others wait on a lease before taking it over (default 15s). */
  leaseDuration?: Duration;
  /** A leader that could not renew for this long stops leading (default 10s). */
  renewDeadline?: Duration;
  /** How often replicas try to acquire or renew (default 2s). */
  retryPeriod?: Duration;
}

/** The kinds of value a scenario parameter takes (`--param name=value`). */
export type ParamType = 'number' | 'string' | 'duration' | 'boolean';

/** One parameter a scenario declares: its kind, default and a one-line description (`kubus scenario list` shows them). */
export interface ParamSpec {
  type: ParamType;
  /** A number, a string, a duration (Go syntax or ms) or a boolean, as `type` says. */
  default: number | string | boolean;
  description: string;
  /** Numbers and durations (ms): the smallest and largest value accepted. */
  min?: number;
  max?: number;
  /** Numbers: whole numbers only. */
  integer?: boolean;
  /** Strings: the values accepted. */
  choices?: string[];
}

/** The parameters a scenario declares, by name. */
export type ParamSpecs = Record<string, ParamSpec>;

/** Resolved parameter values: numbers, strings, booleans; durations in ms. */
export type ParamValues = Record<string, number | string | boolean>;

/** What a scenario declares besides its body. */
export interface ScenarioOptions {
  /** Parameters set with `--param name=value` (the body reads them as `s.params`). */
  params?: ParamSpecs;
  /** Nodes at the start: a count (`node-0 …`) or specs per node or per group. */
  nodes?: number | NodeSpec[];
  /** How much faster than upstream the periods may run in real mode (default 10; 1 = unscaled). */
  timeScale?: number;
  tags?: string[];
  /** One line for `kubus scenario list`. */
  description?: string;
  /** Default seed (the CLI's --seed wins). */
  seed?: number;
  /** Modes the script supports (default both). */
  modes?: Mode[];
  kubelet?: KubeletTimings;
  controllers?: LifecycleTimings;
  /**
   * Replicas of the control-plane components (default 1 each), named `<component>-0 …` when more.
   * Two or more schedulers or controller managers run behind leader election on their Lease; two or
   * more API servers serve at once on one shared store (simulated: a SharedMemoryBackend; real:
   * `--store jetstream` on the scenario's nats-server), as kube-apiservers on one etcd.
   */
  replicas?: { apiserver?: number; scheduler?: number; 'controller-manager'?: number };
  leaderElection?: ElectionTimingOptions;
}

/** A scenario: `export default scenario(name, options, body)`. Plain data, so a script loaded by tsx works with any runner. */
export interface ScenarioDefinition {
  readonly kind: 'KubusScenario';
  name: string;
  options: ScenarioOptions;
  body: (s: ScenarioApi) => Promise<void>;
  /** Set by `withParams`: builds the scenario (name, options, body) for given parameter values. */
  build?: (values: ParamValues) => ScenarioDefinition;
}

/** What an expectation checked and how it ended. */
export interface ExpectationResult {
  kind: 'expect' | 'until' | 'eventually' | 'always';
  description: string;
  ok: boolean;
  /** The step it belongs to. */
  step: string;
  /** Cluster time (ms since the start of the run) it was settled at (for `always`: registered at). */
  at: number;
  /** Real time (ms since the start of the run). */
  realAt: number;
  /** Why it failed (or what it saw when it passed). */
  message?: string;
  /** What the condition read last (query results, returned values). */
  seen?: string[];
  /** `always`: how many times it was checked, and when it was first broken. */
  checks?: number;
  brokenAt?: number;
}

/** A figure a scenario reports (e.g. pod startup p99). */
export interface Metric {
  name: string;
  value: number;
  unit: string;
}

/** A progress line: a step, a fault, a wait that ended. */
export interface ProgressEvent {
  /** Cluster time, ms since the start. */
  at: number;
  /** Real time, ms since the start. */
  realAt: number;
  kind: 'step' | 'action' | 'wait' | 'expect' | 'info';
  text: string;
  ok?: boolean;
}

/** The outcome of one run. */
export interface RunReport {
  name: string;
  file?: string;
  mode: Mode;
  seed: number;
  timeScale: number;
  ok: boolean;
  /** Cluster time and real time the run took (ms). */
  clusterMs: number;
  realMs: number;
  expectations: ExpectationResult[];
  metrics: Metric[];
  /** Set when the body threw (an `until` that timed out, an API error ...). */
  error?: { message: string; step: string; at: number };
  /** Files written with --trace. */
  traceFiles?: string[];
  /** Messages delivered on the bus (simulated mode). */
  messages?: number;
  /** The parameter values the run used (defaults included; durations in Go syntax), when the scenario declares any. */
  params?: ParamValues;
  /** What the run cost this process (simulated: the whole cluster; real: the runner alone, the driver process). */
  usage?: { cpuSeconds: number; rssPeakMB: number; rssEndMB: number };
}

/** A Kubernetes object as a script writes it. */
export type Manifest = KubeObject | Record<string, unknown>;
