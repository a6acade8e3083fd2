// One step of a pod worker's pure logic: a private copy of the context to change, and the
// commands and timers the step produces. Also the worker's initial context.
import { envMap } from '../../api/kinds/container.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import { parseRfc3339 } from '../../api/names.ts';
import { generatePodStatus } from './pod-status.ts';
import type { Ctr, PodCommand, PodOutput, PodWorkerContext, PodWorkerEvent, RestartBackoff } from './pod-worker.types.ts';
import { specOf } from './pod-worker.types.ts';
import type { ContainerConfig, ContainerInfo, SandboxConfig } from './runtimes/runtime.ts';
import { containerResources } from './container-resources.ts';
import { adoptContainers } from './pod-adopt.ts';
import { containerIdentity, sandboxIdentity } from './security-context.ts';

/** What the kubelet gives a new pod worker. */
export interface PodWorkerInput {
  pod: Pod;
  now: number;
  nodeName: string;
  hostIP: string;
  runtime: string;
  backoff: RestartBackoff;
  /** Admission refused the pod: it fails at once without running anything. */
  rejected?: { reason: string; message: string };
  /** What the runtime still runs for this pod when the kubelet (re)starts: adopted, not started again. */
  containers?: ContainerInfo[];
  /** Why the node's pod network is not ready, if it is not. */
  networkError?: string;
}

/** A step in progress: `ctx` is this step's own copy (containers copied too), safe to change. */
export interface Step {
  ctx: PodWorkerContext;
  out: PodOutput[];
  /** Something the pod's status shows changed. */
  dirty: boolean;
}

/**
 * Starts a step from the current context: on a copy (containers copied too), or with `inPlace` on
 * the context itself, for its one owner (the worker machine), which would copy the result back
 * into it anyway: ~0.5 KB a step less garbage (6 steps a pod).
 */
export function begin(ctx: PodWorkerContext, inPlace = false): Step {
  return { ctx: inPlace ? ctx : { ...ctx, ctrs: ctx.ctrs.map((c) => ({ ...c })) }, out: [], dirty: false };
}

/** Ends a step: adds the status write when something changed; returns the new context and outputs. */
export function finish(s: Step): { ctx: PodWorkerContext; out: PodOutput[] } {
  const ctx = s.ctx;
  if (s.dirty) ctx.rev++;
  if (ctx.rev !== ctx.publishedRev && !ctx.removed && !ctx.adopted) {
    ctx.publishedRev = ctx.rev;
    s.out.push({ type: 'status', status: generatePodStatus(ctx), deleteWhenWritten: !!ctx.deleteRequested });
  }
  return { ctx, out: s.out };
}

/** Adds a command for the effects. */
export const emit = (s: Step, cmd: PodCommand) => void s.out.push(cmd);

/** Sets (or resets) a timer that raises `event` after `delayMs`. */
export function setTimer(s: Step, id: string, delayMs: number, event: PodWorkerEvent): void {
  s.out.push({ type: 'timer.cancel', id }, { type: 'timer.set', id, delayMs: Math.max(0, delayMs), event });
}

/** Cancels a timer set with setTimer (no-op when it already fired). */
export const cancelTimer = (s: Step, id: string) => void s.out.push({ type: 'timer.cancel', id });

/** Records a Kubernetes Event about the pod (or one of its containers). */
export function record(s: Step, eventType: 'Normal' | 'Warning', reason: string, message: string, container?: string): void {
  s.out.push({ type: 'event', eventType, reason, message, container });
}

