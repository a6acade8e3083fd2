// Cluster logging's wire format: the kubelet ships its containers' lines in batches, one message per
// container and batch, into the cluster's log stream; readers (`kubus logs -l`, the dashboard) filter them.

/** One shipped line: when it was written (ms since the epoch), on which stream, and its text. */
export interface ClusterLogLine {
  at: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** A batch of one container's lines, with the labels a reader selects on, taken when it was shipped. */
export interface ClusterLogBatch {
  node: string;
  namespace: string;
  pod: string;
  uid: string;
  container: string;
  /** The pod's labels when the batch was shipped (a pod gone since keeps its last ones in the stream). */
  labels: Record<string, string>;
  /** The pod's default container (kubectl's: the annotation `kubectl.kubernetes.io/default-container`, else the first). */
  default: boolean;
  lines: ClusterLogLine[];
}

/** What a cluster log read asks for. */
export interface ClusterLogQuery {
  /** Unset: every namespace. */
  namespace?: string;
  /** A label selector (`app=web,tier!=db`); unset: every pod. */
  selector?: string;
  /** One pod by name (a pod that is gone too). */
  pod?: string;
  /** One container by name; unset with allContainers false: each pod's default container. */
  container?: string;
  allContainers?: boolean;
  /** Only lines written at or after this time (ms since the epoch). */
  sinceMs?: number;
  /** Keep reading new lines after the stored ones, until stopped. */
  follow?: boolean;
}

/** One line as a read hands it on: the batch's pod and container with the line. */
export interface ClusterLogEntry extends ClusterLogLine {
  node: string;
  namespace: string;
  pod: string;
  container: string;
}

/** Kubernetes' annotation that names a pod's default container for logs and exec. */
export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

/** What a reader says when the cluster's NATS keeps no log stream (none made, or no JetStream). */
export const NO_LOG_STREAM = 'this cluster keeps no logs: its NATS has no KUBUS_LOGS stream (kubus up makes one; a control plane makes it when its NATS runs JetStream)';
/** Returns true for a read's error that means there is no log stream to read (stream not found, JetStream off). */
export const isNoLogStream = (err: unknown) => /stream not found|jetstream is not enabled|jetstream not enabled/i.test((err as Error)?.message ?? '');
