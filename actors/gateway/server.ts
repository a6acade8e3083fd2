// The gateway's HTTP server: one request → fixed route or resource verb → bus call → JSON
// answer; every failure becomes a Kubernetes Status with its HTTP code.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { inServedVersion } from '../../api/resources.ts';
import type { ApiClient } from '../../bus/client.ts';
import type { Clock } from '../../bus/clock.ts';
import type { Logger } from '../../bus/types.ts';
import type { Call } from './call.ts';
import { mediaType, methodNotAllowed, readBody, sendJson, sendText, statusOf } from './http.ts';
import { endExecSessions, serveExec } from './exec.ts';
import { fixedRoute, resourceRoute } from './routes.ts';
import { isMetricsPath, metricsRoute } from './metrics-api.ts';
import { verbFor } from './verbs.ts';
import { actingClient } from './impersonation.ts';
import type { Authenticate } from './authn.ts';
import { HttpAudit } from './audit.ts';
import { requirePathAccess } from './access.ts';
import type { Auditor } from '../../api/audit-event.ts';
import { WatchCache, type WatchCacheOptions } from './watch-cache.ts';
import { isUiPath, serveUi } from './ui-route.ts';
import { isUiFeedPath, serveUiFeed } from './ui-feeds.ts';
import { serveUiLogs, UI_LOGS_PATH, type ClusterLogSource } from './ui-logs.ts';
import { isPromPath, servePromRoute } from './prom-route.ts';

export interface GatewayDeps {
  client: ApiClient;
  clock: Clock;
  log: Logger;
  /** Shared watches (made by createGatewayServer when not given). */
  watches?: WatchCache;
  /** Authenticates each caller (HTTPS); unset: every caller is the trusted `client` (the insecure plain-HTTP mode). */
  authenticate?: Authenticate;
  /** Audits the requests the API server never sees (actors/gateway/audit.ts) and stamps the others with their HTTP details; unset: no audit. */
  auditor?: Auditor;
  /** Reads the cluster log stream for /ui/api/logs (ui-logs.ts); unset: 503 there. */
  clusterLogs?: ClusterLogSource;
}

/** The HTTPS gateway's PEMs: its serving certificate and key, and the CA client certificates must chain to. */
export interface GatewayTlsOptions {
  cert: string;
  key: string;
  ca: string;
}

/** Returns the client a request acts through before impersonation: its authenticated user's, or the trusted caller. */
export const callerFor = async (deps: GatewayDeps, req: IncomingMessage): Promise<ApiClient> =>
  deps.authenticate ? deps.client.as(await deps.authenticate(req)) : deps.client;

/** Returns the request target as a URL: a path stays a path (`//x` names no host), and nothing throws. */
function requestUrl(target = '/'): URL {
  try {
    return new URL(target.startsWith('/') ? `http://gateway${target}` : target, 'http://gateway');
  } catch {
    return new URL('http://gateway/');
  }
}

