// Documentation for `kubectl explain`, in our own words, for the types people look up most
// (Deployment, its strategy, pods and containers, object metadata). Other fields have none yet.

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const CORE = 'io.k8s.api.core.v1.';
const APPS = 'io.k8s.api.apps.v1.';
const BATCH = 'io.k8s.api.batch.v1.';
const SCHEDULING = 'io.k8s.api.scheduling.v1.';

/** Fields every kind has: type metadata and the usual spec/status split. */
const KIND_FIELDS: Record<string, string> = {
  apiVersion: 'The versioned schema of this representation of an object (group/version, such as "apps/v1"). Servers convert recognized schemas to the latest internal value.',
  kind: 'The REST resource this object represents, in CamelCase (such as "Deployment"). Servers infer it from the endpoint the client submits requests to.',
  metadata: "Standard object's metadata: name, namespace, labels, annotations and the fields the server maintains.",
  spec: 'The desired state of the object, written by its users.',
  status: 'The most recently observed state of the object, written by the system. Read-only.',
};

/** type name → [description of the type, { field → description }]. */
const DOCS: Record<string, [string, Record<string, string>]> = {
  [`${SCHEDULING}PriorityClass`]: ['Names a priority: pods that give this name in priorityClassName get its value as their priority, which orders the scheduling queue and decides who may preempt whom.', {
    value: 'The priority pods of this class get; higher is more important. User classes go up to 1000000000; larger values belong to the system classes. Cannot change.',
    globalDefault: 'Whether pods that name no class get this one. At most one class may be the default.',
    description: 'Free text saying when to use this class.',
    preemptionPolicy: 'PreemptLowerPriority (the default) lets pending pods of this class evict lower-priority pods to make room; Never makes them wait. Cannot change.',
  }],
  [`${APPS}Deployment`]: ['A Deployment manages a set of identical pods through ReplicaSets and rolls out changes to their template declaratively.', {}],
  [`${APPS}DeploymentSpec`]: ['The desired behaviour of a Deployment.', {
    replicas: 'Number of desired pods. Defaults to 1.',
    selector: "Label selector for the pods. Existing ReplicaSets whose pods match it are the ones this deployment manages. It must match the pod template's labels and cannot change after creation (apps/v1).",
    template: 'The template of the pods the deployment creates. Its labels must match the selector.',
    strategy: 'The deployment strategy used to replace existing pods with new ones.',
    minReadySeconds: 'Minimum number of seconds a newly created pod must be ready, without any of its containers crashing, to count as available. Defaults to 0.',
    revisionHistoryLimit: 'Number of old ReplicaSets kept to allow a rollback. Defaults to 10.',
    paused: 'Whether the deployment is paused: a paused deployment does not roll out changes to its template.',
    progressDeadlineSeconds: 'Maximum time in seconds for the deployment to make progress before it is reported as failed (condition Progressing=False, reason ProgressDeadlineExceeded). Defaults to 600.',
  }],
  [`${APPS}DeploymentStrategy`]: ['How a deployment replaces existing pods with new ones.', {
    type: 'Type of deployment: "Recreate" (kill all existing pods before creating new ones) or "RollingUpdate" (replace the old ReplicaSet gradually). Defaults to RollingUpdate.',
    rollingUpdate: 'Parameters of a rolling update; present only when type is RollingUpdate.',
  }],
  [`${APPS}RollingUpdateDeployment`]: ['Controls the pace of a rolling update.', {
    maxUnavailable: 'The maximum number (or percentage of desired pods, rounded down) of pods that can be unavailable during the update. Cannot be 0 when maxSurge is 0. Defaults to 25%.',
    maxSurge: 'The maximum number (or percentage of desired pods, rounded up) of pods that can be created above the desired number during the update. Cannot be 0 when maxUnavailable is 0. Defaults to 25%.',
  }],
  [`${APPS}DeploymentStatus`]: ['The most recently observed state of a Deployment.', {
    observedGeneration: 'The generation observed by the deployment controller.',
    replicas: 'Total number of non-terminating pods targeted by this deployment (their labels match the selector).',
    updatedReplicas: 'Total number of non-terminating pods that have the desired template.',
    readyReplicas: 'Number of pods targeted by this deployment with a Ready condition.',
    availableReplicas: 'Number of pods targeted by this deployment that have been ready for at least minReadySeconds.',
    unavailableReplicas: 'Number of pods still needed for the deployment to reach 100% available capacity.',
    conditions: "The latest observations of the deployment's state (Available, Progressing, ReplicaFailure).",
    collisionCount: 'Count of hash collisions for the deployment, used to name the newest ReplicaSet.',
  }],
  [`${CORE}Pod`]: ['A Pod is a collection of containers that run together on one node.', {}],
  [`${CORE}PodTemplateSpec`]: ['Describes the pods that will be created from a template.', {
    metadata: "The pods' metadata (labels, annotations).",
    spec: 'The specification of the desired behaviour of the pods.',
  }],
  [`${CORE}PodSpec`]: ['The description of a pod.', {
    containers: 'The containers of the pod: at least one. Containers cannot be added or removed once the pod exists.',
    initContainers: 'Containers run one after another, each to completion, before the regular containers start.',
    volumes: 'Volumes that the containers of the pod can mount.',
    restartPolicy: 'Restart policy for all containers in the pod: Always, OnFailure or Never. Defaults to Always.',
    terminationGracePeriodSeconds: 'Seconds the pod is given to terminate gracefully after the termination signal, before it is killed. Defaults to 30.',
    activeDeadlineSeconds: 'Seconds the pod may be active on a node before the system actively tries to mark it failed.',
    dnsPolicy: 'How DNS is set up for the pod: ClusterFirst (the default), ClusterFirstWithHostNet, Default or None.',
    nodeSelector: 'Labels a node must have for the pod to be scheduled on it.',
    serviceAccountName: 'Name of the ServiceAccount the pod runs as.',
    nodeName: 'The node the pod is bound to. Set by the scheduler; set it yourself to bypass scheduling.',
    hostNetwork: "Use the node's network namespace. Defaults to false.",
    affinity: "The pod's scheduling constraints: node affinity, pod affinity and anti-affinity.",
    tolerations: "The pod's tolerations of node taints.",
    schedulerName: 'The scheduler that places this pod. Defaults to default-scheduler.',
    priorityClassName: "The name of the pod's PriorityClass.",
    topologySpreadConstraints: 'How pods matching a selector should spread across topology domains (zones, nodes).',
  }],
  [`${CORE}Container`]: ['A single application container that runs in a pod.', {
    name: 'Name of the container, a DNS label unique within the pod. Cannot be updated.',
    image: 'Container image name.',
    command: "Entrypoint array, run without a shell. The image's ENTRYPOINT is used when empty.",
    args: "Arguments to the entrypoint. The image's CMD is used when empty.",
    workingDir: "The container's working directory. The runtime's default when empty.",
    ports: 'Ports to expose from the container (informational, except for hostPort).',
    env: 'Environment variables to set in the container.',
    resources: 'Compute resources (cpu, memory) the container requests and is limited to.',
    volumeMounts: "Pod volumes to mount into the container's filesystem.",
    livenessProbe: 'Periodic probe of container liveness; the container is restarted if it fails.',
    readinessProbe: 'Periodic probe of container readiness; the pod is removed from service endpoints while it fails.',
    startupProbe: 'Probe that must succeed before the other probes start; the container is restarted if it fails.',
    imagePullPolicy: 'Always, Never or IfNotPresent. Defaults to Always for the :latest tag, else IfNotPresent.',
  }],
  [`${CORE}ServiceSpec`]: ['The desired behaviour of a Service.', {
    type: 'How the Service is exposed: ClusterIP (the default: a virtual IP inside the cluster), NodePort (also a port on every node), LoadBalancer, or ExternalName (a DNS alias).',
    selector: 'Labels of the pods that receive the traffic. Without a selector, endpoints are managed by hand.',
    ports: 'The ports the Service exposes, each mapped to a targetPort on the pods.',
    clusterIP: 'The virtual IP of the Service, allocated by the server unless given; "None" makes a headless Service. Cannot change once set.',
    sessionAffinity: 'ClientIP keeps each client on one pod; None (the default) spreads connections.',
    externalName: 'The DNS name an ExternalName Service is an alias for.',
  }],
  [`${CORE}ServicePort`]: ['One port a Service exposes.', {
    name: 'Name of the port, unique within the Service; required when there are several ports.',
    protocol: 'TCP (the default), UDP or SCTP.',
    port: 'The port the Service listens on.',
    targetPort: "The pods' port (a number, or the name of a container port). Defaults to port.",
    nodePort: 'The port opened on every node for NodePort and LoadBalancer Services, allocated unless given.',
  }],
  [`${CORE}ConfigMap`]: ['Non-confidential configuration data as key/value pairs, for pods to consume.', {
    data: 'The configuration data: UTF-8 strings keyed by names of dots, dashes, underscores and alphanumerics.',
    binaryData: 'Binary data, base64-encoded, with keys distinct from those of data.',
    immutable: 'When true, data and binaryData cannot change; only the metadata can.',
  }],
  [`${BATCH}JobSpec`]: ['The desired behaviour of a Job.', {
    parallelism: 'The most pods the job runs at once. Defaults to 1.',
    completions: 'The number of successfully finished pods the job needs. Unset: any one success ends the job.',
    backoffLimit: 'Retries before the job is marked failed. Defaults to 6.',
    activeDeadlineSeconds: 'Seconds the job may be active before the system tries to terminate it.',
    template: 'The pods the job runs; restartPolicy must be Never or OnFailure.',
    ttlSecondsAfterFinished: 'Seconds after the job finishes before it is deleted automatically.',
    suspend: 'When true, the job creates no pods, and its running pods are terminated.',
  }],
  [`${META}ObjectMeta`]: ['Metadata that every persisted resource has.', {
    name: 'Name of the object, unique within its namespace. Cannot be updated.',
    generateName: 'Prefix from which the server generates a unique name when name is empty.',
    namespace: 'The namespace the object lives in; empty for cluster-scoped objects.',
    uid: 'Unique id of the object in time and space, set by the server. Read-only.',
    resourceVersion: 'An opaque value that changes on every write; clients use it for optimistic concurrency and watches. Read-only.',
    generation: 'A sequence number of the desired state, bumped by the server on spec changes. Read-only.',
    creationTimestamp: 'When the object was created, set by the server. Read-only.',
    deletionTimestamp: 'When the object will be deleted; set by the server when a graceful deletion is requested. Read-only.',
    labels: 'Key/value pairs used to organize and select objects.',
    annotations: 'Key/value pairs of arbitrary, non-identifying metadata.',
    ownerReferences: 'Objects this object depends on; it is garbage collected when they are all gone.',
    finalizers: 'Conditions that must be cleared before the object is removed from storage.',
  }],
};

