// The side of a pod worker that touches the world: runtime calls (sandbox, image, containers,
// probes), pod Events and status writes. Each command's result goes back to the worker as an
// event stamped with the clock's time.
import type { Probe } from '../../api/kinds/container.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import type { EventRecorder } from '../lib/events.ts';
import type { Clock } from '../../bus/clock.ts';
import type { Logger } from '../../bus/types.ts';
import type { PodCommand, PodWorkerEvent } from './pod-worker.types.ts';
import { formatGoDuration } from '../../api/duration.ts';
import { RuntimeError, type ContainerConfig, type ContainerRuntime, type ProbeKind, type ProbeOutcome, type SandboxConfig } from './runtimes/runtime.ts';
import { httpProbe, tcpProbe } from './net-probe.ts';
import type { StatusManager } from './status-manager.ts';
import type { CriDnsConfig, DnsWarning } from './dns-config.ts';
import type { EnvProvider } from './env-provider.ts';
import { VolumeSetupError } from './volumes/volume-plan.ts';
import type { VolumeManager } from './volumes/volume-manager.ts';

/** Something that takes a worker's events (its actor ref). */
export interface WorkerRef {
  send(ev: PodWorkerEvent): void;
  getSnapshot(): { status: string; context?: { pod: Pod; podIP?: string; termination?: unknown } };
}

/** What pod effects use: the runtime, the status manager, Events (optional), clock, log. */
export interface PodEffectsDeps {
  runtime: ContainerRuntime;
  status: StatusManager;
  /** Undefined when the kubelet records no Events (benchmarks). */
  events?: EventRecorder;
  clock: Clock;
  log: Logger;
  /** Resolves containers' environments (valueFrom, envFrom, Service variables); without it, only env values. */
  env?: EnvProvider;
  /** A pod's resolv.conf by its dnsPolicy (dns-config.ts) and the Events about it; without it, none. */
  dns?: (pod: Pod) => { config: CriDnsConfig; warnings: DnsWarning[] };
  /** Pods' volumes on the host (a real runtime); without it, containers get no mounts. */
  volumes?: VolumeManager;
}

/** Upstream's volume mount retry (durationBeforeRetry 500 ms, doubling to 2 m 2 s). */
const MOUNT_RETRY = { initialMs: 500, maxMs: 122_000 };

/** Returns the named ports of a pod's container (for probes that name their port). */
const namedPorts = (pod: Pod, container: string): Record<string, number> =>
  Object.fromEntries(
    [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c) => c.name === container)?.ports?.flatMap((p) => (p.name ? [[p.name, p.containerPort]] : [])) ?? [],
  );

const errReason = (err: unknown, fallback: string) => (err instanceof RuntimeError ? err.reason : fallback);
const errMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Runs pod worker commands against the runtime and the API. */
export class PodEffects {
  constructor(private readonly d: PodEffectsDeps) {}

