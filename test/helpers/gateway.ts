// A gateway over an in-process API server, and the real kubectl pointed at it through a kubeconfig in a temp dir.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { gatewayActor } from '../../actors/gateway/gateway.actor.ts';
import { writeKubeconfig } from '../../runtime/kubeconfig.ts';
import { startApi, type ApiEnv, type ApiEnvOptions } from './api.ts';
import { KUBECTL } from './proc.ts';
import { waitFor } from './wait.ts';

// KUBECTL lives in proc.ts (no actors imported); exported here too for the tests that take it from here.
export { KUBECTL };

export interface GatewayEnv extends ApiEnv {
  /** The gateway's base URL, e.g. http://127.0.0.1:41234. */
  url: string;
  dir: string;
  kubeconfig: string;
  /** Runs kubectl to the end; never rejects (exit code and output are the result). */
  kubectl(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Starts a long-running kubectl (e.g. get -w); killed in teardown. */
  spawnKubectl(args: string[]): ChildProcess;
}

/** Starts an API server and a gateway on a free loopback port; everything stops in teardown. */
export async function startGateway(t: ExecutionContext, opts: ApiEnvOptions = {}): Promise<GatewayEnv> {
  const env = await startApi(t, opts);
  const host = env.process('gateway');
  const gw = host.start(gatewayActor, 'gateway', { address: '127.0.0.1:0' });
  await gw.waitFor((s) => s.matches('listening') || s.status === 'done');
  const url = gw.snapshot()?.context.url as string | undefined;
  if (!url) throw new Error(`gateway did not listen: ${gw.snapshot()?.context.error}`);
  const dir = mkdtempSync(join(tmpdir(), 'kubus-gw-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = writeKubeconfig(url, join(dir, 'kubeconfig'));
  const base = ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache')];
  const kubectl = (args: string[], stdin?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(KUBECTL, [...base, ...args], { env: { PATH: process.env.PATH, HOME: dir }, timeout: 20_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      // kubectl may exit before it reads its input (EPIPE): its exit code tells what happened.
      child.stdin!.on('error', () => {});
      if (stdin !== undefined) child.stdin!.end(stdin);
    });
  const spawnKubectl = (args: string[]) => {
    const child = spawn(KUBECTL, [...base, ...args], { env: { PATH: process.env.PATH, HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    return child;
  };
  return { ...env, url, dir, kubeconfig, kubectl, spawnKubectl };
}

/**
 * Opens an HTTP watch and collects its parsed lines (and raw chunks); `done` resolves when the
 * server ends the stream. The request is destroyed in teardown.
 */
export function watchLines(t: ExecutionContext, url: string, path: string, headers: Record<string, string> = {}) {
  const lines: any[] = [];
  const chunks: string[] = [];
  let statusCode = 0;
  let buf = '';
  let stop = () => {};
  const done = new Promise<void>((resolve, reject) => {
    const req = request(url + path, { headers }, (res) => {
      statusCode = res.statusCode!;
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        chunks.push(d);
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          lines.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
        }
      });
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end();
    stop = () => req.destroy();
  });
  done.catch(() => {});
  t.teardown(() => stop());
  return { lines, chunks, done, code: () => statusCode, stop: () => stop() };
}

/** A gateway plus scheduler, controller manager and one sim node `n1`, each its own "process" (real clock). */
export async function startGatewayCluster(t: ExecutionContext): Promise<GatewayEnv> {
  // Imported here, not at the top: the 30 test files that only start a gateway then load some 230
  // modules fewer (the controllers, kubelet and scheduler; ~0.5 s of CPU per test worker).
  const [{ schedulerActor }, { startControllerManager }, { kubeletActor }] = await Promise.all([
    import('../../actors/scheduler/scheduler.actor.ts'),
    import('../../runtime/controller-manager.ts'),
    import('../../actors/kubelet/kubelet.actor.ts'),
  ]);
  const g = await startGateway(t);
  const cp = g.process('control-plane');
  cp.start(schedulerActor, 'scheduler', undefined);
  startControllerManager(cp);
  g.process('node/n1').start(kubeletActor, 'kubelet/n1', { nodeName: 'n1' });
  await waitFor(() => g.client.get('nodes', 'n1').catch(() => undefined), 'node n1 registered');
  return g;
}
