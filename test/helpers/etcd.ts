// A real etcd per test (or file): one member or a 3-member cluster on free loopback ports, stopped and deleted in teardown.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
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
  const ports = await Promise.all(Array.from({ length: members * 2 }, () => freePort()));
  const client = (i: number) => `http://127.0.0.1:${ports[2 * i]}`;
  const peer = (i: number) => `http://127.0.0.1:${ports[2 * i + 1]}`;
  const initial = Array.from({ length: members }, (_, i) => `m${i}=${peer(i)}`).join(',');
  const logs: string[] = [];
  const argv: string[][] = [];
  const launch = (i: number) => {
    const c = spawn('etcd', argv[i], { stdio: ['ignore', 'ignore', 'pipe'] });
    let out = '';
    c.stderr!.setEncoding('utf8').on('data', (s: string) => {
      if (out.length < 20_000) out += s;
    });
    logs[i] = '';
    c.once('exit', () => (logs[i] = out));
    children[i] = c;
  };
  for (let i = 0; i < members; i++) {
    const args = [
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
    argv[i] = args;
    launch(i);
  }
  const endpoints = Array.from({ length: members }, (_, i) => client(i));
  const etcdctl = (...args: string[]) => {
    const r = spawnSync('etcdctl', [`--endpoints=${endpoints.join(',')}`, ...args], { env: { ...process.env, ETCDCTL_API: '3' }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`etcdctl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const ready = () =>
    waitFor(
      () => {
        const dead = children.findIndex((c) => c.exitCode !== null);
        if (dead >= 0) throw new Error(`etcd member m${dead} exited: ${logs[dead]}`);
        return spawnSync('etcdctl', [`--endpoints=${endpoints.join(',')}`, 'endpoint', 'health'], { env: { ...process.env, ETCDCTL_API: '3' } }).status === 0;
      },
      'etcd to answer',
      20_000,
      100,
    );
  await ready();
  const stop = async (i: number) => {
    const c = children[i];
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
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
