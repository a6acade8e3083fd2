// Messages between a client (the gateway) and the kubelet of a pod's node: container logs and
// exec, as upstream's API server proxies them to the kubelet's /containerLogs and /exec.

/** One line of a container's log, with when it was written (ms since the epoch). */
export interface NodeLogLine {
  at: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Which container's log to read, and which lines (PodLogOptions, resolved to one container). */
export interface LogRequest {
  namespace: string;
  name: string;
  /** The pod's uid, when the caller read the pod: a pod of the same name made since does not answer. */
  uid?: string;
  container: string;
  /** The container's previous instance (the one before a restart). */
  previous?: boolean;
  tailLines?: number;
  /** Only lines written at or after this time (ms since the epoch). */
  sinceMs?: number;
  /** Follow: lines written later go to this subject as LogChunks, the last one with `end`. */
  follow?: string;
}

/** The lines there are now (a Status instead when the pod or container is not there). */
export interface LogReply {
  lines: NodeLogLine[];
}

/** Lines of a followed log written since; `end` when the container exited or the follow was stopped. */
export interface LogChunk {
  lines: NodeLogLine[];
  end?: boolean;
}

/** Ends a follow (the client left), or says it is still wanted (a keepalive). */
export interface LogStop {
  follow: string;
}

/** How often a follower says it is still there; the kubelet drops follows silent for three times as long. */
export const FOLLOW_KEEPALIVE_MS = 30_000;

/** The kubelet's answer to a keepalive: false when it no longer follows that stream (restarted, or ended it). */
export interface LogAlive {
  known: boolean;
}

/** A command to run in a container (PodExecOptions, resolved to one container). */
export interface ExecRequest {
  namespace: string;
  name: string;
  uid?: string;
  container: string;
  command: string[];
  /** Everything the client sent on stdin, when it asked to send any and closed it (v5.channel.k8s.io). */
  stdin?: string;
}

/** How the command ended and what it printed. */
export interface ExecReply {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * An interactive exec or attach (CRI Exec/Attach streaming): the kubelet opens the runtime's stream
 * and relays its channels as StreamFrames to `toClient`; the reply names where the client sends its own.
 */
export interface StreamRequest {
  /** portforward: a TCP connection to `port` in the pod's network (CRI PortForward): channel 0 data both ways, 1 errors. */
  kind: 'exec' | 'attach' | 'portforward';
  port?: number;
  namespace: string;
  name: string;
  uid?: string;
  container: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  /** The subject the kubelet sends the session's frames to. */
  toClient: string;
}

/** Where the client sends its frames (stdin, resize, close) for the session. */
export interface StreamReply {
  toKubelet: string;
}

/**
 * One message of a session, channels numbered as the k8s channel protocols: 0 stdin, 1 stdout,
 * 2 stderr, 3 the closing Status (JSON), 4 resize (JSON {Width, Height}); `end` closes the session.
 */
export interface StreamFrame {
  ch?: number;
  /** The bytes, base64. */
  data?: string;
  end?: boolean;
}
