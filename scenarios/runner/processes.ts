// Real mode's child processes: `kubus control-plane` and `kubus node`, started, awaited and killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STATUS_QUERY, statusReplies } from '../../bus/subjects.ts';
import type { Bus } from '../../bus/types.ts';
import type { ProcessStatus } from '../../runtime/status.ts';
import { launchFlags } from '../../scripts/v8-flags.mjs';

/** Thrown when a process exits or stays silent before it says it is running. */
export class ProcessStartError extends Error {
  override name = 'ProcessStartError';
}

/** Returns the `bin/kubus` of this checkout (this module runs from its source or from the CLI bundle in .cache/). */
export function kubusBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const bin = join(dir, 'bin', 'kubus');
    if (existsSync(bin)) return bin;
    dir = dirname(dir);
  }
  throw new ProcessStartError('bin/kubus not found above ' + dirname(fileURLToPath(import.meta.url)));
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** A kubus child process. */
export class KubusProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private out = '';
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly name: string,
    readonly args: string[],
  ) {
    // launchFlags: `kubus node --count` starts with its V8 options (scripts/v8-flags.mjs), no wrapper between.
    const child = spawn(process.execPath, [...launchFlags(args, process.env), kubusBin(), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
    this.child = child;
    live.add(child);
    const onData = (d: Buffer) => {
      this.out = (this.out + d.toString()).slice(-20_000);
      for (const l of this.listeners) l();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        live.delete(child);
        resolve(code);
      }),
    );
  }

  /** Returns the last 20 KB of its output. */
  output(): string {
    return this.out;
  }

  /** Resolves when its output matches `re`; rejects when it exits first or at the deadline. */
  waitFor(re: RegExp, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        if (err) reject(err);
        else resolve();
      };
      const check = () => re.test(this.out) && done();
      const timer = setTimeout(() => done(new ProcessStartError(`${this.name} did not start within ${timeoutMs / 1000} s:\n${this.out}`)), timeoutMs);
      this.listeners.add(check);
      void this.exited.then((code) => done(new ProcessStartError(`${this.name} exited (code ${code}) before it was running:\n${this.out}`)));
      check();
    });
  }

  /** Sends a signal and resolves when it has exited (SIGKILL after `graceMs` if still alive). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Returns the leader-election identity a replica's process chose (hostname_<uuid>, as upstream),
 * from its answer to the status query every kubus process serves (matched by pid).
 */
export function leaseIdentity(bus: Bus, target: string, proc: KubusProcess, lease: string, timeoutMs: number): Promise<string> {
  const inbox = `${statusReplies(bus)}.${target}`;
  return new Promise((resolve, reject) => {
    const sub = bus.subscribe<ProcessStatus>(inbox, (msg) => {
      const id = msg.data?.pid === proc.child.pid ? msg.data.components?.find((c) => c.name === lease)?.identity : undefined;
      if (id) done(undefined, id);
    });
    const ask = () => bus.publish(STATUS_QUERY, {}, { reply: inbox });
    // Asked again until it answers: a status query is fire-and-forget, and faults may drop it.
    const again = setInterval(ask, 250);
    const timer = setTimeout(() => done(new ProcessStartError(`${target} did not say its leader-election identity within ${timeoutMs / 1000} s`)), timeoutMs);
    const done = (err?: Error, id?: string) => {
      clearInterval(again);
      clearTimeout(timer);
      sub.unsubscribe();
      if (err) reject(err);
      else resolve(id!);
    };
    ask();
  });
}
