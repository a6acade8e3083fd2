// A pod worker's reaction to one event: record what happened, then bring the pod towards what
// it should be (sandbox, containers, termination, cleanup) — level-based, like upstream SyncPod.
// Pure: returns the new context, the commands for the effects and the timers to set.
import { parseRfc3339 } from '../../api/names.ts';
import { RESYNC_MS, cancelAll, killAll, kill, pullBackoff, shouldRestart, startFailed, syncContainers } from './pod-containers.ts';
import { onContainerStarted, onProbeResult, onProbeTick } from './pod-probes.ts';
import { begin, cancelTimer, emit, finish, podGraceMs, record, sandboxConfig, setTimer, type Step } from './pod-step.ts';
import { PROBE_KINDS, type Ctr, type PodOutput, type PodWorkerContext, type PodWorkerEvent, type Termination } from './pod-worker.types.ts';

/** The first event a worker handles (when it starts). */
export type StartEvent = { type: 'worker.start' };

const DEADLINE_MESSAGE = 'Pod was active on the node longer than the specified deadline';
/** Upstream's NetworkNotReadyErrorMsg. */
const NETWORK_NOT_READY = 'network is not ready';

/** Returns the worker's next context and outputs after `ev`; with `inPlace`, `ctx` itself changes and is returned (see begin). */
export function react(ctx: PodWorkerContext, ev: PodWorkerEvent | StartEvent, inPlace = false): { ctx: PodWorkerContext; out: PodOutput[] } {
  const s = begin(ctx, inPlace);
  if ('now' in ev) s.ctx.now = Math.max(s.ctx.now, ev.now);
  apply(s, ev);
  plan(s);
  return finish(s);
}

function armDeadline(s: Step): void {
  const ads = s.ctx.pod.spec.activeDeadlineSeconds;
  if (ads === undefined || s.ctx.termination) return;
  const at = s.ctx.startTime + ads * 1000;
  setTimer(s, 'deadline', at - s.ctx.now, { type: 'deadline', now: at });
}

/** Starts (or shortens) the pod's termination; stops already under way get the shorter grace. */
function terminate(s: Step, cause: Termination['cause'], deadline: number): void {
  const t = s.ctx.termination;
  if (!t) {
    s.ctx.termination = { cause, deadline };
    cancelAll(s);
    s.dirty = true;
    return;
  }
  if (deadline >= t.deadline) return;
  s.ctx.termination = { cause: cause === 'removed' ? cause : t.cause, deadline };
  const graceMs = Math.max(0, deadline - s.ctx.now);
  for (const c of s.ctx.ctrs) if (c.phase === 'stopping' && c.id) kill(s, c, graceMs, `Stopping container ${c.name}`);
}

/** Returns the container named `name` (a module function: a closure per step was garbage). */
function ctrNamed(ctx: PodWorkerContext, name: string): Ctr | undefined {
  for (const c of ctx.ctrs) if (c.name === name) return c;
  return undefined;
}

