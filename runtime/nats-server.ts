// Starts and stops a nats-server child process (for `kubus up` and for tests).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export const NATS_INSTALL_HINT = 'nats-server is not installed; install it with: apt-get install -y nats-server';

/** Thrown when no nats-server binary is found. */
export class NatsServerMissingError extends Error {
  override name = 'NatsServerMissingError';
  constructor() {
    super(NATS_INSTALL_HINT);
  }
}

/** Returns the path of the nats-server binary (NATS_SERVER env, PATH, /usr/sbin), or undefined. */
export function findNatsServer(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/bin', '/usr/bin'];
  const candidates = [process.env.NATS_SERVER, ...dirs.map((d) => join(d, 'nats-server'))].filter(Boolean) as string[];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here; try the next place
    }
  }
  return undefined;
}

// A kubus up killed with SIGKILL runs no exit handler, so its nats-server would run on as an orphan. On
// Linux, util-linux's `setpriv --pdeathsig KILL` has the kernel kill the server when the process that
// started it dies (setpriv then execs the server: same pid). Elsewhere the prefix is empty.
let parentDeathPrefix: string[] | undefined;
function dieWithParent(): string[] {
  if (parentDeathPrefix) return parentDeathPrefix;
  parentDeathPrefix = [];
  if (process.platform !== 'linux') return parentDeathPrefix;
  for (const c of ['/usr/bin/setpriv', '/bin/setpriv']) {
    try {
      accessSync(c, constants.X_OK);
      return (parentDeathPrefix = [c, '--pdeathsig', 'KILL']);
    } catch {
      // not here; try the next place
    }
  }
  return parentDeathPrefix;
}

export interface NatsServerOptions {
  host?: string;
  /** 0 = a free port chosen by the server. */
  port?: number;
  /** Cluster membership, for multi-server setups. */
  cluster?: { name: string; host?: string; port: number; routes: string[] };
  /** Extra config lines. */
  config?: string[];
  /** Time to wait for "Server is ready" (default 10 s). */
  readyTimeoutMs?: number;
  /** Run the server in another network namespace (`ip netns exec NAME`). */
  netns?: string;
  /** Receives the server's log (stderr) as it comes, after ready too: its auth and permission violations. */
  onLog?: (chunk: string) => void;
}

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number | undefined;
  /** Stops the server: SIGTERM (graceful) or SIGKILL (a crash). */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Starts nats-server and resolves once it accepts clients. */
export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServer> {
  const bin = findNatsServer();
  if (!bin) throw new NatsServerMissingError();
  const host = opts.host ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'kubus-nats-'));
  const conf = join(dir, 'nats.conf');
  let port = opts.port ?? 0;
  let child: ChildProcess | undefined;

  const writeConf = () => {
    const lines = [`listen: "${host}:${port || -1}"`, 'max_payload: 8MB', ...(opts.config ?? [])];
    if (opts.cluster) {
      const c = opts.cluster;
      lines.push(
        'cluster {',
        `  name: ${c.name}`,
        `  listen: "${c.host ?? host}:${c.port}"`,
        `  routes: [${c.routes.map((r) => JSON.stringify(r)).join(', ')}]`,
        '}',
      );
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(conf, lines.join('\n') + '\n');
  };

  const launch = () =>
    new Promise<void>((resolve, reject) => {
      writeConf();
      // `ip netns exec` execs its command, so the server is still this process's child.
      const argv = [...(opts.netns ? ['ip', 'netns', 'exec', opts.netns] : []), ...dieWithParent(), bin, '-c', conf];
      const c = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
      child = c;
      live.add(c);
      let out = '';
      const timer = setTimeout(() => {
        c.kill('SIGKILL');
        reject(new Error(`nats-server did not become ready within ${opts.readyTimeoutMs ?? 10_000} ms:\n${out}`));
      }, opts.readyTimeoutMs ?? 10_000);
      c.stderr!.setEncoding('utf8');
      c.stderr!.on('data', (chunk: string) => {
        opts.onLog?.(chunk);
        if (out.length < 20_000) out += chunk;
        const m = /Listening for client connections on [^\s]*:(\d+)/.exec(out);
        if (m) port = Number(m[1]);
        if (out.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      c.once('exit', (code) => {
        live.delete(c);
        clearTimeout(timer);
        reject(new Error(`nats-server exited with code ${code} before it was ready:\n${out}`));
      });
    });

  await launch();

  const server: NatsServer = {
    get url() {
      return `nats://${host}:${port}`;
    },
    get port() {
      return port;
    },
    get pid() {
      return child?.pid;
    },
    async stop(signal = 'SIGTERM') {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill(signal);
      });
      live.delete(c);
      if (signal === 'SIGTERM') rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await server.stop('SIGKILL');
      await launch();
    },
  };
  return server;
}
