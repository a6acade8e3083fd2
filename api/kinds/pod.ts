// Pods: schemas, types, defaults (SetDefaults_PodSpec/_Pod; priority comes from the Priority admission), create-time status.
import { Type, type Static } from '@sinclair/typebox';
import { ObjectMeta } from '../meta.ts';
import { Condition, ensureObj, isObj, obj, objItems, opt, QuantitySchema, ResourceList, StringMap, type Kube } from './common.ts';
import { Container, defaultContainer, defaultRequestsFromLimits } from './container.ts';
import { qosClass } from './pod-helpers.ts';
import { Affinity, Toleration, TopologySpreadConstraint } from './scheduling.ts';

/** An emptyDir volume's source: v1.32's two fields. */
export const EmptyDirVolumeSource = obj({ medium: opt(Type.String()), sizeLimit: opt(QuantitySchema) });
/** One source of a projected volume (its v1.32 sources are listed as unmodelled in api/openapi/names.ts). */
export const VolumeProjection = obj({});
/** A projected volume's source. */
export const ProjectedVolumeSource = obj({ sources: opt(Type.Array(VolumeProjection)), defaultMode: opt(Type.Integer()) });
/** A pod's volume: the sources kubus reads deeper are modelled; the others are v1.32's unmodelled fields (names.ts). */
export const Volume = obj({ name: Type.String(), emptyDir: opt(EmptyDirVolumeSource), projected: opt(ProjectedVolumeSource) });
export type Volume = Static<typeof Volume>;

export const PodSpec = obj({
  volumes: opt(Type.Array(Volume)),
  initContainers: opt(Type.Array(Container)),
  containers: Type.Array(Container),
  restartPolicy: opt(Type.String()),
  terminationGracePeriodSeconds: opt(Type.Integer()),
  activeDeadlineSeconds: opt(Type.Integer()),
  dnsPolicy: opt(Type.String()),
  nodeSelector: opt(StringMap),
  serviceAccountName: opt(Type.String()),
  serviceAccount: opt(Type.String()),
  automountServiceAccountToken: opt(Type.Boolean()),
  nodeName: opt(Type.String()),
  hostNetwork: opt(Type.Boolean()),
  hostPID: opt(Type.Boolean()),
  hostIPC: opt(Type.Boolean()),
  securityContext: opt(obj({})),
  imagePullSecrets: opt(Type.Array(obj({ name: opt(Type.String()) }))),
  hostname: opt(Type.String()),
  subdomain: opt(Type.String()),
  affinity: opt(Affinity),
  schedulerName: opt(Type.String()),
  tolerations: opt(Type.Array(Toleration)),
  priorityClassName: opt(Type.String()),
  priority: opt(Type.Integer()),
  preemptionPolicy: opt(Type.String()),
  readinessGates: opt(Type.Array(obj({ conditionType: Type.String() }))),
  runtimeClassName: opt(Type.String()),
  enableServiceLinks: opt(Type.Boolean()),
  overhead: opt(ResourceList),
  topologySpreadConstraints: opt(Type.Array(TopologySpreadConstraint)),
  schedulingGates: opt(Type.Array(obj({ name: Type.String() }))),
});
export type PodSpec = Static<typeof PodSpec>;

const Time = Type.String();
export const ContainerState = obj({
  waiting: opt(obj({ reason: opt(Type.String()), message: opt(Type.String()) })),
  running: opt(obj({ startedAt: opt(Time) })),
  terminated: opt(
    obj({
      exitCode: Type.Integer(),
      signal: opt(Type.Integer()),
      reason: opt(Type.String()),
      message: opt(Type.String()),
      startedAt: opt(Time),
      finishedAt: opt(Time),
      containerID: opt(Type.String()),
    }),
  ),
});
export type ContainerState = Static<typeof ContainerState>;

export const ContainerStatus = obj({
  name: Type.String(),
  state: opt(ContainerState),
  lastState: opt(ContainerState),
  ready: Type.Boolean(),
  started: opt(Type.Boolean()),
  restartCount: Type.Integer(),
  image: opt(Type.String()),
  imageID: opt(Type.String()),
  containerID: opt(Type.String()),
});
export type ContainerStatus = Static<typeof ContainerStatus>;