function apply(s: Step, ev: PodWorkerEvent | StartEvent): void {
  const ctx = s.ctx;
  switch (ev.type) {
    case 'worker.start':
      if (ctx.terminal?.message?.startsWith('Pod was rejected: ')) record(s, 'Warning', ctx.terminal.reason!, ctx.terminal.message);
      // Containers adopted running (a kubelet restart) are probed as if just started.
      for (const c of ctx.ctrs) if (c.phase === 'running') onContainerStarted(s, c);
      if (ctx.ctrs.some((c) => c.phase === 'running')) s.dirty = true;
      return armDeadline(s);
    case 'pod.updated': {
      const old = ctx.pod;
      ctx.pod = ev.pod;
      if (old.spec.activeDeadlineSeconds !== ev.pod.spec.activeDeadlineSeconds) armDeadline(s);
      if (ev.pod.spec.readinessGates?.length && JSON.stringify(old.status?.conditions) !== JSON.stringify(ev.pod.status?.conditions)) s.dirty = true;
      return;
    }
    case 'pod.removed':
      ctx.removed = true;
      return;
    case 'sandbox.ready':
      // Not a status change of its own: the pod IP shows with the containers' start, as upstream.
      Object.assign(ctx, { sandbox: 'ready', sandboxId: ev.id, podIP: ev.ip });
      return;
    case 'sandbox.failed':
      ctx.sandbox = 'failed';
      record(s, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${ev.message}`);
      // A pod already terminating wants no sandbox: no retry.
      if (!ctx.termination) setTimer(s, 'sandbox.retry', ctx.backoff.initialMs, { type: 'sandbox.retry', now: ctx.now + ctx.backoff.initialMs });
      return;
    case 'sandbox.retry':
      if (ctx.sandbox === 'failed') ctx.sandbox = 'none';
      return;
    case 'network.changed':
      ctx.networkError = ev.error;
      if (!ev.error) ctx.networkWait = undefined;
      return;
    case 'sandbox.stopped':
      ctx.sandbox = 'stopped';
      s.dirty = true;
      return;
    case 'sandbox.removed':
      ctx.sandbox = 'removed';
      return;
    case 'container.created': {
      const c = ctrNamed(ctx, ev.name);
      if (c && (c.phase === 'starting' || c.phase === 'stopping') && c.attempt === ev.attempt && !c.id)
        Object.assign(c, { id: ev.id, image: ev.image, imageRef: ev.imageRef });
      return;
    }
    case 'container.started': {
      const c = ctrNamed(ctx, ev.name);
      if (!c || c.id !== ev.id) return;
      if (c.phase === 'stopping') c.startedAt ??= ev.now;
      if (c.phase !== 'starting') return;
      c.phase = 'running';
      c.startedAt = ev.now;
      onContainerStarted(s, c);
      s.dirty = true;
      return;
    }
    case 'container.failed': {
      const c = ctrNamed(ctx, ev.name);
      if (c && (c.phase === 'starting' || c.phase === 'stopping') && c.attempt === ev.attempt) startFailed(s, c, ev.reason, ev.message);
      return;
    }
    case 'container.exited': {
      const c = ctx.ctrs.find((x) => x.id === ev.id);
      if (!c || c.phase === 'exited') return;
      c.startedAt ??= ev.startedAt;
      c.exited = { id: ev.id, exitCode: ev.exitCode, reason: ev.reason, message: ev.message, startedAt: c.startedAt, finishedAt: ev.finishedAt };
      Object.assign(c, { phase: 'exited', started: false, ready: false });
      for (const k of PROBE_KINDS) cancelTimer(s, `probe:${c.name}:${k}`);
      s.dirty = true;
      // A start the runtime refused: RunContainerError until the next sync restarts it (or backs off), as upstream's reason cache.
      if (ev.reason === 'StartError' && !ctx.termination && shouldRestart(c, ctx.pod.spec.restartPolicy ?? 'Always')) {
        Object.assign(c, { waiting: { reason: 'RunContainerError', message: ev.message }, inBackoff: true });
        setTimer(s, `backoff:${c.name}`, RESYNC_MS, { type: 'backoff.done', name: c.name, now: ctx.now + RESYNC_MS });
      }
      return;
    }
    case 'probe.tick':
      return onProbeTick(s, ev);
    case 'probe.result':
      return onProbeResult(s, ev);
    case 'backoff.done': {
      const c = ctrNamed(ctx, ev.name);
      if (c && !pullBackoff(s, c)) c.inBackoff = false;
      return;
    }
    case 'deadline': {
      const ads = ctx.pod.spec.activeDeadlineSeconds;
      if (ads === undefined || ctx.terminal || ctx.termination || ev.now < ctx.startTime + ads * 1000) return;
      ctx.terminal = { phase: 'Failed', reason: 'DeadlineExceeded', message: DEADLINE_MESSAGE };
      record(s, 'Warning', 'DeadlineExceeded', DEADLINE_MESSAGE);
      terminate(s, 'deadline', ctx.now + podGraceMs(ctx.pod));
      return;
    }
  }
}

/** Returns the phase the pod ends in once nothing will run again, or undefined while something may. */
function finalPhase(ctx: PodWorkerContext): 'Succeeded' | 'Failed' | undefined {
  const policy = ctx.pod.spec.restartPolicy ?? 'Always';
  if (policy === 'Never' && ctx.ctrs.some((c) => c.kind === 'init' && c.phase === 'exited' && c.exited!.exitCode !== 0)) return 'Failed';
  // Loops, not filter/every: this runs at every step of every running pod.
  let failed = false;
  for (const c of ctx.ctrs) {
    if (c.kind !== 'app') continue;
    if (c.phase !== 'exited' || shouldRestart(c, policy)) return undefined;
    if (c.exited!.exitCode !== 0) failed = true;
  }
  return failed ? 'Failed' : 'Succeeded';
}

function deletionDeadline(ctx: PodWorkerContext): number | undefined {
  const ts = ctx.pod.metadata.deletionTimestamp;
  if (!ts) return undefined;
  const grace = (ctx.pod.metadata.deletionGracePeriodSeconds ?? ctx.pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
  const due = parseRfc3339(ts);
  return Math.min(ctx.now + grace, Number.isNaN(due) ? Infinity : Math.max(ctx.now, due));
}

/**
 * A pod that needs the pod network waits while it is not ready (upstream syncPod's
 * NetworkNotReady): no sandbox yet; the network's next change syncs the pod again.
 */
function waitForNetwork(s: Step, error: string): void {
  if (s.ctx.networkWait === error) return;
  s.ctx.networkWait = error;
  record(s, 'Warning', 'NetworkNotReady', `${NETWORK_NOT_READY}: ${error}`);
}

function plan(s: Step): void {
  const ctx = s.ctx;
  if (ctx.adopted) {
    if (ctx.removed) ctx.sandbox = 'removed';
    else if (ctx.pod.metadata.deletionTimestamp && !ctx.deleteRequested) {
      ctx.deleteRequested = true;
      emit(s, { type: 'pod.delete' });
    }
    return;
  }
  if (ctx.removed) terminate(s, 'removed', ctx.now);
  else {
    const due = deletionDeadline(ctx);
    if (due !== undefined) terminate(s, 'deleted', due);
  }
  if (!ctx.termination) {
    if (ctx.sandbox === 'none' && ctx.networkError && !ctx.pod.spec.hostNetwork) return waitForNetwork(s, ctx.networkError);
    if (ctx.sandbox === 'none') {
      ctx.sandbox = 'creating';
      emit(s, { type: 'sandbox.run', sandbox: sandboxConfig(ctx.pod) });
      s.dirty = true;
    }
    if (ctx.sandbox !== 'ready') return;
    syncContainers(s);
    const phase = finalPhase(ctx);
    if (phase) {
      ctx.terminal = { phase };
      terminate(s, 'terminal', ctx.now + podGraceMs(ctx.pod));
    } else return;
  }
  killAll(s);
  if (ctx.ctrs.some((c) => c.phase === 'starting' || c.phase === 'running' || c.phase === 'stopping')) return;
  if (ctx.sandbox === 'ready') {
    ctx.sandbox = 'stopping';
    emit(s, { type: 'sandbox.stop', id: ctx.sandboxId! });
    return;
  }
  if (ctx.sandbox === 'creating' || ctx.sandbox === 'stopping') return;
  if (ctx.removed) {
    if (ctx.sandbox === 'stopped' && ctx.sandboxId) {
      ctx.sandbox = 'removing';
      emit(s, { type: 'sandbox.remove', id: ctx.sandboxId });
    } else if (ctx.sandbox !== 'removing') ctx.sandbox = 'removed';
  } else if (ctx.pod.metadata.deletionTimestamp && !ctx.deleteRequested) {
    ctx.deleteRequested = true;
    s.dirty = true;
  }
}
