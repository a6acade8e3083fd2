// A real etcd per test (or file): one member or a 3-member cluster on free loopback ports, stopped and deleted in teardown.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { freePort } from './containerd-node.ts';
import { waitFor } from './wait.ts';

export const ETCD_INSTALL_HINT = 'etcd is not installed; install it with: apt-get install -y etcd-server etcd-client';

/** Whether the etcd and etcdctl binaries are on PATH. */
export const hasEtcd = () =>
  spawnSync('etcd', ['--version'], { stdio: 'ignore' }).status === 0 && spawnSync('etcdctl', ['version'], { stdio: 'ignore' }).status === 0;

export interface EtcdCluster {
  /** Client URLs, one per member. */
  endpoints: string[];
  /** Runs etcdctl (v3 API) against the cluster; returns its stdout, throws with stderr when it fails. */
  etcdctl(...args: string[]): string;
  /** Kills member i (SIGKILL). */
  kill(i: number): void;
  /** Kills member i if it runs and starts it again on its data dir and ports; resolves once the cluster answers. */
  restart(i: number): Promise<void>;
}

/** Starts `members` etcd members (1 or 3) and resolves once the cluster answers; teardown kills them and deletes their data. */
export async function startEtcd(t: ExecutionContext, members = 1): Promise<EtcdCluster> {
  const root = await mkdtemp(join(tmpdir(), 'kubus-etcd-'));
  const children: ChildProcess[] = [];
  t.teardown(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    await rm(root, { recursive: true, force: true });
  });
  let ports: number[] = [];
  const client = (i: number) => `http://127.0.0.1:${ports[2 * i]}`;
  const peer = (i: number) => `http://127.0.0.1:${ports[2 * i + 1]}`;
  const endpoints: string[] = [];
  const logs: string[] = [];
  const argv: string[][] = [];
  const closed: Promise<string>[] = [];
  const launch = (i: number) => {
    const c = spawn('etcd', argv[i], { stdio: ['ignore', 'ignore', 'pipe'] });
    let out = '';
    c.stderr!.setEncoding('utf8').on('data', (s: string) => {
      if (out.length < 20_000) out += s;
    });
    logs[i] = '';
    // Once its stderr is read to the end (the exit may come first).
    closed[i] = new Promise((r) => c.once('close', () => r((logs[i] = out))));
    children[i] = c;
  };
  const ready = async () => {
    let dead = -1;
    await waitFor(
      () => {
        dead = children.findIndex((c) => c.exitCode !== null);
        if (dead >= 0) return true;
        // Asynchronously: on a member not yet listening it takes etcdctl 5 s to give up, and a
        // spawnSync blocked this worker's event loop that long per poll (store.test.ts starts 11
        // etcds at once: 7.4 s blocked at load 12, more at higher load: past the 10 s readiness
        // limit of the nats-server started in the same file, whose output then went unread).
        return new Promise<boolean>((resolve) =>
          execFile('etcdctl', [`--endpoints=${endpoints.join(',')}`, 'endpoint', 'health'], { env: { ...process.env, ETCDCTL_API: '3' } }, (e) => resolve(!e)),
        );
      },
      'etcd to answer',
      20_000,
      100,
    );
    if (dead >= 0) throw new Error(`etcd member m${dead} exited: ${await closed[dead]}`);
  };
  const stop = async (i: number) => {
    const c = children[i];
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  // A free port may be taken by another process before etcd binds it: started again on fresh ports.
  for (let attempt = 1; ; attempt++) {
    ports = await Promise.all(Array.from({ length: members * 2 }, () => freePort()));
    endpoints.splice(0, endpoints.length, ...Array.from({ length: members }, (_, i) => client(i)));
    const initial = Array.from({ length: members }, (_, i) => `m${i}=${peer(i)}`).join(',');
    for (let i = 0; i < members; i++) {
      argv[i] = [
        `--name=m${i}`,
        `--data-dir=${join(root, `m${i}`)}`,
        `--listen-client-urls=${client(i)}`,
        `--advertise-client-urls=${client(i)}`,
        `--listen-peer-urls=${peer(i)}`,
        `--initial-advertise-peer-urls=${peer(i)}`,
        `--initial-cluster=${initial}`,
        '--initial-cluster-state=new',
        '--initial-cluster-token=kubus-test',
      ];
      launch(i);
    }
    try {
      await ready();
      break;
    } catch (err) {
      if (attempt >= 3 || !logs.some((l) => l.includes('address already in use'))) throw err;
      await Promise.all(children.map((_, i) => stop(i)));
      await Promise.all(Array.from({ length: members }, (_, i) => rm(join(root, `m${i}`), { recursive: true, force: true })));
    }
  }
  const etcdctl = (...args: string[]) => {
    const r = spawnSync('etcdctl', [`--endpoints=${endpoints.join(',')}`, ...args], { env: { ...process.env, ETCDCTL_API: '3' }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`etcdctl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  return {
    endpoints,
    etcdctl,
    kill: (i) => void stop(i),
    restart: async (i) => {
      await stop(i);
      launch(i);
      await ready();
    },
  };
}
