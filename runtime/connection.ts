// Where a running `kubus up` cluster listens, so other kubus commands find it.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CREDS_ENV, readCredentials, type BusCredentials } from '../bus/nats-options.ts';
import { pidAlive } from '../actors/lib/pid.ts';

export const DEFAULT_NATS = 'nats://127.0.0.1:4222';

export interface ClusterInfo {
  nats: string;
  pid: number;
  dataDir?: string;
  /** The HTTP gateway's URL (what the kubeconfig points at). */
  gateway?: string;
  startedAt: string;
  /** The admin's bus credentials file, when the bus is locked (other kubus commands of this machine connect with it). */
  credentials?: string;
}

/** Returns kubus's home folder: KUBUS_HOME, else ~/.kubus. */
export const kubusHome = () => process.env.KUBUS_HOME ?? join(homedir(), '.kubus');
const infoPath = () => join(kubusHome(), 'cluster.json');

/** Records the running cluster (written by `kubus up`). */
export function writeClusterInfo(info: ClusterInfo): void {
  const p = infoPath();
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, JSON.stringify(info, null, 2) + '\n');
}

/** Removes the record, if it is ours. */
export function clearClusterInfo(pid = process.pid): void {
  if (readClusterInfo()?.pid === pid) rmSync(infoPath(), { force: true });
}

/** Returns the running cluster's record, or undefined when none (or its process is gone). */
export function readClusterInfo(): ClusterInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(infoPath(), 'utf8')) as ClusterInfo;
    return pidAlive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Returns the bus credentials a command connects with: KUBUS_CREDS's file (NatsBus reads it itself:
 * undefined here), else the admin's of the `kubus up` cluster that `nats` is; else null (an open bus).
 */
export function resolveCredentials(nats: string): BusCredentials | null | undefined {
  if (process.env[CREDS_ENV]) return undefined;
  const info = readClusterInfo();
  return info?.credentials && info.nats === nats ? readCredentials(info.credentials) : null;
}

/** Returns the NATS URL(s) to use: the flag, else KUBUS_NATS, else what `kubus up` wrote, else localhost:4222. */
export function resolveNats(flag?: string): string {
  return flag || process.env.KUBUS_NATS || readClusterInfo()?.nats || DEFAULT_NATS;
}
