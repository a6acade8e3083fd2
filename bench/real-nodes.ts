// What the benchmarks on real nodes share: running the whole benchmark inside a network namespace
// of its own (so bridges, routes and nft tables never touch the host's), kubus processes, the
// Kubernetes API over HTTP (create, delete, a watch), and a process's CPU and memory from /proc.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { launchFlags } from '../scripts/v8-flags.mjs';

export const ROOT = join(import.meta.dirname, '..');
const KUBUS = join(ROOT, 'bin', 'kubus');
const NETNS_ENV = 'KUBUS_BENCH_NETNS';

/**
 * Runs this script again inside a new network namespace (loopback and a veth carrying `nodeIP`,
 * the nodes' InternalIP) and exits with its code; deletes the namespace afterwards. Returns only
 * in the re-run, inside the namespace.
 */
export function inOwnNetns(tag: string, nodeIP: string): void {
  if (process.env[NETNS_ENV]) return;
  if (process.getuid?.() !== 0) {
    console.error(`${tag}: needs root (containerd, network namespaces); or use the sim runtime benchmarks`);
    process.exit(1);
  }
  const ns = `kb${process.pid}`;
  const ip = (...args: string[]) => execFileSync('ip', ['-n', ns, ...args]);
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    ip('link', 'set', 'lo', 'up');
    ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1');
    ip('addr', 'add', `${nodeIP}/24`, 'dev', 'eth0');
    ip('link', 'set', 'eth0', 'up');
    ip('link', 'set', 'eth1', 'up');
    process.on('SIGINT', () => {});
    const r = spawnSync('nsenter', [`--net=/run/netns/${ns}`, process.execPath, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, [NETNS_ENV]: ns } });
    process.exitCode = r.status ?? 1;
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
  process.exit();
}

/** A kubus child process: its output so far, a wait for a line, and a stop. */
export interface Kubus {
  child: ChildProcess;
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

/** Starts `kubus ARGS...`; `stop()` sends SIGTERM and waits (SIGKILL after 30 s). */
export function kubus(args: string[], env: Record<string, string>): Kubus {
  const child = spawn(process.execPath, [...launchFlags(args, { ...process.env, ...env }), KUBUS, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    async waitFor(re, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = out.match(re);
        if (m) return m;
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`kubus ${args.join(' ')}: no ${re} in:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** One JSON call to the API; rejects on a status of 400 or more. */
export function api(base: string, method: string, path: string, body?: unknown): Promise<any> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(`${base}${path}`, { method, headers: text ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
        if ((res.statusCode ?? 500) < 400) resolve(out);
        else reject(new Error(`${method} ${path}: ${res.statusCode} ${JSON.stringify(out)}`));
      });
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** Watches `path` (a list URL), calling `fn` with each event's object as it arrives; returns a stop function. */
export function watch(base: string, path: string, fn: (type: string, obj: any) => void): () => void {
  const req = request(`${base}${path}${path.includes('?') ? '&' : '?'}watch=1`, (res) => {
    let buf = '';
    res.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line) {
          const ev = JSON.parse(line);
          fn(ev.type, ev.object);
        }
      }
    });
  });
  req.on('error', () => {});
  req.end();
  return () => req.destroy();
}

/** The CPU time (ms, user + system) and resident memory (bytes) of a process now. */
export function usage(pid: number): { cpuMs: number; rssBytes: number } {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]);
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
  // USER_HZ is 100 on Linux.
  return { cpuMs: ticks * 10, rssBytes: rss };
}

/** Returns the value at percentile `p` (nearest rank) of `xs`. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
