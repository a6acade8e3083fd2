// Cluster logging, the kubelet's side: every container's lines, followed from its creation, go out in
// batches (one message per container per batch, at most maxDelayMs after its first line, or sooner
// when maxLines or maxBytes fill it) on the node's own cluster log subjects, which the cluster's log
// stream keeps. Works on any runtime through followLogs; off unless the kubelet is told (simulations
// ship nothing, so their traces stay as they were).
import { DEFAULT_CONTAINER_ANNOTATION, type ClusterLogBatch, type ClusterLogLine } from '../../api/cluster-logs.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import type { Clock } from '../../bus/clock.ts';
import { clusterLogSubject } from '../../bus/subjects.ts';
import type { Bus, Logger } from '../../bus/types.ts';
import type { ContainerConfig, ContainerRuntime, SandboxConfig } from './runtimes/runtime.ts';

/** How the kubelet batches shipped lines (KubeletInput.clusterLogs). */
export interface LogShippingSettings {
  /** Longest a line waits before its batch goes (default 1000 ms). */
  maxDelayMs?: number;
  /** Lines per batch at most (default 500). */
  maxLines?: number;
  /** UTF-8 bytes of lines per batch at most (default 128 KiB, at most 512 KiB: a batch must fit NATS's 1 MiB max_payload even with JSON escapes). */
  maxBytes?: number;
}

export interface LogShipperOptions extends LogShippingSettings {
  bus: Bus;
  clock: Clock;
  node: string;
  log: Logger;
  /** The kubelet's view of a pod now (its labels at ship time); undefined once it is gone. */
  pod(namespace: string, name: string): Pod | undefined;
}

/** One followed container and its batch in the making. */
interface Followed {
  sandbox: SandboxConfig;
  container: string;
  init: boolean;
  /** The pod's labels and whether this is its default container, as last seen (kept for the batches after the pod is gone). */
  labels: Record<string, string>;
  default?: boolean;
  /** Lines written before this time are not shipped (an adopted container's, shipped before the kubelet restarted). */
  fromMs?: number;
  lines: ClusterLogLine[];
  bytes: number;
  timer: unknown;
  stop?: () => void;
}

/** The default and the ceiling of a batch's bytes; a line's JSON ({at,stream,text}) beside its text counts as LINE_OVERHEAD. */
export const DEFAULT_BATCH_BYTES = 128 * 1024;
const MAX_BATCH_BYTES = 512 * 1024;
const LINE_OVERHEAD = 48;
/** A longer line ships as several of this many UTF-16 units (at most 48 KiB of UTF-8 each), as CRI splits long lines. */
export const MAX_LINE_CHARS = 16 * 1024;

/** Returns whether `container` is the pod's default container (kubectl's choice for logs without -c). */
export function isDefaultContainer(pod: Pod | undefined, container: string, init: boolean): boolean {
  if (!pod) return !init;
  const named = pod.metadata.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  return named ? named === container : pod.spec.containers[0]?.name === container;
}

/** Ships the lines of the containers it is told about; see the file comment. */
export class LogShipper {
  private readonly followed = new Map<string, Followed>();
  private readonly maxDelayMs: number;
  private readonly maxLines: number;
  private readonly maxBytes: number;
  /** Batches and lines published so far (tests and the bench read them). */
  readonly shipped = { batches: 0, lines: 0 };

  constructor(private readonly opts: LogShipperOptions) {
    this.maxDelayMs = opts.maxDelayMs ?? 1000;
    this.maxLines = opts.maxLines ?? 500;
    this.maxBytes = Math.min(opts.maxBytes ?? DEFAULT_BATCH_BYTES, MAX_BATCH_BYTES);
  }

  /** Follows the container `id` of `runtime` from its first line until it is gone. */
  track(runtime: ContainerRuntime, id: string, sandbox: SandboxConfig, config: Pick<ContainerConfig, 'name' | 'init'>, fromMs?: number): void {
    if (this.followed.has(id)) return;
    const f: Followed = { sandbox, container: config.name, init: config.init, labels: sandbox.labels, fromMs, lines: [], bytes: 0, timer: undefined };
    this.followed.set(id, f);
    const pod = this.opts.pod(sandbox.namespace, sandbox.name);
    if (pod) f.default = isDefaultContainer(pod, f.container, f.init);
    try {
      f.stop = runtime.followLogs(id, (l) => this.add(f, l), () => this.done(id));
    } catch (err) {
      this.followed.delete(id);
      this.opts.log.warn({ err: (err as Error).message, container: id }, 'container log not shipped: it cannot be followed');
    }
  }

