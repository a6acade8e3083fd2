// Cluster logging, the control plane's side: the cluster's log stream in JetStream (one per cluster,
// named KUBUS_LOGS), which keeps every batch the kubelets ship on `kubus.clusterlogs.>`, dropping the
// oldest past --log-retention (age) or --log-max-bytes (size). The API server's process makes it: on a
// locked bus it is the identity with JetStream rights.
import { parseGoDuration } from '../api/duration.ts';
import { quantityValue } from '../api/quantity.ts';
import {
  connectNats,
  credentialsOf,
  DiscardPolicy,
  jetstreamManager,
  JetStreamApiError,
  LIVENESS,
  natsAuth,
  RetentionPolicy,
  StorageType,
  type BusCredentials,
  type NatsConnection,
  type StreamInfo,
} from '../bus/nats-bus.ts';
import { CLUSTER_LOG_STREAM, clusterLogFilter } from '../bus/subjects.ts';

/** How long and how much the log stream keeps. */
export interface LogRetention {
  maxAgeMs: number;
  maxBytes: number;
  /** The stream's name (default KUBUS_LOGS; tests give their own). */
  stream?: string;
  /** JetStream replicas of the stream (default 1). */
  replicas?: number;
}

/** The defaults of `--log-retention` and `--log-max-bytes`: a day of logs, at most 256 MiB of them. */
export const DEFAULT_LOG_RETENTION = '24h';
export const DEFAULT_LOG_MAX_BYTES = '256Mi';

/** Thrown for a retention flag that does not parse; says what it takes. */
export class LogRetentionError extends Error {
  override name = 'LogRetentionError';
}

/** Returns the retention of `--log-retention AGE --log-max-bytes SIZE` (Go durations; quantities such as 256Mi, or 256MiB). */
export function parseRetention(age = DEFAULT_LOG_RETENTION, bytes = DEFAULT_LOG_MAX_BYTES): LogRetention {
  let maxAgeMs: number;
  let maxBytes: number;
  try {
    maxAgeMs = parseGoDuration(age);
  } catch {
    throw new LogRetentionError(`--log-retention ${JSON.stringify(age)}: give a duration such as 24h, 90m or 7d as 168h`);
  }
  try {
    maxBytes = quantityValue(bytes.replace(/(?<=[KMGTPE]i)B$|(?<=\d)B$/, ''));
  } catch {
    throw new LogRetentionError(`--log-max-bytes ${JSON.stringify(bytes)}: give a size such as 256Mi, 256MiB or 1Gi`);
  }
  if (!(maxAgeMs > 0)) throw new LogRetentionError(`--log-retention ${JSON.stringify(age)}: must be more than 0`);
  if (!(maxBytes >= 1024)) throw new LogRetentionError(`--log-max-bytes ${JSON.stringify(bytes)}: must be at least 1Ki`);
  return { maxAgeMs, maxBytes };
}

/** How long JetStream is waited for when the server connected to says it runs none. */
const NO_LOCAL_JETSTREAM_TIMEOUT_MS = 1_000;

/** JetStream's "stream name already in use" error code. */
const STREAM_NAME_IN_USE = 10058;

/** Creates the log stream, or brings an existing one's retention to `r`; returns its info. */
export async function ensureLogStream(nc: NatsConnection, r: LogRetention, timeoutMs?: number): Promise<StreamInfo> {
  const jsm = await jetstreamManager(nc, timeoutMs === undefined ? {} : { timeout: timeoutMs });
  const config = {
    name: r.stream ?? CLUSTER_LOG_STREAM,
    subjects: [clusterLogFilter()],
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    storage: StorageType.File,
    num_replicas: r.replicas ?? 1,
    max_age: r.maxAgeMs * 1_000_000,
    max_bytes: r.maxBytes,
  };
  try {
    return await jsm.streams.add(config);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== STREAM_NAME_IN_USE) throw err;
    return await jsm.streams.update(config.name, config);
  }
}

/** Connects to NATS for the log stream (reads or its creation), as `credentials`' identity on a locked bus. */
export function connectLogs(servers: string, credentials?: BusCredentials | null, name = 'kubus-logs'): Promise<NatsConnection> {
  return connectNats({ servers: servers.split(','), name, ...LIVENESS, ...natsAuth(credentialsOf(credentials)) });
}

/**
 * Makes the log stream on a connection of its own and closes it; a NATS without JetStream (an
 * outside one started without -js) leaves cluster logging off, said in the returned message.
 */
export async function startLogStream(servers: string, credentials: BusCredentials | null | undefined, r: LogRetention): Promise<{ ok: boolean; message: string }> {
  let nc: NatsConnection | undefined;
  try {
    nc = await connectLogs(servers, credentials, 'kubus-log-stream');
    // A server that says it has no JetStream may still reach one (a leaf node's hub, a cluster where
    // only some run it), so it is asked, but briefly: in a routed cluster without any, nobody answers,
    // and the default 5 s request timeout was waited out on every control-plane start.
    const local = nc.info?.jetstream === true; // the field is left out when false
    const info = await ensureLogStream(nc, r, local ? undefined : NO_LOCAL_JETSTREAM_TIMEOUT_MS).catch((err: Error) => {
      if (local) throw err;
      throw new Error(`the NATS server ${nc!.info?.server_name || nc!.getServer()} runs without JetStream, and none was reached (${err.message})`);
    });
    return { ok: true, message: `cluster logs in stream ${info.config.name} (max age ${r.maxAgeMs / 1000}s, max ${r.maxBytes} bytes)` };
  } catch (err) {
    return { ok: false, message: `cluster logs off: the log stream could not be made (${(err as Error).message}); run nats-server with JetStream (-js) for \`kubus logs -l\`` };
  } finally {
    await nc?.close();
  }
}
