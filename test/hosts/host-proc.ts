// A process on a harness host: `ip netns exec` into the host's namespace, with the host's own
// hostname (a UTS namespace, as a real machine has), output kept in memory and in a log file.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface HostProc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  output(): string;
  /** Characters output so far (a position for `waitFor(re, ms, from)`). */
  readonly length: number;
  /** Resolves when the output (from character `from` on) matches; rejects at the deadline or when the process exits first. */
  waitFor(re: RegExp, timeoutMs?: number, from?: number): Promise<RegExpMatchArray>;
  /** Sends a signal (default SIGTERM) and resolves with the exit code once it is gone. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  readonly alive: boolean;
  exited: Promise<number | null>;
}

export interface SpawnIn {
  ns: string;
  hostname: string;
  /** Where the output is also written. */
  logFile: string;
  env?: Record<string, string>;
  cwd?: string;
  /**
   * Join the namespace's network only (nsenter), not `ip netns exec`'s mount namespace with its own
   * /sys (no /sys/fs/cgroup there): what containerd and runc need, and its mounts stay visible to cleanup.
   */
  netOnly?: boolean;
}

/** The last `n` characters of a process's output, for error messages. */
const tail = (s: string, n = 4000) => (s.length > n ? `…${s.slice(-n)}` : s);

/** Starts `cmd ARGS...` inside a namespace; `ip netns exec` (or nsenter), `unshare` and `sh` all exec, so the pid is the command's. */
export function spawnIn(where: SpawnIn, name: string, cmd: string, args: string[]): HostProc {
  const inHost = ['unshare', '--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', where.hostname, cmd, ...args];
  const [enter, ...argv] = where.netOnly ? ['nsenter', `--net=/run/netns/${where.ns}`, ...inHost] : ['ip', 'netns', 'exec', where.ns, ...inHost];
  const child = spawn(enter!, argv, { cwd: where.cwd, env: { ...process.env, ...where.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(where.logFile, { flags: 'a' });
  let out = '';
  /** Characters dropped from the front of `out` (it keeps the last megabyte or two). */
  let trimmed = 0;
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    // Output can still arrive after 'exit' (pipes drain later, and descendants may hold them): the log has ended by then.
    if (!log.writableEnded) log.write(d);
    out += d.toString();
    if (out.length > 2_000_000) {
      trimmed += out.length - 1_000_000;
      out = out.slice(-1_000_000);
    }
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      log.end(`\n[${name} exited: ${signal ?? code}]\n`);
      resolve(code);
    });
  });
  const proc: HostProc = {
    name,
    child,
    pid: child.pid!,
    exited,
    output: () => out,
    get length() {
      return trimmed + out.length;
    },
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
    waitFor(re, timeoutMs = 20_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.slice(Math.max(0, from - trimmed)).match(re);
          if (m) {
            cleanup();
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${re} from ${name} (log: ${where.logFile}):\n${tail(out)}`));
        }, timeoutMs);
        const onExit = () => {
          check();
          cleanup();
          reject(new Error(`${name} exited before printing ${re} (log: ${where.logFile}):\n${tail(out)}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        if (!proc.alive) return onExit();
        child.once('exit', onExit);
        check();
      });
    },
    async kill(signal = 'SIGTERM') {
      if (proc.alive) child.kill(signal);
      return exited;
    },
  };
  return proc;
}
