// The `containerd` container runtime: the kubelet's ContainerRuntime over CRI v1 (gRPC on a unix
// socket), as upstream's kuberuntime manager drives it. Container exits are found by relisting
// (a PLEG-like poll); logs are read from the CRI log files the runtime writes.
import { mkdirSync } from 'node:fs';
import type { Clock } from '../../../../bus/clock.ts';
import type { Logger } from '../../../../bus/types.ts';
import {
  RuntimeError,
  type ContainerConfig,
  type ContainerExit,
  type ContainerInfo,
  type ContainerRunState,
  type ContainerRuntime,
  type LogLine,
  type LogQuery,
  type PulledImage,
  type RuntimeHealth,
  type SandboxConfig,
} from '../runtime.ts';
import { removeCgroup } from './cri-cgroups.ts';
import { CriClient, CriError, fail, failBare } from './cri-client.ts';
import { criStreamUrl, type StreamOptions } from './cri-stream.ts';
import { KUBUS_NODE_LABEL, POD_UID_LABEL, containerInfo, criContainerConfig, criSandboxConfig, criState, podCgroup, podLogDir, runtimeHealth, type SandboxContext } from './cri-convert.ts';
import { followCriLog, readCriLog } from './cri-logs.ts';
import { removeOlderInstances } from './cri-gc.ts';
import { Pleg } from './cri-pleg.ts';
import { runSandbox } from './cri-sandbox.ts';
import { statsById } from './cri-convert.ts';

/** What the CRI runtime is made with. */
export interface CriRuntimeOptions extends SandboxContext {
  /** `unix:///path/to/containerd.sock`. */
  endpoint: string;
  clock: Clock;
  log: Logger;
  /** The node's IP: hostNetwork pods get it. */
  hostIP: string;
  /** `containerd://<version>` is reported from here (asked with CRI Version before the kubelet starts). */
  runtimeName?: string;
  runtimeVersion?: string;
  /** Relist period (default 1 s, upstream's PLEG period). */
  relistMs?: number;
  /** Deadline of one CRI call (default 2 min, upstream's runtime-request-timeout). */
  deadlineMs?: number;
}

/** Runs pods through a CRI runtime (containerd). */
export class CriRuntime implements ContainerRuntime {
  readonly name: string;
  readonly version: string;
  readonly client: CriClient;
  private readonly pleg: Pleg;
  /** Container id → its sandbox id and log file (ContainerStatus carries neither the sandbox nor a stable cache). */
  private readonly known = new Map<string, { sandboxId: string; logPath?: string }>();

  constructor(private readonly opts: CriRuntimeOptions) {
    this.name = opts.runtimeName ?? 'containerd';
    this.version = opts.runtimeVersion ?? 'unknown';
    this.client = new CriClient(opts.endpoint, { deadlineMs: opts.deadlineMs });
    const selector = { [KUBUS_NODE_LABEL]: opts.nodeName };
    this.pleg = new Pleg({
      clock: opts.clock,
      log: opts.log,
      periodMs: opts.relistMs ?? 1000,
      list: async () => (await this.client.runtime.listContainers({ filter: { labelSelector: selector } })).containers,
      status: (id) => this.containerStatus(id),
    });
  }

  async ensureImage(image: string, policy: string, sandbox: SandboxConfig, _container: string, onPull?: () => void): Promise<PulledImage> {
    const spec = { image };
    let present: string | undefined;
    try {
      const st = await this.client.image.imageStatus({ image: spec });
      present = st.image?.id || undefined;
    } catch (err) {
      throw fail('ErrImageInspect', err);
    }
    if (policy === 'Never') {
      if (present) return { imageRef: present, pulled: false, durationMs: 0, sizeBytes: 0 };
      throw new RuntimeError('ErrImageNeverPull', `Container image "${image}" is not present with pull policy of Never`);
    }
    if (present && policy !== 'Always') return { imageRef: present, pulled: false, durationMs: 0, sizeBytes: 0 };
    onPull?.();
    const start = this.opts.clock.now();
    try {
      const { imageRef } = await this.client.image.pullImage({ image: spec, sandboxConfig: criSandboxConfig(sandbox, this.opts) });
      const st = await this.client.image.imageStatus({ image: spec });
      return { imageRef, pulled: true, durationMs: this.opts.clock.now() - start, sizeBytes: Number(st.image?.size ?? 0) };
    } catch (err) {
      throw fail('ErrImagePull', err);
    }
  }

