// One locked bus for a test file: a real nats-server with the configuration kubus generates (an nkey
// per identity, subject permissions, TLS with the kubus CA) and an API server on it as `apiserver`,
// started before the file's tests and stopped after them; each test connects its own clients.
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsBus, type BusCredentials } from '../../bus/nats-bus.ts';
import { silentLogger, type Logger } from '../../bus/types.ts';
import { clusterIdentities, ensureCredentials, lockedConfig } from '../../runtime/bus-auth.ts';
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from '../../runtime/control-plane.ts';
import { startNatsServer, type NatsServer } from '../../runtime/nats-server.ts';

/** A client's connect timeout: the tests' clients connect at once (ava runs a file's tests together), each with a TLS handshake, on a loaded machine. */
const CONNECT_TIMEOUT_MS = 10_000;

export interface LockedBus {
  /** The KUBUS_HOME that holds the identities' credentials and the CA (removed after the file). */
  readonly home: string;
  /** The nats-server (from the file's `before` on). */
  readonly nats: NatsServer;
  /** The API server's control plane, connected as `apiserver` (from the file's `before` on). */
  readonly cp: ControlPlane;
  /** Returns `identity`'s credentials, made the first time. */
  creds(identity: string): BusCredentials;
  /** Connects as `identity` (null: no credentials); closed in the test's teardown. */
  connect(t: ExecutionContext, identity: string | null, log?: Logger): Promise<NatsBus>;
}

export interface LockedBusOptions {
  /** The nodes that get an identity besides the cluster's components. */
  nodes: string[];
  /** The temporary home's name prefix. */
  prefix?: string;
  /** Receives the nats-server's log: the denials it enforces itself are there. */
  onLog?: (chunk: string) => void;
  /** More control-plane options (given the home), e.g. an audit log in it. */
  controlPlane?: (home: string) => Partial<ControlPlaneOptions>;
}

/** Sets up the file's locked bus (test.before / test.after.always) and returns it. */
export function lockedBus(opts: LockedBusOptions): LockedBus {
  const home = mkdtempSync(join(tmpdir(), opts.prefix ?? 'kubus-locked-bus-'));
  let nats: NatsServer | undefined;
  let cp: ControlPlane | undefined;
  const creds = (identity: string) => ensureCredentials(identity, home);
  test.before(async () => {
    nats = await startNatsServer({ config: lockedConfig(clusterIdentities(opts.nodes), [], home), onLog: opts.onLog });
    cp = await startControlPlane({ nats: nats.url, actors: ['apiserver'], log: silentLogger, credentials: creds('apiserver'), ...opts.controlPlane?.(home) });
  });
  test.after.always(async () => {
    await cp?.stop();
    await nats?.stop('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  });
  const started = <T>(v: T | undefined, what: string): T => {
    if (!v) throw new Error(`the locked bus's ${what} is not started: use it inside a test`);
    return v;
  };
  return {
    home,
    get nats() {
      return started(nats, 'nats-server');
    },
    get cp() {
      return started(cp, 'control plane');
    },
    creds,
    async connect(t, identity, log = silentLogger) {
      const bus = await NatsBus.connect({ servers: started(nats, 'nats-server').url, name: `test/${identity}`, log, credentials: identity === null ? null : creds(identity), connectTimeoutMs: CONNECT_TIMEOUT_MS });
      t.teardown(() => bus.close());
      return bus;
    },
  };
}

/** A logger that keeps its warn lines (NATS permission errors end up there). */
export function capture(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const l = { ...silentLogger, lines, warn: (o: object | string, m?: string) => void lines.push(`${m ?? ''} ${JSON.stringify(o)}`), child: () => l };
  return l;
}