/** Serves one request; never throws (failures are answered as Status). */
export async function handle(deps: GatewayDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = requestUrl(req.url);
  const method = req.method ?? 'GET';
  // The dashboard's files are public, served before authentication (a browser has no client certificate).
  if (isUiPath(url.pathname)) return serveUi(req, res, url, (r, s) => handle(deps, r, s));
  const audit = deps.auditor && new HttpAudit(deps.auditor, deps.clock, req, url, res);
  try {
    const caller = await callerFor(deps, req);
    audit?.authenticated(caller);
    // The dashboard's live feeds (flows, bus view), as the caller: a Status before the stream opens.
    if (url.pathname === UI_LOGS_PATH) return await serveUiLogs({ clock: deps.clock, log: deps.log, logs: deps.clusterLogs }, caller, req, res, url);
    if (isUiFeedPath(url.pathname)) return await serveUiFeed(deps, caller, req, res, url);
    if (isPromPath(url.pathname)) return await servePromRoute(deps.client, caller, url.pathname, method, res);
    // metrics.k8s.io is the metrics server's (an aggregated API upstream), not the API server's.
    if (isMetricsPath(url.pathname)) return sendJson(res, 200, await metricsRoute(caller, url.pathname, url.searchParams, method));
    const fixed = fixedRoute(url.pathname, req.headers.host ?? '', req.headers.accept);
    if (fixed) {
      await requirePathAccess(deps.client, caller, url.pathname, method);
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method);
      if ('text' in fixed) sendText(res, 200, fixed.text);
      else if ('bytes' in fixed) {
        res.writeHead(200, { 'Content-Type': fixed.contentType, 'Content-Length': fixed.bytes.length });
        res.end(fixed.bytes);
      }
      else sendJson(res, 200, fixed.json, fixed.contentType);
      return;
    }
    const target = resourceRoute(url.pathname);
    const acting = await actingClient(caller, target, req);
    const client = audit ? audit.route(acting, target) : acting;
    let body: Promise<{ type: string; bytes: Buffer }> | undefined;
    const call: Call = {
      ...deps,
      client,
      // A user joins a shared watch (opened by the gateway's own client) only after its own access review (watch.ts).
      watches: deps.watches,
      trusted: deps.client,
      target,
      query: url.searchParams,
      req,
      res,
      body: () => (body ??= readBody(req).then((bytes) => ({ type: mediaType(req.headers['content-type']), bytes }))),
    };
    const run = verbFor(method, target.subresource ?? (target.name === undefined ? 'collection' : 'object'));
    const reply = await run(call);
    if (reply) sendJson(res, reply.code, inServedVersion(target.def, reply.body));
  } catch (err) {
    const { status, expected } = statusOf(err);
    audit?.failed(status, !expected);
    if (!expected) deps.log.error({ err, method, path: url.pathname }, 'gateway request failed');
    if (res.headersSent) res.end();
    else sendJson(res, status.code, status);
  }
}

/** Returns an HTTP server for the gateway (not yet listening); HTTPS with `tls`, where callers must authenticate. */
export function createGatewayServer(given: GatewayDeps, watchOptions?: WatchCacheOptions, tls?: GatewayTlsOptions): Server {
  const deps = { ...given, watches: given.watches ?? new WatchCache(given.log, watchOptions) };
  const serve = (req: IncomingMessage, res: ServerResponse) => void handle(deps, req, res);
  // A client certificate is asked for, not required (tokens, or 401); one that is presented must chain to the CA.
  const server = (tls ? createHttpsServer({ ...tls, requestCert: true, rejectUnauthorized: false }, serve) : createServer(serve)) as Server;
  if (tls) server.on('secureConnection', (socket: TLSSocket) => refuseForeignCertificate(socket, deps.log));
  serveExec(server, (req) => callerFor(deps, req), deps.clock, deps.log, deps.auditor, deps.client);
  // Watches are long-lived: no request timeout of node's own (timeoutSeconds ends them).
  server.requestTimeout = 0;
  server.keepAliveTimeout = 60_000;
  return server;
}

/** Ends a TLS connection whose client certificate the CA did not sign, before any request is read. */
function refuseForeignCertificate(socket: TLSSocket, log: Logger): void {
  if (socket.authorized || !socket.getPeerCertificate()?.subject) return;
  log.debug({ reason: socket.authorizationError }, 'gateway refused a client certificate');
  socket.destroy();
}

/** The host of a HOST:PORT listen address (brackets of an IPv6 host removed; none: 127.0.0.1). */
export function hostOfAddress(address: string): string {
  const i = address.lastIndexOf(':');
  return (i < 0 ? '127.0.0.1' : address.slice(0, i)).replace(/^\[|\]$/g, '');
}

/** True for a host that only this machine reaches: localhost, 127.0.0.0/8, ::1 (the only hosts plain HTTP may serve). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

/** Starts listening on HOST:PORT (port 0: any free one; `anyPortIfTaken`: that too when PORT is in use); resolves with the URL. */
export async function listen(server: Server, address: string, anyPortIfTaken = false): Promise<string> {
  const i = address.lastIndexOf(':');
  const host = hostOfAddress(address);
  const port = Number(i < 0 ? address : address.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid HTTP address ${JSON.stringify(address)}: want HOST:PORT`);
  try {
    return await listenOn(server, host, port);
  } catch (err) {
    if (!anyPortIfTaken || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    return listenOn(server, host, 0);
  }
}

function listenOn(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      resolve(`${'setSecureContext' in server ? 'https' : 'http'}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
    });
  });
}

/** Stops accepting, ends open streams (watches, exec and attach sessions), and resolves once closed. */
export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
    endExecSessions(server);
  });
}