  async runPodSandbox(config: SandboxConfig): Promise<{ id: string; ip: string }> {
    const cfg = criSandboxConfig(config, this.opts);
    // The kubelet makes the log directory; the runtime only writes files in it.
    mkdirSync(cfg.logDirectory, { recursive: true, mode: 0o755 });
    try {
      const id = await runSandbox(this.client, cfg);
      if (config.hostNetwork) return { id, ip: this.opts.hostIP };
      const st = await this.client.runtime.podSandboxStatus({ podSandboxId: id });
      return { id, ip: st.status?.network?.ip ?? '' };
    } catch (err) {
      throw fail('FailedCreatePodSandBox', err);
    }
  }

  async stopPodSandbox(id: string): Promise<void> {
    try {
      await this.client.runtime.stopPodSandbox({ podSandboxId: id });
    } catch (err) {
      if (!(err instanceof CriError && err.notFound)) throw fail('KillPodSandboxError', err);
    }
    // Containers it stopped are exits too: relist now rather than at the next period.
    this.pleg.kick();
  }

  async removePodSandbox(id: string): Promise<void> {
    let podUid: string | undefined;
    try {
      podUid = (await this.client.runtime.podSandboxStatus({ podSandboxId: id })).status?.metadata?.uid;
      await this.client.runtime.removePodSandbox({ podSandboxId: id });
    } catch (err) {
      if (!(err instanceof CriError && err.notFound)) throw fail('RemovePodSandboxError', err);
    }
    for (const [cid, k] of this.known) if (k.sandboxId === id) this.known.delete(cid);
    // The pod's cgroup is the kubelet's (upstream's pod cgroup manager), not containerd's.
    const parent = podUid && podCgroup(this.opts, podUid);
    if (parent) removeCgroup(parent, this.opts.log);
  }

