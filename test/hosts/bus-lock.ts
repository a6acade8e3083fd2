// The locked bus across harness hosts: identities made once in a temporary kubus home, the NATS
// servers' authorization + TLS config from them, and each host handed only its own processes'
// credentials (a directory per host, files 0600), as a multi-host cluster would be set up.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import type { BusCredentials } from '../../bus/nats-bus.ts';
import { clusterIdentities, credentialsFile, credentialsPath, ensureCredentials, lockedConfig } from '../../runtime/bus-auth.ts';
import type { TestHost } from './harness.ts';

export interface LockedBus {
  /** The nats-server config lines (authorization and TLS) every server of the cluster takes. */
  config: string[];
  /** The admin's credentials: the test's own connections. */
  admin: BusCredentials;
  /** The environment of a kubus command the test runs as the admin (KUBUS_CREDS). */
  adminEnv: Record<string, string>;
  /** The environment of a process on `host` that runs as `identity` (KUBUS_CREDS: its file, copied to the host's directory). */
  env(host: TestHost, identity: string): { env: Record<string, string> };
  /** A directory of `host` with its nodes' credentials, for `kubus node --creds-dir`. */
  nodesDir(host: TestHost, nodes: string[]): string;
  /** The credentials files `host` was handed. */
  files(host: TestHost): string[];
}

/** Makes the identities of a cluster with these nodes (and `extra` ones, e.g. named API servers) and a TLS certificate for the NATS servers' addresses. */
export function lockedBus(t: ExecutionContext, nodes: string[], natsAddresses: string[], extra: string[] = []): LockedBus {
  const home = mkdtempSync(join(tmpdir(), 'kubus-hosts-bus-'));
  t.teardown(() => rmSync(home, { recursive: true, force: true }));
  const config = lockedConfig([...clusterIdentities(nodes), ...extra], natsAddresses, home);
  const hostDir = (host: TestHost) => {
    const dir = join(home, 'hosts', host.name);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  };
  const handTo = (host: TestHost, identity: string) => {
    const to = credentialsFile(hostDir(host), identity);
    copyFileSync(credentialsPath(identity, home), to);
    chmodSync(to, 0o600);
    return to;
  };
  return {
    config,
    admin: ensureCredentials('admin', home),
    adminEnv: { KUBUS_CREDS: credentialsPath('admin', home) },
    env: (host, identity) => ({ env: { KUBUS_CREDS: handTo(host, identity) } }),
    nodesDir(host, names) {
      for (const n of names) handTo(host, `node/${n}`);
      return hostDir(host);
    },
    files: (host) => readdirSync(hostDir(host)).sort(),
  };
}
