// pods/{name}/attach over WebSocket: what the container writes from now on, on channels 1 and 2,
// until it exits (then a Success Status on channel 3) or the client leaves. A sim container's
// output is its log, so this is a follow of the log from its end, over the bus.
import type { LogChunk, LogReply, LogRequest, LogStop } from '../../api/node-protocol.ts';
import type { ApiClient } from '../../bus/client.ts';
import type { Clock } from '../../bus/clock.ts';
import { logStream, nodeLogs, nodeLogsStop, nodePeer, sessionId } from '../../bus/subjects.ts';
import type { Logger } from '../../bus/types.ts';
import type { WebSocket } from 'ws';
import { ERROR, sendOn, STDERR, STDOUT, type ExecPlan } from './exec.ts';
import { statusOf } from './http.ts';
import { askKubelet, keepFollowing } from './node-proxy.ts';

/** Attaches served by this process: names each one's stream subject. */

/** Streams the container's output to the WebSocket until it exits or the client leaves. */
export async function runAttach(client: ApiClient, clock: Clock, log: Logger, ws: WebSocket, p: ExecPlan): Promise<void> {
  const bus = client.bus;
  const subject = logStream(bus, sessionId(), nodePeer(bus, p.node));
  let open = true;
  let stopAlive = () => {};
  const stopFollow = () => {
    try {
      bus.publish(nodeLogsStop(p.node), { follow: subject } satisfies LogStop);
    } catch (err) {
      // The gateway is stopping: the kubelet ends the follow when the container exits.
      log.debug({ err }, 'could not stop an attach');
    }
  };
  const close = (status: object | undefined, stop: boolean) => {
    if (!open) return;
    open = false;
    stopAlive();
    sub.unsubscribe();
    if (stop) stopFollow();
    if (status) sendOn(ws, ERROR, JSON.stringify(status));
    ws.close(1000);
  };
  const write = (chunk: LogChunk) => {
    if (!open) return;
    for (const l of chunk.lines ?? []) {
      const text = `${l.text}\n`;
      if (p.tty) sendOn(ws, STDOUT, text.replace(/\n/g, '\r\n'));
      else if (l.stream === 'stderr' ? p.stderr : p.stdout) sendOn(ws, l.stream === 'stderr' ? STDERR : STDOUT, text);
    }
    if (chunk.end) close({ metadata: {}, status: 'Success' }, false);
  };
  const sub = bus.subscribe<LogChunk>(subject, (msg) => write(msg.data));
  ws.on('close', () => close(undefined, true));
  const req: LogRequest = { namespace: p.req.namespace, name: p.req.name, uid: p.req.uid, container: p.req.container, tailLines: 0, follow: subject };
  try {
    await askKubelet<LogReply>(client, p.node, nodeLogs(p.node), req);
  } catch (err) {
    close(statusOf(err).status, false);
  }
  // The client left while the attach started: the kubelet may have seen the stop before the follow.
  if (!open) stopFollow();
  else stopAlive = keepFollowing(client, clock, p.node, subject, () => close({ metadata: {}, status: 'Success' }, false));
}
