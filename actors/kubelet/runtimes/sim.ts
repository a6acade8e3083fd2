// The `sim` container runtime: no processes. Containers start, become ready, exit and answer
// probes as their pod's `sim.kubus.io/*` annotations say, on the injected clock. Cheap enough
// for thousands of nodes in one process: one timer per container only when it will exit.
import type { Clock } from '../../../bus/clock.ts';
import type { Rng } from '../../../bus/random.ts';
import type { Logger } from '../../../bus/types.ts';
import { normalizeImage } from './images.ts';
import { IpExhaustedError, IpPool } from './ip-pool.ts';
import {
  RuntimeError,
  type ContainerConfig,
  type ContainerExit,
  type ContainerInfo,
  type ContainerRunState,
  type ContainerRuntime,
  type LogLine,
  type LogQuery,
  type ProbeHandler,
  type ProbeKind,
  type ProbeOutcome,
  type PulledImage,
  type SandboxConfig,
} from './runtime.ts';
import { simBehaviour, SimAnnotationError, type SimBehaviour } from './sim-behaviour.ts';
import { simExec } from './sim-exec.ts';
import { SimImages } from './sim-images.ts';
import { ContainerLog } from './sim-logs.ts';
import { simProbe } from './sim-probes.ts';

/** What the sim runtime is made with. */
export interface SimRuntimeOptions {
  clock: Clock;
  rng: Rng;
  log: Logger;
  /** Pod IPs come from here (e.g. `10.244.3.0/24`). */
  podCIDR: string;
  /** The node's IP: hostNetwork pods get it. */
  hostIP: string;
}

interface Sandbox {
  id: string;
  podUid: string;
  ip: string;
  ownIp: boolean;
  containers: Set<string>;
}

interface SimContainer {
  info: ContainerInfo;
  behaviour: SimBehaviour;
  timer?: unknown;
  log: ContainerLog;
  hostname: string;
  env: Record<string, string>;
  /** While stopping: when it will have exited. */
  exitAt?: number;
  stopWaiters?: Array<() => void>;
}

/** Runs pods without processes; see docs/sim-runtime.md for the annotations. */
export class SimRuntime implements ContainerRuntime {
  readonly name = 'sim';
  readonly version = '1.0';
  private readonly sandboxes = new Map<string, Sandbox>();
  private readonly containers = new Map<string, SimContainer>();
  private readonly images: SimImages;
  private readonly listeners = new Set<(e: ContainerExit) => void>();
  private readonly ips: IpPool;
  private closed = false;
  private readonly sleeps = new Set<unknown>();

  constructor(private readonly opts: SimRuntimeOptions) {
    this.ips = new IpPool(opts.podCIDR);
    this.images = new SimImages(opts.clock);
  }

