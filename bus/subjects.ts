// Every subject kubus uses is spelled here, and only here.

/** API verbs: each resource has one request subject per verb. */
export const API_VERBS = [
  'get',
  'list',
  'create',
  'update',
  'patch',
  'delete',
  'watch',
  'update-status',
  'patch-status',
  'bind',
  'evict',
  /** serviceaccounts/token: a TokenRequest, answered and never stored. */
  'token',
] as const;
export type ApiVerb = (typeof API_VERBS)[number];

/** Request subject of one verb on one resource, e.g. `kubus.api.pods.create`. */
export const apiSubject = (resource: string, verb: ApiVerb) => `kubus.api.${resource}.${verb}`;

/** What the API server subscribes to (in queue group API_QUEUE). */
export const API_ALL = 'kubus.api.>';
export const API_QUEUE = 'apiserver';

/** Returns resource and verb of an API request subject, or undefined when it is not one. */
export function parseApiSubject(subject: string): { resource: string; verb: string } | undefined {
  const t = subject.split('.');
  if (t.length !== 4 || t[0] !== 'kubus' || t[1] !== 'api') return undefined;
  return { resource: t[2], verb: t[3] };
}

/** Returns true when a string can be one token of a subject: no dots, wildcards, whitespace or control characters. */
export const isSubjectToken = (s: unknown): s is string => typeof s === 'string' && /^[^.*>\s\x00-\x1f\x7f]+$/.test(s);

/** Prefix of the inbox subjects of one client connection: its watch events and heartbeats. */
export const watchInbox = (conn: string) => `kubus.watch.${conn}`;
/** Subject of one watch's events. */
export const watchEvents = (conn: string, watchId: string) => `kubus.watch.${conn}.${watchId}`;
/** Subject of the heartbeat requests an API server sends to a client connection for its watches. */
export const watchHeartbeat = (conn: string) => `kubus.watch.${conn}.hb`;
/** Returns the connection id of a watch-inbox subject. */
export const watchConnOf = (subject: string) => subject.split('.')[2];

/** Where a client tells the API server that served a watch to stop it. */
export const unwatchSubject = (serverId: string) => `kubus.apiserver.${serverId}.unwatch`;

/** Where API servers answer with their statistics (revision, watches): every instance replies. */
export const APISERVER_STATS = 'kubus.apiserver.stats';
/** Where an API server announces that it serves (ApiServerStarted): clients drop watches of older runs. */
export const APISERVER_STARTED = 'kubus.apiserver.started';

/** Where the scheduler answers "why was this pod placed there / why is it pending" (kubus explain). */
export const SCHEDULER_EXPLAIN = 'kubus.scheduler.explain';

/** Request inboxes of one bus connection (MemoryBus; NatsBus uses the client's own). */
export const requestInbox = (conn: string) => `_INBOX.${conn}`;

/** Spans published by processes for a trace recorder. */
export const TRACE_SPANS = 'kubus.trace.spans';
/** Where a trace recorder answers queries (a TraceQuery → a Trace). */
export const TRACE_QUERY = 'kubus.trace.query';
/** Returns true for the trace recorder's own subjects (never recorded themselves). */
export const isTraceSubject = (subject: string) => subject.startsWith('kubus.trace.');

/** Status subjects of one component (`kubus.status.<component>`), and all of them. */
export const componentStatus = (component: string) => `kubus.status.${component}`;
export const COMPONENT_STATUS_ALL = 'kubus.status.>';

/** Every kubus process answers here with what it runs (`kubus status`); replies go to statusReplies. */
export const STATUS_QUERY = 'kubus.status.query';
export const statusReplies = (conn: string) => `kubus.status.replies.${conn}`;

/** Where the kubelet of a node reads its pods' container logs (`kubectl logs`): a LogRequest → a LogReply. */
export const nodeLogs = (node: string) => `kubus.node.${node}.logs`;
/** Where a log follower tells the kubelet to stop sending (a LogStop naming its stream). */
export const nodeLogsStop = (node: string) => `kubus.node.${node}.logs.stop`;
/** Where the kubelet of a node runs a command in a container (`kubectl exec`): an ExecRequest → an ExecReply. */
export const nodeExec = (node: string) => `kubus.node.${node}.exec`;
/** Where the kubelet of a node opens an interactive exec or attach (a StreamRequest → a StreamReply). */
export const nodeStream = (node: string) => `kubus.node.${node}.stream`;
/** One side of a streaming session: frames for `conn`'s session `id`. */
export const streamSession = (conn: string, id: string) => `kubus.stream.${conn}.${id}`;
/** Where one followed log's new lines go (LogChunks), on the follower's connection. */
export const logStream = (conn: string, id: string) => `kubus.logs.${conn}.${id}`;
/** Where a log follower says it is still there (a LogStop naming its stream; the reply says whether the follow is known). */
export const nodeLogsAlive = (node: string) => `kubus.node.${node}.logs.alive`;
/** Subject prefix of the keys of one store stream (the jetstream store backend). */
export const storeSubjects = (stream: string) => `kubus.store.${stream.toLowerCase()}`;
/** Subject of one key's writes in a store stream: base64url keeps any key a single valid subject token. */
export const storeKeySubject = (stream: string, key: string) => `${storeSubjects(stream)}.${Buffer.from(key).toString('base64url')}`;
