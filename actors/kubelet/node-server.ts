// The kubelet's own server, over the bus: container logs (read and follow) and exec for the pods
// of its node, as upstream's kubelet serves /containerLogs and /exec to the API server.
import type { Pod } from '../../api/kinds/pod.ts';
import { FOLLOW_KEEPALIVE_MS, type ExecReply, type ExecRequest, type LogAlive, type LogChunk, type LogReply, type LogRequest, type LogStop, type NodeLogLine, type StreamRequest } from '../../api/node-protocol.ts';
import { StatusError } from '../../api/status.ts';
import type { Clock } from '../../bus/clock.ts';
import { nodeExec, nodeLogs, nodeLogsAlive, nodeLogsStop, nodeStream } from '../../bus/subjects.ts';
import type { Bus, BusMessage, Logger } from '../../bus/types.ts';
import { RuntimeError, type ContainerInfo, type ContainerRuntime } from './runtimes/runtime.ts';
import { streamSessions } from './node-stream.ts';

export interface NodeServerDeps {
  bus: Bus;
  runtime: ContainerRuntime;
  nodeName: string;
  clock: Clock;
  /** The pod as the kubelet's informer has it. */
  pod(namespace: string, name: string): Pod | undefined;
  log: Logger;
}

const badRequest = (message: string) => new StatusError(400, 'BadRequest', message);

/** Returns the container instance a request names: the newest of that name, or the one before it. */
async function findContainer(d: NodeServerDeps, req: { namespace: string; name: string; uid?: string; container: string }, previous = false): Promise<ContainerInfo> {
  const pod = d.pod(req.namespace, req.name);
  if (!pod || (req.uid && pod.metadata.uid !== req.uid)) throw new StatusError(404, 'NotFound', `pods "${req.name}" not found`, { name: req.name, kind: 'pods' });
  const all = (await d.runtime.listContainers({ podUid: pod.metadata.uid })).filter((c) => c.name === req.container);
  all.sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
  const found = all[previous ? 1 : 0];
  if (found && (previous || found.state !== 'created')) return found;
  if (previous) throw badRequest(`previous terminated container "${req.container}" in pod "${req.name}" not found`);
  throw badRequest(`container "${req.container}" in pod "${req.name}" is waiting to start: ${waitingReason(pod, req.container)}`);
}

/** Returns why a container has not started, worded as upstream's kubelet words it for logs. */
function waitingReason(pod: Pod, container: string): string {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const reason = statuses.find((s) => s.name === container)?.state?.waiting?.reason ?? 'ContainerCreating';
  if (reason === 'ErrImagePull') return "image can't be pulled";
  if (reason === 'ImagePullBackOff') return 'trying and failing to pull image';
  return reason;
}

/** Answers a request with the handler's result, or with its failure as a Status. */
function answer<T>(d: NodeServerDeps, msg: BusMessage, run: () => Promise<T>): void {
  run().then(
    (out) => d.bus.respond(msg, out),
    (err: unknown) => {
      const status =
        err instanceof StatusError ? err.status : new StatusError(err instanceof RuntimeError ? 400 : 500, err instanceof RuntimeError ? 'BadRequest' : 'InternalError', (err as Error)?.message ?? String(err)).status;
      if (!(err instanceof StatusError || err instanceof RuntimeError)) d.log.error({ err, subject: msg.subject }, 'kubelet request failed');
      d.bus.respond(msg, status);
    },
  );
}

/** Serves logs and exec for the node's pods until the returned function is called. */
export function serveNode(d: NodeServerDeps): () => void {
  const follows = new Map<string, { stop(): void; seen: number }>();
  // Followers that went away without a stop (their process died) are dropped after three silent keepalive periods.
  let sweeper: unknown;
  const sweep = () => {
    sweeper = undefined;
    const now = d.clock.now();
    for (const [subject, f] of follows) if (now - f.seen > 3 * FOLLOW_KEEPALIVE_MS) end(subject);
    if (follows.size) sweeper = d.clock.setTimeout(sweep, FOLLOW_KEEPALIVE_MS);
  };
  /** Stops following `subject`; tells the follower with a last chunk when `tell`. */
  const end = (subject: string, tell = true) => {
    const f = follows.get(subject);
    if (!f) return;
    follows.delete(subject);
    f.stop();
    if (tell) d.bus.publish(subject, { lines: [], end: true } satisfies LogChunk);
  };

  const logs = async (req: LogRequest): Promise<LogReply> => {
    const c = await findContainer(d, req, req.previous);
    const query = { tail: req.tailLines, sinceMs: req.sinceMs };
    if (!req.follow || req.previous) return { lines: await d.runtime.logs(c.id, query) };
    const subject = req.follow;
    // Lines written while the snapshot is read are sent after it, once (the snapshot may hold them too).
    let early: NodeLogLine[] | undefined = [];
    let ended = false;
    const send = (chunk: LogChunk) => d.bus.publish(subject, chunk);
    const finish = () => end(subject);
    const stop = d.runtime.followLogs(
      c.id,
      (l) => (early ? early.push(l) : send({ lines: [l] })),
      () => (early ? (ended = true) : finish()),
    );
    follows.set(subject, { stop, seen: d.clock.now() });
    sweeper ??= d.clock.setTimeout(sweep, FOLLOW_KEEPALIVE_MS);
    const lines = await d.runtime.logs(c.id, query);
    // Compared by value: a runtime that reads its log files (CRI) gives new objects for the same lines.
    const key = (l: NodeLogLine) => `${l.at} ${l.stream} ${l.text}`;
    const seen = new Set(lines.map(key));
    const later = early.filter((l) => !seen.has(key(l)));
    early = undefined;
    // The follower holds stream chunks until it has the reply, so these may go out before it.
    if (later.length) send({ lines: later });
    if (ended) finish();
    return { lines };
  };

  const exec = async (req: ExecRequest): Promise<ExecReply> => {
    const c = await findContainer(d, req);
    if (c.state !== 'running') throw badRequest(`container "${req.container}" in pod "${req.name}" is not running`);
    return d.runtime.exec(c.id, req.command, 60_000, req.stdin);
  };

  const streams = streamSessions(d);
  const subs = [
    d.bus.subscribe<LogRequest>(nodeLogs(d.nodeName), (msg) => answer(d, msg, () => logs(msg.data))),
    d.bus.subscribe<LogStop>(nodeLogsStop(d.nodeName), (msg) => end(msg.data?.follow, false)),
    d.bus.subscribe<LogStop>(nodeLogsAlive(d.nodeName), (msg) => {
      const f = follows.get(msg.data?.follow);
      if (f) f.seen = d.clock.now();
      d.bus.respond(msg, { known: !!f } satisfies LogAlive);
    }),
    d.bus.subscribe<ExecRequest>(nodeExec(d.nodeName), (msg) => answer(d, msg, () => exec(msg.data))),
    d.bus.subscribe<StreamRequest>(nodeStream(d.nodeName), (msg) => answer(d, msg, async () => streams.start(msg.data, await findContainer(d, msg.data)))),
  ];
  return () => {
    for (const s of subs) s.unsubscribe();
    streams.closeAll();
    d.clock.clearTimeout(sweeper);
    for (const subject of [...follows.keys()]) end(subject);
  };
}
