// The topology of the fault tests: a 3-server NATS cluster on hosts 1-3, the API server (file
// store) and the controller manager on host 1, scheduler replicas on hosts 2 and 3, node
// processes on hosts 4+. Every process gets `--nats` with all three URLs. Periods are shortened.
// The bus is locked (nkeys, permissions, TLS): each process holds only its own identity's credentials.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import type { Lease } from '../../api/kinds/lease.ts';
import type { Node } from '../../api/kinds/node.ts';
import { ApiClient } from '../../bus/client.ts';
import { NatsBus } from '../../bus/nats-bus.ts';
import { isReady } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { buildCli, hosts, type Hosts, type TestHost } from './harness.ts';
import type { HostProc } from './host-proc.ts';
import { natsCluster, type NatsCluster } from './nats-cluster.ts';
import { lockedBus, type LockedBus } from './bus-lock.ts';

/** The shortened periods (upstream: lease 40 s, grace 50 s, monitor 5 s; election 15/10/2 s). */
export const PERIODS = {
  nodeLeaseMs: 2000,
  graceMs: 3000,
  monitorMs: 500,
  electionLeaseMs: 4000,
  electionRenewMs: 3000,
  electionRetryMs: 500,
} as const;

/** A duration flag's value. */
export const s = (ms: number) => `${ms}ms`;
export const LOG = ['--log-level', 'info'];
const ELECTION_FLAGS = [
  ...['--leader-elect-lease-duration', s(PERIODS.electionLeaseMs)],
  ...['--leader-elect-renew-deadline', s(PERIODS.electionRenewMs)],
  ...['--leader-elect-retry-period', s(PERIODS.electionRetryMs)],
];
/** The node lifecycle controller's flags for PERIODS. */
export const LIFECYCLE = ['--node-monitor-grace-period', s(PERIODS.graceMs), '--node-monitor-period', s(PERIODS.monitorMs), '--node-eviction-rate', '100'];

export interface HostsClusterOptions {
  /** Hosts running node processes (default 2), each with `nodesPerHost` kubelets (default 2). */
  nodeHosts?: number;
  nodesPerHost?: number;
}

export interface HostsCluster {
  hosts: Hosts;
  nats: NatsCluster;
  dataDir: string;
  apiserver: HostProc;
  controllerManager: HostProc;
  /** The scheduler replicas, on hosts 2 and 3. */
  schedulers: HostProc[];
  nodeHosts: TestHost[];
  /** Node names per node host. */
  nodeNames: Map<TestHost, string[]>;
  /** The locked bus: identities, and what each host was handed. */
  lock: LockedBus;
  /** Whether this build has leader election (`--leader-elect-*` flags). */
  leaderElection: boolean;
  /** The test's own connection (all three servers) and client. */
  bus: NatsBus;
  client: ApiClient;
  /** Starts the API server (again) on host 1 and waits until it serves. */
  startApiserver(): Promise<HostProc>;
  /** Another connection of the test, closed in teardown. */
  connect(name: string, servers?: string): Promise<{ bus: NatsBus; client: ApiClient }>;
  /** The host whose process holds Lease kube-system/<name> (identities are `<hostname>_<uuid>`). */
  leaderHost(lease: string): Promise<TestHost | undefined>;
}

/** Builds the whole topology for this test and waits until every node is Ready. */
export async function hostsCluster(t: ExecutionContext, opts: HostsClusterOptions = {}): Promise<HostsCluster> {
  const nodeHostCount = opts.nodeHosts ?? 2;
  const perHost = opts.nodesPerHost ?? 2;
  const built = buildCli();
  const hs = await hosts(t, 3 + nodeHostCount);
  const nodeHosts = hs.slice(3);
  const nodeNames = new Map<TestHost, string[]>(nodeHosts.map((h) => [h, Array.from({ length: perHost }, (_, k) => `n${h.index}-${k}`)]));
  // The bus is locked: each host gets only the credentials of the processes it runs.
  const lock = lockedBus(t, [...nodeNames.values()].flat(), hs.slice(0, 3).map((h) => h.ip));
  const dataDir = mkdtempSync(join(tmpdir(), 'kubus-hosts-data-'));
  const jsDir = mkdtempSync(join(tmpdir(), 'kubus-hosts-js-'));
  t.teardown(() => [dataDir, jsDir].forEach((d) => rmSync(d, { recursive: true, force: true })));
  // With JetStream (as `kubus logs -l` needs): the API server makes its cluster-log stream as it
  // starts, and on a NATS cluster without JetStream that request waits out a 5 s timeout.
  const nats = await natsCluster(t, hs.slice(0, 3), { jetstream: jsDir, config: lock.config });
  const help = await built;
  // Scheduler replicas without leader election would both schedule; with it, one does.
  const leaderElection = help.includes('--leader-elect-lease-duration');
  const ELECTION = leaderElection ? ELECTION_FLAGS : [];
  const at = ['--nats', nats.urls];
  await nats.metaLeader();

  const buses: NatsBus[] = [];
  t.teardown(() => Promise.all(buses.map((b) => b.close())));
  const connect = async (name: string, servers = nats.urls) => {
    const bus = await NatsBus.connect({ servers, name, credentials: lock.admin });
    buses.push(bus);
    return { bus, client: new ApiClient(bus, { timeoutMs: 3000 }) };
  };

  const startApiserver = async () => {
    const p = hs[0].kubus([...at, 'control-plane', '--actors', 'apiserver', '--data', dataDir, ...LOG], 'apiserver', lock.env(hs[0], 'apiserver'));
    await p.waitFor(/control plane .* running/);
    return p;
  };
  const apiserver = await startApiserver();
  const controllerManager = hs[0].kubus([...at, 'control-plane', '--actors', 'controller-manager', ...ELECTION, ...LIFECYCLE, ...LOG], 'controller-manager', lock.env(hs[0], 'controller-manager'));
  const schedulers = [1, 2].map((i) => hs[i].kubus([...at, 'control-plane', '--actors', 'scheduler', ...ELECTION, ...LOG], 'scheduler', lock.env(hs[i], 'scheduler')));
  const nodes = nodeHosts.map((h, i) => {
    const args = ['node', '--name', `n${h.index}`, '--count', String(perHost), '--first-index', String(i * perHost), '--creds-dir', lock.nodesDir(h, nodeNames.get(h)!)];
    return h.kubus([...at, ...args, '--node-lease-duration', s(PERIODS.nodeLeaseMs), ...LOG], 'node');
  });
  await Promise.all([controllerManager, ...schedulers].map((p) => p.waitFor(/control plane .* running/)));
  await Promise.all(nodes.map((p) => p.waitFor(/node\(s\) .* running/)));

  const { bus, client } = await connect('hosts-test');
  const total = nodeHostCount * perHost;
  await waitFor(async () => (await client.list<Node>('nodes')).items.filter(isReady).length === total, `${total} Ready nodes`, 30_000, 100);

  const leaderHost = async (lease: string) => {
    const l = await client.get<Lease>('leases', lease, { namespace: 'kube-system' }).catch(() => undefined);
    const holder = l?.spec?.holderIdentity ?? '';
    return hs.find((h) => holder.startsWith(`${h.name}_`));
  };
  return { lock, leaderElection, hosts: hs, nats, dataDir, apiserver, controllerManager, schedulers, nodeHosts, nodeNames, bus, client, startApiserver, connect, leaderHost };
}
