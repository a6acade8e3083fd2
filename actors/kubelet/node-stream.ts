// Interactive exec and attach for the kubelet's own server: the runtime's streaming server (CRI
// Exec/Attach URL, k8s channel protocol v4 over WebSocket) relayed to the client as StreamFrames
// over the bus, as upstream's kubelet proxies the runtime's stream to the API server.
import WebSocket from 'ws';
import type { StreamFrame, StreamReply, StreamRequest } from '../../api/node-protocol.ts';
import { StatusError } from '../../api/status.ts';
import { sessionId, sessionReceiver, streamSession } from '../../bus/subjects.ts';
import type { Clock } from '../../bus/clock.ts';
import type { Bus, Logger } from '../../bus/types.ts';
import type { ContainerInfo, ContainerRuntime } from './runtimes/runtime.ts';

/** The channel protocol of containerd 1.6's streaming server (no v5: stdin cannot be half-closed). */
const RUNTIME_PROTOCOL = 'v4.channel.k8s.io';
const STDIN = 0;
const RESIZE = 4;

/** How often the kubelet asks a session's client whether it is still there; one gone (killed) ends the session. */
export const STREAM_KEEPALIVE_MS = 30_000;

export interface StreamDeps {
  bus: Bus;
  runtime: ContainerRuntime;
  clock: Clock;
  log: Logger;
  /** STREAM_KEEPALIVE_MS unless told (tests). */
  keepaliveMs?: number;
}

/** Connects to the runtime's stream URL, `ws` set up by `setup` before anything arrives; resolves once it is open. */
function connect(url: string, setup: (ws: WebSocket) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [RUNTIME_PROTOCOL]);
    // Frames that come with the handshake's answer are emitted at once: the listeners must be there first.
    setup(ws);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`the runtime's streaming server answered ${res.statusCode}`)));
  });
}

/** Opens the sessions the kubelet relays; `closeAll` ends them (the kubelet stops). */
export function streamSessions(d: StreamDeps) {
  const open = new Set<WebSocket>();

  /** Opens the runtime's stream for `c` and relays it; returns where the client sends its frames. */
  const start = async (req: StreamRequest, c: ContainerInfo): Promise<StreamReply> => {
    if (!d.runtime.streamUrl) throw new StatusError(405, 'MethodNotAllowed', `the ${d.runtime.name} runtime has no streaming exec or attach`);
    const forward = req.kind === 'portforward';
    if (forward && !(Number.isInteger(req.port) && req.port! > 0 && req.port! < 65536)) throw new StatusError(400, 'BadRequest', `invalid port ${req.port}`);
    if (!forward && c.state !== 'running') throw new StatusError(400, 'BadRequest', `container "${req.container}" in pod "${req.name}" is not running`);
    // A port-forward reaches the pod's sandbox (its network), found through one of its containers.
    const url = await d.runtime.streamUrl(req.kind, forward ? c.sandboxId : c.id, req);
    const toKubelet = streamSession(d.bus, sessionId(), sessionReceiver(req.toClient));
    const send = (frame: StreamFrame) => d.bus.publish(req.toClient, frame);
    // A port-forward's stream starts each channel with its port (2 bytes, little-endian): not data.
    const prefixed = new Set(forward ? [0, 1] : []);
    const relay = (ws: WebSocket) => {
      open.add(ws);
      ws.on('message', (data: Buffer) => {
        let body = data.subarray(1);
        if (prefixed.delete(data[0])) body = body.subarray(2);
        // An empty message per channel opens it (the protocol's handshake); nothing to relay.
        if (body.length) send({ ch: data[0], data: body.toString('base64') });
      });
      const sub = d.bus.subscribe<StreamFrame>(toKubelet, (msg) => {
        const f = msg.data ?? {};
        if (f.end) ws.close(1000);
        else if ((f.ch === STDIN || f.ch === RESIZE) && f.data && ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([f.ch]), Buffer.from(f.data, 'base64')]));
      });
      ws.on('error', (err) => d.log.debug({ err }, 'runtime stream error'));
      // A client that died without saying so (kill -9) answers no keepalive: its session ends.
      let timer: unknown;
      const alive = () => {
        if (ws.readyState === ws.CLOSING || ws.readyState === ws.CLOSED) return;
        timer = d.clock.setTimeout(() => {
          d.bus.request(req.toClient, { alive: true }, { timeoutMs: 10_000 }).then(alive, () => ws.close(1000));
        }, d.keepaliveMs ?? STREAM_KEEPALIVE_MS);
      };
      alive();
      ws.on('close', () => {
        d.clock.clearTimeout(timer);
        open.delete(ws);
        sub.unsubscribe();
        send({ end: true });
      });
    };
    await connect(url, relay);
    return { toKubelet };
  };

  return {
    start,
    closeAll: () => {
      for (const ws of open) ws.close(1001);
    },
  };
}
