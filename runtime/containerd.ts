// Starts and supervises one containerd per node process (issue 11): its own root, state, socket and
// config under `dir`, restarted with backoff when it dies; stop() leaves no process, mount or file.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Logger } from '../bus/types.ts';
import { containerdConfig, containerdPaths, PAUSE_IMAGE, probeSnapshotter, type Snapshotter } from './containerd-config.ts';
import { clearContainerdRecord, writeContainerdRecord } from './containerd-record.ts';
import { preloadImages } from './images/preload.ts';
import { alive, containerdPids, deleteRuncContainers, killAll, removeCniResults, removeFiles, shimPids, shimSockets, unmountAll, withDescendants } from './containerd-cleanup.ts';

export const CONTAINERD_BIN = '/usr/bin/containerd';
export const CONTAINERD_INSTALL_HINT = 'containerd is not installed; install it with: apt-get install -y containerd runc containernetworking-plugins';

/** Thrown when the containerd binary is missing. */
export class ContainerdMissingError extends Error {
  override name = 'ContainerdMissingError';
  constructor() {
    super(CONTAINERD_INSTALL_HINT);
  }
}

/** Thrown when containerd does not serve its socket in time; the message ends with its log's tail. */
export class ContainerdStartError extends Error {
  override name = 'ContainerdStartError';
}

export interface ContainerdOptions {
  /** Its own directory (created; removed by stop()). Keep it short: the socket path must fit in 107 bytes. */
  dir: string;
  log: Logger;
  /** Default PAUSE_IMAGE, the one runtime/images builds. */
  sandboxImage?: string;
  /** Time for the socket to answer after each start (default 20 s). */
  readyTimeoutMs?: number;
  bin?: string;
  /** Build and import the pause and busybox images when missing, so pods run offline (default true). */
  preload?: boolean;
  /** Default: overlayfs when an overlay mounts under `dir`, else native. */
  snapshotter?: Snapshotter;
  /** The nodes it serves: recorded (runtime/containerd-record.ts) while it runs, so `kubus image import` finds it. */
  nodes?: string[];
  /**
   * A named network namespace (`ip netns add`) to run it in: the CNI plugins it runs then make the
   * node's bridge, routes and NAT rules there, not in the host's namespace (tests; several nodes on one host).
   */
  netns?: string;
}

