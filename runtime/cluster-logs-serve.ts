// Cluster log reads, served by the API server's process (the one identity with JetStream rights on a
// locked bus): a client asks on its own `kubus.logquery.<token>` (its publish permission pins the
// token, as the API's request subjects), the server establishes the user as the API server does
// (bus identity; the fronts pass on their caller's), authorizes `get pods/log` in the namespace (every
// namespace: cluster-wide) with a SubjectAccessReview, and streams the lines into the client's log
// session (`kubus.logs.<client>.<server>.<conn>.<id>`), each chunk a request the client acks (at most
// WINDOW unacked): a client that is gone (no responders, no ack) ends the read. The fronts no longer
// hold JetStream rights, so none can make the stream deliver to a subject of its choice.
import type { ClusterLogEntry, ClusterLogQuery } from '../api/cluster-logs.ts';
import { forbiddenError } from '../api/authorization.ts';
import type { UserInfo } from '../api/protocol.ts';
import { badRequest, StatusError, unavailable } from '../api/status.ts';
import { isDNS1123Label, isDNS1123Subdomain } from '../api/validation/strings.ts';
import { userFor } from '../actors/apiserver/identity.ts';
import type { ApiClient } from '../bus/client.ts';
import { CLUSTER_LOG_QUERY_ALL, isSubjectToken, OPEN_BUS_TOKEN } from '../bus/subjects.ts';
import type { Bus, BusMessage, Logger } from '../bus/types.ts';

/** A read's request: the query, the user a front passes on, and the client's session subject with `*` for the server's token. */
export interface ClusterLogRequest {
  query: ClusterLogQuery;
  user?: UserInfo;
  session: string;
}
/** One message of a read's session: lines, how many were dropped before them (a follow's client too slow), or the end (with why, when it failed). */
export interface ClusterLogChunk {
  entries?: ClusterLogEntry[];
  dropped?: number;
  end?: boolean;
  error?: string;
}
/** A client's answer to a chunk; `stop` ends the read. */
export interface ClusterLogAck {
  stop?: boolean;
}

/** The queue group of the servers (one answers each read). */
export const CLUSTER_LOG_QUEUE = 'cluster-logs';
/** Chunks sent and not yet acked, at most. */
const WINDOW = 4;
const CHUNK_ENTRIES = 1000;
const CHUNK_CHARS = 256 * 1024;
/** An idle follow's empty chunk (the server learns whether its client is still there; the client, that the server is). */
export const LOG_HEARTBEAT_MS = 10_000;
const ACK_TIMEOUT_MS = 30_000;
/** Characters of lines held for a client at most: past it a follow drops the oldest (told in `dropped`), a list read fails. */
export const MAX_HELD_CHARS = 32 << 20;

export interface ClusterLogServerDeps {
  /** The API server's process's bus. */
  bus: Bus;
  /** Asks the API server's SubjectAccessReviews (as this process's trusted identity). */
  api: ApiClient;
  /** Reads the log stream (cluster-logs-read.ts). */
  read(q: ClusterLogQuery, each: (e: ClusterLogEntry) => void, signal: AbortSignal): Promise<void>;
  log: Logger;
}

/** Returns the user a read acts as (undefined: a trusted caller), established from the subject's token as the API server does. */
export function logReadUser(token: string, claimed: UserInfo | undefined, locked: boolean): UserInfo | undefined {
  if (token === OPEN_BUS_TOKEN && !locked) return claimed;
  return userFor(token, claimed);
}

/** Returns the concrete session subject of a request from `token`: it must be the requester's own session (`kubus.logs.<token>.*.<conn>.<id>`). */
export function sessionOf(pattern: unknown, token: string, server: string): string {
  const t = typeof pattern === 'string' ? pattern.split('.') : [];
  const ok = t.length === 6 && t[0] === 'kubus' && t[1] === 'logs' && t[2] === token && (t[3] === '*' || t[3] === OPEN_BUS_TOKEN) && isSubjectToken(t[4]) && isSubjectToken(t[5]);
  if (!ok) throw badRequest(`session: want kubus.logs.${token}.*.<conn>.<id> (the requester's own session)`);
  return ['kubus', 'logs', token, server, t[4], t[5]].join('.');
}

/** Returns the query's fields that a read uses, checked for type. */
function checkedQuery(q: unknown): ClusterLogQuery {
  if (typeof q !== 'object' || q === null) throw badRequest('query: want an object');
  const o = q as Record<string, unknown>;
  for (const k of ['namespace', 'selector', 'pod', 'container'] as const) if (o[k] !== undefined && typeof o[k] !== 'string') throw badRequest(`query.${k}: want a string`);
  if (o.sinceMs !== undefined && typeof o.sinceMs !== 'number') throw badRequest('query.sinceMs: want a number');
  // They go into the stream's filter subject: a name, never a wildcard or more tokens.
  for (const [k, check] of [['namespace', isDNS1123Label], ['pod', isDNS1123Subdomain]] as const) {
    const errs = o[k] ? check(o[k] as string) : [];
    if (!errs.length) continue;
    const message = `Invalid value: ${JSON.stringify(o[k])}: ${errs.join('; ')}`;
    throw badRequest(`query.${k}: ${message}`, [{ reason: 'FieldValueInvalid', field: `query.${k}`, message }]);
  }
  const s = (k: string) => (o[k] as string | undefined) || undefined;
  return { namespace: s('namespace'), selector: s('selector'), pod: s('pod'), container: s('container'), allContainers: o.allContainers === true, sinceMs: o.sinceMs as number | undefined, follow: o.follow === true };
}

