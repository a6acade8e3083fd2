// The multi-host harness: `hosts(t, n)` gives n "machines" — network namespaces with their own
// address on a bridge the test process also reaches — and removes everything afterwards, also
// when the test fails or the runner dies (teardown, exit handler, and a sweep at the next start).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { alive } from '../../runtime/containerd-cleanup.ts';
import { waitFor } from '../helpers/wait.ts';
import { addHost, claimNet, ip, killNamespace, removeNet, requireNetns, sweepStale, type Net } from './netns.ts';
import { spawnIn, type HostProc, type SpawnIn } from './host-proc.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
const KUBUS = join(ROOT, 'bin', 'kubus');

/**
 * Builds the CLI bundle (when sources changed) once, before a test starts its processes, not in
 * every process at once; resolves with `kubus control-plane --help`. Started first and awaited
 * before the first kubus process, it runs while the hosts and NATS come up (a failure is thrown
 * where it is awaited, never as an unhandled rejection meanwhile).
 */
export function buildCli(): Promise<string> {
  const help = new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [KUBUS, 'control-plane', '--help'], { encoding: 'utf8' }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
  help.catch(() => undefined);
  return help;
}

/** One machine of the harness. */
export interface TestHost {
  /** 1-based. */
  readonly index: number;
  /** Namespace name, also the hostname its processes see. */
  readonly name: string;
  readonly ip: string;
  /** Host-side end of its link (on the bridge). */
  readonly veth: string;
  /** Every process started here. */
  readonly procs: HostProc[];
  /** Starts `kubus ARGS...` here. */
  kubus(args: string[], name?: string, opts?: SpawnOptions): HostProc;
  /** Starts any command here. */
  spawn(name: string, cmd: string, args: string[], opts?: SpawnOptions): HostProc;
  /** Pulls its cable (the bridge side of its veth goes down): nothing in or out. */
  linkDown(): void;
  linkUp(): void;
  /** Sets a kernel setting of this host's network namespace (`net.*`: e.g. net.ipv4.tcp_retries2). */
  sysctl(key: string, value: string | number): void;
  /** Kills every process on this host (default SIGKILL: the machine dies, its containers too) and waits until they are gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** How a process joins its host: `netOnly` for containerd nodes (see SpawnIn); `env` adds to the test's (e.g. KUBUS_CREDS). */
export type SpawnOptions = Pick<SpawnIn, 'netOnly' | 'env'>;

export interface Hosts extends Array<TestHost> {
  readonly net: Net;
  /** Where each process's output is written (kept when the test fails). */
  readonly logDir: string;
  /** Kills every process and removes namespaces, links and bridge (teardown does it too). */
  remove(): Promise<void>;
}

const active = new Set<number>();
let handlersInstalled = false;

/** Removes every network of this process on exit (also after SIGINT/SIGTERM), synchronously. */
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const cleanAll = () => {
    for (const id of active) removeNet(id);
    active.clear();
  };
  process.on('exit', cleanAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(sig, () => {
      cleanAll();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
}

/** Creates n hosts for this test (fails with a clear message where namespaces can't be made). */
export async function hosts(t: ExecutionContext, n: number): Promise<Hosts> {
  requireNetns();
  const swept = sweepStale();
  if (swept.length) t.log(`removed leftovers of dead runs: ${swept.map((id) => `kh-${id}-*`).join(', ')}`);
  installExitHandlers();
  const net = claimNet();
  active.add(net.id);
  const logDir = mkdtempSync(join(tmpdir(), `kubus-hosts-${net.id}-`));
  const list: TestHost[] = [];
  const remove = async () => {
    if (!active.has(net.id)) return;
    await Promise.all(list.map((h) => h.kill('SIGKILL')));
    removeNet(net.id);
    active.delete(net.id);
  };
  t.teardown(async () => {
    await remove();
    if (t.passed && !process.env.KUBUS_KEEP_LOGS) rmSync(logDir, { recursive: true, force: true });
    else console.error(`hosts: the processes' output is kept in ${logDir}`);
  });
  for (let i = 1; i <= n; i++) {
    const h = addHost(net, i);
    const procs: HostProc[] = [];
    const host: TestHost = {
      index: i,
      name: h.ns,
      ip: h.ip,
      veth: h.veth,
      procs,
      spawn(name, cmd, args, opts = {}) {
        const logFile = join(logDir, `${i}-${name.replace(/[^\w.-]+/g, '_')}.log`);
        const p = spawnIn({ ns: h.ns, hostname: h.ns, logFile, cwd: ROOT, ...opts }, `${name}@${h.ns}`, cmd, args);
        procs.push(p);
        return p;
      },
      kubus(args, name = args.find((a) => !a.startsWith('-') && !a.includes('://')) ?? 'kubus', opts = {}) {
        return host.spawn(name, process.execPath, [KUBUS, ...args], opts);
      },
      linkDown: () => void ip('link', 'set', h.veth, 'down'),
      linkUp: () => void ip('link', 'set', h.veth, 'up'),
      sysctl: (key, value) => void ip('netns', 'exec', h.ns, 'sysctl', '-qw', `${key}=${value}`),
      async kill(signal = 'SIGKILL') {
        await Promise.all(procs.map((p) => p.kill(signal)));
        if (signal !== 'SIGKILL') return;
        // Again while anything is left: a process may have forked one (containerd a shim) meanwhile.
        await waitFor(
          async () => {
            const killed = killNamespace(h.ns);
            await waitFor(() => !killed.some(alive), `the processes of ${h.ns} gone`, 5_000, 20);
            return killed.length === 0;
          },
          `nothing left running on ${h.ns}`,
          10_000,
          0,
        );
      },
    };
    list.push(host);
  }
  return Object.assign(list, { net, logDir, remove });
}
