// Pod status as the kubelet reports it (upstream generateAPIPodStatus, getPhase,
// convertToAPIContainerStatuses and status/generate.go), computed from a pod worker's context.
// Pure: times come from the context; condition transition times are added by the status manager.
import type { Condition } from '../../api/kinds/common.ts';
import type { Container } from '../../api/kinds/container.ts';
import type { ContainerState, ContainerStatus, Pod, PodPhase, PodStatus } from '../../api/kinds/pod.ts';
import { qosClass } from '../../api/kinds/pod-helpers.ts';
import { rfc3339 } from '../../api/names.ts';
import type { Ctr, PodWorkerContext, Terminated } from './pod-worker.types.ts';

/** Condition types the kubelet owns (upstream PodConditionsByKubelet); others are kept as they are. */
export const KUBELET_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);

const goList = (names: string[]) => `[${names.join(' ')}]`;

function terminatedState(t: Terminated, runtime: string): NonNullable<ContainerState['terminated']> {
  const out: NonNullable<ContainerState['terminated']> = {
    exitCode: t.exitCode,
    reason: t.reason,
    startedAt: rfc3339(t.startedAt),
    finishedAt: rfc3339(t.finishedAt),
    containerID: `${runtime}://${t.id}`,
  };
  if (t.message) out.message = t.message;
  return out;
}

/** Returns the API status of one container (state, lastState, ready, started, restartCount, ids). */
export function containerStatus(ctx: PodWorkerContext, c: Ctr, specImage: string): ContainerStatus {
  const runtime = ctx.runtime;
  const hasInit = (ctx.pod.spec.initContainers?.length ?? 0) > 0;
  let state: ContainerState;
  let last: ContainerState = c.last ? { terminated: terminatedState(c.last, runtime) } : {};
  if (c.phase === 'running' || c.phase === 'stopping') state = { running: { startedAt: rfc3339(c.startedAt!) } };
  else if (c.phase === 'exited' && c.waiting) {
    state = { waiting: { ...c.waiting } };
    last = { terminated: terminatedState(c.exited!, runtime) };
  } else if (c.phase === 'exited') state = { terminated: terminatedState(c.exited!, runtime) };
  else state = { waiting: c.waiting ? { ...c.waiting } : { reason: hasInit ? 'PodInitializing' : 'ContainerCreating' } };
  const s: ContainerStatus = {
    name: c.name,
    state,
    lastState: last,
    // A regular init container is ready once it completed (upstream prober UpdatePodStatus).
    ready: c.kind === 'init' ? c.phase === 'exited' && c.exited!.exitCode === 0 : c.ready,
    restartCount: c.attempt,
    image: c.image ?? specImage,
    imageID: c.imageRef ?? '',
    started: c.started,
  };
  const id = c.id ?? c.exited?.id;
  if (id) s.containerID = `${runtime}://${id}`;
  return s;
}

