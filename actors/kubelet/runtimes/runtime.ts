// The container runtime interface the kubelet talks to: CRI-like (sandboxes, containers, images,
// exec, logs) and asynchronous. Implementations: `sim` (no processes; behaviour from
// annotations) and, later, `process` (real OS processes). Imports nothing of ours.

/** The user, group and supplemental groups a pod's process runs with (CRI Linux*SecurityContext). */
export interface ProcessIdentity {
  runAsUser?: number;
  runAsGroup?: number;
  supplementalGroups?: number[];
}

/** What a runtime needs to run one pod's sandbox (CRI PodSandboxConfig). */
export interface SandboxConfig {
  podUid: string;
  name: string;
  namespace: string;
  /** The pod's annotations: the sim runtime reads its behaviour here. */
  annotations: Record<string, string>;
  labels: Record<string, string>;
  hostname?: string;
  /** The pod shares the node's network namespace: its IP is the node's. */
  hostNetwork?: boolean;
  /** The pod's resolv.conf (CRI DNSConfig); runtimes without processes ignore it. */
  dnsConfig?: { servers?: string[]; searches?: string[]; options?: string[] };
  /** hostPort mappings of the pod's containers (CRI PortMapping). */
  portMappings?: Array<{ protocol?: 'TCP' | 'UDP' | 'SCTP'; containerPort: number; hostPort?: number; hostIP?: string }>;
  /** User, group and supplemental groups of the sandbox (CRI LinuxSandboxSecurityContext). */
  identity?: ProcessIdentity;
}

/** What a runtime needs to create one container (CRI ContainerConfig). */
export interface ContainerConfig {
  name: string;
  image: string;
  /** Which restart of this container this is (0 for the first run). */
  attempt: number;
  /** An init container (it runs to completion before the app containers). */
  init: boolean;
  command?: string[];
  args?: string[];
  env?: Record<string, string>;
  workingDir?: string;
  /** The container keeps a stdin open (for attach), once (closed after the first attach ends), and a terminal (CRI stdin, stdin_once, tty). */
  stdio?: { stdin: boolean; stdinOnce: boolean; tty: boolean };
  /** Host paths the kubelet prepared for the container's volumes (CRI Mount). */
  mounts?: Array<{ containerPath: string; hostPath: string; readOnly?: boolean }>;
  /** cgroup limits from requests and limits (CRI LinuxContainerResources); 0 means unset. */
  resources?: { cpuShares: number; cpuQuota: number; cpuPeriod: number; memoryLimitBytes: number };
  /** User, group and supplemental groups (fsGroup among them) of the container's processes (CRI LinuxContainerSecurityContext). */
  identity?: ProcessIdentity;
}

/** CRI container states. */
export type ContainerRunState = 'created' | 'running' | 'exited' | 'unknown';

/** One container as the runtime reports it (CRI ContainerStatus). */
export interface ContainerInfo {
  id: string;
  sandboxId: string;
  podUid: string;
  name: string;
  attempt: number;
  state: ContainerRunState;
  image: string;
  imageRef: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  /** `Completed`, `Error`, `OOMKilled` … for exited containers. */
  reason?: string;
  message?: string;
}

/** A container that stopped on its own or was stopped (what PLEG / CRI container events report). */
export interface ContainerExit {
  id: string;
  podUid: string;
  name: string;
  exitCode: number;
  reason: string;
  message?: string;
  startedAt: number;
  finishedAt: number;
}

/** Result of EnsureImageExists: the image's digest reference and what the pull cost. */
export interface PulledImage {
  imageRef: string;
  /** False when the image was already present and not pulled again. */
  pulled: boolean;
  /** How long the pull took (0 when not pulled). */
  durationMs: number;
  sizeBytes: number;
}

/** What a probe handler (exec, httpGet, tcpSocket, grpc) answered. */
export interface ProbeOutcome {
  result: 'success' | 'failure';
  /** Shown in the Unhealthy event, e.g. `HTTP probe failed with statuscode: 500`. */
  output: string;
}

/** The three container probes. */
export type ProbeKind = 'startup' | 'liveness' | 'readiness';

/** The handler part of a container probe (api Probe, without the timing fields). */
export interface ProbeHandler {
  exec?: { command?: string[] };
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: string };
  tcpSocket?: { port: number | string; host?: string };
  grpc?: { port: number; service?: string };
}

