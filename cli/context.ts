// What one-shot CLI commands share: the connection to the cluster and error printing.
import { StatusError } from '../api/status.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { resolveNats } from '../runtime/connection.ts';
import { createLogger } from '../runtime/logger.ts';

export interface GlobalOptions {
  nats?: string;
}

export interface CliSession {
  client: ApiClient;
  bus: NatsBus;
  close(): Promise<void>;
}

/** Connects to the cluster's NATS (flag, KUBUS_NATS, `kubus up`'s record, or localhost:4222). */
export async function connect(opts: GlobalOptions): Promise<CliSession> {
  const bus = await NatsBus.connect({
    servers: resolveNats(opts.nats),
    name: 'kubus-cli',
    log: createLogger('error'),
    connectTimeoutMs: 3000,
  });
  return { bus, client: new ApiClient(bus), close: () => bus.close() };
}

/** Runs a command with a session, always closing it. */
export async function withSession<T>(opts: GlobalOptions, fn: (s: CliSession) => Promise<T>): Promise<T> {
  const s = await connect(opts);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** Returns the message kubectl would print for an error. */
export function errorLine(err: unknown): string {
  if (err instanceof StatusError) {
    if (err.reason === 'Invalid') return `The ${err.message}`;
    return `Error from server (${err.reason || err.code}): ${err.message}`;
  }
  return `error: ${(err as Error)?.message ?? String(err)}`;
}

/** Thrown for a usage mistake; printed as `error: ...` with exit code 1. */
export class UsageError extends Error {
  override name = 'UsageError';
}
