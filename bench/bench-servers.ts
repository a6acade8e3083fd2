// Servers a benchmark starts for itself and must leave nothing of: a nats-server with JetStream on a
// temp store dir, and a one-member etcd on free loopback ports with a temp data dir. Every stop()
// kills the process and deletes its dirs; the process's exit (even on a crash) kills what is left.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsServer } from '../runtime/nats-server.ts';

/** A server the bench started; stop() kills it and deletes its files. */
export interface BenchServer {
  url: string;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** A nats-server with JetStream on a free loopback port and a temp store dir. */
export async function natsWithJetStream(): Promise<BenchServer> {
  const dir = await mkdtemp(join(tmpdir(), 'kubus-bench-js-'));
  try {
    const server = await startNatsServer({ config: [`jetstream { store_dir: ${JSON.stringify(dir)} }`] });
    return {
      url: server.url,
      async stop() {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Whether an etcd binary is on PATH. */
export const hasEtcd = () => spawnSync('etcd', ['--version'], { stdio: 'ignore' }).status === 0;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** A one-member etcd on free loopback ports with a temp data dir; resolves once its /health answers. */
export async function tempEtcd(timeoutMs = 20_000): Promise<BenchServer> {
  const dir = await mkdtemp(join(tmpdir(), 'kubus-bench-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    'etcd',
    [
      '--name=bench',
      `--data-dir=${join(dir, 'data')}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=bench=${peer}`,
      '--initial-cluster-state=new',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    if (stderr.length < 20_000) stderr += s;
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    children.delete(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`etcd exited before answering: ${stderr.slice(-2000)}`);
      const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`etcd at ${url} did not answer /health within ${timeoutMs} ms: ${stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop };
}
