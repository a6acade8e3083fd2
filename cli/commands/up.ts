// Long-running processes: `kubus up` (a whole local cluster), `kubus control-plane`, `kubus node`.
import type { Command } from 'commander';
import { cidrSets, type NodeIpamInput } from '../../actors/controllers/node-ipam/node-ipam.controller.ts';
import type { KubeletInput } from '../../actors/kubelet/kubelet.actor.ts';
import { NFT } from '../../actors/proxy/nft.ts';
import { resolveNats } from '../../runtime/connection.ts';
import { CONTROL_PLANE_ACTORS, DEFAULT_CONTROL_PLANE_ACTORS, DEFAULT_HTTP_ADDRESS, startControlPlane, type ControlPlaneActor } from '../../runtime/control-plane.ts';
import { createLogger, type LogFormat, type LogLevel } from '../../runtime/logger.ts';
import { defaultProxyMode, PROXY_MODES, startNodes, type ProxyMode } from '../../runtime/node.ts';
import { NotRootError } from '../../runtime/node-cri.ts';
import { startTracedNodes } from '../../runtime/trace-feed.ts';
import { admissionFlag, up } from '../../runtime/up.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../bus/types.ts';
import { ensureCA, gatewayTls, pkiDir, type KeyPair } from '../../runtime/pki.ts';
import { hostOfAddress, isLoopbackHost } from '../../actors/gateway/server.ts';
import { hostIPv4 } from '../../actors/lib/host-address.ts';
import { formatStoreSpec, parseStoreSpec, STORE_SPEC_FORMS, StoreSpecError, type StoreSpec } from '../../actors/apiserver/store/index.ts';
import { UsageError, type GlobalOptions } from '../context.ts';
import { countFlag, durationFlag, logFormatOption, mapFlag, taintsFlag } from '../flags.ts';
import { apiServerFlags, auditFlags, type ApiServerFlags as AuditFlags } from './control-plane-flags.ts';
import { LOG_MAX_BYTES_HELP, LOG_RETENTION_HELP, logRetentionOf, type LogRetentionFlags } from './logs-cluster.ts';
import { metricsPortOption, startMetricsPort, type MetricsPortFlags } from './metrics-port-flag.ts';

/** Returns the URL with an every-interface host (0.0.0.0, ::) replaced by this host's IPv4, a name the gateway's certificate holds. */
export function reachableUrl(url: string): string {
  const u = new URL(url);
  if (u.hostname === '0.0.0.0' || u.hostname === '[::]') u.hostname = hostIPv4();
  return u.origin;
}

/** Returns the kubus CA in `dir`; when this call made it, warns that the hosts of one control plane must share it. */
export function sharedCA(log: Logger, dir = pkiDir()): KeyPair {
  const fresh = !existsSync(join(dir, 'ca.crt'));
  const ca = ensureCA(dir);
  if (fresh)
    log.warn({ dir }, 'created a new kubus CA: with several control-plane hosts, copy $KUBUS_HOME/pki from the first host to each other host before starting it, or each makes its own CA and their certificates do not verify');
  return ca;
}

/** Resolves on the first Ctrl-C / SIGTERM. */
const untilSignal = () =>
  new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });

interface LogFlags {
  logLevel: LogLevel;
  logFormat?: LogFormat;
}

/** Returns the process logger the log flags ask for. */
const logger = (f: LogFlags) => createLogger(f.logLevel, {}, { format: f.logFormat });

interface TraceFlags {
  trace?: boolean;
  traceRecorder?: boolean;
}

interface ElectionFlags {
  leaderElect: string;
  leaderElectLeaseDuration?: number;
  leaderElectRenewDeadline?: number;
  leaderElectRetryPeriod?: number;
}

interface LifecycleFlags {
  nodeMonitorGracePeriod?: number;
  nodeMonitorPeriod?: number;
  nodeStartupGracePeriod?: number;
  nodeEvictionRate?: string;
}

