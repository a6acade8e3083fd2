// GET pods/{name}/log: the container's log as text/plain, read from the kubelet of the pod's node
// over the bus; with follow=true a chunked stream until the container ends or the client leaves.
import type { LogChunk, LogReply, LogRequest, LogStop, NodeLogLine } from '../../api/node-protocol.ts';
import { invalid, StatusError } from '../../api/status.ts';
import { logStream, nodeLogs, nodeLogsStop, nodePeer, sessionId } from '../../bus/subjects.ts';
import type { Call, Reply } from './call.ts';
import { boolParam, intParam } from './http.ts';
import { askKubelet, getPod, keepFollowing, validateContainer } from './node-proxy.ts';

/** Follows served by this process: names each one's stream subject. */

/** Returns a time as Go's RFC3339Nano prints it: UTC, trailing zeros of the fraction dropped. */
export function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

const invalidOption = (name: string, field: string, value: unknown, why: string) =>
  invalid('PodLogOptions', name, [{ type: 'FieldValueInvalid', message: `Invalid value: ${value}: ${why}`, field }]);

/** Returns the log options of the query, checked as upstream's PodLogOptions validation does. */
function options(call: Call): { tailLines?: number; sinceMs?: number; limitBytes?: number; timestamps: boolean; follow: boolean; previous: boolean } {
  const q = call.query;
  const name = call.target.name!;
  const tailLines = intParam(q, 'tailLines');
  if (tailLines !== undefined && tailLines < 0) throw invalidOption(name, 'tailLines', tailLines, 'must be greater than or equal to 0');
  const limitBytes = intParam(q, 'limitBytes');
  if (limitBytes !== undefined && limitBytes < 1) throw invalidOption(name, 'limitBytes', limitBytes, 'must be greater than 0');
  const sinceSeconds = intParam(q, 'sinceSeconds');
  if (sinceSeconds !== undefined && sinceSeconds < 1) throw invalidOption(name, 'sinceSeconds', sinceSeconds, 'must be greater than 0');
  const sinceTime = q.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime) throw new StatusError(400, 'BadRequest', 'at most one of `sinceTime` or `sinceSeconds` may be specified');
  let sinceMs = sinceSeconds !== undefined ? call.clock.now() - sinceSeconds * 1000 : undefined;
  if (sinceTime) {
    sinceMs = Date.parse(sinceTime);
    if (Number.isNaN(sinceMs)) throw new StatusError(400, 'BadRequest', `invalid value for sinceTime: ${JSON.stringify(sinceTime)}: want RFC3339`);
  }
  return { tailLines, sinceMs, limitBytes, timestamps: boolParam(q, 'timestamps'), follow: boolParam(q, 'follow'), previous: boolParam(q, 'previous') };
}

/** Serves pods/log. */
export async function podLogs(call: Call): Promise<Reply> {
  const { client, target, res, log } = call;
  const opts = options(call);
  // As upstream's log handler reads the pod from storage: the gateway's own lookup (pods/log was authorized), not audited.
  const pod = await getPod(call.trusted ?? client, target.namespace, target.name);
  const container = validateContainer(call.query.get('container') ?? '', pod);
  const node = pod.spec.nodeName;
  const bus = client.bus;
  let budget = opts.limitBytes ?? Infinity;
  /** Returns the lines as the client asked for them (timestamps, byte limit). */
  const text = (lines: NodeLogLine[]) => {
    let out = lines.map((l) => (opts.timestamps ? `${rfc3339Nano(l.at)} ${l.text}\n` : `${l.text}\n`)).join('');
    if (Buffer.byteLength(out) > budget) out = Buffer.from(out).subarray(0, budget).toString('utf8');
    budget -= Buffer.byteLength(out);
    return out;
  };
  const req: LogRequest = { namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid, container, previous: opts.previous, tailLines: opts.tailLines, sinceMs: opts.sinceMs };
  const head = { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' };
  // Not scheduled yet: no node to ask, and upstream answers an empty log.
  if (!node) {
    res.writeHead(200, { ...head, 'Content-Length': 0 });
    res.end();
    return undefined;
  }
  if (!opts.follow || opts.previous) {
    const body = text((await askKubelet<LogReply>(client, node, nodeLogs(node), req)).lines);
    res.writeHead(200, { ...head, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return undefined;
  }
  // Follow: chunks may come before the reply; they wait for it.
  const subject = logStream(bus, sessionId(), nodePeer(bus, node));
  let pending: LogChunk[] | undefined = [];
  let open = true;
  let stopAlive = () => {};
  const stopFollow = () => {
    try {
      bus.publish(nodeLogsStop(node), { follow: subject } satisfies LogStop);
    } catch (err) {
      // The gateway is stopping: its bus is closed; the kubelet ends the follow when the container exits.
      log.debug({ err }, 'could not stop a log follow');
    }
  };
  const finish = (stop: boolean) => {
    if (!open) return;
    open = false;
    stopAlive();
    sub.unsubscribe();
    if (stop) stopFollow();
    res.end();
  };
  const write = (chunk: LogChunk) => {
    if (!open) return;
    if (chunk.lines?.length) res.write(text(chunk.lines));
    if (chunk.end) finish(false);
    else if (budget <= 0) finish(true);
  };
  const sub = bus.subscribe<LogChunk>(subject, (msg) => (pending ? pending.push(msg.data) : write(msg.data)));
  res.on('close', () => finish(true));
  let first: LogReply;
  try {
    first = await askKubelet<LogReply>(client, node, nodeLogs(node), { ...req, follow: subject });
  } catch (err) {
    open = false;
    sub.unsubscribe();
    throw err;
  }
  // The client left while the follow started: the kubelet may have seen the stop before the follow.
  if (!open) return stopFollow(), undefined;
  res.writeHead(200, { ...head, 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  write({ lines: first.lines });
  const early = pending;
  pending = undefined;
  for (const chunk of early) write(chunk);
  // A kubelet that died or restarted sends no end: the stream ends when it stops answering keepalives.
  if (open) stopAlive = keepFollowing(client, call.clock, node, subject, () => finish(false));
  log.debug({ pod: pod.metadata.name, container, node }, 'following a container log');
  return undefined;
}