  /** Waits on the clock; close() clears the timers of waits still pending (a 1 h start delay must not hold the process). */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = this.opts.clock.setTimeout(() => this.sleeps.delete(t) && resolve(), ms);
      this.sleeps.add(t);
    });
  }

  private newId(): string {
    // Flattened: the generator's hex is a rope of 2-character pieces (about 1 KB for 64 characters),
    // and every status that names a container or sandbox keeps it, history included.
    return Buffer.from(this.opts.rng.hex(32), 'latin1').toString('latin1');
  }

  ensureImage(image: string, policy: string, sandbox: SandboxConfig, container: string, onPull?: () => void): Promise<PulledImage> {
    return this.images.ensure(image, policy, sandbox.podUid, container, () => this.behaviourOf(sandbox, container), onPull);
  }

  private behaviourOf(sandbox: SandboxConfig, container: string, init = false): SimBehaviour {
    try {
      return simBehaviour(sandbox.annotations, container, init ? 'init' : 'app');
    } catch (err) {
      if (err instanceof SimAnnotationError) throw new RuntimeError('CreateContainerConfigError', err.message);
      throw err;
    }
  }

  async runPodSandbox(config: SandboxConfig): Promise<{ id: string; ip: string }> {
    let ip = this.opts.hostIP;
    if (!config.hostNetwork) {
      try {
        ip = this.ips.allocate();
      } catch (err) {
        if (err instanceof IpExhaustedError) throw new RuntimeError('FailedCreatePodSandBox', `plugin type="sim" failed (add): ${err.message}`);
        throw err;
      }
    }
    const sb: Sandbox = { id: this.newId(), podUid: config.podUid, ip, ownIp: !config.hostNetwork, containers: new Set() };
    this.sandboxes.set(sb.id, sb);
    return { id: sb.id, ip };
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    for (const cid of sb.containers) {
      const c = this.containers.get(cid);
      if (c && c.info.state === 'running') this.exit(c, 137, 'Error');
    }
  }

  async removePodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await this.stopPodSandbox(id);
    for (const cid of sb.containers) this.drop(cid);
    this.images.forgetPod(sb.podUid);
    if (sb.ownIp) this.ips.release(sb.ip);
    this.sandboxes.delete(id);
  }

  async createContainer(sandboxId: string, config: ContainerConfig, sandbox: SandboxConfig): Promise<string> {
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) throw new RuntimeError('CreateContainerError', `pod sandbox ${sandboxId} not found`);
    const behaviour = this.behaviourOf(sandbox, config.name, config.init);
    const id = this.newId();
    const { name, attempt } = config;
    const image = normalizeImage(config.image);
    const info: ContainerInfo = { id, sandboxId, podUid: sb.podUid, name, attempt, state: 'created', image, imageRef: this.images.refOf(config.image), createdAt: this.opts.clock.now() };
    const hostname = sandbox.hostname ?? sandbox.name;
    this.containers.set(id, { info, behaviour, log: new ContainerLog(), hostname, env: config.env ?? {} });
    sb.containers.add(id);
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c || c.info.state !== 'created') throw new RuntimeError('RunContainerError', `container ${id} is not in created state`);
    await this.sleep(c.behaviour.startDelayMs);
    if (this.closed || c.info.state !== 'created' || !this.containers.has(id))
      throw new RuntimeError('RunContainerError', `container ${id} was removed while starting`);
    c.info.state = 'running';
    c.info.startedAt = this.opts.clock.now();
    const b = c.behaviour;
    this.writeLog(c, `[sim] container ${c.info.name} started (attempt ${c.info.attempt})`);
    c.log.play(b.logLines, b.logEveryMs, this.opts.clock);
    if (c.info.attempt < b.crashLoop) c.timer = this.opts.clock.setTimeout(() => this.exit(c, 1, 'Error'), 0);
    else if (b.exitAfterMs !== undefined) {
      c.timer = this.opts.clock.setTimeout(() => this.exit(c, b.exitCode, b.exitCode === 0 ? 'Completed' : 'Error'), b.exitAfterMs);
    }
  }

  async stopContainer(id: string, timeoutMs: number): Promise<void> {
    const c = this.containers.get(id);
    if (!c || c.info.state === 'exited') return;
    if (c.info.state === 'created') {
      this.exit(c, 0, 'Completed');
      return;
    }
    const done = new Promise<void>((resolve) => (c.stopWaiters ??= []).push(resolve));
    const now = this.opts.clock.now();
    const killAt = now + Math.max(0, timeoutMs);
    if (c.stopWaiters!.length === 1) {
      // SIGTERM: the container exits after its stop delay, or is killed when the grace period ends.
      this.opts.clock.clearTimeout(c.timer);
      this.writeLog(c, `[sim] container ${c.info.name} received SIGTERM`);
      const { stopDelayMs, stopExitCode } = c.behaviour;
      const graceful = stopDelayMs <= timeoutMs;
      const code = graceful ? stopExitCode : 137;
      c.exitAt = graceful ? now + stopDelayMs : killAt;
      c.timer = this.opts.clock.setTimeout(() => this.exit(c, code, code === 0 ? 'Completed' : 'Error'), c.exitAt - now);
    } else if (killAt < c.exitAt!) {
      // Asked again with a shorter grace period (a force delete): killed sooner.
      this.opts.clock.clearTimeout(c.timer);
      c.exitAt = killAt;
      c.timer = this.opts.clock.setTimeout(() => this.exit(c, 137, 'Error'), killAt - now);
    }
    return done;
  }

  private exit(c: SimContainer, exitCode: number, reason: string): void {
    if (c.info.state === 'exited') return;
    this.opts.clock.clearTimeout(c.timer);
    c.timer = undefined;
    const now = this.opts.clock.now();
    const wasCreated = c.info.state === 'created';
    if (!wasCreated) this.writeLog(c, `[sim] container ${c.info.name} exited with code ${exitCode} (${reason})`);
    c.log.end();
    Object.assign(c.info, { state: 'exited' as const, exitCode, reason, finishedAt: now });
    c.info.startedAt ??= now;
    const waiters = c.stopWaiters ?? [];
    c.stopWaiters = undefined;
    for (const w of waiters) w();
    if (wasCreated || this.closed) return;
    const e: ContainerExit = { id: c.info.id, podUid: c.info.podUid, name: c.info.name, exitCode, reason, startedAt: c.info.startedAt, finishedAt: now };
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch (err) {
        this.opts.log.error({ err, container: c.info.id }, 'container exit listener threw');
      }
    }
  }

  private drop(id: string): void {
    const c = this.containers.get(id);
    if (!c) return;
    this.opts.clock.clearTimeout(c.timer);
    c.log.end();
    this.containers.delete(id);
    this.sandboxes.get(c.info.sandboxId)?.containers.delete(id);
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (c && c.info.state === 'running') throw new RuntimeError('RemoveContainerError', `container ${id} is running; stop it first`);
    this.drop(id);
  }

  async containerStatus(id: string): Promise<ContainerInfo | undefined> {
    const c = this.containers.get(id);
    return c && { ...c.info };
  }

  async listContainers(filter: { podUid?: string; state?: ContainerRunState } = {}): Promise<ContainerInfo[]> {
    const out: ContainerInfo[] = [];
    for (const c of this.containers.values())
      if ((!filter.podUid || c.info.podUid === filter.podUid) && (!filter.state || c.info.state === filter.state)) out.push({ ...c.info });
    return out;
  }

  private writeLog(c: SimContainer, text: string): void {
    c.log.write(this.opts.clock.now(), text);
  }

  private logOf(id: string): ContainerLog {
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError('NotFound', `container ${id} not found`);
    return c.log;
  }

  async logs(id: string, opts: LogQuery = {}): Promise<LogLine[]> {
    return this.logOf(id).read(opts);
  }

  followLogs(id: string, line: (l: LogLine) => void, end: () => void): () => void {
    return this.logOf(id).follow(line, end);
  }

  /** Runs one of the commands of sim-exec.ts; see docs/sim-runtime.md. */
  async exec(id: string, cmd: string[], _timeoutMs?: number, stdin = ''): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const c = this.containers.get(id);
    if (!c || c.info.state !== 'running') throw new RuntimeError('ExecError', `container ${id} is not running`);
    return simExec(cmd, { hostname: c.hostname, env: c.env, now: this.opts.clock.now(), stdin });
  }

  async probe(id: string, kind: ProbeKind, handler: ProbeHandler): Promise<ProbeOutcome> {
    const c = this.containers.get(id);
    if (!c || c.info.state !== 'running') return { result: 'failure', output: 'container is not running' };
    const out = simProbe(c.behaviour, kind, this.opts.clock.now() - c.info.startedAt!, handler, this.sandboxes.get(c.info.sandboxId)?.ip ?? '');
    if (out.result === 'failure') this.writeLog(c, `[sim] ${kind} probe failed: ${out.output}`);
    return out;
  }

  onContainerExit(fn: (exit: ContainerExit) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.sleeps) this.opts.clock.clearTimeout(t);
    for (const c of this.containers.values()) {
      this.opts.clock.clearTimeout(c.timer);
      c.log.end();
    }
    this.containers.clear();
    this.sandboxes.clear();
    this.listeners.clear();
  }
}
