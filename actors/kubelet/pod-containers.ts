// Which containers to start, restart (after the crash-loop backoff) or stop: upstream's
// computePodActions and doBackOff, as pure functions over a step.
import { formatGoDuration } from '../../api/duration.ts';
import { backoffDelay } from '../../bus/backoff.ts';
import { cancelTimer, containerConfig, emit, podGraceMs, podRef, record, sandboxConfig, setTimer, type Step } from './pod-step.ts';
import { PROBE_KINDS, specOf, type Ctr } from './pod-worker.types.ts';

/** How long a start error shows before the next sync acts on it (upstream's PLEG relist period wakes the pod worker). */
export const RESYNC_MS = 1000;

/** Returns whether an exited container runs again (restartPolicy, sidecars, probe kills). */
export function shouldRestart(c: Ctr, policy: string): boolean {
  if (c.kind === 'sidecar') return true;
  if (c.kill) return c.kill.restart;
  const code = c.exited?.exitCode ?? 0;
  if (c.kind === 'init') return code !== 0 && policy !== 'Never';
  return policy === 'Always' || (policy === 'OnFailure' && code !== 0);
}

/** Starts the container's next instance (the previous one becomes lastState). */
export function start(s: Step, c: Ctr): void {
  // A first start shows no change (waiting either way); a restart does (restartCount, lastState).
  if (c.phase === 'exited' && c.exited) {
    c.last = c.exited;
    c.attempt++;
    s.dirty = true;
  }
  Object.assign(c, { phase: 'starting', id: undefined, exited: undefined, waiting: undefined, inBackoff: false, pullRetryAt: undefined, kill: undefined, started: false, ready: false, probes: undefined, startedAt: undefined });
  const pod = s.ctx.pod;
  const spec = specOf(pod, c)!;
  c.specImage = spec.image;
  emit(s, {
    type: 'container.start',
    sandboxId: s.ctx.sandboxId!,
    sandbox: sandboxConfig(pod),
    config: containerConfig(pod, c),
    pullPolicy: spec.imagePullPolicy ?? 'IfNotPresent',
    // status.podIP(s) for the environment's fieldRefs.
    podIPs: s.ctx.podIP ? [s.ctx.podIP] : [],
  });
}

/**
 * Restarts an exited container unless it is in backoff (upstream doBackOff + flowcontrol.Backoff):
 * the first restart is immediate, then 10 s, 20 s, 40 s … capped; a container that ran longer
 * than resetMs since the last step starts over.
 */
export function restart(s: Step, c: Ctr): void {
  if (c.inBackoff) return;
  const now = s.ctx.now;
  const finished = c.exited?.finishedAt ?? now;
  const live = c.backoff && !stale(s, c.backoff, finished) ? c.backoff : undefined;
  const ms = live ? backoffDelay(live.steps, s.ctx.backoff) : 0;
  if (live && now - finished < ms) {
    const pod = s.ctx.pod;
    c.inBackoff = true;
    c.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${formatGoDuration(ms)} restarting failed container=${c.name} pod=${podRef(pod)}` };
    setTimer(s, `backoff:${c.name}`, finished + ms - now, { type: 'backoff.done', name: c.name, now: finished + ms });
    record(s, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${podRef(pod)}`, c.name);
    s.dirty = true;
    return;
  }
  step(s, c, finished);
  start(s, c);
}

/** A backoff entry as upstream's flowcontrol.Backoff keeps it: steps taken (delay = backoffDelay(steps)) and when last stepped. */
type BackoffEntry = NonNullable<Ctr['backoff']>;

/** Whether a backoff entry starts over: not stepped for resetMs before `since` (upstream's IsExpired / GC). */
const stale = (s: Step, entry: BackoffEntry, since: number) => since - entry.at > s.ctx.backoff.resetMs;

/** Steps a backoff entry (upstream flowcontrol.Backoff.Next): a missing or stale one starts over at one step. */
const next = (s: Step, entry: BackoffEntry | undefined, since: number): BackoffEntry => ({ steps: !entry || stale(s, entry, since) ? 1 : entry.steps + 1, at: s.ctx.now });

/** Steps a container's crash-loop backoff entry; returns its new delay. */
function step(s: Step, c: Ctr, since: number): number {
  c.backoff = next(s, c.backoff, since);
  return backoffDelay(c.backoff.steps, s.ctx.backoff);
}

/**
 * Retries a start that failed, showing why meanwhile. A failed pull steps the image's own backoff
 * (upstream's imageBackOff, keyed by pod, container and image; the crash-loop entry is untouched);
 * any other start error (CreateContainerConfigError …) is retried by the next pod sync, which
 * upstream's pod worker requeues after its fixed backOffPeriod (10 s).
 */