/** Adds kube-controller-manager's node lifecycle flags to a command. */
function lifecycleOptions(cmd: Command): Command {
  return cmd
    .option('--node-monitor-grace-period <duration>', 'silence after which a node goes Unknown (default 50s)', durationFlag('--node-monitor-grace-period'))
    .option('--node-monitor-period <duration>', 'how often node health is checked (default 5s)', durationFlag('--node-monitor-period'))
    .option('--node-startup-grace-period <duration>', 'grace for a node that never posted status (default 1m)', durationFlag('--node-startup-grace-period'))
    .option('--node-eviction-rate <nodes/s>', 'nodes tainted NoExecute per second per zone (default 0.1)');
}

const lifecycleInput = (f: LifecycleFlags) => ({
  gracePeriodMs: f.nodeMonitorGracePeriod,
  monitorPeriodMs: f.nodeMonitorPeriod,
  startupGracePeriodMs: f.nodeStartupGracePeriod,
  evictionQPS: f.nodeEvictionRate === undefined ? undefined : Number(f.nodeEvictionRate),
});

/** The node IPAM controller's input from --cluster-cidr and --node-cidr-mask-size; a range that cannot be cut is a usage error. */
function nodeIpamInput(f: { clusterCidr?: string; nodeCidrMaskSize?: number }): NodeIpamInput {
  const input: NodeIpamInput = { clusterCIDRs: f.clusterCidr ? [f.clusterCidr] : undefined, nodeCIDRMaskSize: f.nodeCidrMaskSize };
  try {
    cidrSets(input);
  } catch (err) {
    throw new UsageError(`--cluster-cidr/--node-cidr-mask-size: ${(err as Error).message}`);
  }
  return input;
}

/** The store spec `--store` names (a bad value is a usage error); undefined when the flag is absent. */
function storeFlag(value: string | undefined, conflicts: Record<string, unknown>): StoreSpec | undefined {
  if (value === undefined) return undefined;
  const clash = Object.keys(conflicts).filter((k) => conflicts[k] !== undefined);
  if (clash.length) throw new UsageError(`--store cannot be combined with ${clash.join(', ')}; use --store alone`);
  try {
    return parseStoreSpec(value);
  } catch (err) {
    if (err instanceof StoreSpecError) throw new UsageError(err.message);
    throw err;
  }
}

