// pods/{name}/exec over WebSocket (v5.channel.k8s.io, v4 as fallback): the command goes over the
// bus to the kubelet of the pod's node; its output and its exit come back on the channels
// (1 stdout, 2 stderr, 3 the closing Status), as upstream's kubelet streams them.
import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ExecReply, ExecRequest } from '../../api/node-protocol.ts';
import { StatusError } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import type { Clock } from '../../bus/clock.ts';
import { nodeExec } from '../../bus/subjects.ts';
import type { Logger } from '../../bus/types.ts';
import type { Call, Reply } from './call.ts';
import { boolParam, MAX_BODY_BYTES, statusOf } from './http.ts';
import { runAttach } from './attach.ts';
import { openRelay } from './stream-relay.ts';
import { endPortForwards, servePortForward } from './port-forward.ts';
import { askKubelet, getPod, validateContainer } from './node-proxy.ts';
import { resourceRoute, type ResourceTarget } from './routes.ts';
import { actingClient } from './impersonation.ts';
import type { Auditor } from '../../api/audit-event.ts';
import { HttpAudit } from './audit.ts';

/** The channel protocols served, best first (kubectl 1.30+ offers v5 and v4). */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

/** Channel numbers of the k8s channel protocols (CLOSE, then a channel number: v5 only). */
const STDIN = 0;
const CLOSE = 255;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;

/** Sends `data` on a channel: one binary message, the channel number first. */
export const sendOn = (ws: WebSocket, channel: number, data: string) => ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));

