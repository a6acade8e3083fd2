// The control-plane process: connects to NATS, opens the store, and hosts the API server
// and the scheduler and controller manager — each behind leader election unless told otherwise —
// and, when asked, the HTTP gateway and the cluster DNS (stateless, so never elected).
import { apiserverActor, BARE_DISABLED_ADMISSION } from '../actors/apiserver/apiserver.actor.ts';
import { gatewayActor } from '../actors/gateway/gateway.actor.ts';
import type { GatewayTlsOptions } from '../actors/gateway/server.ts';
import { defaultDnsAddress, dnsActor } from '../actors/dns/dns.actor.ts';
import { hostname } from 'node:os';
import { formatStoreSpec, openStore, type Store, type StoreSpec } from '../actors/apiserver/store/index.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { credentialsOf, NatsBus, type BusCredentials } from '../bus/nats-bus.ts';
import { cryptoRng } from '../bus/random.ts';
import type { Bus, Logger } from '../bus/types.ts';
import type { ApiServerTimings } from '../actors/apiserver/apiserver.machine.ts';
import type { PodSecurityConfig } from '../actors/apiserver/admission-podsecurity-config.ts';
import { schedulerActor, type SchedulerInput } from '../actors/scheduler/scheduler.actor.ts';
import type { ElectionTimings } from '../actors/lib/leader-election/leader-election.machine.ts';
import { controllers, type ControllerManagerOptions } from './controller-manager.ts';
import { accountsOf, ensureControllerAccounts } from '../actors/controllers/shared/service-account-credentials.ts';
import { runElected, type ElectedComponent, type Leadership } from './leader.ts';
import { serveStatus } from './status.ts';
import { Host, type HostedActor } from './host.ts';
import { startTracing, type TracingOptions } from './trace-feed.ts';
import { openAudit, type AuditOptions } from './audit-log.ts';
import { parseRetention, startLogStream, type LogRetention } from './cluster-logs.ts';
import { clusterLogReader } from './cluster-logs-read.ts';
import { remoteClusterLogs } from './cluster-logs-client.ts';
import { serveClusterLogs } from './cluster-logs-serve.ts';

export const CONTROL_PLANE_ACTORS = ['apiserver', 'scheduler', 'controller-manager', 'gateway', 'dns'] as const;
export type ControlPlaneActor = (typeof CONTROL_PLANE_ACTORS)[number];
/** What a control plane runs when not told: everything but the gateway (it needs an HTTP address). */
export const DEFAULT_CONTROL_PLANE_ACTORS: readonly ControlPlaneActor[] = ['apiserver', 'scheduler', 'controller-manager'];
/** Where the gateway listens unless told (kube-apiserver's old insecure port, where kubectl looks by default). */
export const DEFAULT_HTTP_ADDRESS = '127.0.0.1:8080';

export interface ControlPlaneOptions {
  nats: string;
  /** File-backed store in this folder; memory when unset (and `store` is unset). */
  dataDir?: string;
  /** The store backend (`--store`); overrides dataDir. */
  store?: StoreSpec;
  actors?: ControlPlaneActor[];
  /** HOST:PORT of the HTTP gateway, when `actors` has it (default 127.0.0.1:8080; port 0: any free port). */
  httpAddress?: string;
  /** Let the gateway take any free port when httpAddress's is in use. */
  httpAnyPortIfTaken?: boolean;
  /** Serve the gateway over HTTPS with these PEMs, authenticating every caller; unset: plain HTTP, every caller the trusted admin. */
  httpTls?: GatewayTlsOptions;
  /** IP:PORT of the cluster DNS server, when `actors` has dns (default: the host's IPv4, any free port). */
  dnsAddress?: string;
  log: Logger;
  /** Timing knobs (shortened in tests and scenarios; defaults are upstream's). */
  apiserver?: Partial<ApiServerTimings> & { podSecurity?: PodSecurityConfig };
  scheduler?: SchedulerInput;
  controllers?: ControllerManagerOptions;
  /** Trace this process's messages and state changes for a recorder (and run one, when asked). */
  trace?: TracingOptions;
  /** Run the scheduler and controller manager only while leading their Lease (default true, as upstream). */
  leaderElect?: boolean;
  election?: Partial<ElectionTimings>;
  /** The bus identity this process connects as (a locked bus; unset: KUBUS_CREDS's file, if any). */
  credentials?: BusCredentials | null;
  /** Audit the API server's and the gateway's requests (`--audit-log`, `--audit-policy`); unset: no audit. */
  audit?: AuditOptions;
  /** The cluster log stream's retention, made by the API server's process (cluster-logs.ts); unset: the defaults; false: no stream. */
  clusterLogs?: LogRetention | false;
}