export interface Containerd {
  /** The unix socket path of its gRPC API (CRI and containerd's own). */
  readonly socket: string;
  /** `unix://` + socket, as CRI clients take it. */
  readonly endpoint: string;
  readonly dir: string;
  readonly snapshotter: Snapshotter;
  /** The running containerd's pid (undefined between a death and its restart). */
  readonly pid: number | undefined;
  /** How many times the supervisor has started it again after it died. */
  readonly restarts: number;
  /** 'exit' (code, signal) when it dies on its own; 'restart' (count) once it serves again. */
  on(event: 'exit', fn: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  on(event: 'restart', fn: (restarts: number) => void): this;
  /** Resolves once it serves again after a restart (at once if it runs now). */
  ready(): Promise<void>;
  /** Stops containerd, its shims and containers; unmounts and removes `dir`. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

const BACKOFF_MS = [100, 500, 1_000, 2_000, 5_000, 10_000];
/** A containerd that ran this long before dying starts again at the first backoff step. */
const STABLE_MS = 30_000;

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `socket` accepts a connection, or throws after `timeoutMs` (or when `died()` turns true). */
async function waitForSocket(socket: string, timeoutMs: number, died: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !died()) {
    if (existsSync(socket)) {
      const ok = await new Promise<boolean>((resolve) => {
        const c = connect(socket, () => {
          c.destroy();
          resolve(true);
        });
        c.on('error', () => resolve(false));
      });
      if (ok) return;
    }
    await delay(50);
  }
  throw new Error(died() ? 'containerd exited' : `no answer on ${socket} within ${timeoutMs} ms`);
}

const tail = (file: string, lines = 20) => {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
};

/**
 * Stops a containerd still running on this config from a previous run (its node process was killed
 * -9; containerd, in a process group of its own, outlived it). Ours then starts on the same root and
 * state and reconnects to the shims, so the containers that still run are adopted, not restarted.
 */
async function stopPrevious(config: string, log: Logger): Promise<void> {
  const previous = containerdPids(config);
  if (!previous.length) return;
  killAll(previous);
  const deadline = Date.now() + 5_000;
  while (previous.some(alive) && Date.now() < deadline) await delay(20);
  log.info({ pids: previous }, "stopped the previous run's containerd; its running containers are adopted");
}

/** Starts containerd under `dir` and resolves once its socket answers; supervises it until stop(). */
export async function startContainerd(opts: ContainerdOptions): Promise<Containerd> {
  const bin = opts.bin ?? CONTAINERD_BIN;
  if (!existsSync(bin)) throw new ContainerdMissingError();
  const p = containerdPaths(opts.dir);
  mkdirSync(opts.dir, { recursive: true });
  mkdirSync(p.cni, { recursive: true });
  const snapshotter = opts.snapshotter ?? probeSnapshotter(opts.dir);
  const sandboxImage = opts.sandboxImage ?? PAUSE_IMAGE;
  writeFileSync(p.config, containerdConfig({ dir: opts.dir, sandboxImage, snapshotter }));
  const log = opts.log.child({ containerd: opts.dir });
  const readyTimeoutMs = opts.readyTimeoutMs ?? 20_000;
  const events = new EventEmitter();

  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  let serving: Promise<void> = Promise.resolve();

  const spawnOnce = async (): Promise<void> => {
    // The socket file of a containerd that died, or that was killed and is still exiting, would pass the wait
    // below before this one listens (its dial then refused); containerd makes the file anew when it listens.
    rmSync(p.socket, { force: true });
    const out = openSync(p.log, 'a');
    // A process group of its own: a Ctrl-C at the terminal reaches the node process, whose stop() ends containerd in order.
    // nsenter switches the network namespace only (`ip netns exec` would give it a mount namespace of its own too).
    const [cmd, args] = opts.netns ? ['nsenter', [`--net=/run/netns/${opts.netns}`, bin, '--config', p.config]] : [bin, ['--config', p.config]];
    const c = spawn(cmd, args as string[], { stdio: ['ignore', out, out], detached: true });
    closeSync(out);
    child = c;
    live.add(c);
    const started = Date.now();
    let exited = false;
    c.once('exit', (code, signal) => {
      exited = true;
      live.delete(c);
      if (child === c) child = undefined;
      if (stopping) return;
      failures = Date.now() - started > STABLE_MS ? 0 : failures + 1;
      const wait = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length) - 1] ?? BACKOFF_MS[0]!;
      log.warn({ code, signal, restartInMs: wait, logTail: tail(p.log, 5) }, 'containerd exited; restarting it');
      events.emit('exit', code, signal);
      serving = new Promise<void>((resolve) => {
        retry = setTimeout(() => {
          retry = undefined;
          if (stopping) return resolve();
          restarts++;
          spawnOnce().then(
            () => {
              events.emit('restart', restarts);
              resolve();
            },
            (err: Error) => {
              if (!stopping) log.error({ err: err.message }, 'containerd did not come back');
              resolve();
            },
          );
        }, wait);
      });
    });
    try {
      await waitForSocket(p.socket, readyTimeoutMs, () => exited);
    } catch (err) {
      if (!exited) c.kill('SIGKILL');
      throw new ContainerdStartError(`containerd under ${opts.dir} did not start: ${(err as Error).message}; its log ends:\n${tail(p.log)}`);
    }
    log.debug({ pid: c.pid, snapshotter }, 'containerd serving');
  };

  const halt = async () => {
    stopping = true;
    if (retry) clearTimeout(retry);
    for (const node of opts.nodes ?? []) clearContainerdRecord(node);
    const sockets = shimSockets(p.state);
    const c = child;
    if (c && c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      const killer = setTimeout(() => c.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(killer);
    }
    deleteRuncContainers(p.state);
    const left = withDescendants(shimPids(p.socket));
    killAll(left);
    const deadline = Date.now() + 5_000;
    while (left.some(alive) && Date.now() < deadline) await delay(20);
    removeFiles(sockets);
    removeCniResults(p.root);
    const mounted = unmountAll(opts.dir);
    if (mounted.length) log.error({ mounted }, 'still mounted after stopping containerd; leaving its dir');
    else rmSync(opts.dir, { recursive: true, force: true });
  };
  // Every caller of stop() waits for the one cleanup.
  let halted: Promise<void> | undefined;
  const stop = () => (halted ??= halt());

  try {
    await stopPrevious(p.config, log);
    await spawnOnce();
    if (opts.preload !== false) await preloadImages(p.socket, { workDir: opts.dir, sandboxImage, snapshotter });
  } catch (err) {
    await stop();
    throw err;
  }
  for (const node of opts.nodes ?? []) writeContainerdRecord(node, `unix://${p.socket}`);

  // defineProperties, not Object.assign: assign would copy the getters' values once.
  const handle = Object.defineProperties(events, {
    socket: { value: p.socket },
    endpoint: { value: `unix://${p.socket}` },
    dir: { value: opts.dir },
    snapshotter: { value: snapshotter },
    pid: { get: () => child?.pid },
    restarts: { get: () => restarts },
    ready: { value: () => serving },
    stop: { value: stop },
  });
  return handle as unknown as Containerd;
}
