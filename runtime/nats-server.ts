// Starts and stops a nats-server child process (for `kubus up` and for tests).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** Output kept for a failure's message (per stream, until ready), and the readiness clock's tick. */
const KEPT = 256 * 1024;
const TICK_MS = 100;

/** A pid's state from /proc (R running, S sleeping, D disk wait, Z zombie, T stopped), or 'gone'. */
function procState(pid: number | undefined): string {
  if (pid === undefined) return 'no pid';
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return `alive, state ${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]}`;
  } catch {
    return 'gone';
  }
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

  const readConf = () => {
    try {
      return readFileSync(conf, 'utf8').trim().split('\n').join('; ');
    } catch (e) {
      return String(e);
    }
  };
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
      // `ip netns exec` and setpriv exec their command, so the server is still this process's child.
      const argv = [...(opts.netns ? ['ip', 'netns', 'exec', opts.netns] : []), ...dieWithParent(), bin, '-c', conf];
      const limit = opts.readyTimeoutMs ?? 10_000;
      const started = Date.now();
      const c = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      live.add(c);
      let closed = false;
      c.once('close', () => (closed = true));
      c.once('exit', () => live.delete(c));
      let out = '';
      let err = '';
      let ready = false;
      let judging = false;
      let failed = false;
      // Both pipes are read to their end (stdout too, so that it can never fill); kept until ready.
      c.stdout!.setEncoding('utf8').on('data', (s: string) => {
        if (!ready && out.length < KEPT) out += s;
      });
      c.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        opts.onLog?.(chunk);
        if (ready || err.length >= KEPT) return;
        err += chunk;
        const m = /Listening for client connections on [^\s]*:(\d+)/.exec(err);
        if (m) port = Number(m[1]);
        // A clustered server says it is ready before it binds its route port (which may then fail: its exit).
        if (!failed && err.includes('Server is ready') && (!opts.cluster || err.includes('Listening for route connections'))) {
          ready = true;
          clearInterval(tick);
          err = out = '';
          resolve();
        }
      });
      const fail = async (why: string) => {
        if (ready || judging) return;
        judging = true;
        clearInterval(tick);
        // One more turn of the loop first: its poll phase reads what the server wrote meanwhile.
        await new Promise((r) => setImmediate(r));
        if (ready) return;
        failed = true;
        const exited = c.exitCode !== null || c.signalCode !== null;
        const state = exited ? `exited (code ${c.exitCode}, signal ${c.signalCode})` : `${procState(c.pid)}; killed now`;
        if (!exited) c.kill('SIGKILL');
        // Its output to the end: 'close' comes once both pipes have ended (2 s at most).
        if (!closed) await new Promise((r) => (c.once('close', r), setTimeout(r, 2000)));
        const wall = Date.now() - started;
        reject(
          new Error(
            `nats-server ${why} (${wall} ms since it was started)\n` +
              `command: ${argv.join(' ')}\nconfig: ${readConf()}\npid ${c.pid ?? '-'}: ${state}\n` +
              `stderr (${err.length} chars):\n${err}\nstdout (${out.length} chars):\n${out}`,
          ),
        );
      };
      // The limit counts time this process's event loop was free to read the server's output: a test
      // that blocks the loop (a spawnSync) past the limit must not fail a server whose "Server is
      // ready" waits unread in the pipe (the empty-output timeouts of store.test.ts at load).
      let waited = 0;
      let last = started;
      const tick = setInterval(() => {
        const now = Date.now();
        waited += Math.min(now - last, 2 * TICK_MS);
        last = now;
        if (waited >= limit) void fail(`did not become ready within ${limit} ms`);
      }, TICK_MS);
      c.once('error', (e) => void fail(`could not be started: ${e.message}`));
      c.once('exit', () => void fail('exited before it was ready'));
    });

  try {
    await launch();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

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
      if (c && c.exitCode === null && c.signalCode === null) {
        await new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.kill(signal);
        });
        live.delete(c);
      }
      // Only its config is in there (restart writes it again).
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await server.stop('SIGKILL');
      await launch();
    },
  };
  return server;
}
