// Interactive exec and attach for the kubelet's own server: the runtime's streaming server (CRI
// Exec/Attach URL, k8s channel protocol v4 over WebSocket) relayed to the client as StreamFrames
// over the bus, as upstream's kubelet proxies the runtime's stream to the API server.
import WebSocket from 'ws';
import type { StreamFrame, StreamReply, StreamRequest } from '../../api/node-protocol.ts';
import { StatusError } from '../../api/status.ts';
import { streamSession } from '../../bus/subjects.ts';
import type { Bus, Logger } from '../../bus/types.ts';
import type { ContainerInfo, ContainerRuntime } from './runtimes/runtime.ts';

/** The channel protocol of containerd 1.6's streaming server (no v5: stdin cannot be half-closed). */
const RUNTIME_PROTOCOL = 'v4.channel.k8s.io';
const STDIN = 0;
const RESIZE = 4;

export interface StreamDeps {
  bus: Bus;
  runtime: ContainerRuntime;
  log: Logger;
}

/** Connects to the runtime's stream URL; resolves once it is open. */
function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [RUNTIME_PROTOCOL]);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`the runtime's streaming server answered ${res.statusCode}`)));
  });
}

/** Opens the sessions the kubelet relays; `closeAll` ends them (the kubelet stops). */
export function streamSessions(d: StreamDeps) {
  const open = new Set<WebSocket>();
  let seq = 0;

  /** Opens the runtime's stream for `c` and relays it; returns where the client sends its frames. */
  const start = async (req: StreamRequest, c: ContainerInfo): Promise<StreamReply> => {
    if (!d.runtime.streamUrl) throw new StatusError(405, 'MethodNotAllowed', `the ${d.runtime.name} runtime has no streaming exec or attach`);
    if (c.state !== 'running') throw new StatusError(400, 'BadRequest', `container "${req.container}" in pod "${req.name}" is not running`);
    const url = await d.runtime.streamUrl(req.kind, c.id, req);
    const ws = await connect(url);
    open.add(ws);
    const toKubelet = streamSession(d.bus.id, `s${++seq}`);
    const send = (frame: StreamFrame) => d.bus.publish(req.toClient, frame);
    ws.on('message', (data: Buffer) => {
      // An empty message per channel opens it (the protocol's handshake); nothing to relay.
      if (data.length > 1) send({ ch: data[0], data: data.subarray(1).toString('base64') });
    });
    const sub = d.bus.subscribe<StreamFrame>(toKubelet, (msg) => {
      const f = msg.data ?? {};
      if (f.end) ws.close(1000);
      else if ((f.ch === STDIN || f.ch === RESIZE) && f.data && ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([f.ch]), Buffer.from(f.data, 'base64')]));
    });
    ws.on('error', (err) => d.log.debug({ err }, 'runtime stream error'));
    ws.on('close', () => {
      open.delete(ws);
      sub.unsubscribe();
      send({ end: true });
    });
    return { toKubelet };
  };

  return {
    start,
    closeAll: () => {
      for (const ws of open) ws.close(1001);
    },
  };
}
