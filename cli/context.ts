// What one-shot CLI commands share: the connection to the cluster and error printing.
import { StatusError, type Status } from '../api/status.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { resolveCredentials, resolveNats } from '../runtime/connection.ts';
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
  const servers = resolveNats(opts.nats);
  const bus = await NatsBus.connect({
    servers,
    credentials: resolveCredentials(servers),
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

/**
 * Returns kubectl's line for an Invalid Status (cmdutil's checkErr): kind and name from the details (the
 * unqualified kind), then each distinct cause, inline when there is one, else one `* ` line each.
 */
function invalidLine(s: Status): string {
  const d = s.details;
  if (!d) return s.message ? `The request is invalid: ${s.message}` : 'The request is invalid';
  const causes = [...new Set((d.causes ?? []).map((c) => `${c.field ?? ''}: ${c.message}`))];
  let head = 'The request is invalid';
  if (d.kind || d.name) head = `The ${d.kind ?? ''} ${JSON.stringify(d.name ?? '')} is invalid`;
  else if (s.message && !causes.length) head += `: ${s.message}`;
  if (causes.length === 0) return head;
  if (causes.length === 1) return `${head}: ${causes[0]}`;
  return `${head}: \n${causes.map((c) => `* ${c}`).join('\n')}`;
}

/** Returns the message kubectl would print for an error. */
export function errorLine(err: unknown): string {
  if (err instanceof StatusError) {
    if (err.reason === 'Invalid') return invalidLine(err.status);
    return `Error from server (${err.reason || err.code}): ${err.message}`;
  }
  return `error: ${(err as Error)?.message ?? String(err)}`;
}

/** Thrown for a usage mistake; printed as `error: ...` with exit code 1. */
export class UsageError extends Error {
  override name = 'UsageError';
}
