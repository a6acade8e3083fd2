// The dashboard's cluster logs at /ui/api/logs: lines of every pod a selector matches, on every node,
// gone pods too, read from the cluster's log stream (as `kubus logs -l`). Authorized as `get pods/log`
// in the namespace (every namespace: cluster-wide). Without follow a JSON list; with follow=true
// Server-Sent Events (`lines`, each a batch of entries) until the client goes, from `since` or else
// the last minute; a client slower than the stream gets `truncated` events ({dropped}) instead of
// the gateway holding what it cannot send. No log stream (none made, JetStream off): 503.
//   GET /ui/api/logs?namespace=default&selector=app%3Dweb&since=10m[&container=C|&allContainers=true][&pod=P][&follow=true][&limit=N]
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isNoLogStream, NO_LOG_STREAM, type ClusterLogEntry, type ClusterLogQuery } from '../../api/cluster-logs.ts';
import { parseGoDuration } from '../../api/duration.ts';
import { parseSelector } from '../../api/selectors.ts';
import type { UserInfo } from '../../api/protocol.ts';
import { StatusError } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import type { Clock } from '../../bus/clock.ts';
import type { Logger } from '../../bus/types.ts';
import { requireAccess } from './access.ts';

/**
 * Reads the cluster log stream: calls `each` per line, resolves when done (or, following, when `signal` aborts).
 * `user` is the caller's, which the API server's process (the stream's reader) authorizes again.
 */
export type ClusterLogSource = (q: ClusterLogQuery, each: (e: ClusterLogEntry) => void, signal: AbortSignal, user?: UserInfo) => Promise<void>;

export interface UiLogsDeps {
  clock: Clock;
  log: Logger;
  /** The process's reader of the log stream (through the API server's process); unset: this gateway serves no cluster logs (503). */
  logs?: ClusterLogSource;
}

export const UI_LOGS_PATH = '/ui/api/logs';
/** Lines a list answer holds at most (the latest); a follow sends its lines in events of at most this many each 250 ms. */
export const UI_LOGS_LIMIT = 5_000;
const FLUSH_MS = 250;
/** Where a follow without `since` starts: this long before the request. */
export const UI_FOLLOW_BACK_MS = 60_000;
/** What a follow holds unsent at most (lines, and characters of text); past either the oldest go, counted in a `truncated` event. */
export const UI_FOLLOW_MAX_LINES = 2 * UI_LOGS_LIMIT;
const UI_FOLLOW_MAX_CHARS = 4 << 20;
const KEEPALIVE_MS = 15_000;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const bad = (field: string, message: string) =>
  new StatusError(400, 'BadRequest', `${field}: ${message}`, { causes: [{ field, message, reason: 'FieldValueInvalid' }] });

/** Returns the query of a /ui/api/logs request and its list limit; 400 with the field for anything malformed. */
export function uiLogsQuery(p: URLSearchParams, now: number): { query: ClusterLogQuery; limit: number } {
  const namespace = p.get('namespace') || undefined;
  if (namespace && !DNS_LABEL.test(namespace)) throw bad('namespace', `Invalid value: ${JSON.stringify(namespace)}: not a namespace name`);
  const selector = p.get('selector') || undefined;
  if (selector) {
    try {
      parseSelector(selector);
    } catch (err) {
      throw bad('selector', `Invalid value: ${JSON.stringify(selector)}: ${(err as Error).message}`);
    }
  }
  let sinceMs: number | undefined;
  const since = p.get('since');
  if (since) {
    try {
      sinceMs = now - parseGoDuration(since);
    } catch {
      throw bad('since', `Invalid value: ${JSON.stringify(since)}: a duration such as 10m or 1h`);
    }
  }
  const flag = (name: string) => {
    const v = p.get(name);
    if (v === null || v === '' || v === 'false' || v === '0') return false;
    if (v === 'true' || v === '1') return true;
    throw bad(name, `Invalid value: ${JSON.stringify(v)}: true or false`);
  };
  const limitRaw = p.get('limit');
  const limit = limitRaw ? Number(limitRaw) : UI_LOGS_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > UI_LOGS_LIMIT) throw bad('limit', `Invalid value: ${JSON.stringify(limitRaw)}: a whole number from 1 to ${UI_LOGS_LIMIT}`);
  const follow = flag('follow');
  if (follow && sinceMs === undefined) sinceMs = now - UI_FOLLOW_BACK_MS;
  const query: ClusterLogQuery = { namespace, selector, sinceMs, follow, allContainers: flag('allContainers') };
  const pod = p.get('pod');
  if (pod && !DNS_SUBDOMAIN.test(pod)) throw bad('pod', `Invalid value: ${JSON.stringify(pod)}: not a pod name`);
  if (pod) query.pod = pod;
  const container = p.get('container');
  if (container && !DNS_LABEL.test(container)) throw bad('container', `Invalid value: ${JSON.stringify(container)}: not a container name`);
  if (container) query.container = container;
  return { query, limit };
}

