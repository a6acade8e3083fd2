// pods/exec and pods/attach on a node whose runtime streams (CRI Exec/Attach): the client's
// WebSocket channels relayed to the kubelet's session over the bus, both ways, until either ends.
import type { WebSocket } from 'ws';
import type { ApiClient } from '../../bus/client.ts';
import { openNodeStream } from '../../bus/stream-client.ts';
import type { ExecPlan } from './exec.ts';

const STDIN = 0;
const RESIZE = 4;
const CLOSE = 255;

/** Opens the kubelet's session for the plan; returns what serves the upgraded WebSocket, or undefined when the runtime streams nothing. */
export async function openRelay(client: ApiClient, p: ExecPlan, kind: 'exec' | 'attach'): Promise<((ws: WebSocket) => void) | undefined> {
  let ws: WebSocket | undefined;
  let ended = false;
  // Frames that arrive before the upgrade completes wait for it.
  const pending: Buffer[] = [];
  const deliver = (b: Buffer) => (ws ? ws.send(b) : pending.push(b));
  const session = await openNodeStream(
    client.bus,
    p.node,
    { ...p.req, kind, stdin: p.stdin, stdout: p.stdout, stderr: p.stderr, tty: p.tty },
    {
      frame: (ch, data) => deliver(Buffer.concat([Buffer.from([ch]), data])),
      end: () => {
        ended = true;
        ws?.close(1000);
      },
    },
  );
  if (!session) return undefined;
  return (sock) => {
    ws = sock;
    for (const b of pending.splice(0)) sock.send(b);
    if (ended) return sock.close(1000);
    // containerd 1.6's stream (v4) cannot half-close stdin, so v5's CLOSE of stdin (255 0) reaches a
    // terminal as its end of input (^D) and is lost otherwise.
    sock.on('message', (data: Buffer) => {
      if (data[0] === STDIN || data[0] === RESIZE) session.send(data[0], data.subarray(1));
      else if (data[0] === CLOSE && data[1] === STDIN && p.tty) session.send(STDIN, Buffer.from([4]));
    });
    sock.on('close', () => session.end());
  };
}
