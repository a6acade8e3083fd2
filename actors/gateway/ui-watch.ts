// GET /ui/watch?w=<watch path>&w=...: the dashboard's watches in one response. A browser opens at most 6
// HTTP/1.1 connections to a host and a watch holds one for its life, so a page of 9 live lists would leave
// some never connected. Each `w` is an ordinary watch request (`/api/v1/pods?watch=1&resourceVersion=..`)
// served by the gateway's own handler with the caller's headers and connection (the same authentication,
// RBAC, audit and watch cache as any client's watch); its lines come back as `{"stream":i,"event":{..}}`,
// a refused one as `{"stream":i,"error":Status}`, a finished one as `{"stream":i,"end":true}`.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, OutgoingHttpHeader, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/** The most watches one /ui/watch carries. */
export const MAX_UI_WATCHES = 32;

/** Serves one request as the gateway does (its handle, bound to its deps). */
export type Inner = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const status = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason, message });

/** Returns the watch paths of a /ui/watch query, or a 400 Status saying what is wrong. */
export function watchPaths(query: URLSearchParams): string[] | ReturnType<typeof status> {
  const paths = query.getAll('w');
  if (!paths.length) return status(400, 'BadRequest', 'w: give one or more watch paths, e.g. ?w=/api/v1/pods%3Fwatch%3D1');
  if (paths.length > MAX_UI_WATCHES) return status(400, 'BadRequest', `w: at most ${MAX_UI_WATCHES} watches, got ${paths.length}`);
  for (const p of paths) {
    if (!isWatchPath(p)) return status(400, 'BadRequest', `w: ${JSON.stringify(p)} is not a watch path (/api/... or /apis/... with watch=1, no '..', '%' or '\\' in the path)`);
  }
  return paths;
}

/**
 * Returns whether `p` is a plain watch request: the gateway normalises a request's URL (`..`, `%2e%2e`, `\\`),
 * so the path must be what it normalises to, under /api/ or /apis/ and not a /ui/ route, or a `w` could reach
 * any GET route (a nested /ui/watch, a feed) through this one.
 */
function isWatchPath(p: string): boolean {
  const q = p.indexOf('?');
  const raw = q < 0 ? p : p.slice(0, q);
  if (!/^\/apis?\/[A-Za-z0-9._~:@!$&'()*+,;=/-]+$/.test(raw) || raw.includes('/ui/')) return false;
  let u: URL;
  try {
    u = new URL(p, 'http://gateway');
  } catch {
    return false;
  }
  if (u.origin !== 'http://gateway' || u.pathname !== raw || u.hash) return false;
  return u.searchParams.getAll('watch').every((v) => v === '1' || v === 'true') && u.searchParams.has('watch');
}

/** A response for one inner watch: its lines go to the shared response, tagged with the stream's index. */
class StreamResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  destroyed = false;
  private body = '';
  private partial = '';
  private readonly headers = new Map<string, OutgoingHttpHeader>();
  constructor(
    private readonly index: number,
    private readonly out: ServerResponse,
  ) {
    super();
  }
  get writableLength(): number {
    return this.out.writableLength;
  }
  setHeader(name: string, value: OutgoingHttpHeader): this {
    this.headers.set(name.toLowerCase(), value);
    return this;
  }
  getHeader(name: string): OutgoingHttpHeader | undefined {
    return this.headers.get(name.toLowerCase());
  }
  removeHeader(name: string): void {
    this.headers.delete(name.toLowerCase());
  }
  writeHead(code: number): this {
    this.statusCode = code;
    this.headersSent = true;
    return this;
  }
  flushHeaders(): void {}
  write(chunk: string | Buffer): boolean {
    const text = this.partial + chunk.toString();
    if (this.statusCode !== 200) {
      this.partial = text;
      return true;
    }
    const lines = text.split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) if (line.trim()) this.send(`"event":${line}`);
    return true;
  }
  end(chunk?: string | Buffer): this {
    if (this.destroyed) return this;
    if (chunk !== undefined) this.write(chunk);
    if (this.statusCode !== 200) {
      this.body = this.partial;
      let parsed: unknown;
      try {
        parsed = JSON.parse(this.body);
      } catch {
        parsed = status(this.statusCode, 'InternalError', this.body);
      }
      this.send(`"error":${JSON.stringify(parsed)}`);
    } else this.send('"end":true');
    this.destroy();
    return this;
  }
  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.emit('finish');
    this.emit('close');
    return this;
  }
  private send(field: string): void {
    if (!this.out.destroyed) this.out.write(`{"stream":${this.index},${field}}\n`);
  }
}

/** The inner request of stream `path`: the caller's headers and connection (its certificate), no body. */
function innerRequest(req: IncomingMessage, path: string): IncomingMessage {
  const inner = Readable.from([]) as unknown as IncomingMessage;
  Object.assign(inner, { url: path, method: 'GET', headers: { ...req.headers, accept: 'application/json' }, httpVersion: req.httpVersion });
  Object.defineProperty(inner, 'socket', { value: req.socket });
  return inner;
}

/** Serves /ui/watch: each watch path through `inner`, their lines merged into one chunked JSON stream. */
export function serveUiWatch(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, inner: Inner): void {
  const paths = watchPaths(query);
  if (!Array.isArray(paths)) {
    res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify(paths));
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const streams = paths.map((p, i) => new StreamResponse(i, res));
  let open = streams.length;
  for (const s of streams) s.once('close', () => --open === 0 && !res.destroyed && res.end());
  res.on('close', () => streams.forEach((s) => s.destroy()));
  paths.forEach((p, i) => void inner(innerRequest(req, p), streams[i] as unknown as ServerResponse));
}