/** Serves /ui/api/logs for `caller`; throws a Status (answered by the caller) before anything is written. */
export async function serveUiLogs(deps: UiLogsDeps, caller: ApiClient, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method !== 'GET') throw new StatusError(405, 'MethodNotAllowed', `cluster logs are read with GET (got ${req.method})`);
  const { query, limit } = uiLogsQuery(url.searchParams, deps.clock.now());
  if (caller.user) await requireAccess(caller, { verb: 'get', resource: 'pods', subresource: 'log', group: '', namespace: query.namespace });
  if (!deps.logs) throw new StatusError(503, 'ServiceUnavailable', 'this gateway serves no cluster logs: its process has no log stream reader (kubus up and kubus control-plane give one)');
  const stop = new AbortController();
  const gone = () => stop.abort();
  req.on('close', gone);
  res.on('close', gone);
  if (!query.follow) {
    const items: ClusterLogEntry[] = [];
    let dropped = 0;
    const keep = (e: ClusterLogEntry) => {
      items.push(e);
      if (items.length > limit) {
        items.shift();
        dropped++;
      }
    };
    try {
      await deps.logs(query, keep, stop.signal, caller.user);
    } catch (err) {
      if (isNoLogStream(err)) throw new StatusError(503, 'ServiceUnavailable', NO_LOG_STREAM);
      throw err;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify({ kind: 'ClusterLogList', items, truncated: dropped }));
    return;
  }
  // Follow: lines gathered for FLUSH_MS go out as one `lines` event; a comment line keeps idle streams open.
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, private', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  res.write(': kubus\n\n');
  let pending: ClusterLogEntry[] = [];
  let chars = 0;
  let dropped = 0;
  let blocked = false;
  let timer: unknown;
  let idle = 0;
  // Writes while the socket takes them; once it refuses (write() false) nothing more until 'drain'.
  const send = (text: string) => {
    if (!res.write(text)) {
      blocked = true;
      res.once('drain', () => (blocked = false));
    }
  };
  const hold = (e: ClusterLogEntry) => {
    pending.push(e);
    chars += e.text.length;
    if (pending.length <= UI_FOLLOW_MAX_LINES && chars <= UI_FOLLOW_MAX_CHARS) return;
    let n = 0;
    while (n < pending.length - 1 && (pending.length - n > UI_FOLLOW_MAX_LINES || chars > UI_FOLLOW_MAX_CHARS)) chars -= pending[n++].text.length;
    pending.splice(0, n);
    dropped += n;
  };
  const flush = () => {
    timer = undefined;
    if (stop.signal.aborted) return;
    if (blocked) {
      // The client reads slower than lines come: hold (bounded) until it drains.
    } else if (dropped || pending.length) {
      if (dropped) send(`event: truncated\ndata: ${JSON.stringify({ dropped })}\n\n`);
      dropped = 0;
      const out = pending.splice(0, limit);
      for (const e of out) chars -= e.text.length;
      if (out.length) send(`event: lines\ndata: ${JSON.stringify(out)}\n\n`);
      idle = 0;
    } else if ((idle += FLUSH_MS) >= KEEPALIVE_MS) {
      idle = 0;
      send(': ping\n\n');
    }
    timer = deps.clock.setTimeout(flush, FLUSH_MS);
  };
  timer = deps.clock.setTimeout(flush, FLUSH_MS);
  try {
    await deps.logs(query, hold, stop.signal, caller.user);
  } catch (err) {
    if (!stop.signal.aborted) res.write(`event: problem\ndata: ${JSON.stringify({ message: isNoLogStream(err) ? NO_LOG_STREAM : (err as Error).message })}\n\n`);
    deps.log.debug({ err: (err as Error).message }, 'dashboard logs: the read ended');
  } finally {
    deps.clock.clearTimeout(timer);
    pending = [];
    res.end();
  }
}
