// The dashboard's live data at /ui/api/: an object's message flow (the trace recorder's spans about
// it, sent as they grow) and the bus view (rates per subject and actor, actors' states), each as
// Server-Sent Events. The gateway asks the trace recorder over the bus (TRACE_QUERY, TRACE_BUS), as
// `kubus trace` does, on subjects every identity may already publish to: no bus right is widened.
// Authorization: a flow needs `get` on the object; the bus view shows every component, so it needs
// cluster-admin (`*` on `*`), checked by a SelfSubjectAccessReview as the caller.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resourceByKind } from '../../api/resources.ts';
import { StatusError } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import type { Clock } from '../../bus/clock.ts';
import { TRACE_BUS, TRACE_QUERY } from '../../bus/subjects.ts';
import type { Logger } from '../../bus/types.ts';
import { requireAccess } from './access.ts';
import { FlowDiff, scopeSpan, type WireSpan, type WireNote } from './ui-flow-diff.ts';

/** What the feeds need of the gateway. */
export interface UiFeedDeps {
  /** The gateway's own client (its bus asks the recorder). */
  client: ApiClient;
  clock: Clock;
  log: Logger;
  /** Bytes a feed may hold unsent for a slow client before it is closed (default FEED_MAX_BUFFERED_BYTES). */
  feedMaxBufferedBytes?: number;
}

/** How often a feed asks the recorder (the feeds publish every ~100 ms). */
export const FLOW_POLL_MS = 400;
export const BUS_POLL_MS = 1_000;
/** Spans of one flow at most (the latest), as the recorder's own reply cap. */
const MAX_FLOW_SPANS = 2_000;
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
/** A client this far behind (bytes written, not yet sent) has its feed closed, as a slow watch client is. */
export const FEED_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const NO_RECORDER = 'no trace recorder answers: run `kubus up` with tracing on (the default; not --no-trace), or one `kubus control-plane --trace-recorder` (and --trace on the other processes)';

/** True for the paths served here. */
export const isUiFeedPath = (path: string) => path.startsWith('/ui/api/');

const bad = (field: string, message: string) =>
  new StatusError(400, 'BadRequest', `${field}: ${message}`, { causes: [{ field, message, reason: 'FieldValueInvalid' }] });

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** The object a flow request names, checked: 400 with the field for anything malformed. */
export function flowTarget(q: URLSearchParams): { ref: string; resource: string; group: string; namespace?: string; name: string } {
  const kind = q.get('kind') ?? '';
  const name = q.get('name') ?? '';
  const namespace = q.get('namespace') || undefined;
  if (!kind) throw bad('kind', 'Required value: the object\'s Kind, e.g. kind=Pod');
  const def = resourceByKind(kind);
  if (!def) throw bad('kind', `Unsupported value: ${JSON.stringify(kind)}: no resource of this Kind is served (see kubectl api-resources)`);
  if (!name) throw bad('name', 'Required value: the object\'s name');
  if (name.length > 253 || !/^[A-Za-z0-9]([-A-Za-z0-9_.:]*[A-Za-z0-9])?$/.test(name)) throw bad('name', `Invalid value: ${JSON.stringify(name)}: not an object name`);
  if (def.namespaced && !namespace) throw bad('namespace', `Required value: ${def.kind} is namespaced`);
  if (!def.namespaced && namespace) throw bad('namespace', `Invalid value: ${JSON.stringify(namespace)}: ${def.kind} is cluster-scoped`);
  if (namespace && (namespace.length > 63 || !DNS_SUBDOMAIN.test(namespace))) throw bad('namespace', `Invalid value: ${JSON.stringify(namespace)}: not a namespace name`);
  const kindRef = def.kind.toLowerCase();
  return { ref: namespace ? `${kindRef}/${namespace}/${name}` : `${kindRef}/${name}`, resource: def.plural, group: def.group, namespace, name };
}

