// Pure translations between the kubelet's runtime types (runtime.ts) and CRI v1 messages, with
// the labels upstream's kubelet puts on sandboxes and containers so a restarted kubelet (or
// `crictl ps`) can tell whose they are.
import { normalizeImage } from '../images.ts';
import type { ContainerConfig, ContainerInfo, ContainerRunState, ProcessIdentity, RuntimeHealth, SandboxConfig } from '../runtime.ts';
import type { CriMessage } from './cri-client.ts';

/** Upstream's kubelet labels (pkg/kubelet/types/labels.go). */
export const POD_NAME_LABEL = 'io.kubernetes.pod.name';
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const POD_UID_LABEL = 'io.kubernetes.pod.uid';
export const CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';
/** Ours: marks what this kubus kubelet made, so a shared containerd's other pods are left alone. */
export const KUBUS_NODE_LABEL = 'io.kubus.node';

/** The image as the pod names it: containerd reports an image by its first tag, which may be another of the same image's tags. */
export const IMAGE_ANNOTATION = 'io.kubus.image';

/** Where a pod's container logs live under the log root: `<ns>_<name>_<uid>` (upstream's BuildPodLogsDirectory). */
export const podLogDir = (logRoot: string, s: Pick<SandboxConfig, 'namespace' | 'name' | 'podUid'>) => `${logRoot}/${s.namespace}_${s.name}_${s.podUid}`;

/** A container's log path relative to its pod's log directory: `<container>/<attempt>.log`. */
export const containerLogPath = (c: Pick<ContainerConfig, 'name' | 'attempt'>) => `${c.name}/${c.attempt}.log`;

/** What the CRI runtime adds to every sandbox: the node, the log root and the cgroup root. */
export interface SandboxContext {
  nodeName: string;
  logRoot: string;
  /** cgroupfs parent of all pods (e.g. `/kubus/node-1`); pods get `<root>/pod<uid>`. Unset: the runtime's default. */
  cgroupRoot?: string;
}