  async listPodSandboxes(): Promise<Array<{ id: string; podUid: string }>> {
    const { items } = await this.client.runtime.listPodSandbox({ filter: { labelSelector: { [KUBUS_NODE_LABEL]: this.opts.nodeName } } });
    return items.map((sb: { id: string; labels?: Record<string, string>; metadata?: { uid?: string } }) => ({ id: sb.id, podUid: sb.labels?.[POD_UID_LABEL] ?? sb.metadata?.uid ?? '' }));
  }

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: SandboxConfig): Promise<string> {
    try {
      const { containerId } = await this.client.runtime.createContainer({
        podSandboxId: sandboxId,
        config: criContainerConfig(config, sandbox, this.opts.nodeName),
        sandboxConfig: criSandboxConfig(sandbox, this.opts),
      });
      this.known.set(containerId, { sandboxId, logPath: `${podLogDir(this.opts.logRoot, sandbox)}/${config.name}/${config.attempt}.log` });
      // Dead instances older than the previous one go, as upstream's container GC keeps one per container (for --previous).
      void removeOlderInstances(this.client, sandboxId, config.name, config.attempt - 1, this.opts.log);
      return containerId;
    } catch (err) {
      throw failBare('CreateContainerError', err);
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.client.runtime.startContainer({ containerId: id });
    } catch (err) {
      this.pleg.kick();
      throw failBare('RunContainerError', err);
    }
    this.pleg.started(id);
  }

  async stopContainer(id: string, timeoutMs: number): Promise<void> {
    // CRI's timeout is whole seconds; a grace period under one second is rounded up, not to "kill now".
    const timeout = Math.max(0, Math.ceil(timeoutMs / 1000));
    try {
      await this.client.runtime.stopContainer({ containerId: id, timeout: String(timeout) }, { deadlineMs: timeout * 1000 + (this.opts.deadlineMs ?? 120_000) });
    } catch (err) {
      if (!(err instanceof CriError && err.notFound)) throw fail('KillContainerError', err);
    }
    this.pleg.kick();
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.client.runtime.removeContainer({ containerId: id });
    } catch (err) {
      if (!(err instanceof CriError && err.notFound)) throw fail('RemoveContainerError', err);
    }
    this.known.delete(id);
    this.pleg.forget(id);
  }

  /** Returns the container's sandbox id, asking the runtime when this process did not create it (an adopted container). */
  private async sandboxOf(id: string): Promise<{ sandboxId: string; logPath?: string } | undefined> {
    const k = this.known.get(id);
    if (k) return k;
    const { containers } = await this.client.runtime.listContainers({ filter: { id } });
    if (!containers.length) return undefined;
    const found = { sandboxId: containers[0].podSandboxId as string };
    this.known.set(id, found);
    return found;
  }

  async containerStatus(id: string): Promise<ContainerInfo | undefined> {
    try {
      const { status } = await this.client.runtime.containerStatus({ containerId: id });
      const k = await this.sandboxOf(id);
      if (!status || !k) return undefined;
      if (status.logPath) k.logPath = status.logPath;
      return containerInfo(status, k.sandboxId);
    } catch (err) {
      if (err instanceof CriError && err.notFound) return undefined;
      throw fail('ContainerStatusError', err);
    }
  }

  async listContainers(filter: { podUid?: string; state?: ContainerRunState } = {}): Promise<ContainerInfo[]> {
    const labelSelector: Record<string, string> = { [KUBUS_NODE_LABEL]: this.opts.nodeName };
    if (filter.podUid) labelSelector[POD_UID_LABEL] = filter.podUid;
    const f: Record<string, unknown> = { labelSelector };
    if (filter.state) f.state = { state: criState(filter.state) };
    const { containers } = await this.client.runtime.listContainers({ filter: f });
    for (const c of containers) if (!this.known.has(c.id)) this.known.set(c.id, { sandboxId: c.podSandboxId });
    const infos = await Promise.all(containers.map((c: { id: string }) => this.containerStatus(c.id)));
    return infos.filter((i): i is ContainerInfo => !!i);
  }

  private async logPathOf(id: string): Promise<string> {
    let k = this.known.get(id);
    if (!k?.logPath) {
      await this.containerStatus(id);
      k = this.known.get(id);
    }
    if (!k?.logPath) throw new RuntimeError('NotFound', `container ${id} not found`);
    return k.logPath;
  }

  async logs(id: string, opts: LogQuery = {}): Promise<LogLine[]> {
    return readCriLog(await this.logPathOf(id), opts);
  }

  followLogs(id: string, line: (l: LogLine) => void, end: () => void): () => void {
    const k = this.known.get(id);
    const exited = async () => {
      const info = await this.containerStatus(id);
      return !info || info.state === 'exited';
    };
    if (k?.logPath) return followCriLog(k.logPath, this.opts.clock, exited, line, end);
    // Not known yet (an adopted container): find its file first; lines written meanwhile are read from the start.
    let stop: (() => void) | undefined;
    let stopped = false;
    this.logPathOf(id).then(
      (path) => {
        if (!stopped) stop = followCriLog(path, this.opts.clock, exited, line, end);
      },
      () => end(),
    );
    return () => {
      stopped = true;
      stop?.();
    };
  }

  async exec(id: string, cmd: string[], timeoutMs: number, stdin?: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    // ExecSync has no input; a command with stdin needs the streaming Exec, which is not wired yet.
    if (stdin) throw new RuntimeError('ExecError', 'exec with stdin is not supported by the containerd runtime yet (ExecSync has no input)');
    try {
      const r = await this.client.runtime.execSync(
        { containerId: id, cmd, timeout: String(Math.max(1, Math.ceil(timeoutMs / 1000))) },
        { deadlineMs: timeoutMs + 5_000 },
      );
      return { exitCode: r.exitCode ?? 0, stdout: Buffer.from(r.stdout ?? []).toString('utf8'), stderr: Buffer.from(r.stderr ?? []).toString('utf8') };
    } catch (err) {
      throw fail('ExecError', err);
    }
  }

  streamUrl(kind: 'exec' | 'attach' | 'portforward', id: string, o: StreamOptions): Promise<string> {
    return criStreamUrl(this.client, kind, id, o);
  }

  /** CRI Status: RuntimeReady, with upstream's Ready message when it is not; rejects when the runtime does not answer (runtime-health.ts decides when that makes it down). */
  async status(): Promise<RuntimeHealth> {
    const st = await this.client.runtime.status({}, { deadlineMs: 4_000 });
    return runtimeHealth(st.status?.conditions ?? []);
  }

  /** CRI ListContainerStats of this node's containers: cumulative CPU and working set by container id. */
  async containerStats(): Promise<Map<string, { cpuNs: number; memoryBytes: number }>> {
    const { stats } = await this.client.runtime.listContainerStats({ filter: { labelSelector: { [KUBUS_NODE_LABEL]: this.opts.nodeName } } });
    return statsById(stats ?? []);
  }

  onContainerExit(fn: (exit: ContainerExit) => void): () => void {
    return this.pleg.subscribe(fn);
  }

  async close(): Promise<void> {
    this.pleg.stop();
    this.client.close();
  }
}
