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

/**
 * Request subject of one verb on one resource: `kubus.api.pods.create` on an open bus, and on a locked
 * one `kubus.api.pods.create.<identity token>`, the token its publish permission pins (bus/identity.ts).
 */
export const apiSubject = (resource: string, verb: ApiVerb, identity?: string) =>
  identity ? `kubus.api.${resource}.${verb}.${identity}` : `kubus.api.${resource}.${verb}`;

/** What the API server subscribes to (in queue group API_QUEUE): both forms. */
export const API_ALL = 'kubus.api.>';
export const API_QUEUE = 'apiserver';

/** Returns resource, verb and (locked bus) the sender's identity token of an API request subject, or undefined when it is not one. */
export function parseApiSubject(subject: string): { resource: string; verb: string; identity?: string } | undefined {
  const t = subject.split('.');
  if ((t.length !== 4 && t.length !== 5) || t[0] !== 'kubus' || t[1] !== 'api') return undefined;
  return t.length === 5 ? { resource: t[2], verb: t[3], identity: t[4] } : { resource: t[2], verb: t[3] };
}

/** Returns true when a string can be one token of a subject: no dots, wildcards, whitespace or control characters. */
export const isSubjectToken = (s: unknown): s is string => typeof s === 'string' && /^[^.*>\s\x00-\x1f\x7f]+$/.test(s);

/**
 * Who owns a connection's watch inboxes: its id, behind its identity token on a locked bus
 * (`<token>.<conn>`), where the subscribe permission pins `kubus.watch.<token>.>` to that identity.
 */
export const watchOwner = (conn: string, identity?: string) => (identity ? `${identity}.${conn}` : conn);
/** Returns true when a string is a watch owner: a connection id, or `<identity token>.<conn>`. */
export const isWatchOwner = (s: unknown): s is string => typeof s === 'string' && s.split('.').length <= 2 && s.split('.').every(isSubjectToken);
/** Prefix of the inbox subjects of one client connection (its owner, see watchOwner): its watch events and heartbeats. */
export const watchInbox = (owner: string) => `kubus.watch.${owner}`;
/** Subject of one watch's events. */
export const watchEvents = (owner: string, watchId: string) => `kubus.watch.${owner}.${watchId}`;
/** Subject of the heartbeat requests an API server sends to a client connection for its watches. */
export const watchHeartbeat = (owner: string) => `kubus.watch.${owner}.hb`;
/** Returns the owner (see watchOwner) of a watch-inbox subject. */
export const watchConnOf = (subject: string) => subject.split('.').slice(2, -1).join('.');

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
/** The request inbox prefix of a locked connection: its subscribe permission pins `_INBOX.<token>.>`. */
export const identityInboxPrefix = (identity: string) => `_INBOX.${identity}`;

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
/** Where the kubelet of a node answers resource stats (a NodeStatsRequest → NodeStats), as upstream's /metrics/resource. */
export const nodeStats = (node: string) => `kubus.node.${node}.stats`;
/** Where the metrics server answers metrics.k8s.io reads (a MetricsQuery → a MetricsReply or a Status). */
export const METRICS_QUERY = 'kubus.metrics.query';

/** Subjects every identity uses beside the API on a locked bus: status, tracing, metrics, the scheduler's explain. */
const SHARED_SUBJECTS = ['kubus.status.>', 'kubus.trace.>', 'kubus.scheduler.>', 'kubus.metrics.>'];
/** Where logs, exec and attach streams flow (both sides): the gateway's and admin's followers and the kubelets. */
const STREAM_SUBJECTS = ['kubus.stream.>', 'kubus.logs.>'];

/** The part an identity plays on a locked bus, for its permissions. */
export type BusRole = 'apiserver' | 'node' | 'front' | 'component';

/**
 * What an identity (its token) may publish and subscribe to on a locked bus. API servers: everything
 * (they serve the API, send every watch, and talk to JetStream). Any other: its own API request
 * subjects, its request and watch inboxes (its token pinned in each), and the shared subjects; the
 * kubelet of node N serves only N's log/exec subjects (exact tokens, so node `a` never matches node
 * `a.b`), and only the fronts (gateway, admin) may call kubelets.
 */
export function permittedSubjects(identity: string, role: BusRole, node?: string): { publish: string[]; subscribe: string[] } {
  if (role === 'apiserver') return { publish: ['>'], subscribe: ['>'] };
  // Any identity may read kubelets' resource stats (the metrics server runs with the controller manager); a node name may hold up to 2 dots here.
  const stats = [nodeStats('*'), nodeStats('*.*'), nodeStats('*.*.*')];
  const publish = [`kubus.api.*.*.${identity}`, unwatchSubject('*'), APISERVER_STATS, ...SHARED_SUBJECTS, ...stats];
  const subscribe = [`${identityInboxPrefix(identity)}.>`, `${watchInbox(identity)}.>`, APISERVER_STARTED, ...SHARED_SUBJECTS];
  if (role === 'front') return { publish: [...publish, 'kubus.node.>', ...STREAM_SUBJECTS], subscribe: [...subscribe, ...STREAM_SUBJECTS] };
  if (role === 'node' && node) return { publish: [...publish, ...STREAM_SUBJECTS], subscribe: [...subscribe, `kubus.node.${node}.*`, `kubus.node.${node}.logs.*`, ...STREAM_SUBJECTS] };
  return { publish, subscribe };
}