export function startFailed(s: Step, c: Ctr, reason: string, message: string): void {
  const now = s.ctx.now;
  c.phase = 'none';
  c.id = undefined;
  c.waiting = { reason, message };
  s.dirty = true;
  if (s.ctx.termination) return;
  c.inBackoff = true;
  let wait = s.ctx.backoff.initialMs;
  if (reason === 'ErrImagePull') {
    const image = specOf(s.ctx.pod, c)?.image ?? '';
    const entry = next(s, c.pullBackoff?.image === image ? c.pullBackoff : undefined, now);
    c.pullBackoff = { image, ...entry };
    const ms = backoffDelay(entry.steps, s.ctx.backoff);
    c.pullRetryAt = now + ms;
    // ErrImagePull shows until the next sync, which finds the image in its backoff.
    wait = Math.min(RESYNC_MS, ms);
  }
  setTimer(s, `backoff:${c.name}`, wait, { type: 'backoff.done', name: c.name, now: now + wait });
}

/**
 * The sync after a failed pull: while the image is in its backoff the container waits in
 * ImagePullBackOff (upstream EnsureImageExists); returns whether it still waits.
 */
export function pullBackoff(s: Step, c: Ctr): boolean {
  if (c.pullRetryAt === undefined || s.ctx.now >= c.pullRetryAt || c.waiting?.reason !== 'ErrImagePull') return false;
  const image = specOf(s.ctx.pod, c)?.image ?? '';
  c.waiting = { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ErrImagePull: ${c.waiting.message ?? ''}` };
  record(s, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, c.name);
  record(s, 'Warning', 'Failed', 'Error: ImagePullBackOff', c.name);
  setTimer(s, `backoff:${c.name}`, c.pullRetryAt - s.ctx.now, { type: 'backoff.done', name: c.name, now: c.pullRetryAt });
  s.dirty = true;
  return true;
}

/** Stops a running (or created) container: `restart` says whether it runs again afterwards. */
export function kill(s: Step, c: Ctr, graceMs: number, message: string, restart?: boolean): void {
  for (const k of PROBE_KINDS) cancelTimer(s, `probe:${c.name}:${k}`);
  if (restart !== undefined) c.kill = { restart };
  c.phase = 'stopping';
  emit(s, { type: 'container.stop', id: c.id!, name: c.name, graceMs });
  record(s, 'Normal', 'Killing', message, c.name);
}

/** Starts what should run now: init containers one at a time in order, then every app container. */
export function syncContainers(s: Step): void {
  const policy = s.ctx.pod.spec.restartPolicy ?? 'Always';
  for (const c of s.ctx.ctrs) {
    if (c.kind === 'app') continue;
    if (c.phase === 'none' && !c.inBackoff) return start(s, c);
    if (c.kind === 'sidecar') {
      if (c.phase === 'exited') restart(s, c);
      if (!c.started) return;
      continue;
    }
    if (c.phase !== 'exited') return;
    if (c.exited!.exitCode === 0) continue;
    if (shouldRestart(c, policy)) restart(s, c);
    return;
  }
  for (const c of s.ctx.ctrs) {
    if (c.kind !== 'app') continue;
    if (c.phase === 'none' && !c.inBackoff) start(s, c);
    else if (c.phase === 'exited' && shouldRestart(c, policy)) restart(s, c);
    else if (c.phase === 'running' && specOf(s.ctx.pod, c)?.image !== c.specImage) {
      // The image was updated (the one pod spec field that may change): restart whatever the policy.
      kill(s, c, podGraceMs(s.ctx.pod), `Container ${c.name} definition changed, will be restarted`, true);
    }
  }
}

/** Stops every container still running or being created, with the termination's grace period. */
export function killAll(s: Step): void {
  const graceMs = Math.max(0, s.ctx.termination!.deadline - s.ctx.now);
  for (const c of s.ctx.ctrs) {
    if (c.phase === 'running' || (c.phase === 'starting' && c.id)) kill(s, c, graceMs, `Stopping container ${c.name}`);
  }
}

/** Cancels every pending restart and probe (the pod is terminating). */
export function cancelAll(s: Step): void {
  for (const c of s.ctx.ctrs) {
    c.pullRetryAt = undefined;
    if (c.inBackoff) {
      c.inBackoff = false;
      c.waiting = c.phase === 'exited' ? undefined : c.waiting;
      s.dirty = true;
    }
    cancelTimer(s, `backoff:${c.name}`);
    for (const k of PROBE_KINDS) cancelTimer(s, `probe:${c.name}:${k}`);
  }
  cancelTimer(s, 'deadline');
  cancelTimer(s, 'sandbox.retry');
}
