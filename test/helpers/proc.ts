// Running `bin/kubus` as a real child process in tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';

export const ROOT = join(import.meta.dirname, '..', '..');
/** kubectl (Debian's package). Here, not in gateway.ts, so a test that only runs it imports no actors. */
export const KUBECTL = '/usr/bin/kubectl';
const KUBUS = join(ROOT, 'bin', 'kubus');

export interface Proc {
  child: ChildProcess;
  output(): string;
  /** Resolves when the combined output matches; rejects at the deadline or if the process exits. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>;
}

/** Signals the child's whole process group (it leads one: spawned detached); a group already gone is fine. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal); // not a group leader (or gone)
  }
}

// The groups still running: a worker that ends (ava times it out, Ctrl-C) takes them along, as it did
// when they shared its process group; 'exit' alone would miss a worker ended by a signal.
const groups = new Set<ChildProcess>();
process.once('exit', () => groups.forEach((c) => killGroup(c)));
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    groups.forEach((c) => killGroup(c));
    process.kill(process.pid, signal); // the default action, now that this handler is gone
  });

/** Starts `kubus ARGS...` in the background; it is killed in teardown. */
export const startKubus = (t: ExecutionContext, args: string[], env: Record<string, string> = {}): Proc => startNode(t, [KUBUS, ...args], env);

/**
 * Starts `node ARGS...` (a script and its arguments; TypeScript through tsx) in the background, leading a
 * process group of its own; teardown kills the group, so what it started (kubus up's nats-server) goes too.
 */
export function startNode(t: ExecutionContext, args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, args[0].endsWith('.ts') ? ['--import', 'tsx', ...args] : args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  groups.add(child);
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  t.teardown(() => {
    killGroup(child); // after its leader exited too: what it started may still run
    groups.delete(child);
  });
  return {
    child,
    exited,
    output: () => out,
    waitFor(re, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(re);
          if (m) {
            cleanup();
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${re} in output of ${args.join(' ')}:\n${out}`));
        }, timeoutMs);
        const onExit = () => {
          check();
          cleanup();
          reject(new Error(`${args.join(' ')} exited before printing ${re}:\n${out}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      });
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs `kubus ARGS...` to completion (asynchronously: other tests in the file keep running). */
export function runKubus(args: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    // Its own process group: on timeout the processes it started (a --real scenario's nats-server,
    // control planes and nodes) die with it instead of running on as orphans for the rest of the run.
    const child = spawn(process.execPath, [KUBUS, ...args], { cwd: ROOT, env: { ...process.env, ...opts.env }, detached: true });
    groups.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => killGroup(child), opts.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      groups.delete(child);
      resolve({ code, stdout, stderr });
    });
    // The command may exit before it reads its input (EPIPE): its exit code tells what happened.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}
