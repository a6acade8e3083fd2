// A pod's READY, STATUS and RESTARTS cells as kubectl 1.32 computes them (printers.go printPod).
import { humanDuration, timeOf } from './age.ts';
import { arr, bool, int, rec, recs, str, type Obj } from './loose.ts';

/** The summary kubectl prints for a pod. */
export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

const isRestartable = (c: Obj | undefined): boolean => c !== undefined && c.restartPolicy === 'Always';

// Go's metav1.Time.Before on possibly-zero times: a zero time is before every set time.
const later = (current: number | undefined, candidate: unknown): number | undefined => {
  const t = timeOf(candidate);
  if (t === undefined) return current;
  return current === undefined || current < t ? t : current;
};

const conditionTrue = (conds: Obj[], type: string): boolean => conds.find((c) => c.type === type)?.status === 'True';
const terminal = (phase: string): boolean => phase === 'Succeeded' || phase === 'Failed';

function initReason(st: Obj, i: number, total: number): string {
  const state = rec(st.state);
  const term = state.terminated === undefined ? undefined : rec(state.terminated);
  if (term) {
    const reason = str(term.reason);
    if (reason) return `Init:${reason}`;
    return int(term.signal) !== 0 ? `Init:Signal:${int(term.signal)}` : `Init:ExitCode:${int(term.exitCode)}`;
  }
  const waiting = str(rec(state.waiting).reason);
  if (state.waiting !== undefined && waiting && waiting !== 'PodInitializing') return `Init:${waiting}`;
  return `Init:${i}/${total}`;
}

/** Returns READY "n/m", STATUS (Running, Init:1/2, CrashLoopBackOff, Completed, Terminating...) and RESTARTS ("3 (2m ago)"). */
export function podSummary(pod: unknown, now: number): PodSummary {
  const p = rec(pod);
  const spec = rec(p.spec);
  const status = rec(p.status);
  const conds = recs(status.conditions);
  const phase = str(status.phase);
  let reason = str(status.reason) || phase;
  for (const c of conds) if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';

  const initSpecs = new Map<string, Obj>();
  let total = arr(spec.containers).length;
  const specInit = recs(spec.initContainers);
  for (const c of specInit) {
    initSpecs.set(str(c.name), c);
    if (isRestartable(c)) total++;
  }

  let restarts = 0;
  let sidecarRestarts = 0;
  let ready = 0;
  let lastRestart: number | undefined;
  let lastSidecarRestart: number | undefined;
  let initializing = false;
  const initStatuses = recs(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const st = initStatuses[i];
    const finished = rec(rec(st.lastState).terminated).finishedAt;
    restarts += int(st.restartCount);
    if (rec(st.lastState).terminated !== undefined) lastRestart = later(lastRestart, finished);
    const sidecar = isRestartable(initSpecs.get(str(st.name)));
    if (sidecar) {
      sidecarRestarts += int(st.restartCount);
      if (rec(st.lastState).terminated !== undefined) lastSidecarRestart = later(lastSidecarRestart, finished);
    }
    const term = rec(st.state).terminated;
    if (term !== undefined && int(rec(term).exitCode) === 0) continue;
    if (sidecar && bool(st.started)) {
      if (bool(st.ready)) ready++;
      continue;
    }
    reason = initReason(st, i, specInit.length);
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(conds, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = recs(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const st = statuses[i];
      restarts += int(st.restartCount);
      if (rec(st.lastState).terminated !== undefined) lastRestart = later(lastRestart, rec(rec(st.lastState).terminated).finishedAt);
      const state = rec(st.state);
      const waiting = str(rec(state.waiting).reason);
      const term = state.terminated === undefined ? undefined : rec(state.terminated);
      if (state.waiting !== undefined && waiting !== '') reason = waiting;
      else if (term && str(term.reason) !== '') reason = str(term.reason);
      else if (term) reason = int(term.signal) !== 0 ? `Signal:${int(term.signal)}` : `ExitCode:${int(term.exitCode)}`;
      else if (bool(st.ready) && state.running !== undefined) {
        hasRunning = true;
        ready++;
      }
    }
    // A pod whose last-listed container completed but another still runs is Running (or NotReady).
    if (reason === 'Completed' && hasRunning) reason = conditionTrue(conds, 'Ready') ? 'Running' : 'NotReady';
  }

  const meta = rec(p.metadata);
  if (meta.deletionTimestamp != null && status.reason === 'NodeLost') reason = 'Unknown';
  else if (meta.deletionTimestamp != null && !terminal(phase)) reason = 'Terminating';

  let restartsCell = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) restartsCell = `${restarts} (${humanDuration(now - lastRestart)} ago)`;
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsCell };
}

/** Returns the wide columns of a pod: IP, NODE, NOMINATED NODE, READINESS GATES. */
export function podWideCells(pod: unknown): string[] {
  const p = rec(pod);
  const spec = rec(p.spec);
  const status = rec(p.status);
  // Internal objects carry podIP in podIPs (v1 conversion fills it), so a podIP-only object still shows its IP.
  const ip = str(rec(arr(status.podIPs)[0]).ip) || str(status.podIP) || '<none>';
  const gates = recs(spec.readinessGates);
  let gatesCell = '<none>';
  if (gates.length > 0) {
    const conds = recs(status.conditions);
    const n = gates.filter((g) => conds.find((c) => c.type === g.conditionType)?.status === 'True').length;
    gatesCell = `${n}/${gates.length}`;
  }
  return [ip, str(spec.nodeName) || '<none>', str(status.nominatedNodeName) || '<none>', gatesCell];
}