/** One line of a container's output, with when it was written (CRI log line). */
export interface LogLine {
  at: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Which lines of a container's log to read: from `sinceMs` (absolute) on, the last `tail`. */
export interface LogQuery {
  tail?: number;
  sinceMs?: number;
}

/** Thrown by runtime calls; `reason` becomes the waiting reason (CreateContainerError, ErrImagePull …). */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** A runtime's CRI Status as the kubelet keeps it: runtime readiness, and the network's error while NetworkReady is false. */
export interface RuntimeHealth {
  ready: boolean;
  /** Why the runtime is not ready (upstream: `container runtime not ready: RuntimeReady=false reason:… message:…`). */
  message?: string;
  /** Why the pod network is not ready (upstream: `container runtime network not ready: NetworkReady=false reason:… message:…`). */
  networkError?: string;
}

/** A container runtime, as the kubelet sees it through CRI (RuntimeService + ImageService). */
export interface ContainerRuntime {
  /** Runtime name and version, reported as node.status.nodeInfo.containerRuntimeVersion `name://version`. */
  readonly name: string;
  readonly version: string;

  /**
   * Pulls an image if the policy asks for it (Always, IfNotPresent, Never), calling `onPull` as a
   * pull begins; throws RuntimeError ErrImagePull / ErrImageNeverPull.
   */
  ensureImage(image: string, policy: string, sandbox: SandboxConfig, container: string, onPull?: () => void): Promise<PulledImage>;

  /** Creates the pod's sandbox (network namespace and IP); returns its id and IP. */
  runPodSandbox(config: SandboxConfig): Promise<{ id: string; ip: string }>;
  /** Stops every container of the sandbox at once and tears its network down. */
  stopPodSandbox(id: string): Promise<void>;
  /** Forgets the sandbox and its containers; frees its IP. */
  removePodSandbox(id: string): Promise<void>;
  /** The node's sandboxes with their pod's uid (CRI ListPodSandbox). Optional: runtimes whose pods end with the kubelet have none to find. */
  listPodSandboxes?(): Promise<Array<{ id: string; podUid: string }>>;

  createContainer(sandboxId: string, config: ContainerConfig, sandbox: SandboxConfig): Promise<string>;
  /** Starts a created container; resolves once it runs. */
  startContainer(id: string): Promise<void>;
  /** Asks the container to stop (SIGTERM), kills it after `timeoutMs` (SIGKILL); resolves once it exited. */
  stopContainer(id: string, timeoutMs: number): Promise<void>;
  removeContainer(id: string): Promise<void>;

  containerStatus(id: string): Promise<ContainerInfo | undefined>;
  listContainers(filter?: { podUid?: string; state?: ContainerRunState }): Promise<ContainerInfo[]>;
  /** The container's output so far, as the query asks. */
  logs(id: string, opts?: LogQuery): Promise<LogLine[]>;
  /** Calls `line` for each new line of the container and `end` once it exited; returns a stop function. */
  followLogs(id: string, line: (l: LogLine) => void, end: () => void): () => void;
  /** Runs a command in a running container (CRI ExecSync), with `stdin` as its input when given. */
  exec(id: string, cmd: string[], timeoutMs: number, stdin?: string): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /**
   * Opens an interactive exec or attach (CRI Exec/Attach) and returns the URL of the runtime's
   * streaming server to connect to (k8s channel protocol). Optional: runtimes without it run exec to completion.
   */
  streamUrl?(kind: 'exec' | 'attach' | 'portforward', id: string, o: { command: string[]; stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean; port?: number }): Promise<string>;
  /**
   * Answers a probe itself. Optional: runtimes without it get exec probes through `exec` and
   * network probes from the kubelet; the sim runtime has no network, so it answers all kinds.
   */
  probe?(id: string, kind: ProbeKind, handler: ProbeHandler, timeoutMs: number): Promise<ProbeOutcome>;

  /**
   * Cumulative CPU (core-nanoseconds) and memory working set (bytes) of each running container, by
   * id (CRI ListContainerStats). Optional: the kubelet models a runtime without it (sim) from annotations.
   */
  containerStats?(): Promise<Map<string, { cpuNs: number; memoryBytes: number }>>;

  /** Whether the runtime is up and ready (CRI Status); rejects when it does not answer. Optional: runtimes without it are always ready. */
  status?(): Promise<RuntimeHealth>;

  /** Calls `fn` for every container exit (its own or a stop); returns an unsubscribe function. */
  onContainerExit(fn: (exit: ContainerExit) => void): () => void;
  /** Stops every container and timer; the runtime is unusable afterwards. */
  close(): Promise<void>;
}