/** One exec, checked: where it runs and which streams the client wants. */
export interface ExecPlan {
  node: string;
  req: ExecRequest;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/**
 * Returns the exec (or attach) a request asks for, checked as upstream's ExecLocation checks it. The
 * request is authorized already: `client` is the gateway's own, whose pod lookup (upstream's, from
 * storage) is no request of its own in the audit.
 */
export async function plan(client: ApiClient, target: ResourceTarget, q: URLSearchParams): Promise<ExecPlan> {
  const command = q.getAll('command');
  const pod = await getPod(client, target.namespace, target.name);
  const container = validateContainer(q.get('container') ?? '', pod);
  const [stdin, stdout, stderr, tty] = ['stdin', 'stdout', 'stderr', 'tty'].map((k) => boolParam(q, k));
  if (!command.length && target.subresource === 'exec') throw new StatusError(400, 'BadRequest', 'you must specify at least 1 command');
  if (!stdin && !stdout && !stderr) throw new StatusError(400, 'BadRequest', 'you must specify at least one of stdin, stdout, stderr');
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw new StatusError(400, 'BadRequest', `cannot exec into a container in a completed pod; current phase is ${phase}`);
  const node = pod.spec.nodeName;
  if (!node) throw new StatusError(400, 'BadRequest', `pod ${pod.metadata.name} does not have a host assigned`);
  const req: ExecRequest = { namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid, container, command };
  return { node, req, stdin, stdout, stderr, tty };
}

/** Returns the Status the kubelet sends on channel 3 when the command has ended. */
export function exitStatus(command: string[], exitCode: number): object {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: command '${command.join(' ')}' exited with ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** Resolves with what the client sends on stdin until it closes it (v5's CLOSE signal); undefined if it leaves first. */
function readStdin(ws: WebSocket): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    ws.on('message', (data: Buffer) => {
      if (data[0] === STDIN && (size += data.length) <= MAX_BODY_BYTES) chunks.push(data.subarray(1));
      else if (data[0] === CLOSE && data[1] === STDIN) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    ws.on('close', () => resolve(undefined));
  });
}

/** Runs the planned exec and streams its result on the WebSocket, then closes it. */
async function run(client: ApiClient, log: Logger, ws: WebSocket, p: ExecPlan): Promise<void> {
  const send = (channel: number, data: string) => sendOn(ws, channel, data);
  let status: object;
  // The sim runs a command to completion: with stdin it waits for all of it. v4 cannot close stdin, so it gets none.
  const stdin = p.stdin && ws.protocol === EXEC_PROTOCOLS[0] ? await readStdin(ws) : undefined;
  if (ws.readyState !== ws.OPEN) return;
  try {
    const r = await askKubelet<ExecReply>(client, p.node, nodeExec(p.node), { ...p.req, stdin }, 60_000);
    // A terminal has one output stream, with carriage returns as a tty writes them.
    const out = p.tty ? (r.stdout + r.stderr).replace(/\r?\n/g, '\r\n') : r.stdout;
    if (p.stdout && out) send(STDOUT, out);
    if (p.stderr && !p.tty && r.stderr) send(STDERR, r.stderr);
    status = exitStatus(p.req.command, r.exitCode);
  } catch (err) {
    const s = statusOf(err);
    if (!s.expected) log.error({ err, pod: p.req.name }, 'exec failed');
    status = s.status;
  }
  send(ERROR, JSON.stringify(status));
  ws.close(1000);
}

/** Writes a Status as the HTTP answer to an upgrade request that is refused. */
function refuse(socket: Duplex, err: unknown): void {
  const { status } = statusOf(err);
  const body = JSON.stringify(status);
  const head = `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  socket.end(head + body);
}

/** The WebSocket sessions of each server: upgraded sockets are no longer closed by the HTTP server's closeAllConnections. */
const sessions = new WeakMap<Server, WebSocketServer>();

/** Ends the server's exec and attach sessions (the server is closing: its close waits for them). */
export const endExecSessions = (server: Server) => {
  sessions.get(server)?.clients.forEach((ws) => ws.terminate());
  endPortForwards(server);
};

/** The request target as a URL; a malformed one (`//[`) is the root, never a throw outside the handler's catch. */
function safeUrl(target = '/'): URL {
  try {
    return new URL(target, 'http://gateway');
  } catch {
    return new URL('http://gateway/');
  }
}

/** Serves pods/exec and pods/attach over WebSocket on the server's upgrades (others are refused with a Status); `trusted` (the gateway's own client) looks the pod up. */
export function serveExec(server: Server, callerOf: (req: IncomingMessage) => Promise<ApiClient>, clock: Clock, log: Logger, auditor?: Auditor, trusted?: ApiClient): void {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => EXEC_PROTOCOLS.find((p) => offered.has(p)) ?? false });
  sessions.set(server, wss);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => log.debug({ err }, 'exec connection error'));
    const url = safeUrl(req.url);
    // The gateway writes an upgrade's events: the session never is one bus request (audit.ts).
    const audit = auditor && new HttpAudit(auditor, clock, req, url);
    let refused = false;
    socket.once('close', () => void (refused || audit?.ended(101)));
    void (async () => {
      const target = resourceRoute(url.pathname);
      const caller = await callerOf(req);
      audit?.authenticated(caller);
      // Authorized here (actingClient's access review for the subresource): the pod lookups below are the gateway's own.
      const client = await actingClient(caller, target, req);
      audit?.route(client, target);
      const own = trusted ?? client;
      const attach = target.subresource === 'attach';
      if (target.def.plural === 'pods' && target.subresource === 'portforward') return await servePortForward(server, own, log, target, req, socket);
      if (target.def.plural !== 'pods' || !(attach || target.subresource === 'exec')) throw new StatusError(400, 'BadRequest', 'the server serves upgrades only for pods/exec and pods/attach');
      const p = await plan(own, target, url.searchParams);
      if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket')
        throw new StatusError(400, 'BadRequest', `kubus serves exec over WebSocket only (${EXEC_PROTOCOLS.join(', ')}), not ${req.headers.upgrade}`);
      // A runtime that streams (CRI) gets the channels relayed; the sim runs the command to completion.
      const relay = await openRelay(client, p, attach ? 'attach' : 'exec');
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', (err) => log.debug({ err }, 'exec WebSocket error'));
        if (relay) relay(ws);
        else void (attach ? runAttach(client, clock, log, ws, p) : run(client, log, ws, p));
      });
    })().catch((err: unknown) => {
      refused = true;
      audit?.ended(statusOf(err).status.code, statusOf(err).status);
      refuse(socket, err);
    });
  });
}

/** GET or POST on pods/exec or pods/attach without an upgrade: checked as one, then upstream's 400. */
export async function execWithoutUpgrade(call: Call): Promise<Reply> {
  await plan(call.trusted ?? call.client, call.target, call.query);
  throw new StatusError(400, 'BadRequest', 'Upgrade request required');
}