export interface ControlPlane {
  bus: Bus;
  host: Host;
  store?: Store;
  /** The HTTP gateway's URL, when this process runs one. */
  gatewayUrl?: string;
  /** IP:PORT the cluster DNS server answers on, when this process runs one. */
  dnsAddress?: string;
  /** Leadership of the elected components of this process. */
  leadership: Leadership[];
  stop(): Promise<void>;
}

/** Resolves when the API server is serving; rejects when it failed to start. */
export function serving(api: HostedActor): Promise<void> {
  return new Promise((resolve, reject) => {
    void api.waitFor((s) => s.matches?.('serving') || s.status === 'done').then(() => {
      if (api.snapshot()?.status === 'done') reject(new Error('the API server failed to start (see the log above)'));
      else resolve();
    });
  });
}

/** Resolves with the gateway's URL once it listens; rejects when it could not (address in use). */
async function listening(gw: HostedActor): Promise<string> {
  await gw.waitFor((s) => s.matches?.('listening') || s.status === 'done');
  const ctx = gw.snapshot()?.context as { url?: string; address: string; error?: string };
  if (!ctx.url) throw new Error(`the HTTP gateway could not listen on ${ctx.address}: ${ctx.error}`);
  return ctx.url;
}

/** Resolves with the DNS server's IP:PORT once it serves; rejects when it could not listen. */
async function dnsServing(dns: HostedActor): Promise<string> {
  await dns.waitFor((s) => s.matches?.('serving') || s.status === 'done');
  const ctx = dns.snapshot()?.context as { host?: string; port?: number; address: string; error?: string };
  if (!ctx.port) throw new Error(`the cluster DNS could not listen on ${ctx.address}: ${ctx.error}`);
  return `${ctx.host}:${ctx.port}`;
}

/**
 * Admission plugins this control plane's API server skips: none when the controller manager runs here
 * too, or on a locked bus (a cluster of identities, the controller manager one of them: `kubus up`, the
 * hosts' layout); else ServiceAccount admission is off, as nothing makes the `default` accounts (a
 * bare API server's default; upstream would refuse every pod until a controller manager comes).
 */
export const admissionDisabled = (actors: readonly string[], locked: boolean) => (locked || actors.includes('controller-manager') ? [] : BARE_DISABLED_ADMISSION);

/**
 * The name of a control plane process's bus connection: `control-plane` where it runs the API
 * server, else `control-plane/<its actors>` (a locked `kubus up` runs one per identity, and the
 * trace recorder takes what a connection sends as its identity's only when its name does not say
 * it is the API server's).
 */
export const controlPlaneConnectionName = (actors: readonly ControlPlaneActor[]) => (actors.includes('apiserver') ? 'control-plane' : `control-plane/${actors.join('+')}`);

