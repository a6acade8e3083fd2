// A process of the user's own (an operator, a script using a client library, kubectl) that a real
// scenario starts against its gateway: its own process group, so stopping it ends its children too.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeKubeconfig } from '../../runtime/kubeconfig.ts';
import type { ExternalSpec } from '../api.types.ts';
import { ProcessStartError } from './processes.ts';

/** Thrown when a scenario starts an external process where it cannot run (simulated mode) or with a bad spec. */
export class ExternalProcessError extends Error {
  override name = 'ExternalProcessError';
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) killGroup(c, 'SIGKILL');
});

/** Signals the child's whole process group (it leads one: spawned detached); a group already gone is fine. */
function killGroup(c: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-c.pid!, signal);
  } catch {
    // ESRCH: the group has exited already
  }
}

/** A running external process: its output goes to `onLine` line by line, prefixed by nothing (the caller labels it). */
export class ExternalProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  private out = '';
  private code: number | null | undefined;

  constructor(
    readonly spec: ExternalSpec & { name: string },
    kubeconfig: string,
    cwd: string,
    onLine: (line: string) => void,
  ) {
    if (!spec.command) throw new ExternalProcessError(`external process ${spec.name}: no command`);
    const env = { ...process.env, ...spec.env, KUBECONFIG: kubeconfig };
    const child = spawn(spec.command, spec.args ?? [], { cwd: spec.cwd ?? cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    live.add(child);
    for (const stream of [child.stdout!, child.stderr!]) {
      let partial = '';
      stream.on('data', (d: Buffer) => {
        const text = partial + d.toString();
        this.out = (this.out + d.toString()).slice(-20_000);
        const lines = text.split('\n');
        partial = lines.pop()!;
        for (const l of lines) onLine(l);
      });
      stream.on('end', () => partial && onLine(partial));
    }
    this.exited = new Promise((resolve) => {
      const done = (code: number | null) => {
        live.delete(child);
        this.code = code;
        resolve(code);
      };
      child.once('exit', done);
      // A command that cannot start (not found, not executable) never exits: say so as an exit.
      child.once('error', (err) => {
        onLine(`could not start: ${err.message}`);
        done(127);
      });
    });
  }

  /** The exit code, null when a signal ended it, undefined while it runs. */
  get exitCode(): number | null | undefined {
    return this.code;
  }

  /** Returns the last 20 KB of its output. */
  output(): string {
    return this.out;
  }

  /** Ends its process group: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs = 3_000): Promise<void> {
    // The leader gone, what it left running in its group (a shell's background jobs) is killed outright.
    if (this.code !== undefined) return killGroup(this.child, 'SIGKILL');
    killGroup(this.child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(this.child, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

const GATEWAY_URL = /Kubernetes API at (http:\/\/\S+?);/;

/** A real run's external processes and the kubeconfig they share; the gateway is started on first use. */
export class Externals {
  private kubeconfig: Promise<string> | undefined;
  private readonly procs: ExternalProcess[] = [];

  /** `startGateway` starts the gateway process and returns its output, which names its URL. */
  constructor(private readonly startGateway: () => Promise<string>) {}

  private config(): Promise<string> {
    this.kubeconfig ??= this.startGateway().then((out) => {
      const url = GATEWAY_URL.exec(out)?.[1];
      if (!url) throw new ProcessStartError(`the gateway did not say its URL:\n${out}`);
      return writeKubeconfig(url, join(mkdtempSync(join(tmpdir(), 'kubus-scenario-kube-')), 'kubeconfig'));
    });
    return this.kubeconfig;
  }

  /** Starts one with KUBECONFIG set. */
  async start(spec: ExternalSpec & { name: string }, cwd: string, onLine: (line: string) => void): Promise<ExternalProcess> {
    const p = new ExternalProcess(spec, await this.config(), cwd, onLine);
    this.procs.push(p);
    return p;
  }

  /** Ends every one (process groups) and removes the kubeconfig. */
  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop()));
    const k = await this.kubeconfig?.catch(() => undefined);
    if (k) rmSync(join(k, '..'), { recursive: true, force: true });
  }
}