/** Returns the pod as upstream's format.Pod prints it: `name_namespace(uid)`. */
export const podRef = (pod: Pod) => `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;

/** Returns the sandbox config of a pod. */
export function sandboxConfig(pod: Pod): SandboxConfig {
  const identity = sandboxIdentity(pod);
  return {
    podUid: pod.metadata.uid!,
    name: pod.metadata.name!,
    namespace: pod.metadata.namespace ?? 'default',
    annotations: pod.metadata.annotations ?? {},
    labels: pod.metadata.labels ?? {},
    hostname: pod.spec.hostname,
    hostNetwork: pod.spec.hostNetwork,
    portMappings: hostPorts(pod),
    ...(identity ? { identity } : {}),
  };
}

/** The pod's hostPorts, as upstream's kubelet hands them to the runtime (CRI PortMapping). */
function hostPorts(pod: Pod): SandboxConfig['portMappings'] {
  const out: NonNullable<SandboxConfig['portMappings']> = [];
  for (const c of pod.spec.containers)
    for (const p of c.ports ?? [])
      if (p.hostPort) out.push({ protocol: (p.protocol ?? 'TCP') as 'TCP' | 'UDP' | 'SCTP', containerPort: p.containerPort, hostPort: p.hostPort, hostIP: p.hostIP });
  return out.length ? out : undefined;
}

/** Returns the runtime config of a container's next instance. */
export function containerConfig(pod: Pod, c: Ctr): ContainerConfig {
  const spec = specOf(pod, c)!;
  const cfg: ContainerConfig = { name: c.name, image: spec.image ?? '', attempt: c.attempt, init: c.kind === 'init' };
  if (spec.command) cfg.command = spec.command;
  if (spec.args) cfg.args = spec.args;
  if (spec.env) cfg.env = envMap(spec);
  if (spec.workingDir) cfg.workingDir = spec.workingDir;
  if (spec.stdin || spec.tty) cfg.stdio = { stdin: !!spec.stdin, stdinOnce: !!spec.stdinOnce, tty: !!spec.tty };
  if (spec.resources?.requests || spec.resources?.limits) cfg.resources = containerResources(spec);
  const identity = containerIdentity(pod, spec);
  if (identity) cfg.identity = identity;
  return cfg;
}

/** Returns the grace period (ms) the pod asks for when the kubelet stops it itself. */
export const podGraceMs = (pod: Pod) => (pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;

/** Returns a new worker's context; a pod already terminal (kubelet restart) is adopted as it is. */
export function initialContext(input: PodWorkerInput): PodWorkerContext {
  const { pod, now } = input;
  const prev = new Map([...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].map((s) => [s.name, s]));
  const ctr = (name: string, kind: Ctr['kind']): Ctr => {
    const p = prev.get(name);
    // A kubelet restart lost the runtime: the next instance continues the restart count.
    return { name, kind, phase: 'none', attempt: p ? p.restartCount + (p.containerID ? 1 : 0) : 0, started: false, ready: false };
  };
  const ctrs = [
    ...(pod.spec.initContainers ?? []).map((c) => ctr(c.name, c.restartPolicy === 'Always' ? 'sidecar' : 'init')),
    ...pod.spec.containers.map((c) => ctr(c.name, 'app')),
  ];
  const start = pod.status?.startTime ? parseRfc3339(pod.status.startTime) : NaN;
  const phase = pod.status?.phase;
  const ctx: PodWorkerContext = {
    uid: pod.metadata.uid!,
    pod,
    nodeName: input.nodeName,
    hostIP: input.hostIP,
    runtime: input.runtime,
    backoff: input.backoff,
    networkError: input.networkError,
    now,
    startTime: Number.isNaN(start) ? now : start,
    sandbox: 'none',
    ctrs,
    removed: false,
    rev: 0,
    publishedRev: -1,
  };
  if (input.rejected) {
    ctx.terminal = { phase: 'Failed', ...input.rejected };
    ctx.termination = { cause: 'terminal', deadline: now };
  } else if (phase === 'Succeeded' || phase === 'Failed') {
    ctx.adopted = true;
    ctx.terminal = { phase, reason: pod.status?.reason, message: pod.status?.message };
    ctx.termination = { cause: 'terminal', deadline: now };
  } else adoptContainers(ctx, input.containers);
  return ctx;
}
