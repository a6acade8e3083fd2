// How a NatsBus connects: its options and, on a locked bus, its credentials (an identity's nkey seed
// and the kubus CA), read from a file kubus wrote (0600) for that identity alone.
import { readFileSync } from 'node:fs';
import { identityToken, parseIdentity } from './identity.ts';
import type { Rng } from './random.ts';
import type { Logger } from './types.ts';

/** One identity's credentials on a locked bus: what `kubus credentials` prints and KUBUS_CREDS names. */
export interface BusCredentials {
  /** `kind` or `kind/name` (bus/identity.ts). */
  identity: string;
  /** The identity's nkey seed (`SU…`): the server holds only its public key. */
  seed: string;
  /** The kubus CA (PEM) the server's TLS certificate is checked against. */
  ca?: string;
}

/** The environment variable that names a process's credentials file. */
export const CREDS_ENV = 'KUBUS_CREDS';

export interface NatsBusOptions {
  /** One URL, several (a NATS cluster; the client fails over), or a comma-separated list. */
  servers: string | string[];
  name: string;
  log?: Logger;
  rng?: Rng;
  /** Give up a connection attempt (the first, and each dial when reconnecting) after this long (default LIVENESS.timeout, 2 s). */
  connectTimeoutMs?: number;
  /**
   * Deeply freeze every delivered body and its headers, as MemoryBus always does, so a handler that
   * mutates what it received fails loudly (tests). Default: the KUBUS_FREEZE environment variable (1 = on).
   */
  freeze?: boolean;
  /** The identity to connect as (a locked bus); unset: the file KUBUS_CREDS names, if any; null: none (an open bus). */
  credentials?: BusCredentials | null;
}

/** Thrown when the first connection to NATS cannot be made. */
export class BusConnectError extends Error {
  override name = 'BusConnectError';
}

/** Thrown when a credentials file is unreadable or malformed. */
export class CredentialsError extends Error {
  override name = 'CredentialsError';
}

/** Returns the credentials a file holds (JSON: identity, seed, ca); throws CredentialsError when it holds none. */
export function readCredentials(path: string): BusCredentials {
  let c: Partial<BusCredentials>;
  try {
    c = JSON.parse(readFileSync(path, 'utf8')) as Partial<BusCredentials>;
  } catch (err) {
    throw new CredentialsError(`cannot read bus credentials from ${path}: ${(err as Error).message}`);
  }
  if (typeof c?.identity !== 'string' || typeof c.seed !== 'string' || (c.ca !== undefined && typeof c.ca !== 'string'))
    throw new CredentialsError(`${path} holds no bus credentials (identity, seed, ca)`);
  parseIdentity(c.identity);
  return { identity: c.identity, seed: c.seed, ca: c.ca };
}

/** Returns the credentials an option gives, else those of the file KUBUS_CREDS names, else undefined (an open bus). */
export function credentialsOf(given?: BusCredentials | null): BusCredentials | undefined {
  if (given !== undefined) return given ?? undefined;
  const file = process.env[CREDS_ENV];
  return file ? readCredentials(file) : undefined;
}

/** Returns the subject token of the credentials' identity. */
export const tokenOf = (c: BusCredentials) => identityToken(parseIdentity(c.identity));

let warned = false;
/** Warns once per process that a connection runs on an open bus (no credentials). */
export function warnOpenBusOnce(log: Logger, servers: string[]): void {
  if (warned) return;
  warned = true;
  log.warn(
    { nats: servers.join(',') },
    'the NATS bus is open (no credentials): any process that reaches it may send any API request as anyone, read every watch and serve API subjects; `kubus up` locks it',
  );
}

/**
 * The first dial, tried up to 3 times when it times out: the dial timeout is short for the reconnects'
 * sake (LIVENESS), and a TLS + nkey handshake on a busy machine can outlast it (seen at load 25). A
 * refused or rejected connection fails at once.
 */
export async function dialPatiently<T>(dial: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await dial();
    } catch (err) {
      if (i >= attempts || !/timeout/i.test((err as Error).message)) throw err;
    }
  }
}