/** Pod phases. */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
/** Pod condition types the kubelet and scheduler maintain. */
export type PodConditionType = 'PodScheduled' | 'Initialized' | 'ContainersReady' | 'Ready' | 'DisruptionTarget' | (string & {});

export const PodIP = obj({ ip: Type.String() });

export const PodStatus = obj({
  phase: opt(Type.String()),
  conditions: opt(Type.Array(Condition)),
  message: opt(Type.String()),
  reason: opt(Type.String()),
  nominatedNodeName: opt(Type.String()),
  hostIP: opt(Type.String()),
  hostIPs: opt(Type.Array(PodIP)),
  podIP: opt(Type.String()),
  podIPs: opt(Type.Array(PodIP)),
  startTime: opt(Time),
  initContainerStatuses: opt(Type.Array(ContainerStatus)),
  containerStatuses: opt(Type.Array(ContainerStatus)),
  qosClass: opt(Type.String()),
});
export type PodStatus = Static<typeof PodStatus>;

export const PodSchema = obj({
  apiVersion: opt(Type.String()),
  kind: opt(Type.String()),
  metadata: ObjectMeta,
  spec: PodSpec,
  status: opt(PodStatus),
});
/** A pod as stored (defaults applied: spec is always present). */
export type Pod = Kube<{ spec: PodSpec; status?: PodStatus }>;

/** A pod template (workload controllers stamp pods from it). */
export const PodTemplateSpec = obj({ metadata: opt(ObjectMeta), spec: PodSpec });
export type PodTemplateSpec = Static<typeof PodTemplateSpec>;

/** Fills pod-spec defaults in place (SetDefaults_PodSpec + containers); `forPod` adds the pod-only ones (SetDefaults_Pod). */
export function defaultPodSpec(spec: Record<string, unknown>, forPod: boolean): void {
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  if (!isObj(spec.securityContext) && spec.securityContext == null) spec.securityContext = {};
  if (spec.terminationGracePeriodSeconds == null) spec.terminationGracePeriodSeconds = 30;
  spec.schedulerName ||= 'default-scheduler';
  if (!spec.serviceAccountName && typeof spec.serviceAccount === 'string') spec.serviceAccountName = spec.serviceAccount;
  for (const v of objItems(spec.volumes)) if (Object.keys(v).length === 1 && 'name' in v) v.emptyDir = {};
  const all = [...objItems(spec.containers), ...objItems(spec.initContainers)];
  for (const c of all) defaultContainer(c);
  if (!forPod) return;
  for (const c of all) defaultRequestsFromLimits(c);
  if (spec.enableServiceLinks == null) spec.enableServiceLinks = true;
  if (spec.hostNetwork === true)
    for (const c of all) for (const p of objItems(c.ports)) if (!p.hostPort) p.hostPort = p.containerPort;
}

/** Fills a pod's defaults in place; safe on malformed input (the structural check reports it later). */
export function defaultPod(pod: Pod): void {
  if (!isObj(pod)) return;
  const spec = ensureObj(pod as unknown as Record<string, unknown>, 'spec');
  if (spec) defaultPodSpec(spec, true);
}

/** Resets server-owned fields on create, as upstream's pod strategy: status is {phase: Pending, qosClass}. */
export function preparePodForCreate(pod: Pod): void {
  if (!isObj(pod) || !isObj(pod.spec)) return;
  pod.status = { phase: 'Pending', qosClass: safeQos(pod) };
}

function safeQos(pod: Pod): string {
  try {
    return qosClass(pod);
  } catch {
    return 'BestEffort';
  }
}

/** Field-selector labels pods support (upstream pod GetAttrs). */
export const podFields: Record<string, (p: Pod) => string | undefined> = {
  'spec.nodeName': (p) => p.spec?.nodeName ?? '',
  'spec.restartPolicy': (p) => p.spec?.restartPolicy ?? '',
  'spec.schedulerName': (p) => p.spec?.schedulerName ?? '',
  'spec.serviceAccountName': (p) => p.spec?.serviceAccountName ?? '',
  'spec.hostNetwork': (p) => String(p.spec?.hostNetwork ?? false),
  'status.phase': (p) => p.status?.phase ?? '',
  'status.podIP': (p) => p.status?.podIP ?? '',
  'status.nominatedNodeName': (p) => p.status?.nominatedNodeName ?? '',
};