  /** Carries out `cmd` for the worker `self` of `pod`; never throws (failures come back as events or logs). */
  run(cmd: PodCommand, pod: Pod, self: WorkerRef): void {
    // Status writes and Events, most of the commands, need none of the closures below.
    if (cmd.type === 'status') return this.d.status.set(pod, cmd.status, cmd.deleteWhenWritten);
    if (cmd.type === 'event') return void this.d.events?.record(pod, cmd.eventType, cmd.reason, cmd.message);
    const { runtime, clock, log } = this.d;
    const send = (ev: PodWorkerEvent) => {
      if (self.getSnapshot().status === 'active') self.send(ev);
    };
    const now = () => clock.now();
    const failed = (what: string) => (err: unknown) => log.error({ pod: pod.metadata.name, err: errMessage(err) }, `${what} failed`);
    switch (cmd.type) {
      case 'sandbox.run':
        void this.runSandbox(cmd.sandbox, pod, self, send);
        return;
      case 'sandbox.stop':
        runtime.stopPodSandbox(cmd.id).then(() => send({ type: 'sandbox.stopped', now: now() }), (err) => {
          failed('stopping the pod sandbox')(err);
          send({ type: 'sandbox.stopped', now: now() });
        });
        return;
      case 'sandbox.remove':
        runtime.removePodSandbox(cmd.id).then(() => this.removed(pod, send), (err) => {
          failed('removing the pod sandbox')(err);
          this.removed(pod, send);
        });
        return;
      case 'container.start':
        void this.startContainer(cmd, pod, send);
        return;
      case 'container.stop':
        // The exit normally arrives through onContainerExit; this also covers a container the runtime lost.
        runtime
          .stopContainer(cmd.id, cmd.graceMs)
          .then(() => runtime.containerStatus(cmd.id))
          .then((info) => {
            const at = now();
            if (info?.state === 'exited')
              send({ type: 'container.exited', name: cmd.name, id: cmd.id, exitCode: info.exitCode ?? 0, reason: info.reason ?? 'Completed', message: info.message, startedAt: info.startedAt ?? at, finishedAt: info.finishedAt ?? at, now: at });
            else if (!info)
              send({ type: 'container.exited', name: cmd.name, id: cmd.id, exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', startedAt: at, finishedAt: at, now: at });
          })
          .catch(failed(`stopping container ${cmd.name}`));
        return;
      case 'probe.run':
        void this.probe(cmd.id, cmd.kind, cmd.probe, cmd.podIP ?? pod.status?.podIP ?? '', namedPorts(pod, cmd.name)).then((r) =>
          send({ type: 'probe.result', name: cmd.name, id: cmd.id, kind: cmd.kind, result: r.result, output: r.output, now: now() }),
        );
        return;
      case 'pod.delete':
        this.d.status.delete(pod);
        return;
    }
  }

  /** EnsureImageExists, CreateContainer, StartContainer, with upstream's Events. */
  private async startContainer(cmd: Extract<PodCommand, { type: 'container.start' }>, pod: Pod, send: (ev: PodWorkerEvent) => void): Promise<void> {
    const { runtime, clock, events } = this.d;
    const { name, attempt, image } = cmd.config;
    let step = 'ErrImagePull';
    let created: string | undefined;
    try {
      const pulled = await runtime.ensureImage(image, cmd.pullPolicy, cmd.sandbox, name, () => events?.record(pod, 'Normal', 'Pulling', `Pulling image "${image}"`));
      if (pulled.pulled) {
        const took = formatGoDuration(pulled.durationMs);
        events?.record(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${pulled.sizeBytes} bytes.`);
      } else events?.record(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
      step = 'CreateContainerConfigError';
      const config = await this.withEnv(cmd, pod);
      if (this.d.volumes) {
        // A pod adopted after a kubelet restart never ran the sandbox step: its volumes are set up (and resynced) from here.
        const volumes = this.d.volumes;
        if (!volumes.tracks(pod.metadata.uid!)) await volumes.setUp(pod, () => cmd.podIPs ?? []);
        config.mounts = volumes.mounts(pod, name);
      }
      step = 'CreateContainerError';
      const id = (created = await runtime.createContainer(cmd.sandboxId, config, cmd.sandbox));
      const info = await runtime.containerStatus(id);
      send({ type: 'container.created', name, attempt, id, image: info?.image ?? image, imageRef: info?.imageRef ?? pulled.imageRef, now: clock.now() });
      events?.record(pod, 'Normal', 'Created', `Created container: ${name}`);
      step = 'RunContainerError';
      await runtime.startContainer(id);
      send({ type: 'container.started', name, attempt, id, now: clock.now() });
      events?.record(pod, 'Normal', 'Started', `Started container ${name}`);
    } catch (err) {
      const reason = errReason(err, step);
      if (reason === 'ErrImagePull') events?.record(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${errMessage(err)}`);
      if (reason === 'ErrImageNeverPull') events?.record(pod, 'Warning', reason, errMessage(err));
      // A start the runtime refused (no such command) leaves an exited instance (StartError, 128): it is an exit, restarted with the crash-loop backoff.
      const info = created && reason === 'RunContainerError' ? await runtime.containerStatus(created).catch(() => undefined) : undefined;
      // Upstream records the gRPC message, which for an image error is the error's name alone; a start that lost a race (the sim's) records nothing.
      const named = reason === 'ErrImagePull' || reason === 'ErrImageNeverPull';
      if (reason !== 'RunContainerError' || info?.state === 'exited') events?.record(pod, 'Warning', 'Failed', `Error: ${named ? reason : errMessage(err)}`);
      if (info?.state === 'exited') {
        const at = clock.now();
        send({ type: 'container.exited', name, id: info.id, exitCode: info.exitCode ?? 128, reason: info.reason ?? 'StartError', message: info.message ?? errMessage(err), startedAt: info.startedAt ?? 0, finishedAt: info.finishedAt ?? at, now: at });
      } else send({ type: 'container.failed', name, attempt, reason, message: errMessage(err), now: clock.now() });
    }
  }

  /**
   * Sets the pod's volumes up, then runs its sandbox (upstream WaitForAttachAndMount before
   * SyncPod): a volume that cannot be set up yet is a FailedMount Event and a retry with backoff
   * while the pod waits; a pod that ends meanwhile gets its volumes removed and no sandbox.
   */
  private async runSandbox(sandbox: SandboxConfig, pod: Pod, self: WorkerRef, send: (ev: PodWorkerEvent) => void): Promise<void> {
    const { runtime, clock, volumes, events } = this.d;
    const latest = () => self.getSnapshot().context?.pod ?? pod;
    for (let delay = MOUNT_RETRY.initialMs; volumes; delay = Math.min(delay * 2, MOUNT_RETRY.maxMs)) {
      const snap = self.getSnapshot();
      if (snap.status !== 'active' || snap.context?.termination) {
        await volumes.tearDown(pod.metadata.uid!).catch((err) => this.d.log.warn({ pod: pod.metadata.name, err: errMessage(err) }, 'volume teardown failed'));
        send({ type: 'sandbox.failed', reason: 'FailedMount', message: 'the pod ended before its volumes were set up', now: clock.now() });
        return;
      }
      try {
        await volumes.setUp(latest(), () => (self.getSnapshot().context?.podIP ? [self.getSnapshot().context!.podIP!] : []), latest);
        break;
      } catch (err) {
        const message = err instanceof VolumeSetupError ? err.message : `MountVolume.SetUp failed : ${errMessage(err)}`;
        events?.record(latest(), 'Warning', 'FailedMount', message);
        await new Promise<void>((resolve) => clock.setTimeout(resolve, delay));
      }
    }
    runtime.runPodSandbox(this.withDns(sandbox, pod)).then(
      ({ id, ip }) => send({ type: 'sandbox.ready', id, ip, now: clock.now() }),
      (err) => send({ type: 'sandbox.failed', reason: errReason(err, 'FailedCreatePodSandBox'), message: errMessage(err), now: clock.now() }),
    );
  }

  /** The sandbox is gone: so are the pod's volumes (tmpfs unmounted, pod dir removed). */
  private removed(pod: Pod, send: (ev: PodWorkerEvent) => void): void {
    const done = () => send({ type: 'sandbox.removed', now: this.d.clock.now() });
    if (!this.d.volumes) return done();
    this.d.volumes.tearDown(pod.metadata.uid!).then(done, (err) => {
      this.d.log.warn({ pod: pod.metadata.name, err: errMessage(err) }, 'volume teardown failed');
      done();
    });
  }

  /** The sandbox config with the pod's DNS config; DNSConfigForming and MissingClusterDNS become pod Events. */
  private withDns(sandbox: SandboxConfig, pod: Pod): SandboxConfig {
    if (!this.d.dns) return sandbox;
    const { config, warnings } = this.d.dns(pod);
    for (const w of warnings) {
      if (w.onNode) this.d.log.warn({ pod: pod.metadata.name }, w.message);
      else this.d.events?.record(pod, 'Warning', w.reason, w.message);
    }
    return { ...sandbox, dnsConfig: config };
  }

  /** The container's config with its environment resolved and $(VAR) in command and args expanded (upstream generateContainerConfig). */
  private async withEnv(cmd: Extract<PodCommand, { type: 'container.start' }>, pod: Pod): Promise<ContainerConfig> {
    if (!this.d.env) return cmd.config;
    const r = await this.d.env.resolve(pod, cmd.config.name, cmd.podIPs ?? []);
    for (const e of r.events) this.d.events?.record(pod, e.type, e.reason, e.message);
    return { ...cmd.config, env: r.env, ...(r.command && { command: r.command }), ...(r.args && { args: r.args }) };
  }

  /** Runs one probe with its timeout; exec probes go through the runtime when it has no prober of its own. */
  private async probe(id: string, kind: ProbeKind, probe: Probe, podIP: string, ports: Record<string, number>): Promise<ProbeOutcome> {
    const { runtime, clock } = this.d;
    const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
    let timer: unknown;
    const timeout = new Promise<ProbeOutcome>((resolve) => {
      timer = clock.setTimeout(() => resolve({ result: 'failure', output: `probe timed out after ${formatGoDuration(timeoutMs)}` }), timeoutMs);
    });
    const run = async (): Promise<ProbeOutcome> => {
      if (runtime.probe) return runtime.probe(id, kind, probe, timeoutMs);
      if (probe.exec) {
        const r = await runtime.exec(id, probe.exec.command ?? [], timeoutMs);
        return { result: r.exitCode === 0 ? 'success' : 'failure', output: r.stdout || r.stderr };
      }
      // Network probes: the kubelet itself dials the pod IP, as upstream's prober.
      if (probe.httpGet) return httpProbe(probe.httpGet, podIP, ports, timeoutMs);
      if (probe.tcpSocket) return tcpProbe(probe.tcpSocket, podIP, ports, timeoutMs);
      return { result: 'failure', output: `the ${runtime.name} runtime cannot run this probe (only exec, httpGet and tcpSocket)` };
    };
    try {
      return await Promise.race([run(), timeout]);
    } catch (err) {
      return { result: 'failure', output: errMessage(err) };
    } finally {
      clock.clearTimeout(timer);
    }
  }
}