export function upCommand(program: Command): void {
  apiServerFlags(
    program
      .command('up')
      .description('Start a local cluster: nats-server (child process, loopback), the control plane and sim nodes; Ctrl-C stops it')
      .option('--data <dir>', 'data folder of the file-backed store (default: ~/.kubus/data, or $KUBUS_HOME/data)')
      .option('--memory', 'keep cluster state in memory only (nothing survives a restart)')
      .option('--store <backend>', `where cluster state lives: ${STORE_SPEC_FORMS} (default: file:~/.kubus/data; jetstream runs NATS with JetStream, one server so 1 replica)`)
      .option('--port <port>', 'NATS client port (default: 4222 when free, else a free port)', countFlag('--port'))
      .option('--http-port <port>', 'HTTP gateway port on 127.0.0.1, for kubectl (default: 8080 when free, else a free port)', countFlag('--http-port'))
      .option('--insecure-http', 'serve the gateway as plain HTTP on 127.0.0.1 without authentication: every process of this machine acts as the cluster admin (INSECURE; tests and debugging). By default it is HTTPS with the kubus CA (~/.kubus/pki, made once): callers need a client certificate or a bearer token, and the written kubeconfig holds an admin certificate')
      .option('--https', 'HTTPS is the default; accepted for older scripts')
      .option('--dns-address <ip:port>', "where the cluster DNS answers (the kube-dns Service's endpoint; default: this host's IPv4, a free port)"),
  )
    .option('--insecure-open-bus', 'run NATS without credentials or TLS: any process that reaches it may send any API request as anyone and read every watch (INSECURE). By default the bus is locked: an nkey identity per component (~/.kubus/bus/*.creds, 0600), subject permissions, TLS with the kubus CA')
    .option('--nodes <count>', 'nodes to start (node-0, node-1, ...)', countFlag('--nodes'), 3)
    .option('--node-prefix <prefix>', "their names' prefix (PREFIX-0, PREFIX-1, ...)", 'node')
    .option('--runtime <runtime>', 'their container runtime: sim, or containerd (real containers; needs root; a containerd per node)', 'sim')
    .option('--no-trace', 'do not record message flows (by default the control plane runs a trace recorder: kubus trace)')
    .option('--log-retention <duration>', LOG_RETENTION_HELP)
    .option('--log-max-bytes <size>', LOG_MAX_BYTES_HELP)
    .option('--log-level <level>', 'debug, info, warn or error', 'info')
    .addOption(logFormatOption())
    .action(async (opts: LogFlags & { data?: string; memory?: boolean; store?: string; port?: number; httpPort?: number; dnsAddress?: string; nodes: number; nodePrefix: string; runtime: string; trace: boolean; https?: boolean; insecureHttp?: boolean; insecureOpenBus?: boolean } & AuditFlags & LogRetentionFlags) => {
      if (opts.runtime !== 'sim' && opts.runtime !== 'containerd') throw new UsageError(`unknown runtime "${opts.runtime}"; choose sim or containerd`);
      if (opts.runtime === 'containerd' && typeof process.getuid === 'function' && process.getuid() !== 0) throw new UsageError(new NotRootError().message);
      if (opts.https && opts.insecureHttp) throw new UsageError('--https and --insecure-http contradict each other (HTTPS is the default)');
      const store = storeFlag(opts.store, { '--data': opts.data, '--memory': opts.memory });
      const audit = auditFlags(opts);
      if (store?.kind === 'jetstream' && store.replicas > 1) throw new UsageError(`--store jetstream:${store.replicas}: kubus up runs one nats-server, so 1 replica; for more, run a NATS cluster and kubus control-plane --store jetstream:${store.replicas}`);
      const log = logger(opts);
      const runtime = opts.runtime;
      const cluster = await up({ dataDir: opts.data, memory: opts.memory, store, port: opts.port, httpPort: opts.httpPort, insecureHttp: opts.insecureHttp, dnsAddress: opts.dnsAddress, nodes: opts.nodes, nodePrefix: opts.nodePrefix, runtime, trace: opts.trace, audit, apiserver: admissionFlag(opts.admissionControlConfigFile), openBus: opts.insecureOpenBus, clusterLogs: logRetentionOf(opts), log });
      console.log(`kubus is up: NATS at ${cluster.nats.url}; Kubernetes API at ${cluster.gatewayUrl}; cluster DNS at ${cluster.dnsAddress}; state ${cluster.dataDir ? `in ${cluster.dataDir}` : store?.kind === 'jetstream' ? 'in JetStream' : store?.kind === 'etcd' ? `in etcd (${store.endpoints.join(',')})` : 'in memory'}; ${opts.nodes} ${runtime} node(s).`);
      console.log('In another shell: bin/kubus get nodes   (Ctrl-C here stops the cluster)');
      console.log(`For kubectl and client libraries (~/.kube/config is left alone):\nexport KUBECONFIG=${cluster.kubeconfig}`);
      console.log(cluster.dashboardProblem ? `Dashboard (a browser; the page asks for a token): ${cluster.dashboardUrl}\n  no token in the link: ${cluster.dashboardProblem}` : `Dashboard (a browser; the link holds an admin token, keep it to yourself): ${cluster.dashboardUrl}`);
      const sig = await untilSignal();
      console.log(`\n${sig}: stopping ...`);
      await cluster.stop();
      console.log('stopped.');
      process.exit(0);
    });

  lifecycleOptions(
    apiServerFlags(
      program
        .command('control-plane')
        .description('Run control-plane components against an existing NATS (for clusters spread over machines)')
        .option('--data <dir>', 'data folder of the file-backed store (default: in memory)')
        .option('--store <backend>', `where cluster state lives: ${STORE_SPEC_FORMS} (default: memory, or file:DIR with --data); jetstream uses the --nats servers`)
        .option('--actors <list>', `comma-separated subset of: ${CONTROL_PLANE_ACTORS.join(', ')}`, DEFAULT_CONTROL_PLANE_ACTORS.join(','))
        .option('--http-address <host:port>', `where the gateway actor serves the Kubernetes HTTP API (default ${DEFAULT_HTTP_ADDRESS}; port 0: any free port)`)
        .option('--insecure-http', 'serve the gateway as plain HTTP without authentication, every caller the cluster admin (INSECURE; a loopback --http-address only). By default it is HTTPS with the kubus CA ($KUBUS_HOME/pki, made once; certificate for localhost, 127.0.0.1, ::1 and --http-address\'s host, or this host\'s IPv4 for 0.0.0.0), authenticating every caller by client certificate or bearer token')
        .option('--https', 'HTTPS is the default; accepted for older scripts')
        .option('--dns-address <ip:port>', "where the dns actor answers (the kube-dns Service's endpoint; default: this host's IPv4, a free port)"),
    )
      .option('--cluster-cidr <cidr>', "the node IPAM controller's cluster CIDR, cut into node pod CIDRs (default 10.244.0.0/16)")
      .option('--node-cidr-mask-size <bits>', 'the prefix length of each node pod CIDR (default 24)', countFlag('--node-cidr-mask-size'))
      .option('--leader-elect <bool>', 'run the scheduler and controller manager only while leading their Lease (several replicas may run)', 'true')
      .option('--leader-elect-lease-duration <duration>', 'how long others wait before taking a lease over (default 15s)', durationFlag('--leader-elect-lease-duration'))
      .option('--leader-elect-renew-deadline <duration>', 'a leader that cannot renew for this long stops (default 10s)', durationFlag('--leader-elect-renew-deadline'))
      .option('--leader-elect-retry-period <duration>', 'how often to try to acquire or renew (default 2s)', durationFlag('--leader-elect-retry-period'))
      .option('--trace', "publish this process's messages and state changes to the cluster's trace recorder")
      .option('--trace-recorder', 'also run the trace recorder here (what kubus trace asks); implies --trace')
      .option('--log-retention <duration>', LOG_RETENTION_HELP)
    .option('--log-max-bytes <size>', LOG_MAX_BYTES_HELP)
      .option('--log-level <level>', 'debug, info, warn or error', 'info')
      .addOption(logFormatOption()).addOption(metricsPortOption()),
  ).action(async (opts: LifecycleFlags & ElectionFlags & TraceFlags & LogFlags & { data?: string; store?: string; actors: string; httpAddress?: string; https?: boolean; insecureHttp?: boolean; dnsAddress?: string; clusterCidr?: string; nodeCidrMaskSize?: number } & AuditFlags & LogRetentionFlags) => {
    const actors = opts.actors.split(',').map((a) => a.trim()) as ControlPlaneActor[];
    const bad = actors.filter((a) => !CONTROL_PLANE_ACTORS.includes(a));
    if (bad.length) throw new UsageError(`unknown actor(s) ${bad.join(', ')}; choose from ${CONTROL_PLANE_ACTORS.join(', ')}`);
    const store = storeFlag(opts.store, { '--data': opts.data });
    const audit = auditFlags(opts);
    const httpAddress = opts.httpAddress ?? DEFAULT_HTTP_ADDRESS;
    if (opts.https && opts.insecureHttp) throw new UsageError('--https and --insecure-http contradict each other (HTTPS is the default)');
    if (opts.insecureHttp && !isLoopbackHost(hostOfAddress(httpAddress)))
      throw new UsageError(`--insecure-http serves a loopback address only (127.0.0.1, ::1, localhost), not ${httpAddress}: every caller would be the cluster admin; drop --insecure-http to serve HTTPS`);
    const nats = resolveNats(program.opts<GlobalOptions>().nats);
    const log = logger(opts);
    const cp = await startControlPlane({
      nats,
      dataDir: opts.data,
      store,
      actors,
      httpAddress: opts.httpAddress,
      httpTls: actors.includes('gateway') && !opts.insecureHttp ? gatewayTls(sharedCA(log), hostOfAddress(httpAddress)) : undefined,
      dnsAddress: opts.dnsAddress,
      log,
      controllers: { nodeLifecycle: lifecycleInput(opts), nodeIpam: nodeIpamInput(opts) },
      leaderElect: opts.leaderElect !== 'false',
      election: { leaseDurationMs: opts.leaderElectLeaseDuration, renewDeadlineMs: opts.leaderElectRenewDeadline, retryPeriodMs: opts.leaderElectRetryPeriod },
      trace: opts.traceRecorder ? { recorder: true } : opts.trace ? {} : undefined,
      audit,
      apiserver: admissionFlag(opts.admissionControlConfigFile),
      clusterLogs: logRetentionOf(opts),
    });
    // A taken --metrics-port fails the command (and, below, `kubus node`): stop what started, not leave it running.
    const stopMetrics = await startMetricsPort(opts as MetricsPortFlags, log).catch((err: unknown) => cp.stop().then(() => Promise.reject(err)));
    const storeNote = cp.store ? `; state ${formatStoreSpec(store ?? (opts.data ? { kind: 'file', dir: opts.data } : { kind: 'memory' }))}` : '';
    console.log(`control plane (${actors.join(', ')}) running against ${nats}${storeNote}${cp.gatewayUrl ? `; Kubernetes API at ${cp.gatewayUrl}` : ''}${cp.dnsAddress ? `; cluster DNS at ${cp.dnsAddress}` : ''}; Ctrl-C stops it`);
    if (cp.gatewayUrl?.startsWith('https:')) console.log(`For kubectl, an admin kubeconfig (certificate from this KUBUS_HOME's CA): bin/kubus kubeconfig --server ${reachableUrl(cp.gatewayUrl)} > kubeconfig`);
    await untilSignal();
    await Promise.all([cp.stop(), stopMetrics()]);
    process.exit(0);
  });

  program
    .command('node')
    .description('Run kubelets (sim, or containerd for real containers) against an existing NATS: one node, or --count nodes named NAME-0 … NAME-(K-1)')
    .requiredOption('--name <name>', 'node name (or name prefix with --count)')
    .option('--count <k>', 'run K nodes in this process', countFlag('--count'))
    .option('--name-from <n>', 'with --count: number the names from N (NAME-N … NAME-(N+K-1)), so node processes can share a prefix', countFlag('--name-from'))
    .option('--first-index <n>', 'number of the first node: picks pod CIDRs and addresses, so node processes do not clash', countFlag('--first-index'))
    .option('--runtime <runtime>', 'container runtime: sim, or containerd (real containers over CRI; needs root)', 'sim')
    .option('--cri-endpoint <endpoint>', 'with --runtime containerd: use this containerd (unix:///path.sock) instead of starting one')
    .option('--proxy <mode>', 'kube-proxy per node: nftables (rules in this host\'s nftables, needs root) or none (default: none with the sim runtime, nftables with containerd)')
    .option('--capacity <list>', 'node capacity, e.g. cpu=4,memory=16Gi,pods=110', mapFlag('--capacity'))
    .option('--labels <list>', 'extra node labels, e.g. topology.kubernetes.io/zone=a', mapFlag('--labels'))
    .option('--register-with-taints <list>', 'taints at registration, e.g. dedicated=gpu:NoSchedule', taintsFlag)
    .option('--node-lease-duration <duration>', 'lease duration (default 40s; renewed every quarter of it)', durationFlag('--node-lease-duration'))
    .option('--node-status-report-frequency <duration>', 'node status written at least this often (default 5m)', durationFlag('--node-status-report-frequency'))
    .option('--trace', "publish these nodes' messages and state changes to the cluster's trace recorder")
    .option('--creds-dir <dir>', 'on a locked bus: a directory holding each node\'s credentials (node_<name>.creds, from kubus credentials --identity node/<name>); each node connects as itself. One node: KUBUS_CREDS=FILE does too')
    .option('--log-level <level>', 'debug, info, warn or error', 'info')
    .addOption(logFormatOption()).addOption(metricsPortOption())
    .action(
      async (opts: LogFlags & {
        credsDir?: string;
        name: string;
        count?: number;
        nameFrom?: number;
        firstIndex?: number;
        runtime: string;
        criEndpoint?: string;
        proxy?: string;
        capacity?: Record<string, string>;
        labels?: Record<string, string>;
        registerWithTaints?: KubeletInput['taints'];
        nodeLeaseDuration?: number;
        nodeStatusReportFrequency?: number;
        trace?: boolean;
      }) => {
        if (opts.runtime !== 'sim' && opts.runtime !== 'containerd') throw new UsageError(`unknown runtime "${opts.runtime}"; choose sim or containerd`);
        if (opts.criEndpoint && opts.runtime !== 'containerd') throw new UsageError('--cri-endpoint needs --runtime containerd');
        if (opts.runtime === 'containerd' && typeof process.getuid === 'function' && process.getuid() !== 0) throw new UsageError(new NotRootError().message);
        const proxy = (opts.proxy ?? defaultProxyMode(opts.runtime)) as ProxyMode;
        if (!PROXY_MODES.includes(proxy)) throw new UsageError(`unknown proxy mode "${proxy}"; choose from ${PROXY_MODES.join(', ')}`);
        if (proxy === 'nftables' && !NFT.startsWith('/')) throw new UsageError('--proxy nftables needs nft; install it with: apt-get install -y nftables (or use --proxy none)');
        const nats = resolveNats(program.opts<GlobalOptions>().nats);
        const log = logger(opts);
        const kubelet: Omit<KubeletInput, 'nodeName' | 'index'> = {
          runtime: opts.runtime as 'sim' | 'containerd',
          capacity: opts.capacity,
          labels: opts.labels,
          taints: opts.registerWithTaints,
          leaseDurationSeconds: opts.nodeLeaseDuration === undefined ? undefined : opts.nodeLeaseDuration / 1000,
          nodeStatusReportMs: opts.nodeStatusReportFrequency,
        };
        if (opts.nameFrom !== undefined && opts.count === undefined) throw new UsageError('--name-from needs --count');
        const nodeOpts = { nats, name: opts.name, count: opts.count, nameFrom: opts.nameFrom, firstIndex: opts.firstIndex, kubelet, proxy, log, criEndpoint: opts.criEndpoint, credentialsDir: opts.credsDir };
        const nodes = await (opts.trace ? startTracedNodes(nodeOpts) : startNodes(nodeOpts));
        const stopMetrics = await startMetricsPort(opts as MetricsPortFlags, log).catch((err: unknown) => nodes.stop().then(() => Promise.reject(err)));
        console.log(`${nodes.names.length} node(s) (${nodes.names.length > 3 ? `${nodes.names[0]} … ${nodes.names.at(-1)}` : nodes.names.join(', ')}) running against ${nats}; Ctrl-C stops them`);
        await untilSignal();
        await Promise.all([nodes.stop(), stopMetrics()]);
        process.exit(0);
      },
    );
}