/** An open event stream: `send` writes one event, `closed` tells when the client went. */
function eventStream(deps: UiFeedDeps, req: IncomingMessage, res: ServerResponse) {
  const { clock } = deps;
  const maxBuffered = deps.feedMaxBufferedBytes ?? FEED_MAX_BUFFERED_BYTES;
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, private', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  res.write(': kubus\n\n');
  let closed = false;
  let keep: unknown;
  const onClose = () => {
    closed = true;
    clock.clearTimeout(keep);
  };
  req.on('close', onClose);
  res.on('close', onClose);
  // Still holding too much from earlier writes: the client does not read; close rather than buffer without end.
  const write = (text: string) => {
    if (closed) return;
    if (res.writableLength > maxBuffered) {
      deps.log.warn({ path: req.url, buffered: res.writableLength }, 'dashboard feed client too slow: feed closed');
      onClose();
      res.destroy();
      return;
    }
    res.write(text);
  };
  const ping = () => {
    if (closed) return;
    write(': ping\n\n');
    keep = clock.setTimeout(ping, KEEPALIVE_MS);
  };
  keep = clock.setTimeout(ping, KEEPALIVE_MS);
  return {
    get closed() {
      return closed;
    },
    send(event: string, data: unknown) {
      write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
  };
}

/** Asks the recorder every `ms` and hands each answer (or the failure's message) on, until the client goes. */
function poll<T>(deps: UiFeedDeps, stream: ReturnType<typeof eventStream>, ms: number, ask: () => Promise<T>, on: (v: T) => void): void {
  let lastError = '';
  const tick = async () => {
    if (stream.closed) return;
    try {
      on(await ask());
      lastError = '';
    } catch (err) {
      const e = err as Error;
      const message = e.name === 'NoRespondersError' ? NO_RECORDER : `the trace recorder did not answer: ${e.message}`;
      // Said once per failure, not on every poll.
      if (message !== lastError) {
        deps.log.debug({ err: e.message }, 'dashboard feed: recorder query failed');
        stream.send('problem', { message });
      }
      lastError = message;
    }
    if (!stream.closed) deps.clock.setTimeout(() => void tick(), ms);
  };
  void tick();
}

/** Serves /ui/api/flows and /ui/api/bus for `caller`; throws a Status (answered by the caller) before the stream opens. */
export async function serveUiFeed(deps: UiFeedDeps, caller: ApiClient, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method !== 'GET') throw new StatusError(405, 'MethodNotAllowed', `the dashboard's feeds are read with GET (got ${req.method})`);
  const bus = deps.client.bus;
  if (url.pathname === '/ui/api/flows') {
    const target = flowTarget(url.searchParams);
    if (caller.user) await requireAccess(caller, { verb: 'get', resource: target.resource, group: target.group, namespace: target.namespace, name: target.name });
    const stream = eventStream(deps, req, res);
    const diff = new FlowDiff();
    stream.send('object', { ref: target.ref });
    const query = { object: target.ref, exact: true, focus: true, limit: MAX_FLOW_SPANS };
    poll(
      deps,
      stream,
      FLOW_POLL_MS,
      async () => {
        const reply = (await bus.request<{ spans?: WireSpan[]; notes?: WireNote[]; error?: string }>(TRACE_QUERY, query, { timeoutMs: 5_000 })).data;
        if (reply.error) throw new Error(reply.error);
        return reply;
      },
      (trace) => {
        const change = diff.update((trace.spans ?? []).map((sp) => scopeSpan(sp, target.namespace)), trace.notes ?? []);
        if (change.spans.length || change.notes.length) stream.send('spans', change);
      },
    );
    return;
  }
  if (url.pathname === '/ui/api/bus') {
    if (caller.user) await requireAccess(caller, { verb: '*', resource: '*', group: '*' });
    const stream = eventStream(deps, req, res);
    poll(deps, stream, BUS_POLL_MS, async () => (await bus.request(TRACE_BUS, {}, { timeoutMs: 5_000 })).data, (snap) => stream.send('bus', snap));
    return;
  }
  throw new StatusError(404, 'NotFound', `the dashboard has no feed ${url.pathname}: use /ui/api/flows?kind=&namespace=&name= or /ui/api/bus`);
}
