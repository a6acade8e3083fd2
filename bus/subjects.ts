// Every subject kubus uses is spelled here, and only here.
import { randomBytes } from 'node:crypto';
import { identityToken, nameToken } from './identity.ts';

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
  /** Several requests of one verb on the resource in one message, each answered on its own (api/batch.ts). */
  'batch',
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

/** An API request subject's parts (frozen: shared by every request on that subject). */
export type ApiRoute = Readonly<{ resource: string; verb: string; identity?: string }>;

/** The routes of the subjects seen lately: a cluster sends to a few thousand (each is read ~3 times per request). */
const ROUTES = new Map<string, ApiRoute | undefined>();

/** Returns resource, verb and (locked bus) the sender's identity token of an API request subject, or undefined when it is not one. */
export function parseApiSubject(subject: string): ApiRoute | undefined {
  if (!subject.startsWith('kubus.api.')) return undefined; // replies and the rest: not remembered, one new subject per request
  const seen = ROUTES.get(subject);
  if (seen !== undefined || ROUTES.has(subject)) return seen;
  const t = subject.split('.');
  const route =
    (t.length !== 4 && t.length !== 5) || t[0] !== 'kubus' || t[1] !== 'api'
      ? undefined
      : Object.freeze(t.length === 5 ? { resource: t[2], verb: t[3], identity: t[4] } : { resource: t[2], verb: t[3] });
  if (ROUTES.size >= 4096) ROUTES.clear();
  ROUTES.set(subject, route);
  return route;
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

/** The identity token that stands for "no identity" in subjects that carry one, on an open bus (no identity is named so). */
export const OPEN_BUS_TOKEN = 'open';

/**
 * Where a client tells the API server that served a watch to stop it (or probes whether it lives): its
 * identity's token last, which a locked bus's publish permission pins, so one may stop only its own watches.
 */
export const unwatchSubject = (serverId: string, identity = OPEN_BUS_TOKEN) => `kubus.apiserver.${serverId}.unwatch.${identity}`;
/** Returns true when the sender of an unwatch on `subject` owns the watches of `owner` (see watchOwner): the same identity token. */
export function ownsWatches(subject: string, owner: string): boolean {
  const t = subject.split('.');
  const o = owner.split('.');
  return t.length === 5 && t[3] === 'unwatch' && t[4] === (o.length === 2 ? o[0] : OPEN_BUS_TOKEN);
}

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

/** Spans published by processes for a trace recorder (an open bus's feeds publish here). */
export const TRACE_SPANS = 'kubus.trace.spans';
/** Where a locked connection's trace feed publishes: behind its identity's token, which its publish permission pins. */
export const traceSpans = (identity: string) => `${TRACE_SPANS}.${identity}`;
/** Every identity's span subjects (the recorder reads them beside TRACE_SPANS). */
export const TRACE_SPANS_OF_ANY = `${TRACE_SPANS}.*`;
/** Returns the identity token a span subject names; undefined for TRACE_SPANS itself (no identity). */
export const spanPublisher = (subject: string) => (subject.startsWith(`${TRACE_SPANS}.`) ? subject.slice(TRACE_SPANS.length + 1) : undefined);
/** Where a trace recorder answers queries (a TraceQuery → a Trace). */
export const TRACE_QUERY = 'kubus.trace.query';
/** Where a trace recorder answers with the bus's rates per subject and actor, and actors' states (the dashboard's bus view). */
export const TRACE_BUS = 'kubus.trace.bus';

/**
 * Returns the group a subject is counted under in the bus view: API requests by resource and verb (the
 * identity token left out), watch events, replies, node and session subjects without their ids; else its first 3 tokens.
 */
export function subjectGroup(subject: string): string {
  const api = parseApiSubject(subject);
  if (api) return `kubus.api.${api.resource}.${api.verb}`;
  const t = subject.split('.');
  if (t[0] === '_INBOX') return '_INBOX (replies)';
  if (t[0] !== 'kubus') return t.slice(0, 2).join('.');
  if (t[1] === 'watch') return t[t.length - 1] === 'hb' ? 'kubus.watch.*.hb' : 'kubus.watch (events)';
  if (t[1] === 'node' && t.length >= 4) return `kubus.node.*.${t.slice(3).join('.')}`;
  if (t[1] === 'stream' || t[1] === 'logs' || t[1] === 'logquery') return `kubus.${t[1]}`;
  if (t[1] === 'apiserver' && t.length >= 4) return `kubus.apiserver.*.${t[3]}`;
  return t.slice(0, 3).join('.');
}
/** Returns true for the trace recorder's own subjects (never recorded themselves). */
export const isTraceSubject = (subject: string) => subject.startsWith('kubus.trace.');

/** Status subjects of one component (`kubus.status.<component>`), and all of them. */
export const componentStatus = (component: string) => `kubus.status.${component}`;
export const COMPONENT_STATUS_ALL = 'kubus.status.>';

/** Every kubus process answers here with what it runs (`kubus status`); replies go to statusReplies. */
export const STATUS_QUERY = 'kubus.status.query';
/** Where status answers for the connection `bus` go: on a locked bus one of its request inboxes, which only its identity may read. */
export const statusReplies = (bus: { id: string; identity?: string }) =>
  bus.identity ? `${identityInboxPrefix(bus.identity)}.status.${bus.id}` : `kubus.status.replies.${bus.id}`;

/** Where the kubelet of a node reads its pods' container logs (`kubectl logs`): a LogRequest → a LogReply. */
export const nodeLogs = (node: string) => `kubus.node.${nameToken(node)}.logs`;
/** Where a log follower tells the kubelet to stop sending (a LogStop naming its stream). */
export const nodeLogsStop = (node: string) => `kubus.node.${nameToken(node)}.logs.stop`;
/** Where the kubelet of a node runs a command in a container (`kubectl exec`): an ExecRequest → an ExecReply. */
export const nodeExec = (node: string) => `kubus.node.${nameToken(node)}.exec`;
/** Where the kubelet of a node opens an interactive exec or attach (a StreamRequest → a StreamReply). */
export const nodeStream = (node: string) => `kubus.node.${nameToken(node)}.stream`;
/** A new session id: random, so no one guesses another's session subject. */
export const sessionId = () => randomBytes(9).toString('base64url').replace(/[-_]/g, 'x');
/** The receiver's and the sender's tokens of a session subject: a locked bus's subscribe permission pins the first, its publish permission the second. */
const sessionEnds = (bus: { identity?: string }, peer: string) => (bus.identity ? `${bus.identity}.${peer}` : `${OPEN_BUS_TOKEN}.${OPEN_BUS_TOKEN}`);
/**
 * One side of a streaming session, where the connection `bus` receives frames for its session `id` (see
 * sessionId) from `peer`, the other end's identity token: `kubus.stream.<receiver>.<sender>.<conn>.<id>`.
 * Only the session's two ends may write into it. An open bus: placeholders for both.
 */
export const streamSession = (bus: { id: string; identity?: string }, id: string, peer: string) => `kubus.stream.${sessionEnds(bus, peer)}.${bus.id}.${id}`;
/** Where one followed log's new lines go (LogChunks), on the follower `bus`'s connection, from the kubelet `peer` (see nodePeer). */
export const logStream = (bus: { id: string; identity?: string }, id: string, peer: string) => `kubus.logs.${sessionEnds(bus, peer)}.${bus.id}.${id}`;
/** Returns the identity token of node `node`'s kubelet, a session's peer on a locked bus (`bus`'s: else a placeholder). */
export const nodePeer = (bus: { id: string; identity?: string }, node: string) => (bus.identity ? identityToken({ kind: 'node', name: node }) : OPEN_BUS_TOKEN);
/** Returns the receiver's token of a session subject (streamSession, logStream): the peer of the end that answers into it. */
export const sessionReceiver = (subject: string) => subject.split('.')[2] ?? OPEN_BUS_TOKEN;
/** Where a log follower says it is still there (a LogStop naming its stream; the reply says whether the follow is known). */
export const nodeLogsAlive = (node: string) => `kubus.node.${nameToken(node)}.logs.alive`;
/** Subject prefix of the keys of one store stream (the jetstream store backend). */
export const storeSubjects = (stream: string) => `kubus.store.${stream.toLowerCase()}`;
/** Subject of one key's writes in a store stream: base64url keeps any key a single valid subject token. */
export const storeKeySubject = (stream: string, key: string) => `${storeSubjects(stream)}.${Buffer.from(key).toString('base64url')}`;
/** Where the kubelet of a node answers resource stats (a NodeStatsRequest → NodeStats), as upstream's /metrics/resource. */
export const nodeStats = (node: string) => `kubus.node.${nameToken(node)}.stats`;
/** Where the metrics server answers metrics.k8s.io reads (a MetricsQuery → a MetricsReply or a Status). */
export const METRICS_QUERY = 'kubus.metrics.query';

/** Where a control-plane component answers Prometheus scrapes with its text exposition (`kubus.prom.apiserver`, `.scheduler`, `.controller-manager`). */
export const promSubject = (component: string) => `kubus.prom.${component}`;
/** Where the kubelet of a node answers Prometheus scrapes, as upstream's kubelet serves /metrics. */
export const nodeProm = (node: string) => `kubus.node.${nameToken(node)}.prom`;

/** Subject of one container's shipped log batches (a ClusterLogBatch): the node first, which a node identity's publish permission pins. */
export const clusterLogSubject = (node: string, namespace: string, pod: string, container: string) =>
  `kubus.clusterlogs.${nameToken(node)}.${namespace}.${nameToken(pod)}.${container}`;
/** Returns true for shipped container log subjects. */
export const isClusterLogSubject = (subject: string) => subject.startsWith('kubus.clusterlogs.');
/** The cluster log stream's subjects; with a namespace (and pod), a read's filter of them. */
export const clusterLogFilter = (namespace?: string, pod?: string) =>
  !namespace ? 'kubus.clusterlogs.>' : pod ? `kubus.clusterlogs.*.${namespace}.${nameToken(pod)}.*` : `kubus.clusterlogs.*.${namespace}.>`;
/**
 * Where an identity asks the API server's process to read the cluster log stream (runtime/cluster-logs-serve.ts):
 * its token last, which a locked bus's publish permission pins (only the API server's identity uses JetStream).
 */
export const clusterLogQuery = (identity = OPEN_BUS_TOKEN) => `kubus.logquery.${identity}`;
/** What the API server's process serves cluster log reads on. */
export const CLUSTER_LOG_QUERY_ALL = 'kubus.logquery.*';
/** The cluster log stream's name (one per cluster, as one JetStream serves one cluster). */
export const CLUSTER_LOG_STREAM = 'KUBUS_LOGS';

/** Subjects every identity may publish to beside the API on a locked bus: status, tracing, metrics, the scheduler's explain. */
const SHARED_SUBJECTS = ['kubus.status.>', 'kubus.trace.*', 'kubus.scheduler.>', 'kubus.metrics.>'];
/** Who may serve (subscribe to) a shared request subject beside the API servers: the one component that runs its server. */
const SERVES: Record<string, string[]> = {
  scheduler: ['kubus.scheduler.>', promSubject('scheduler')],
  'controller-manager': [METRICS_QUERY, promSubject('controller-manager')], // the metrics server runs with the controller manager
  tracer: ['kubus.trace.>'],
  admin: [TRACE_SPANS, TRACE_SPANS_OF_ANY], // a scenario's real runner reads the processes' spans
};

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
  // Any identity may read kubelets' resource stats (the metrics server runs with the controller manager): node names are one token.
  // Trace queries (`kubus.trace.*`, one token: a recorder ignores span batches there on a locked bus) and its own spans only.
  const publish = [`kubus.api.*.*.${identity}`, unwatchSubject('*', identity), APISERVER_STATS, ...SHARED_SUBJECTS, traceSpans(identity), 'kubus.node.*.stats', clusterLogQuery(identity)];
  const serves = SERVES[identity.split('_')[0]] ?? [];
  const subscribe = [`${identityInboxPrefix(identity)}.>`, `${watchInbox(identity)}.>`, APISERVER_STARTED, STATUS_QUERY, ...serves];
  // Session frames and followed logs: each end reads only its own token's and writes only as itself (the sender's token).
  const streams = { publish: [`kubus.stream.*.${identity}.>`, `kubus.logs.*.${identity}.>`], subscribe: [`kubus.stream.${identity}.>`, `kubus.logs.${identity}.>`] };
  // Only the fronts (the gateway's /metrics, an admin) scrape components' metrics.
  if (role === 'front') return { publish: [...publish, 'kubus.node.>', promSubject('*'), ...streams.publish], subscribe: [...subscribe, ...streams.subscribe] };
  if (role === 'node' && node) return { publish: [...publish, ...streams.publish, `kubus.clusterlogs.${nameToken(node)}.>`], subscribe: [...subscribe, `kubus.node.${nameToken(node)}.>`, ...streams.subscribe] };
  return { publish, subscribe };
}
