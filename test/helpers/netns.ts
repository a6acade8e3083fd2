// A two-namespace network lab for kube-proxy tests and the bench: a "client" netns (where the
// rules go) linked by a veth pair to an "endpoint" netns whose addresses each answer on one TCP
// port. Nothing touches the host's root namespace; stop() kills the processes and deletes both
// namespaces (which takes their veths, routes and nft tables with them).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);
const AGENT = join(import.meta.dirname, 'netns-agent.mjs');

/** What one connection attempt gave: the endpoint address that answered, or an error code. */
export interface ConnectResult {
  data?: string;
  error?: string;
}

export interface NetnsLab {
  client: string;
  endpoint: string;
  /** The client side's own address (also usable as a "node IP" for NodePorts). */
  clientIP: string;
  /** The endpoint addresses, each answering on `port` with its own address. */
  endpointIPs: string[];
  port: number;
  /** Opens one TCP connection from the client netns. */
  connect(host: string, port: number, timeoutMs?: number): Promise<ConnectResult>;
  /** Opens n connections one after the other from the client netns; returns each one's time (ms). */
  times(host: string, port: number, n: number): Promise<number[]>;
  /** Runs a command in one of the namespaces; resolves with its stdout. */
  exec(netns: string, cmd: string, args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Returns the names of the network namespaces that exist. */
export const netnsList = async () => (await run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);

function agent(netns: string, args: string[], ready: string): Promise<{ child: ChildProcess; lines: AsyncIterator<string> }> {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, AGENT, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`netns agent ${args[0]} exited with ${code}`)));
    void lines.next().then((l) => (l.value === ready ? resolve({ child, lines }) : reject(new Error(`netns agent said ${String(l.value)}`))));
  });
}

/** Creates the lab: names carry `tag` and the pid, so parallel test files never collide. */
export async function startNetnsLab(tag: string, endpoints = 2, port = 8080): Promise<NetnsLab> {
  const client = `kp${process.pid}${tag}c`;
  const endpoint = `kp${process.pid}${tag}e`;
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    for (const ns of [client, endpoint]) await run('ip', ['netns', 'del', ns]).catch(() => {});
  };
  const ip = (netns: string, ...args: string[]) => run('ip', ['-n', netns, ...args]);
  const clientIP = '10.77.0.1';
  const endpointIPs = Array.from({ length: endpoints }, (_, i) => `10.77.0.${i + 2}`);
  try {
    await run('ip', ['netns', 'add', client]);
    await run('ip', ['netns', 'add', endpoint]);
    await ip(client, 'link', 'add', 'kc', 'type', 'veth', 'peer', 'name', 'ke', 'netns', endpoint);
    await ip(client, 'addr', 'add', `${clientIP}/24`, 'dev', 'kc');
    for (const a of endpointIPs) await ip(endpoint, 'addr', 'add', `${a}/24`, 'dev', 'ke');
    for (const [ns, dev] of [[client, 'kc'], [endpoint, 'ke']] as const) {
      await ip(ns, 'link', 'set', 'lo', 'up');
      await ip(ns, 'link', 'set', dev, 'up');
    }
    // Service IPs are routed out of the client netns like any other address (DNAT rewrites them on the way).
    await ip(client, 'route', 'add', 'default', 'via', endpointIPs[0]!);
    const server = await agent(endpoint, ['server', String(port)], 'listening');
    children.push(server.child);
    const cli = await agent(client, ['client'], 'ready');
    children.push(cli.child);
    let next = 0;
    const waiting = new Map<number, (r: Record<string, unknown>) => void>();
    void (async () => {
      for (let l = await cli.lines.next(); !l.done; l = await cli.lines.next()) {
        const r = JSON.parse(l.value) as { id: number };
        waiting.get(r.id)?.(r);
        waiting.delete(r.id);
      }
    })();
    const ask = (cmd: Record<string, unknown>) =>
      new Promise<Record<string, unknown>>((resolve) => {
        const id = next++;
        waiting.set(id, resolve);
        cli.child.stdin!.write(`${JSON.stringify({ id, ...cmd })}\n`);
      });
    return {
      client,
      endpoint,
      clientIP,
      endpointIPs,
      port,
      connect: async (host, p, timeoutMs = 2000) => (await ask({ op: 'connect', host, port: p, timeoutMs })) as ConnectResult,
      async times(host, p, n) {
        const r = await ask({ op: 'times', host, port: p, n });
        if (r.error) throw new Error(`connection to ${host}:${p} failed: ${String(r.error)}`);
        return r.times as number[];
      },
      exec: async (netns, cmd, args) => (await run('ip', ['netns', 'exec', netns, cmd, ...args])).stdout,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
