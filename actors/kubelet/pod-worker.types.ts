// What a pod worker knows (its context), what it is told (events) and what it asks of its
// effects (commands). Plain data: the worker's logic is pure functions over these.
import type { Container, Probe } from '../../api/kinds/container.ts';
import type { Pod, PodStatus } from '../../api/kinds/pod.ts';
import type { ContainerConfig, ProbeKind, SandboxConfig } from './runtimes/runtime.ts';

/** Container restart backoff (upstream MaxContainerBackOff and its reset after 2 × max). */
export interface RestartBackoff {
  initialMs: number;
  maxMs: number;
  /** A container that ran this long since its last backoff step starts over at initialMs. */
  resetMs: number;
}

/** An init container (runs to completion in order), a sidecar (restartable init container) or an app container. */
export type ContainerKind = 'init' | 'sidecar' | 'app';

/** How one instance of a container ended (state.terminated / lastState.terminated). */
export interface Terminated {
  id: string;
  exitCode: number;
  reason: string;
  message?: string;
  startedAt: number;
  finishedAt: number;
}

/** Probe bookkeeping as upstream's prober worker: consecutive results and the latched result. */
export interface ProbeState {
  last?: 'success' | 'failure';
  run: number;
  result?: 'success' | 'failure';
}

/** One container of the pod and its current instance. */
export interface Ctr {
  name: string;
  kind: ContainerKind;
  /** none: never run; pulling..starting: a start is in flight; stopping: asked to stop. */
  phase: 'none' | 'starting' | 'running' | 'stopping' | 'exited';
  /** Runtime id of the current instance (known once created). */
  id?: string;
  /** Image as the runtime reports it, and as the spec named it when this instance started. */
  image?: string;
  imageRef?: string;
  specImage?: string;
  /** restartCount: instances that ran before the current one. */
  attempt: number;
  startedAt?: number;
  exited?: Terminated;
  last?: Terminated;
  /** Why the container is not running (CrashLoopBackOff, CreateContainerConfigError …). */
  waiting?: { reason: string; message?: string };
  /** Crash-loop backoff entry as upstream's flowcontrol.Backoff: steps taken (delay = backoffDelay(steps)) and when it was last stepped. */
  backoff?: { steps: number; at: number };
  /** The image pull backoff entry (upstream's imageBackOff), apart from the crash loop's: for this image only. */
  pullBackoff?: { image: string; steps: number; at: number };
  /** A restart waits for the `backoff.done` timer. */
  inBackoff?: boolean;
  /** After a failed pull: when the image's backoff ends and the next pull may begin. */
  pullRetryAt?: number;
  /** The current instance is being stopped because of a failed probe (restart after) or the pod. */
  kill?: { restart: boolean };
  started: boolean;
  ready: boolean;
  probes?: Partial<Record<ProbeKind, ProbeState>>;
}

/** Why the pod's containers are being stopped. */
export interface Termination {
  cause: 'deleted' | 'removed' | 'terminal' | 'deadline';
  /** When the containers must be gone: stops get the time left until then as grace period. */
  deadline: number;
}

/** The pod worker's whole state. */
export interface PodWorkerContext {
  uid: string;
  pod: Pod;
  nodeName: string;
  hostIP: string;
  /** Runtime name: container ids are reported as `<runtime>://<id>`. */
  runtime: string;
  backoff: RestartBackoff;
  /** Time of the latest event that carried one (effects stamp their events). */
  now: number;
  startTime: number;
  sandbox: 'none' | 'creating' | 'failed' | 'ready' | 'stopping' | 'stopped' | 'removing' | 'removed';
  sandboxId?: string;
  podIP?: string;
  ctrs: Ctr[];
  /** Set once the pod's phase is final (it never goes back). */
  terminal?: { phase: 'Succeeded' | 'Failed'; reason?: string; message?: string };
  termination?: Termination;
  /** The pod is gone from the API: no more status writes. */
  removed: boolean;
  /** Bumped by every change that shows in the pod's status. */
  rev: number;
  publishedRev: number;
  /** The pod was already terminal when the worker started (kubelet restart): nothing to run or write. */
  adopted?: boolean;
  /** The final status was sent with a request to delete the pod. */
  deleteRequested?: boolean;
  /** Why the node's pod network is not ready (upstream's runtimeState.networkErrors); unset when it is. */
  networkError?: string;
  /** The network error a NetworkNotReady Event was recorded for (the pod waits for the network). */
  networkWait?: string;
}

/** Events a pod worker receives: from the kubelet, its effects, and its own timers. */
export type PodWorkerEvent =
  | { type: 'pod.updated'; pod: Pod; now: number }
  | { type: 'pod.removed'; now: number }
  | { type: 'sandbox.ready'; id: string; ip: string; now: number }
  | { type: 'sandbox.failed'; reason: string; message: string; now: number }
  | { type: 'sandbox.stopped'; now: number }
  | { type: 'sandbox.removed'; now: number }
  | { type: 'container.created'; name: string; attempt: number; id: string; image: string; imageRef: string; now: number }
  | { type: 'container.started'; name: string; attempt: number; id: string; now: number }
  | { type: 'container.failed'; name: string; attempt: number; reason: string; message: string; now: number }
  | { type: 'container.exited'; name: string; id: string; exitCode: number; reason: string; message?: string; startedAt: number; finishedAt: number; now: number }
  | { type: 'probe.result'; name: string; id: string; kind: ProbeKind; result: 'success' | 'failure'; output: string; now: number }
  | { type: 'backoff.done'; name: string; now: number }
  | { type: 'probe.tick'; name: string; id: string; kind: ProbeKind; now: number }
  | { type: 'sandbox.retry'; now: number }
  /** The node's pod network became ready (no error) or not ready. */
  | { type: 'network.changed'; error?: string; now: number }
  | { type: 'deadline'; now: number };

/** What a pod worker asks its effects to do (runtime calls, API writes, Events). */
export type PodCommand =
  | { type: 'sandbox.run'; sandbox: SandboxConfig }
  | { type: 'sandbox.stop'; id: string }
  | { type: 'sandbox.remove'; id: string }
  | { type: 'container.start'; sandboxId: string; sandbox: SandboxConfig; config: ContainerConfig; pullPolicy: string; podIPs?: string[] }
  | { type: 'container.stop'; id: string; name: string; graceMs: number }
  | { type: 'probe.run'; id: string; name: string; kind: ProbeKind; probe: Probe; podIP?: string }
  | { type: 'event'; eventType: 'Normal' | 'Warning'; reason: string; message: string; container?: string }
  | { type: 'status'; status: PodStatus; deleteWhenWritten: boolean }
  | { type: 'pod.delete' };

/** A timer the worker sets or cancels (XState delayed raise / cancel). */
export type TimerOp = { type: 'timer.set'; id: string; delayMs: number; event: PodWorkerEvent } | { type: 'timer.cancel'; id: string };

/** Everything one step of the worker's logic produces besides its new context. */
export type PodOutput = PodCommand | TimerOp;

/** The probe kinds, in the order a container goes through them. */
export const PROBE_KINDS = ['startup', 'liveness', 'readiness'] as const;

/** Returns the spec of a container by kind and name. */
export function specOf(pod: Pod, c: Pick<Ctr, 'kind' | 'name'>): Container | undefined {
  const list = c.kind === 'app' ? pod.spec.containers : pod.spec.initContainers;
  return list?.find((x) => x.name === c.name);
}
