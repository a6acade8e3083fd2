// Startup, liveness and readiness probes as upstream's prober workers: one timer per probe of a
// running container (none for containers without probes), consecutive-result thresholds, startup
// gating the others, a failed liveness or startup probe killing the container.
import type { Container, Probe } from '../../api/kinds/container.ts';
import { kill } from './pod-containers.ts';
import { cancelTimer, emit, record, setTimer, type Step } from './pod-step.ts';
import { specOf, type Ctr, type PodWorkerEvent } from './pod-worker.types.ts';
import type { ProbeKind } from './runtimes/runtime.ts';

const TITLE: Record<ProbeKind, string> = { startup: 'Startup', liveness: 'Liveness', readiness: 'Readiness' };

/** Returns a container's probe of one kind. */
export function probeOf(spec: Container | undefined, kind: ProbeKind): Probe | undefined {
  if (!spec) return undefined;
  return kind === 'startup' ? spec.startupProbe : kind === 'liveness' ? spec.livenessProbe : spec.readinessProbe;
}

const timerId = (c: Ctr, kind: ProbeKind) => `probe:${c.name}:${kind}`;

/** Schedules a probe's first run: initialDelaySeconds after the container started. */
function arm(s: Step, c: Ctr, kind: ProbeKind, probe: Probe): void {
  const delay = Math.max(0, c.startedAt! + (probe.initialDelaySeconds ?? 0) * 1000 - s.ctx.now);
  setTimer(s, timerId(c, kind), delay, { type: 'probe.tick', name: c.name, id: c.id!, kind, now: s.ctx.now + delay });
}

function afterStartup(s: Step, c: Ctr, spec: Container | undefined): void {
  c.started = true;
  const liveness = probeOf(spec, 'liveness');
  const readiness = probeOf(spec, 'readiness');
  if (liveness) arm(s, c, 'liveness', liveness);
  if (readiness) arm(s, c, 'readiness', readiness);
  c.ready = !readiness;
}

/** Sets started/ready for a container that just started and arms its probes. */
export function onContainerStarted(s: Step, c: Ctr): void {
  const spec = specOf(s.ctx.pod, c);
  const startup = probeOf(spec, 'startup');
  if (startup) {
    c.started = false;
    c.ready = false;
    arm(s, c, 'startup', startup);
  } else afterStartup(s, c, spec);
}

/** Runs a due probe and schedules the next run one period later. */
export function onProbeTick(s: Step, ev: Extract<PodWorkerEvent, { type: 'probe.tick' }>): void {
  const c = s.ctx.ctrs.find((x) => x.name === ev.name);
  if (!c || c.id !== ev.id || c.phase !== 'running') return;
  const probe = probeOf(specOf(s.ctx.pod, c), ev.kind);
  if (!probe) return;
  emit(s, { type: 'probe.run', id: c.id, name: c.name, kind: ev.kind, probe, podIP: s.ctx.podIP });
  const period = (probe.periodSeconds ?? 10) * 1000;
  setTimer(s, timerId(c, ev.kind), period, { ...ev, now: ev.now + period });
}

/** Counts a probe result; once a threshold is reached the result takes effect. */
export function onProbeResult(s: Step, ev: Extract<PodWorkerEvent, { type: 'probe.result' }>): void {
  const c = s.ctx.ctrs.find((x) => x.name === ev.name);
  if (!c || c.id !== ev.id || c.phase !== 'running') return;
  const spec = specOf(s.ctx.pod, c);
  const probe = probeOf(spec, ev.kind);
  if (!probe) return;
  const ps = { ...(c.probes?.[ev.kind] ?? { run: 0 }) };
  if (ps.last === ev.result) ps.run++;
  else Object.assign(ps, { last: ev.result, run: 1 });
  c.probes = { ...c.probes, [ev.kind]: ps };
  if (ev.result === 'failure') record(s, 'Warning', 'Unhealthy', `${TITLE[ev.kind]} probe failed: ${ev.output}`, c.name);
  const threshold = ev.result === 'failure' ? (probe.failureThreshold ?? 3) : (probe.successThreshold ?? 1);
  if (ps.run < threshold || ps.result === ev.result) return;
  ps.result = ev.result;
  if (ev.kind === 'readiness') {
    if (c.ready !== (ev.result === 'success')) s.dirty = true;
    c.ready = ev.result === 'success';
  } else if (ev.kind === 'startup' && ev.result === 'success') {
    cancelTimer(s, timerId(c, 'startup'));
    afterStartup(s, c, spec);
    s.dirty = true;
  } else if (ev.result === 'failure') {
    const restart = (s.ctx.pod.spec.restartPolicy ?? 'Always') !== 'Never';
    const graceS = probe.terminationGracePeriodSeconds ?? s.ctx.pod.spec.terminationGracePeriodSeconds ?? 30;
    kill(s, c, graceS * 1000, `Container ${c.name} failed ${ev.kind} probe${restart ? ', will be restarted' : ''}`, restart);
  }
}
