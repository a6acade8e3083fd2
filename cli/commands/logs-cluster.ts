// `kubus logs -l SELECTOR [-n NS|-A] [--since 10m] [--all-containers] [-c C] [-f] [--prefix]`: lines
// of every matching pod on every node, gone pods too, read from the cluster's log stream (through the API
// server's process, which authorizes the read); and the
// control plane's retention flags of that stream.
import { parseGoDuration } from '../../api/duration.ts';
import { isNoLogStream, NO_LOG_STREAM, type ClusterLogEntry, type ClusterLogQuery } from '../../api/cluster-logs.ts';
import type { NatsBus } from '../../bus/nats-bus.ts';
import { DEFAULT_LOG_MAX_BYTES, DEFAULT_LOG_RETENTION, LogRetentionError, parseRetention, type LogRetention } from '../../runtime/cluster-logs.ts';
import { readRemoteClusterLogs } from '../../runtime/cluster-logs-client.ts';
import { linePrefix } from '../../runtime/cluster-logs-read.ts';
import { UsageError } from '../context.ts';

/** The flags of a cluster log read. */
export interface ClusterLogFlags {
  selector?: string;
  namespace: string;
  allNamespaces?: boolean;
  since?: string;
  sinceTime?: string;
  allContainers?: boolean;
  container?: string;
  follow?: boolean;
  prefix?: boolean;
  /** The last N lines of each container (unset or negative: every line, kubus's default with -l). */
  tail?: number;
}

/** Returns the query of the flags (`now` for --since); a bad duration or time is a usage error. */
export function clusterQuery(o: ClusterLogFlags, now: number, pod?: string): ClusterLogQuery {
  if (o.since && o.sinceTime) throw new UsageError('at most one of --since or --since-time may be used');
  let sinceMs: number | undefined;
  if (o.since) {
    try {
      sinceMs = now - parseGoDuration(o.since);
    } catch {
      throw new UsageError(`--since ${JSON.stringify(o.since)}: give a duration such as 10m, 1h or 30s`);
    }
  } else if (o.sinceTime) {
    sinceMs = Date.parse(o.sinceTime);
    if (Number.isNaN(sinceMs)) throw new UsageError(`--since-time ${JSON.stringify(o.sinceTime)}: give an RFC 3339 time such as 2026-01-02T15:04:05Z`);
  }
  return { namespace: o.allNamespaces ? undefined : o.namespace, selector: o.selector, pod, container: o.container, allContainers: o.allContainers, sinceMs, follow: o.follow };
}

/**
 * Prints the cluster log lines the flags ask for to `out` (prefixed `[pod/NAME/CONTAINER]` unless
 * --no-prefix); with -f keeps printing until SIGINT. Returns how many lines it printed.
 */
export async function clusterLogs(bus: NatsBus, o: ClusterLogFlags, out: NodeJS.WritableStream, pod?: string): Promise<number> {
  const q = clusterQuery(o, Date.now(), pod);
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once('SIGINT', interrupt);
  let n = 0;
  const print = (e: ClusterLogEntry) => {
    n++;
    out.write(o.prefix === false ? `${e.text}\n` : `${linePrefix(e, o.allNamespaces)} ${e.text}\n`);
  };
  const tail = o.tail !== undefined && o.tail >= 0 && !q.follow ? lastPerContainer(o.tail) : undefined;
  try {
    // Asked of the API server's process, which alone reads the stream and authorizes the read (get pods/log).
    await readRemoteClusterLogs(bus, q, tail?.add ?? print, stop.signal, undefined, { onDropped: (n) => process.stderr.write(`warning: ${n} log lines dropped: this reader was slower than they came\n`) });
  } catch (err) {
    if (isNoLogStream(err)) throw new UsageError(NO_LOG_STREAM);
    throw err;
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
  tail?.lines().forEach(print);
  return n;
}

/** Keeps the last `n` lines of each container (namespace, pod, container); `lines` gives them in the order they came. */
export function lastPerContainer(n: number) {
  const kept = new Map<string, { seq: number; e: ClusterLogEntry }[]>();
  let seq = 0;
  return {
    add(e: ClusterLogEntry) {
      const k = `${e.namespace}/${e.pod}/${e.container}`;
      const l = kept.get(k) ?? kept.set(k, []).get(k)!;
      l.push({ seq: seq++, e });
      if (l.length > n) l.shift();
    },
    lines: () => [...kept.values()].flat().sort((a, b) => a.seq - b.seq).map((x) => x.e),
  };
}

/** The help of `--log-retention` and `--log-max-bytes` (the control plane's log stream). */
export const LOG_RETENTION_HELP = `how long the cluster log stream keeps container lines (default ${DEFAULT_LOG_RETENTION})`;
export const LOG_MAX_BYTES_HELP = `how much the cluster log stream keeps at most, oldest dropped first (default ${DEFAULT_LOG_MAX_BYTES}; e.g. 1Gi)`;
export interface LogRetentionFlags {
  logRetention?: string;
  logMaxBytes?: string;
}

/** Returns the retention the flags give; a bad value is a usage error. */
export function logRetentionOf(o: LogRetentionFlags): LogRetention {
  try {
    return parseRetention(o.logRetention, o.logMaxBytes);
  } catch (err) {
    if (err instanceof LogRetentionError) throw new UsageError(err.message);
    throw err;
  }
}