/** Returns the phase from container statuses, as upstream getPhase (v1.32, sidecars included). */
export function getPhase(pod: Pod, init: ContainerStatus[], app: ContainerStatus[], podIsTerminal: boolean, podHasInitialized: boolean): PodPhase {
  const policy = pod.spec.restartPolicy ?? 'Always';
  let pendingInit = 0;
  let pendingSidecar = 0;
  let failedInit = 0;
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  (pod.spec.initContainers ?? []).forEach((spec, i) => {
    const s = init[i];
    const st = s?.state ?? {};
    if (spec.restartPolicy === 'Always') {
      if (!s) unknown++;
      else if (st.running) {
        if (!s.started) pendingSidecar++;
        running++;
      } else if (st.waiting && !s.lastState?.terminated) {
        pendingSidecar++;
        waiting++;
      } else if (!st.terminated && !st.waiting) {
        pendingSidecar++;
        unknown++;
      }
      return;
    }
    if (!s || st.running) pendingInit++;
    else if (st.terminated) failedInit += st.terminated.exitCode !== 0 ? 1 : 0;
    else if (st.waiting && s.lastState?.terminated) failedInit += s.lastState.terminated.exitCode !== 0 ? 1 : 0;
    else pendingInit++;
  });
  for (const s of app) {
    const st = s.state ?? {};
    if (st.running) running++;
    else if (st.terminated) {
      stopped++;
      if (st.terminated.exitCode === 0) succeeded++;
    } else if (st.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if (pendingInit > 0 || (pendingSidecar > 0 && !podHasInitialized) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

const NO_CONTAINERS: readonly Container[] = [];

/** Returns whether the status of the container named `name` says ready. */
function readyNamed(statuses: ContainerStatus[], name: string): boolean {
  for (const s of statuses) if (s.name === name) return !!s.ready;
  return false;
}

/** Returns the kubelet-owned conditions (status/generate.go), without times. */
export function podConditions(ctx: PodWorkerContext, init: ContainerStatus[], app: ContainerStatus[], phase: PodPhase): Condition[] {
  const pod = ctx.pod;
  const specInit = pod.spec.initContainers ?? NO_CONTAINERS;
  const out: Condition[] = [{ type: 'PodReadyToStartContainers', status: ctx.sandbox === 'ready' ? 'True' : 'False' }];

  // Loops, not map/filter chains: this runs at every status change of every pod (most have no init containers).
  const incomplete: string[] = [];
  for (let i = 0; i < specInit.length; i++) if (specInit[i].restartPolicy === 'Always' ? !init[i]?.started : !init[i]?.ready) incomplete.push(specInit[i].name);
  const anyAppStarted = ctx.ctrs.some((c) => c.kind === 'app' && (c.phase !== 'none' || c.attempt > 0 || c.last));
  if (phase === 'Succeeded') out.push({ type: 'Initialized', status: 'True', reason: 'PodCompleted' });
  else if (anyAppStarted || incomplete.length === 0) out.push({ type: 'Initialized', status: 'True' });
  else out.push({ type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: ${goList(incomplete)}` });

  let containersReady: Condition;
  if (phase === 'Succeeded' || phase === 'Failed') {
    containersReady = { type: 'ContainersReady', status: 'False', reason: phase === 'Succeeded' ? 'PodCompleted' : 'PodFailed' };
  } else {
    const unready: string[] = [];
    for (let i = 0; i < specInit.length; i++) if (specInit[i].restartPolicy === 'Always' && !init[i]?.ready) unready.push(specInit[i].name);
    for (const c of pod.spec.containers) if (!readyNamed(app, c.name)) unready.push(c.name);
    containersReady = unready.length
      ? { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: ${goList(unready)}` }
      : { type: 'ContainersReady', status: 'True' };
  }
  let ready: Condition = { ...containersReady, type: 'Ready' };
  if (containersReady.status === 'True') {
    const gates: string[] = [];
    for (const g of pod.spec.readinessGates ?? []) {
      const c = pod.status?.conditions?.find((x) => x.type === g.conditionType);
      if (!c) gates.push(`corresponding condition of pod readiness gate "${g.conditionType}" does not exist.`);
      else if (c.status !== 'True') gates.push(`the status of pod readiness gate "${g.conditionType}" is not "True", but ${c.status}`);
    }
    if (gates.length) ready = { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: gates.join(', ') };
  }
  out.push(ready, containersReady);
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  out.push(scheduled?.status === 'True' && scheduled.lastTransitionTime ? { type: 'PodScheduled', status: 'True', lastTransitionTime: scheduled.lastTransitionTime } : { type: 'PodScheduled', status: 'True' });
  return out;
}

/** Returns whether the worker has stopped everything it will ever run (upstream podIsTerminal). */
export const podIsTerminal = (ctx: PodWorkerContext) =>
  !!ctx.termination &&
  ctx.sandbox !== 'ready' &&
  ctx.sandbox !== 'creating' &&
  ctx.sandbox !== 'stopping' &&
  !ctx.ctrs.some((c) => c.phase === 'starting' || c.phase === 'running' || c.phase === 'stopping');

const byName = (a: ContainerStatus, b: ContainerStatus) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Returns the pod's status as the kubelet would write it; the status manager adds condition times and others' conditions. */
export function generatePodStatus(ctx: PodWorkerContext): PodStatus {
  const pod = ctx.pod;
  const init: ContainerStatus[] = [];
  const app: ContainerStatus[] = [];
  let hasInitialized = false;
  for (const c of ctx.ctrs) {
    const spec = (c.kind === 'app' ? pod.spec.containers : pod.spec.initContainers)?.find((x) => x.name === c.name);
    (c.kind === 'app' ? app : init).push(containerStatus(ctx, c, spec?.image ?? ''));
    if (c.kind === 'app' && (c.phase !== 'none' || c.attempt > 0)) hasInitialized = true;
  }
  if (app.length > 1) app.sort(byName);
  const phase = ctx.terminal?.phase ?? getPhase(pod, init, app, podIsTerminal(ctx), hasInitialized);
  const status: PodStatus = {
    phase,
    conditions: podConditions(ctx, init, app, phase),
    hostIP: ctx.hostIP,
    hostIPs: [{ ip: ctx.hostIP }],
    startTime: rfc3339(ctx.startTime),
    containerStatuses: app,
    qosClass: pod.status?.qosClass ?? qosClass(pod),
  };
  if (init.length) status.initContainerStatuses = init;
  if (ctx.podIP) {
    status.podIP = ctx.podIP;
    status.podIPs = [{ ip: ctx.podIP }];
  }
  if (ctx.terminal?.reason) {
    status.reason = ctx.terminal.reason;
    status.message = ctx.terminal.message;
  }
  return status;
}
