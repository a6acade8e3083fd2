// The trace model shared by the recorder, its renderers, the CLI and the scenario runner.

/** One message: who sent it, who received it, what it was about. */
export interface Span {
  traceId: string;
  spanId: string;
  /** The span of the message being handled when this one was sent (its cause). */
  parentSpanId?: string;
  /** The sending actor (e.g. `scheduler`, `kubelet/node-1`) or connection. */
  from: string;
  /** The receiving actors (or connections) in delivery order. */
  to: string[];
  subject: string;
  /** What kind of message: e.g. `create pods`, `reply 201`, `watch MODIFIED`, `lease renew`. */
  kind: string;
  /** The object it concerns, as `pod/default/web-abc12` (kind lowercased, namespace if any, name). */
  object?: string;
  sentAt: number;
  /** First delivery time, if delivered. */
  deliveredAt?: number;
  /** Every object a batch concerns when more than one (the first is `object`; at most MAX_OBJECTS kept). */
  objects?: string[];
  /** How many objects the message carried, when more than one (may exceed `objects.length`). */
  objectCount?: number;
  /** A short detail: the node bound to, a pod's phase, a list's size, a selector, an error message. */
  detail?: string;
  /** True for a reply to a request (drawn as a dashed arrow). */
  reply?: boolean;
}

/** At most this many objects of one message are kept (and indexed). */
export const MAX_OBJECTS = 32;

/** A state change of an actor (XState inspection), attached to the message it was handling. */
export interface StateNote {
  actor: string;
  at: number;
  /** The new state value, flattened (`running.idle`). */
  state: string;
  /** The event that caused it. */
  event: string;
  /** Every active leaf (`running.lease.healthy, running.sync.idle`), when more than `state` names (parallel states). */
  value?: string;
  traceId?: string;
  spanId?: string;
  /** The child actor whose state changed (e.g. a pod worker), when not the hosted actor itself. */
  child?: string;
  /** The object the (child) actor works on, when it says (a pod worker's pod). */
  object?: string;
  /** The child actor stopped (or reached a final state): readers forget it. */
  stopped?: true;
}

/** Which spans a caller wants: all given fields must match. */
export interface TraceQuery {
  /** `pod/default/web-abc12`, or a prefix such as `pod/default/web`. Whole traces touching it are returned. */
  object?: string;
  traceId?: string;
  /** Spans sent or received by this actor (or actor prefix, e.g. `kubelet/`). */
  actor?: string;
  /** Time window (ms since epoch, of the clock the cluster runs on). */
  from?: number;
  to?: number;
  /** At most this many spans (the latest). */
  limit?: number;
  /** Match `object` exactly rather than as a prefix. */
  exact?: boolean;
  /** With `object`: only the spans about it, their causes (up to the root) and their replies. */
  focus?: boolean;
}

export type TraceFormat = 'text' | 'mermaid' | 'chrome' | 'otlp';

export interface Trace {
  spans: Span[];
  notes: StateNote[];
  /** Spans left out (over the query's limit, or the reply's size cap), when any. */
  truncated?: number;
  /** How the recorder sampled a very large run, when it did (absent: every span was recorded). */
  sampling?: TraceSampling;
}

/** Whole-trace sampling of a very large run (see sampling.ts). */
export interface TraceSampling {
  /** 1 in `rate` traces kept, chosen by a hash of the trace id; kept traces are whole. */
  rate: number;
  /** Held spans that started sampling (and each halving after). */
  threshold: number;
  /** Recording switched off (the threshold was reached at the sparsest rate). */
  off: boolean;
  /** Spans dropped by sampling: purged from traces no longer kept, and never recorded. */
  dropped: number;
}

/** A message sent, summarised at once by the process that sent it (the body is never kept). */
export interface SentSummary {
  t: 's';
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  from: string;
  subject: string;
  kind: string;
  object?: string;
  objects?: string[];
  objectCount?: number;
  detail?: string;
  reply?: boolean;
  at: number;
}

/** A delivery of a message to an actor (or a connection, when no actor subscribed). */
export interface DeliveredSummary {
  t: 'd';
  traceId: string;
  spanId: string;
  to: string;
  subject: string;
  at: number;
  /** The sender, when the bus says (lets a span whose sender does not trace still name it). */
  from?: string;
}

/** What a process publishes on TRACE_SPANS about every ~100 ms. */
export interface FeedBatch {
  /** The publishing process (its connection name). */
  source: string;
  records: Array<SentSummary | DeliveredSummary>;
  notes: StateNote[];
  /** Records and notes this process dropped since its last batch (over its rate cap). */
  dropped: number;
}

/** The actor id of the trace recorder (its own replies are never recorded). */
export const TRACER_ID = 'tracer';
