// `kubus up`: a whole local cluster from one command: nats-server as a child process on
// loopback, the control plane, the HTTP gateway and the cluster DNS, with connection info and a kubeconfig
// written for other commands (and kubectl).
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '../bus/types.ts';
import { clearClusterInfo, kubusHome, writeClusterInfo } from './connection.ts';
import { DEFAULT_CONTROL_PLANE_ACTORS, startControlPlane, type ControlPlane } from './control-plane.ts';
import { kubeconfigPath, writeKubeconfig } from './kubeconfig.ts';
import { startNatsServer, type NatsServer } from './nats-server.ts';
import { startNodes, type NodeProcess } from './node.ts';
import { startTracedNodes } from './trace-feed.ts';

export interface UpOptions {
  /** Data folder of the file store (default ~/.kubus/data); ignored with `memory`. */
  dataDir?: string;
  memory?: boolean;
  /** NATS client port (default 4222 when free, else any free port). */
  port?: number;
  /** HTTP gateway port on loopback (default 8080 when free, else any free port). */
  httpPort?: number;
  /** IP:PORT of the cluster DNS server (default: the host's IPv4, any free port). */
  dnsAddress?: string;
  /** Sim nodes started with the cluster, named node-0 … (default 3). */
  nodes?: number;
  /** Record message flows: the control plane and nodes feed a recorder in the control plane (default true). */
  trace?: boolean;
  log: Logger;
}

export interface Cluster {
  nats: NatsServer;
  controlPlane: ControlPlane;
  nodes?: NodeProcess;
  dataDir?: string;
  /** The HTTP gateway's URL and the kubeconfig that points at it. */
  gatewayUrl: string;
  kubeconfig: string;
  /** IP:PORT the cluster DNS answers on (the kube-dns Service's Endpoints). */
  dnsAddress?: string;
  stop(): Promise<void>;
}

/** Returns true when nothing listens on the loopback port. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** Starts NATS and the control plane; `stop()` takes both down and removes the connection info. */
export async function up(opts: UpOptions): Promise<Cluster> {
  const port = opts.port ?? ((await portFree(4222)) ? 4222 : 0);
  const nats = await startNatsServer({ port });
  const dataDir = opts.memory ? undefined : (opts.dataDir ?? join(kubusHome(), 'data'));
  let controlPlane: ControlPlane;
  try {
    controlPlane = await startControlPlane({
      nats: nats.url,
      dataDir,
      log: opts.log,
      actors: [...DEFAULT_CONTROL_PLANE_ACTORS, 'gateway', 'dns'],
      dnsAddress: opts.dnsAddress,
      // 8080 is where kubectl looks with no kubeconfig; taken (or taken meanwhile), any free port.
      httpAddress: `127.0.0.1:${opts.httpPort ?? 8080}`,
      httpAnyPortIfTaken: opts.httpPort === undefined,
      trace: opts.trace === false ? undefined : { recorder: true },
    });
  } catch (err) {
    await nats.stop();
    throw err;
  }
  const count = opts.nodes ?? 3;
  const start = opts.trace === false ? startNodes : startTracedNodes;
  const nodes = count > 0 ? await start({ nats: nats.url, name: 'node', count, log: opts.log }) : undefined;
  const gatewayUrl = controlPlane.gatewayUrl!;
  const kubeconfig = writeKubeconfig(gatewayUrl);
  writeClusterInfo({ nats: nats.url, pid: process.pid, dataDir, gateway: gatewayUrl, startedAt: new Date().toISOString() });
  return {
    nats,
    controlPlane,
    nodes,
    dataDir,
    gatewayUrl,
    kubeconfig,
    dnsAddress: controlPlane.dnsAddress,
    async stop() {
      clearClusterInfo();
      rmSync(kubeconfigPath(), { force: true });
      await nodes?.stop();
      await controlPlane.stop();
      await nats.stop();
    },
  };
}
