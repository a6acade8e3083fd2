// Cluster log reads as a client makes them (`kubus logs -l`, the gateway's /ui/api/logs): asked of the
// API server's process on the bus (cluster-logs-serve.ts), never of JetStream, which only that process
// may use. The lines come into a log session of this connection's own, each chunk acked once handed on.
import type { ClusterLogEntry, ClusterLogQuery } from '../api/cluster-logs.ts';
import type { UserInfo } from '../api/protocol.ts';
import { isStatus, StatusError } from '../api/status.ts';
import { NoRespondersError, RequestTimeoutError } from '../bus/errors.ts';
import { identityOfToken } from '../bus/identity.ts';
import { clusterLogQuery, logStream, sessionId } from '../bus/subjects.ts';
import type { Bus } from '../bus/types.ts';
import { LOG_HEARTBEAT_MS, type ClusterLogAck, type ClusterLogChunk, type ClusterLogRequest } from './cluster-logs-serve.ts';

/** Reads the cluster log stream: calls `each` per line, resolves when done (or, following, when `signal` aborts). */
export type RemoteClusterLogs = (q: ClusterLogQuery, each: (e: ClusterLogEntry) => void, signal: AbortSignal, user?: UserInfo) => Promise<void>;

export interface RemoteReadOptions {
  /** Told how many lines the server dropped (a follow read slower than the lines come). */
  onDropped?: (n: number) => void;
  /** How long the server may stay silent before the read fails (default 3 heartbeats). */
  silenceMs?: number;
}

/**
 * Reads through the API server's process on `bus` as its identity (a front: as `user`, which the
 * server authorizes). Throws a StatusError for a refused read (403, 400), 503 when no server answers.
 */
export function readRemoteClusterLogs(bus: Bus, q: ClusterLogQuery, each: (e: ClusterLogEntry) => void, signal?: AbortSignal, user?: UserInfo, o: RemoteReadOptions = {}): Promise<void> {
  const session = logStream(bus, sessionId(), '*');
  const silence = o.silenceMs ?? 3 * LOG_HEARTBEAT_MS;
  return new Promise<void>((resolve, reject) => {
    let done = false;
    let heard = Date.now();
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      sub.unsubscribe();
      clearInterval(watchdog);
      signal?.removeEventListener('abort', abort);
      if (err === undefined) resolve();
      else reject(err);
    };
    const abort = () => finish();
    const sub = bus.subscribe<ClusterLogChunk>(session, (m) => {
      // Only an API server's process may answer into the session (a locked bus pins the sender's token).
      if (bus.identity && identityOfToken(m.subject.split('.')[3] ?? '')?.kind !== 'apiserver') return;
      heard = Date.now();
      const chunk = m.data ?? {};
      if (done) return bus.respond(m, { stop: true } satisfies ClusterLogAck);
      try {
        if (chunk.dropped) o.onDropped?.(chunk.dropped);
        for (const e of chunk.entries ?? []) each(e);
      } catch (err) {
        bus.respond(m, { stop: true } satisfies ClusterLogAck);
        return finish(err);
      }
      if (chunk.end) return finish(chunk.error === undefined ? undefined : new Error(chunk.error));
      bus.respond(m, {} satisfies ClusterLogAck);
    });
    const watchdog = setInterval(() => {
      if (Date.now() - heard > silence) finish(new StatusError(503, 'ServiceUnavailable', 'the cluster log read ended: the API server stopped sending (gone?)'));
    }, Math.min(silence, LOG_HEARTBEAT_MS) / 2);
    watchdog.unref?.();
    if (signal?.aborted) return finish();
    signal?.addEventListener('abort', abort, { once: true });
    const req: ClusterLogRequest = { query: q, session, ...(user ? { user } : {}) };
    bus.request(clusterLogQuery(bus.identity), req, { timeoutMs: 10_000 }).then(
      (r) => {
        if (isStatus(r.data) && r.data.status === 'Failure') finish(StatusError.from(r.data));
      },
      (err: unknown) => {
        if (err instanceof NoRespondersError) finish(new StatusError(503, 'ServiceUnavailable', 'no API server answers cluster log reads (kubus up and kubus control-plane serve them)'));
        else if (err instanceof RequestTimeoutError) finish(new StatusError(504, 'Timeout', 'no answer to the cluster log read'));
        else finish(err);
      },
    );
  });
}

/** Returns a reader of the cluster logs over `bus` (the gateway's source of /ui/api/logs). */
export const remoteClusterLogs =
  (bus: Bus): RemoteClusterLogs =>
  (q, each, signal, user) =>
    readRemoteClusterLogs(bus, q, each, signal, user);
