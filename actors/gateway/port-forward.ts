// pods/{name}/portforward as kubectl speaks it: an upgrade to SPDY/3.1 (kubectl 1.31+ first offers
// SPDY tunnelled in a WebSocket, `SPDY/3.1+portforward.k8s.io`; refused, it falls back to plain
// SPDY). Each forwarded connection is a pair of SPDY streams (error, data) with one requestID; the
// pair becomes one port-forward session with the kubelet of the pod's node (CRI PortForward).
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import transport, { type SpdyStream } from 'spdy-transport';
import { StatusError } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import { openNodeStream } from '../../bus/stream-client.ts';
import type { Logger } from '../../bus/types.ts';
import type { Call, Reply } from './call.ts';
import { getPod } from './node-proxy.ts';
import type { ResourceTarget } from './routes.ts';

// spdy-transport parses only HTTP streams (it rejects a SYN_STREAM without :method and :path);
// kubectl's port-forward streams carry their own headers, so the parser fills those two in.
const Parser = Object.getPrototypeOf(transport.protocol.spdy.parser.create({})).constructor as { prototype: { parseKVs: Function } };
const parseKVs = Parser.prototype.parseKVs;
Parser.prototype.parseKVs = function (this: unknown, buf: unknown, cb: (err: Error | null, h?: Record<string, string>) => void) {
  return parseKVs.call(this, buf, (err: Error | null, h?: Record<string, string>) => {
    if (h) {
      h[':method'] ??= 'POST';
      h[':path'] ??= '/';
    }
    cb(err, h);
  });
};

/** Whether an upgrade is kubectl's plain SPDY one (the one served). */
export const isSpdyUpgrade = (req: IncomingMessage) => /^SPDY\/3\.1$/i.test(req.headers.upgrade ?? '');

/** The SPDY connections of each server (upgraded sockets escape the server's closeAllConnections). */
const connections = new WeakMap<Server, Set<Duplex>>();

/** Ends the server's port-forward connections (it is closing). */
export const endPortForwards = (server: Server) => connections.get(server)?.forEach((s) => s.destroy());

/** Serves one authorized port-forward upgrade: checks the pod (`client`: the gateway's own, as upstream reads it from storage), switches to SPDY and relays each stream pair. */
export async function servePortForward(server: Server, client: ApiClient, log: Logger, target: ResourceTarget, req: IncomingMessage, socket: Duplex): Promise<void> {
  if (!isSpdyUpgrade(req)) throw new StatusError(400, 'BadRequest', `kubus serves port-forward over SPDY/3.1 only, not ${req.headers.upgrade}`);
  const pod = await getPod(client, target.namespace, target.name);
  if (pod.status?.phase !== 'Running') throw new StatusError(400, 'BadRequest', `unable to forward port because pod is not running. Current status=${pod.status?.phase ?? 'Pending'}`);
  const node = pod.spec.nodeName!;
  const open = connections.get(server) ?? new Set();
  connections.set(server, open.add(socket));
  socket.once('close', () => open.delete(socket));
  socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n');
  const conn = transport.connection.create(socket, { protocol: 'spdy', isServer: true });
  conn.start(3.1);
  const pairs = new Map<string, { data?: SpdyStream; error?: SpdyStream }>();
  conn.on('error', (err) => log.debug({ err }, 'port-forward connection error'));
  conn.on('stream', (st) => {
    st.respond(200, {});
    st.on('error', (err) => log.debug({ err }, 'port-forward stream error'));
    const id = st.headers.requestid ?? '';
    const pair = pairs.get(id) ?? {};
    pairs.set(id, pair);
    if (st.headers.streamtype === 'data') pair.data = st;
    else pair.error = st;
    if (!pair.data || !pair.error) return;
    pairs.delete(id);
    void relay(client, node, pod, Number(st.headers.port), pair.data, pair.error).catch((err: unknown) => {
      pair.error!.end(err instanceof Error ? err.message : String(err));
      pair.data!.end();
    });
  });
}

/** Relays one forwarded connection: the data stream as channel 0, the kubelet's errors to the error stream. */
async function relay(client: ApiClient, node: string, pod: Awaited<ReturnType<typeof getPod>>, port: number, data: SpdyStream, error: SpdyStream): Promise<void> {
  data.pause();
  const meta = { namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid, container: pod.spec.containers[0].name };
  const session = await openNodeStream(client.bus, node, { ...meta, kind: 'portforward', port, command: [], stdin: true, stdout: true, stderr: false, tty: false }, {
    frame: (ch, bytes) => (ch === 0 ? data.write(bytes) : error.write(bytes)),
    end: () => {
      data.end();
      error.end();
    },
  });
  if (!session) throw new Error(`the runtime of node "${node}" cannot forward ports (sim pods have no network)`);
  // kubectl half-closes the data stream when its local client does: the session goes on until the pod's side ends.
  data.on('data', (b: Buffer) => session.send(0, b));
  data.on('close', () => session.end());
  data.resume();
}

/** GET or POST on pods/portforward without an upgrade: the pod is checked, then upstream's 400. */
export async function portForwardWithoutUpgrade(call: Call): Promise<Reply> {
  await getPod(call.trusted ?? call.client, call.target.namespace, call.target.name);
  throw new StatusError(400, 'BadRequest', 'Upgrade request required');
}