/** Starts the control-plane actors of this process. */
export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const actors = opts.actors ?? [...DEFAULT_CONTROL_PLANE_ACTORS];
  const locked = !!credentialsOf(opts.credentials);
  // A bad policy file stops the start before anything is opened. Only the API server and the gateway audit;
  // processes of one cluster may share the file (each batch is one append).
  const audits = actors.includes('apiserver') || actors.includes('gateway');
  const audit = opts.audit && audits ? openAudit(opts.audit, realClock, cryptoRng(), opts.log) : undefined;
  let store: Store | undefined;
  let bus: NatsBus | undefined;
  let host: Host | undefined;
  let feed: Awaited<ReturnType<typeof startTracing>> | undefined;
  let logReader: ReturnType<typeof clusterLogReader> | undefined;
  let stopLogServer = () => {};
  let storeName = 'memory';
  let gatewayUrl: string | undefined;
  let dnsAddress: string | undefined;
  // Whatever throws before the control plane serves closes what was opened (the audit file's writer is shared: refcounted).
  try {
    if (actors.includes('apiserver')) {
      const spec: StoreSpec = opts.store ?? (opts.dataDir ? { kind: 'file', dir: opts.dataDir } : { kind: 'memory' });
      storeName = formatStoreSpec(spec);
      store = await openStore(spec, { nats: opts.nats, credentials: opts.credentials, onWarn: (m, err) => opts.log.warn({ err }, `store: ${m}`) });
    }
    bus = await NatsBus.connect({ servers: opts.nats, name: controlPlaneConnectionName(actors), log: opts.log, credentials: opts.credentials });
    host = new Host({ bus, clock: realClock, rng: cryptoRng(), log: opts.log });
    feed = opts.trace ? await startTracing(bus, host, { ...opts.trace, feed: { log: opts.log, ...opts.trace.feed } }) : undefined;
    if (store) {
      // Replicas on a shared store each need an id of their own (stop-watch requests and restart
      // announcements are addressed by it); one owning its store keeps the plain name.
      const serverId = store.sync ? `apiserver-${hostname()}-${process.pid}` : undefined;
      const api = host.start(apiserverActor, 'apiserver', { store, serverId, storeName, disableAdmissionPlugins: admissionDisabled(actors, locked), audit: audit?.auditor, ...opts.apiserver });
      await serving(api);
      if (opts.clusterLogs !== false) {
        const logs = await startLogStream(opts.nats, opts.credentials, opts.clusterLogs ?? parseRetention());
        if (logs.ok) opts.log.info(logs.message);
        else opts.log.warn(logs.message);
        // Reads of it (kubus logs -l, the dashboard's) are served here, authorized: no other identity uses JetStream.
        logReader = clusterLogReader(opts.nats, opts.credentials, { onBadBatch: (seq) => opts.log.warn({ seq }, 'cluster log stream: a message that is no batch, skipped') });
        stopLogServer = serveClusterLogs({ bus, api: new ApiClient(bus), read: logReader.read, log: opts.log });
      }
    }
    if (actors.includes('gateway'))
      gatewayUrl = await listening(host.start(gatewayActor, 'gateway', { address: opts.httpAddress ?? DEFAULT_HTTP_ADDRESS, anyPortIfTaken: opts.httpAnyPortIfTaken, advertise: true, tls: opts.httpTls, audit: audit?.auditor, clusterLogs: opts.clusterLogs !== false ? remoteClusterLogs(bus) : undefined }));
    if (actors.includes('dns')) dnsAddress = await dnsServing(host.start(dnsActor, 'dns', { address: opts.dnsAddress ?? defaultDnsAddress() }));
  } catch (err) {
    try {
      await host?.stopAll();
      stopLogServer();
      await logReader?.close();
      feed?.stop();
      await bus?.drain().catch(() => bus?.close());
      await store?.close();
    } finally {
      await audit?.writer.close();
    }
    throw err;
  }
  const leadership: Leadership[] = [];
  const components: ElectedComponent[] = [];
  if (actors.includes('scheduler')) components.push({ name: 'kube-scheduler', actors: [[schedulerActor, 'scheduler', opts.scheduler]] });
  const accounts = new AbortController();
  if (actors.includes('controller-manager')) {
    const cm = { useServiceAccountCredentials: locked, ...opts.controllers };
    const list = controllers(cm);
    components.push({ name: 'kube-controller-manager', actors: list.map(([n, def, input]) => [def, `controller/${n}`, input]) });
    // As upstream's controller manager with --use-service-account-credentials: the accounts its controllers act as exist (its own user makes them).
    if (cm.useServiceAccountCredentials) void ensureControllerAccounts(new ApiClient(bus), accountsOf(list.map(([n]) => n)), { signal: accounts.signal, log: opts.log });
  }
  for (const c of components) {
    if (opts.leaderElect === false) for (const [def, id, input] of c.actors) host.start(def, id, input);
    else leadership.push(runElected(host, { ...c, timings: opts.election }));
  }
  serveStatus(bus, 'control-plane', () => [
    ...(store ? [{ name: 'apiserver' }] : []),
    ...(gatewayUrl ? [{ name: `gateway (${gatewayUrl})` }] : []),
    ...(dnsAddress ? [{ name: `dns (${dnsAddress})` }] : []),
    ...components.map((c) => {
      const l = leadership.find((x) => x.component === c.name);
      return l ? { name: c.name, leader: l.leading, identity: l.identity } : { name: c.name };
    }),
  ]);
  // The server has seen our subscriptions once flush returns: requests can't meet "no responders".
  await bus.flush();
  return {
    bus,
    host,
    store,
    gatewayUrl,
    dnsAddress,
    leadership,
    async stop() {
      accounts.abort();
      // The audit lines queued are written whatever else fails to close.
      try {
        await host.stopAll();
        stopLogServer();
        await logReader?.close();
        feed?.stop();
        await bus.drain().catch(() => bus.close());
        await store?.close();
      } finally {
        await audit?.writer.close();
      }
    },
  };
}
