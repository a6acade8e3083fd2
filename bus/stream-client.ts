// The client side of an interactive exec or attach with a node's kubelet (api/node-protocol.ts
// StreamRequest): the gateway and `kubus exec` open a session and exchange channel frames over the bus.
import type { StreamFrame, StreamReply, StreamRequest } from '../api/node-protocol.ts';
import { isStatus, StatusError } from '../api/status.ts';
import { NoRespondersError, RequestTimeoutError } from './errors.ts';
import { nodePeer, nodeStream, sessionId, streamSession } from './subjects.ts';
import type { Bus } from './types.ts';

/** One open session: frames to the kubelet (0 stdin, 4 resize), and its end (the client left). */
export interface NodeStream {
  send(ch: number, data: Buffer): void;
  end(): void;
}

/** What the session delivers: each frame of the runtime (1 stdout, 2 stderr, 3 the closing Status), then its end. */
export interface NodeStreamHandlers {
  frame(ch: number, data: Buffer): void;
  end(): void;
}

/**
 * Opens an exec or attach session with the kubelet of `node`; resolves undefined when its runtime
 * streams nothing (the sim: the caller runs the command to completion instead). A failure is a StatusError.
 */
export async function openNodeStream(bus: Bus, node: string, req: Omit<StreamRequest, 'toClient'>, on: NodeStreamHandlers): Promise<NodeStream | undefined> {
  const toClient = streamSession(bus, sessionId(), nodePeer(bus, node));
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    sub.unsubscribe();
    on.end();
  };
  const sub = bus.subscribe<StreamFrame>(toClient, (msg) => {
    // The kubelet's keepalive: a request, answered while the session is wanted.
    if (msg.reply) return bus.respond(msg, {});
    const f = msg.data ?? {};
    if (f.end) finish();
    else if (typeof f.ch === 'number' && !done) on.frame(f.ch, Buffer.from(f.data ?? '', 'base64'));
  });
  let reply: unknown;
  try {
    reply = (await bus.request(nodeStream(node), { ...req, toClient } satisfies StreamRequest, { timeoutMs: 30_000 })).data;
  } catch (err) {
    sub.unsubscribe();
    if (err instanceof NoRespondersError || err instanceof RequestTimeoutError) throw new StatusError(500, 'InternalError', `the kubelet of node "${node}" is not answering (is the node down?)`);
    throw err;
  }
  if (isStatus(reply) && reply.status === 'Failure') {
    sub.unsubscribe();
    if (reply.code === 405) return undefined;
    throw StatusError.from(reply);
  }
  const { toKubelet } = reply as StreamReply;
  return {
    send: (ch, data) => !done && bus.publish(toKubelet, { ch, data: data.toString('base64') } satisfies StreamFrame),
    end: () => {
      if (!done) bus.publish(toKubelet, { end: true } satisfies StreamFrame);
      done = true;
      sub.unsubscribe();
    },
  };
}