/** One line for each kind without a longer entry above (keyed by Go name). */
const KINDS: Record<string, string> = {
  Node: 'A worker machine in the cluster, with its capacity, conditions and addresses.',
  Namespace: 'A scope for names: most objects live in exactly one namespace.',
  Service: 'A stable virtual IP and DNS name in front of the pods its selector matches.',
  Endpoints: 'The addresses and ports of the ready and not-ready pods behind a Service.',
  Secret: 'A small amount of confidential data (passwords, tokens, keys), base64-encoded in data.',
  Event: 'A report of something that happened to an object (scheduling, pulls, failures).',
  ServiceAccount: 'An identity for processes that run in pods.',
  Binding: 'Ties a pod to a node; the scheduler creates it (pods/binding).',
  Lease: 'A lock with a holder and a renewal time: node heartbeats and leader election.',
  ReplicaSet: 'Keeps a stable number of replica pods running from its template.',
  DaemonSet: 'Runs one copy of a pod on each eligible node.',
  StatefulSet: 'Manages pods with stable names (ordinals) and stable storage, created and updated in order.',
  ControllerRevision: 'An immutable snapshot of a controller template, kept for rollbacks.',
  Job: 'Runs pods until a number of them complete successfully.',
};

/** Returns the description of a type, if written. */
export const describeType = (typeName: string): string | undefined => DOCS[typeName]?.[0] ?? KINDS[typeName.slice(typeName.lastIndexOf('.') + 1)];

/** Returns the description of a field of a type, if written (for a kind's own type, the fields every kind has too). */
export const describeField = (typeName: string, field: string, isKind = false): string | undefined =>
  DOCS[typeName]?.[1][field] ?? (isKind ? KIND_FIELDS[field] : undefined);