const nsMode = (hostNetwork?: boolean) => ({ network: hostNetwork ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' });

/** Returns the pod's cgroup parent, or undefined when the runtime picks it. */
export const podCgroup = (ctx: SandboxContext, podUid: string) => (ctx.cgroupRoot ? `${ctx.cgroupRoot}/pod${podUid}` : undefined);

/** Returns the CRI PodSandboxConfig of a pod. */
export function criSandboxConfig(s: SandboxConfig, ctx: SandboxContext): CriMessage {
  const labels = { ...s.labels, [POD_NAME_LABEL]: s.name, [POD_NAMESPACE_LABEL]: s.namespace, [POD_UID_LABEL]: s.podUid, [KUBUS_NODE_LABEL]: ctx.nodeName };
  const cgroupParent = podCgroup(ctx, s.podUid);
  return {
    metadata: { name: s.name, uid: s.podUid, namespace: s.namespace, attempt: 0 },
    // runc cannot set a hostname in the node's UTS namespace: hostNetwork pods keep the node's.
    hostname: s.hostNetwork ? '' : (s.hostname ?? s.name),
    logDirectory: podLogDir(ctx.logRoot, s),
    dnsConfig: s.dnsConfig ? { servers: s.dnsConfig.servers ?? [], searches: s.dnsConfig.searches ?? [], options: s.dnsConfig.options ?? [] } : undefined,
    portMappings: (s.portMappings ?? []).map((p) => ({ protocol: p.protocol ?? 'TCP', containerPort: p.containerPort, hostPort: p.hostPort ?? 0, hostIp: p.hostIP ?? '' })),
    labels,
    annotations: s.annotations,
    linux: { ...(cgroupParent ? { cgroupParent } : {}), securityContext: { namespaceOptions: nsMode(s.hostNetwork), ...criIdentity(s.identity) } },
  };
}

/** Returns the CRI ContainerConfig of one container instance. */
export function criContainerConfig(c: ContainerConfig, s: SandboxConfig, nodeName: string): CriMessage {
  return {
    metadata: { name: c.name, attempt: c.attempt },
    image: { image: c.image, userSpecifiedImage: c.image },
    command: c.command ?? [],
    args: c.args ?? [],
    workingDir: c.workingDir ?? '',
    envs: Object.entries(c.env ?? {}).map(([key, value]) => ({ key, value })),
    mounts: (c.mounts ?? []).map((m) => ({ containerPath: m.containerPath, hostPath: m.hostPath, readonly: !!m.readOnly })),
    labels: { [POD_NAME_LABEL]: s.name, [POD_NAMESPACE_LABEL]: s.namespace, [POD_UID_LABEL]: s.podUid, [CONTAINER_NAME_LABEL]: c.name, [KUBUS_NODE_LABEL]: nodeName },
    annotations: { 'io.kubernetes.container.restartCount': String(c.attempt), [IMAGE_ANNOTATION]: c.image },
    logPath: containerLogPath(c),
    ...c.stdio,
    linux: { resources: c.resources && criResources(c.resources), securityContext: { namespaceOptions: nsMode(s.hostNetwork), ...criIdentity(c.identity) } },
  };
}

/** Returns the CRI security context fields of a process identity (int64 as strings, Int64Value wrappers). */
function criIdentity(id: ProcessIdentity | undefined): CriMessage {
  if (!id) return {};
  const out: CriMessage = {};
  if (id.runAsUser !== undefined) out.runAsUser = { value: String(id.runAsUser) };
  if (id.runAsGroup !== undefined) out.runAsGroup = { value: String(id.runAsGroup) };
  if (id.supplementalGroups?.length) out.supplementalGroups = id.supplementalGroups.map(String);
  return out;
}

/** Returns CRI LinuxContainerResources (int64 fields as strings, as proto-loader keeps them). */
const criResources = (r: NonNullable<ContainerConfig['resources']>) => ({
  cpuShares: String(r.cpuShares),
  cpuQuota: String(r.cpuQuota),
  cpuPeriod: String(r.cpuPeriod),
  memoryLimitInBytes: String(r.memoryLimitBytes),
});

/** Returns milliseconds from a CRI nanosecond timestamp (int64 as a string); undefined for 0. */
export function nsToMs(ns: string | number | undefined): number | undefined {
  if (ns === undefined || ns === '0' || ns === 0) return undefined;
  return Number(BigInt(ns) / 1_000_000n);
}

const STATES: Record<string, ContainerRunState> = {
  CONTAINER_CREATED: 'created',
  CONTAINER_RUNNING: 'running',
  CONTAINER_EXITED: 'exited',
  CONTAINER_UNKNOWN: 'unknown',
};

/** Returns the kubelet's state name of a CRI ContainerState. */
export const runState = (s: string): ContainerRunState => STATES[s] ?? 'unknown';

/** Returns the CRI ContainerState of a kubelet state name. */
export const criState = (s: ContainerRunState) => Object.keys(STATES).find((k) => STATES[k] === s)!;

/** Returns a ContainerInfo from a CRI ContainerStatus and the container's sandbox id. */
export function containerInfo(st: CriMessage, sandboxId: string): ContainerInfo {
  const state = runState(st.state);
  const info: ContainerInfo = {
    id: st.id,
    sandboxId,
    podUid: st.labels?.[POD_UID_LABEL] ?? '',
    name: st.metadata?.name ?? st.labels?.[CONTAINER_NAME_LABEL] ?? '',
    attempt: st.metadata?.attempt ?? 0,
    state,
    image: normalizeImage(st.annotations?.[IMAGE_ANNOTATION] || st.image?.image || ''),
    imageRef: st.imageRef ?? '',
    createdAt: nsToMs(st.createdAt) ?? 0,
  };
  const startedAt = nsToMs(st.startedAt);
  const finishedAt = nsToMs(st.finishedAt);
  if (startedAt !== undefined) info.startedAt = startedAt;
  if (state === 'exited') {
    // containerd stamps the start after the task runs and the exit from the event: a container
    // that exits at once can "finish" before it "started". Clamped, so durations are never negative.
    info.finishedAt = Math.max(finishedAt ?? 0, info.startedAt ?? info.createdAt);
    info.exitCode = st.exitCode ?? 0;
    // containerd says Completed, Error or OOMKilled; an older runtime may leave it empty.
    info.reason = st.reason || (info.exitCode === 0 ? 'Completed' : 'Error');
    if (st.message) info.message = st.message;
  }
  return info;
}

/** A CRI RuntimeCondition (RuntimeReady, NetworkReady). */
export interface CriRuntimeCondition {
  type: string;
  status?: boolean;
  reason?: string;
  message?: string;
}

/** A condition as upstream's RuntimeCondition.String prints it (`<nil>` when the runtime did not report it). */
const conditionText = (c: CriRuntimeCondition | undefined) => (c ? `${c.type}=${!!c.status} reason:${c.reason ?? ''} message:${c.message ?? ''}` : '<nil>');

/** Returns the runtime's health from its CRI Status conditions, worded as upstream's kubelet (updateRuntimeUp). */
export function runtimeHealth(conditions: CriRuntimeCondition[]): RuntimeHealth {
  const find = (type: string) => conditions.find((c) => c.type === type);
  const runtime = find('RuntimeReady');
  const network = find('NetworkReady');
  const health: RuntimeHealth = runtime?.status ? { ready: true } : { ready: false, message: `container runtime not ready: ${conditionText(runtime)}` };
  if (!network?.status) health.networkError = `container runtime network not ready: ${conditionText(network)}`;
  return health;
}

/** Returns CRI ContainerStats by container id: usage_core_nano_seconds and working_set_bytes (uint64s arrive as strings). */
export function statsById(stats: Array<{ attributes?: { id?: string }; cpu?: { usageCoreNanoSeconds?: { value?: string } }; memory?: { workingSetBytes?: { value?: string } } }>): Map<string, { cpuNs: number; memoryBytes: number }> {
  const out = new Map<string, { cpuNs: number; memoryBytes: number }>();
  for (const s of stats) if (s.attributes?.id) out.set(s.attributes.id, { cpuNs: Number(s.cpu?.usageCoreNanoSeconds?.value ?? 0), memoryBytes: Number(s.memory?.workingSetBytes?.value ?? 0) });
  return out;
}
