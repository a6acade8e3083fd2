// Reading the cluster's log stream (`kubus logs -l`, the dashboard's /ui/api/logs): an ephemeral
// consumer filtered by subject (namespace, pod) and start time, whose batches are then filtered by the
// label selector and container as kubectl's `logs -l` does; pods that are gone are read like any other.
import type { ClusterLogBatch, ClusterLogEntry, ClusterLogQuery } from '../api/cluster-logs.ts';
import { selectorMatcher, type LabelMatcher } from '../api/selectors.ts';
import { decode } from '../bus/codec.ts';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type BusCredentials, type ConsumerMessages, type JsMsg, type NatsConnection } from '../bus/nats-bus.ts';
import { CLUSTER_LOG_STREAM, clusterLogFilter } from '../bus/subjects.ts';
import { connectLogs } from './cluster-logs.ts';

/**
 * How much earlier than `since` the read starts: a batch is stored up to its shipper's delay (1 s)
 * after its first line, so a line written just after `since` may sit in a batch stored just before.
 */
export const SHIP_SLACK_MS = 5_000;
/** An ephemeral consumer left behind (a reader killed) goes after this long without pulls. */
const CONSUMER_IDLE_NS = 30_000_000_000;

export interface ReadOptions {
  /** The stream's name (default KUBUS_LOGS). */
  stream?: string;
  /** Stops a read (a follow's only end). */
  signal?: AbortSignal;
  /** Told of each stored message that is no batch (skipped; a reader logs it). */
  onBadBatch?: (seq: number) => void;
}

/**
 * Returns the node, namespace, pod and container a batch's subject names (`~` back to `.`), or undefined
 * for another subject. Readers trust these, not the body: a locked bus pins only the subject's node token
 * to the publisher, so a node could otherwise ship lines as another node's.
 */
export function batchOrigin(subject: string): Pick<ClusterLogBatch, 'node' | 'namespace' | 'pod' | 'container'> | undefined {
  const t = subject.split('.');
  if (t.length !== 6 || t[0] !== 'kubus' || t[1] !== 'clusterlogs') return undefined;
  const [node, namespace, pod, container] = t.slice(2).map((x) => x.replace(/~/g, '.'));
  return { node, namespace, pod, container };
}

/** Returns the entries of one batch that the query asks for (selector, container, since); `match` is the query's selector compiled once. */
export function entriesOf(b: ClusterLogBatch, q: ClusterLogQuery, match: LabelMatcher = q.selector ? selectorMatcher(q.selector) : () => true): ClusterLogEntry[] {
  if (q.namespace && b.namespace !== q.namespace) return [];
  if (q.pod && b.pod !== q.pod) return [];
  if (q.container ? b.container !== q.container : !q.allContainers && !b.default) return [];
  if (!match(b.labels ?? {})) return [];
  const out: ClusterLogEntry[] = [];
  for (const l of b.lines)
    if (q.sinceMs === undefined || l.at >= q.sinceMs) out.push({ node: b.node, namespace: b.namespace, pod: b.pod, container: b.container, at: l.at, stream: l.stream, text: l.text });
  return out;
}

/**
 * Calls `each` with every stored line the query asks for, in stream order, then (follow) with new ones
 * until `signal` aborts. Throws a 400 StatusError for a malformed selector before reading anything.
 */
export async function readClusterLogs(nc: NatsConnection, q: ClusterLogQuery, each: (e: ClusterLogEntry) => void, o: ReadOptions = {}): Promise<void> {
  const match: LabelMatcher = q.selector ? selectorMatcher(q.selector) : () => true;
  const stream = o.stream ?? CLUSTER_LOG_STREAM;
  const jsm = await jetstreamManager(nc);
  const start =
    q.sinceMs !== undefined
      ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(Math.max(0, q.sinceMs - SHIP_SLACK_MS)).toISOString() }
      : { deliver_policy: DeliverPolicy.All };
  // A read that does not follow ends at the stream's last message as it was when the read began: by
  // the messages' own sequences too, not the consumer's pending count alone: a count reported too high
  // would leave the read waiting for messages that never come (nats-server#5655, fixed after 2.9).
  const last = q.follow ? 0 : (await jsm.streams.info(stream)).state.last_seq;
  const ci = await jsm.consumers.add(stream, { ...start, filter_subject: clusterLogFilter(q.namespace, q.pod), ack_policy: AckPolicy.None, inactive_threshold: CONSUMER_IDLE_NS, mem_storage: true });
  try {
    if (o.signal?.aborted || (!q.follow && (ci.num_pending === 0 || last === 0))) return;
    const consumer = await jetstream(nc).consumers.get(stream, ci.name);
    let msgs: ConsumerMessages | undefined;
    let failure: unknown;
    const take = (m: JsMsg) => {
      let batch: ClusterLogBatch | undefined;
      const origin = batchOrigin(m.subject);
      try {
        batch = origin && { ...decode<ClusterLogBatch>(m.data), ...origin };
      } catch {
        batch = undefined;
      }
      if (!batch) o.onBadBatch?.(m.seq);
      try {
        if (batch?.lines) for (const e of entriesOf(batch, q, match)) each(e);
      } catch (err) {
        failure ??= err;
      }
      if (failure !== undefined || (!q.follow && (m.info.pending === 0 || m.seq >= last))) void msgs?.close();
    };
    msgs = await consumer.consume({ callback: take, max_messages: 4096 });
    const stop = () => void msgs?.close();
    o.signal?.addEventListener('abort', stop, { once: true });
    await msgs.closed();
    o.signal?.removeEventListener('abort', stop);
    if (failure !== undefined) throw failure;
  } finally {
    await jsm.consumers.delete(stream, ci.name).catch(() => false);
  }
}

/** Returns kubectl's `--prefix` of a line, `[pod/NAME/CONTAINER]`, with the namespace first when reading every namespace. */
export const linePrefix = (e: ClusterLogEntry, allNamespaces = false) =>
  allNamespaces ? `[pod/${e.namespace}/${e.pod}/${e.container}]` : `[pod/${e.pod}/${e.container}]`;

/** A reader of the log stream for a long-lived process (the API server's, which serves the reads): one connection of its own, made at the first read. */
export interface ClusterLogReader {
  read(q: ClusterLogQuery, each: (e: ClusterLogEntry) => void, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** Returns a reader that connects as `credentials`' identity (the API server's, on a locked bus) when first asked; `o` as readClusterLogs'. */
export function clusterLogReader(servers: string, credentials?: BusCredentials | null, o: Omit<ReadOptions, 'signal'> = {}): ClusterLogReader {
  let nc: Promise<NatsConnection> | undefined;
  const conn = () => (nc ??= connectLogs(servers, credentials, 'kubus-apiserver-logs').catch((err: unknown) => {
    nc = undefined;
    throw err;
  }));
  return {
    read: async (q, each, signal) => readClusterLogs(await conn(), q, each, { ...o, signal }),
    async close() {
      const c = nc;
      nc = undefined;
      await (await c?.catch(() => undefined))?.close();
    },
  };
}
