// `kubus up`: a whole local cluster from one command: nats-server as a child process on
// loopback, the control plane, the HTTP gateway and the cluster DNS, with connection info and a kubeconfig
// written for other commands (and kubectl).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { StoreSpec } from '../actors/apiserver/store/index.ts';
import type { Logger } from '../bus/types.ts';
import { clearClusterInfo, kubusHome, writeClusterInfo } from './connection.ts';
import type { AuditOptions } from './audit-log.ts';
import type { LogRetention } from './cluster-logs.ts';
import { loadAdmissionConfig } from './admission-config.ts';
import { DEFAULT_CONTROL_PLANE_ACTORS, startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.ts';
import { kubeconfigPath, writeKubeconfig, type KubeconfigCredentials } from './kubeconfig.ts';
import { ADMIN, ensureCA, gatewayTls, issue } from './pki.ts';
import { dashboardUrl } from './dashboard.ts';
import { startNatsServer, type NatsServer } from './nats-server.ts';
import { nodeNames, startEachNode, startNodes, type NodeProcess } from './node.ts';
import { clusterIdentities, credentialsPath, lockedConfig } from './bus-auth.ts';
import { startLockedControlPlane, startLockedNodes } from './up-locked.ts';
import { startTracedNodes } from './trace-feed.ts';

export { ADMISSION_CONFIG_HELP } from './admission-config.ts';
/** Returns the API server's part of `--admission-control-config-file FILE` (unset: none); throws AdmissionConfigError naming the file and field. */
export const admissionFlag = (file?: string) => (file ? loadAdmissionConfig(file) : undefined);

export interface UpOptions {
  /** Data folder of the file store (default ~/.kubus/data); ignored with `memory`. */
  dataDir?: string;
  memory?: boolean;
  /** The store backend (`--store`); overrides dataDir and memory. jetstream runs the nats-server with JetStream (data in ~/.kubus/jetstream). */
  store?: StoreSpec;
  /** NATS client port (default 4222 when free, else any free port). */
  port?: number;
  /** HTTP gateway port on loopback (default 8080 when free, else any free port). */
  httpPort?: number;
  /**
   * Serve the gateway as plain HTTP on loopback, every caller the admin (insecure). Unset: HTTPS with the
   * kubus CA (created once under ~/.kubus/pki), every caller authenticated; the kubeconfig holds an admin's client certificate.
   */
  insecureHttp?: boolean;
  /** IP:PORT of the cluster DNS server (default: the host's IPv4, any free port). */
  dnsAddress?: string;
  /** Nodes started with the cluster, named node-0 … (default 3). */
  nodes?: number;
  /** Their names' prefix (default `node`): clusters sharing a host (tests) keep apart containerd dirs and cgroups. */
  nodePrefix?: string;
  /** Their container runtime: `sim` (default, all in one node process) or `containerd` (root; one node process and containerd each). */
  runtime?: 'sim' | 'containerd';
  /** Record message flows: the control plane and nodes feed a recorder in the control plane (default true). */
  trace?: boolean;
  /** Run the bus open: no credentials, no TLS, every process that reaches NATS trusted (INSECURE; default: locked, an identity per component). */
  openBus?: boolean;
  /** Audit the API server's and the gateway's requests (`--audit-log`, `--audit-policy`). */
  audit?: AuditOptions;
  /** The cluster log stream's retention (`--log-retention`, `--log-max-bytes`; default 24h, 256Mi). */
  clusterLogs?: LogRetention;
  /** The API server's admission configuration (`--admission-control-config-file`: PodSecurity's exemptions). */
  apiserver?: ControlPlaneOptions['apiserver'];
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
  /** The web dashboard's URL (with a bearer token in its fragment on an HTTPS gateway). */
  dashboardUrl: string;
  /** Why the dashboard's URL carries no token on an HTTPS gateway (the page then asks for one). */
  dashboardProblem?: string;
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
  const store: StoreSpec = opts.store ?? (opts.memory ? { kind: 'memory' } : { kind: 'file', dir: opts.dataDir ?? join(kubusHome(), 'data') });
  // A cluster in memory keeps its logs only while it runs (a fresh JetStream dir, removed at stop), so a next one starts without them.
  const scratchJs = store.kind === 'memory' ? mkdtempSync(join(tmpdir(), 'kubus-jetstream-')) : undefined;
  const jetstreamDir = scratchJs ?? join(kubusHome(), 'jetstream');
  const count = opts.nodes ?? 3;
  const prefix = opts.nodePrefix ?? 'node';
  const lock = opts.openBus ? [] : lockedConfig(clusterIdentities(count ? nodeNames(prefix, count) : []));
  // JetStream always: the cluster log stream lives there (and the store, with --store jetstream).
  const nats = await startNatsServer({ port, config: [`jetstream { store_dir: ${JSON.stringify(jetstreamDir)} }`, ...lock] });
  const dataDir = store.kind === 'file' ? store.dir : undefined;
  const ca = opts.insecureHttp ? undefined : ensureCA();
  let controlPlane: ControlPlane;
  try {
    controlPlane = await (opts.openBus ? startControlPlane : startLockedControlPlane)({
      nats: nats.url,
      store,
      log: opts.log,
      actors: [...DEFAULT_CONTROL_PLANE_ACTORS, 'gateway', 'dns'],
      dnsAddress: opts.dnsAddress,
      // 8080 is where kubectl looks with no kubeconfig; taken (or taken meanwhile), any free port.
      httpAddress: `127.0.0.1:${opts.httpPort ?? 8080}`,
      httpAnyPortIfTaken: opts.httpPort === undefined,
      httpTls: ca && gatewayTls(ca, '127.0.0.1'),
      trace: opts.trace === false ? undefined : { recorder: true },
      audit: opts.audit,
      clusterLogs: opts.clusterLogs,
      apiserver: opts.apiserver,
    });
  } catch (err) {
    await nats.stop();
    if (scratchJs) rmSync(scratchJs, { recursive: true, force: true });
    throw err;
  }
  const start = opts.trace === false ? startNodes : startTracedNodes;
  let nodes: NodeProcess | undefined;
  try {
    const containerd = opts.runtime === 'containerd' ? { kubelet: { runtime: 'containerd' as const }, proxy: 'nftables' as const } : {};
    if (count && !opts.openBus) nodes = await startLockedNodes(start, { nats: nats.url, log: opts.log, ...containerd }, count, prefix);
    // Real nodes each run as a node process of their own (own containerd, CNI conf dir, bridge and pod CIDR).
    else if (count && opts.runtime === 'containerd') nodes = await startEachNode(start, { nats: nats.url, log: opts.log, ...containerd, name: prefix, count, firstIndex: 0 }, () => undefined);
    else nodes = count === 0 ? undefined : await start({ nats: nats.url, name: prefix, count, log: opts.log });
  } catch (err) {
    await controlPlane.stop();
    await nats.stop();
    if (scratchJs) rmSync(scratchJs, { recursive: true, force: true });
    throw err;
  }
  const gatewayUrl = controlPlane.gatewayUrl!;
  const admin: KubeconfigCredentials | undefined = ca && { ca: ca.cert, ...issue(ca, { ...ADMIN, usage: 'client' }) };
  const kubeconfig = writeKubeconfig(gatewayUrl, kubeconfigPath(), admin);
  // No token is no reason to fail the cluster: the page then asks for one.
  let dashboardProblem: string | undefined;
  const dashboard = await dashboardUrl(gatewayUrl, admin).catch((err: Error) => {
    opts.log.warn({ err }, 'no token for the dashboard; its page will ask for one');
    dashboardProblem = err.message;
    return `${gatewayUrl}/ui/`;
  });
  writeClusterInfo({ nats: nats.url, pid: process.pid, dataDir, gateway: gatewayUrl, startedAt: new Date().toISOString(), credentials: opts.openBus ? undefined : credentialsPath('admin') });
  return {
    nats,
    controlPlane,
    nodes,
    dataDir,
    gatewayUrl,
    kubeconfig,
    dashboardUrl: dashboard,
    dashboardProblem,
    dnsAddress: controlPlane.dnsAddress,
    async stop() {
      clearClusterInfo();
      rmSync(kubeconfigPath(), { force: true });
      await nodes?.stop();
      await controlPlane.stop();
      await nats.stop();
      if (scratchJs) rmSync(scratchJs, { recursive: true, force: true });
    },
  };
}