  /**
   * Follows the running containers a restarted kubelet adopts for `pod`, from `nowMs` on: the lines before
   * went out before the restart (those written while no kubelet ran are lost to the stream).
   */
  adopt(runtime: ContainerRuntime, pod: Pod, containers: ReadonlyArray<{ id: string; name: string; state: string }>, nowMs: number): void {
    const { name = '', namespace = 'default', uid = '', labels = {}, annotations = {} } = pod.metadata;
    const sandbox: SandboxConfig = { podUid: uid, name, namespace, labels, annotations };
    const inits = new Set((pod.spec.initContainers ?? []).map((c) => c.name));
    for (const c of containers) if (c.state === 'running') this.track(runtime, c.id, sandbox, { name: c.name, init: inits.has(c.name) }, nowMs);
  }

  private add(f: Followed, l: ClusterLogLine): void {
    if (f.fromMs !== undefined && l.at < f.fromMs) return;
    for (let i = 0; i === 0 || i < l.text.length; i += MAX_LINE_CHARS) {
      const text = l.text.length > MAX_LINE_CHARS ? l.text.slice(i, i + MAX_LINE_CHARS) : l.text;
      const bytes = Buffer.byteLength(text) + LINE_OVERHEAD;
      if (f.lines.length && f.bytes + bytes > this.maxBytes) this.flush(f);
      f.lines.push({ at: l.at, stream: l.stream, text });
      f.bytes += bytes;
      if (f.lines.length >= this.maxLines || f.bytes >= this.maxBytes) this.flush(f);
    }
    if (f.lines.length && f.timer === undefined) f.timer = this.opts.clock.setTimeout(() => this.flush(f), this.maxDelayMs);
  }

  private done(id: string): void {
    const f = this.followed.get(id);
    if (!f) return;
    this.followed.delete(id);
    this.flush(f);
  }

  /** Publishes the container's batch, if it has lines. */
  private flush(f: Followed): void {
    this.opts.clock.clearTimeout(f.timer);
    f.timer = undefined;
    if (!f.lines.length) return;
    const { namespace, name, podUid } = f.sandbox;
    const pod = this.opts.pod(namespace, name);
    if (pod) {
      f.labels = pod.metadata.labels ?? {};
      f.default = isDefaultContainer(pod, f.container, f.init);
    }
    const batch: ClusterLogBatch = {
      node: this.opts.node,
      namespace,
      pod: name,
      uid: podUid,
      container: f.container,
      labels: f.labels,
      default: f.default ?? isDefaultContainer(undefined, f.container, f.init),
      lines: f.lines,
    };
    f.lines = [];
    f.bytes = 0;
    this.shipped.batches++;
    this.shipped.lines += batch.lines.length;
    try {
      this.opts.bus.publish(clusterLogSubject(this.opts.node, namespace, name, f.container), batch);
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message, pod: `${namespace}/${name}` }, 'container log batch not shipped');
    }
  }

  /** Ships what waits and stops following. */
  close(): void {
    for (const [id, f] of this.followed) {
      f.stop?.();
      this.flush(f);
      this.followed.delete(id);
    }
  }
}

/** Returns `runtime` with each container it creates followed by `shipper` (the runtime itself when there is none). */
export function withLogShipping(runtime: ContainerRuntime, shipper: LogShipper | undefined): ContainerRuntime {
  if (!shipper) return runtime;
  const createContainer = async (sandboxId: string, config: ContainerConfig, sandbox: SandboxConfig): Promise<string> => {
    const id = await runtime.createContainer(sandboxId, config, sandbox);
    shipper.track(runtime, id, sandbox, config);
    return id;
  };
  // A proxy, not a copy: every other call reaches the runtime itself (its own `this`).
  return new Proxy(runtime, {
    get(target, prop) {
      if (prop === 'createContainer') return createContainer;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