/** Throws upstream's 403 unless `user` may `get pods/log` in the query's namespace (unset: every namespace). */
async function authorize(api: ApiClient, user: UserInfo | undefined, namespace: string | undefined): Promise<void> {
  if (!user) return;
  const resourceAttributes = { verb: 'get', group: '', resource: 'pods', subresource: 'log', namespace: namespace ?? '' };
  const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {}, spec: { user: user.username, groups: user.groups, uid: user.uid, extra: user.extra, resourceAttributes } };
  const review = await api.call<{ status: { allowed: boolean; reason?: string } }>('subjectaccessreviews', 'create', { body: body as never });
  if (!review.status.allowed) throw forbiddenError({ user, verb: 'get', apiGroup: '', resource: 'pods', subresource: 'log', namespace: namespace ?? '', name: '' }, review.status.reason ?? '');
}

/** Serves cluster log reads until the returned function is called (which ends the reads in progress, each client told). */
export function serveClusterLogs(d: ClusterLogServerDeps): () => void {
  /** The reads in progress, each with its end (sends the client the end, with why). */
  const reads = new Map<AbortController, (error: string) => void>();
  const token = d.bus.identity ?? OPEN_BUS_TOKEN;
  let stopped = false;
  const start = async (msg: BusMessage<ClusterLogRequest>) => {
    const from = msg.subject.split('.')[2] ?? '';
    let query: ClusterLogQuery;
    let session: string;
    try {
      const body = (msg.data ?? {}) as Partial<ClusterLogRequest>;
      const user = logReadUser(from, body.user, !!d.bus.identity);
      query = checkedQuery(body.query);
      session = sessionOf(body.session, from, token);
      await authorize(d.api, user, query.namespace);
      // Stopped while the read was authorized: no stream starts (the bus may be closing).
      if (stopped) throw unavailable(STOPPED);
    } catch (err) {
      d.bus.respond(msg, err instanceof StatusError ? err.status : new StatusError(500, 'InternalError', (err as Error).message).status);
      return;
    }
    d.bus.respond(msg, { ok: true });
    stream(d, query, session, reads);
  };
  // A respond throws once the bus is closed (a stop while a read was authorized): logged, never unhandled.
  const sub = d.bus.subscribe<ClusterLogRequest>(CLUSTER_LOG_QUERY_ALL, (msg) => void start(msg).catch((err: unknown) => d.log.debug({ err: (err as Error)?.message }, 'cluster log read: not answered')), { queue: CLUSTER_LOG_QUEUE });
  return () => {
    stopped = true;
    sub.unsubscribe();
    for (const end of [...reads.values()]) end(STOPPED);
  };
}

const STOPPED = "the cluster log read ended: the API server's process stopped";

/** Reads the stream for one client into its session, paced by its acks. */
function stream(d: ClusterLogServerDeps, query: ClusterLogQuery, session: string, reads: Map<AbortController, (error: string) => void>): void {
  const stop = new AbortController();
  let held: ClusterLogEntry[] = [];
  let chars = 0;
  let dropped = 0;
  let outstanding = 0;
  let readDone = false;
  let failure: string | undefined;
  let lastSent = Date.now();
  let scheduled = false;
  const finish = () => {
    stop.abort();
    clearInterval(beat);
    reads.delete(stop);
  };
  /** Finishes and tells the client the read ended (with why, when it failed). */
  const end = (error: string | undefined) => {
    finish();
    try {
      d.bus.publish(session, error === undefined ? { end: true } : { end: true, error });
    } catch (err) {
      d.log.debug({ err: (err as Error).message }, 'cluster log read: its end not sent');
    }
  };
  reads.set(stop, end);
  const send = (chunk: ClusterLogChunk) => {
    outstanding++;
    lastSent = Date.now();
    let acked: Promise<BusMessage<ClusterLogAck>>;
    try {
      acked = d.bus.request<ClusterLogAck>(session, chunk, { timeoutMs: ACK_TIMEOUT_MS });
    } catch {
      return finish(); // the bus is closed
    }
    acked.then(
      (m) => {
        outstanding--;
        if (m.data?.stop) finish();
        else pump();
      },
      () => finish(), // the client is gone (no responders, no ack)
    );
  };
  const pump = () => {
    if (!reads.has(stop)) return;
    while (outstanding < WINDOW && (held.length || dropped)) {
      let n = 0;
      let c = 0;
      while (n < held.length && n < CHUNK_ENTRIES && (n === 0 || c + held[n].text.length <= CHUNK_CHARS)) c += held[n++].text.length;
      const entries = held.splice(0, n);
      chars -= c;
      send(dropped ? { entries, dropped } : { entries });
      dropped = 0;
    }
    if (readDone && !held.length) end(failure);
  };
  const each = (e: ClusterLogEntry) => {
    held.push(e);
    chars += e.text.length;
    if (chars > MAX_HELD_CHARS) {
      if (!query.follow) {
        failure = 'the client reads slower than the log stream is read: narrow the read (a namespace, a selector, --since)';
        held = [];
        chars = 0;
        stop.abort();
        return;
      }
      let n = 0;
      while (n < held.length - 1 && chars > MAX_HELD_CHARS / 2) chars -= held[n++].text.length;
      held.splice(0, n);
      dropped += n;
    }
    // Lines that come in one burst go in one chunk.
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      pump();
    });
  };
  // An idle follow sends an empty chunk now and then: a client that is gone ends it.
  const beat = setInterval(() => {
    if (outstanding === 0 && Date.now() - lastSent >= LOG_HEARTBEAT_MS) send({});
  }, LOG_HEARTBEAT_MS / 2);
  beat.unref?.();
  d.read(query, each, stop.signal).then(
    () => undefined,
    (err: unknown) => {
      failure ??= (err as Error)?.message ?? String(err);
      d.log.debug({ err: failure }, 'cluster log read ended');
    },
  ).finally(() => {
    readDone = true;
    pump();
  });
}
