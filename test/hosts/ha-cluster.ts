// The HA layout of the fault tests (issue 13): hosts 1-3 each run a nats-server (clustered, with
// JetStream for the jetstream backend), an etcd member (etcd backend) and a whole control plane
// (API server, scheduler and controller manager, leader-elected) on the shared store; host 4 runs
// a node process. The test process reaches every host over the bridge. The bus is locked (nkeys,
// permissions, TLS), as test/hosts/cluster.ts's: each host holds only its own processes' credentials. A
// control-plane process runs its API server, scheduler and controller manager on one connection, as its
// host's API server (apiserver/<host>); the controllers act as their service accounts, authorized by RBAC.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import type { Node } from '../../api/kinds/node.ts';
import { ApiClient } from '../../bus/client.ts';
import { NatsBus } from '../../bus/nats-bus.ts';
import { isReady } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait.ts';
import { LIFECYCLE, LOG, PERIODS, s } from './cluster.ts';
import { buildCli, hosts, type Hosts, type TestHost } from './harness.ts';
import type { HostProc } from './host-proc.ts';
import { monitor, natsCluster, type NatsCluster } from './nats-cluster.ts';
import { lockedBus, type LockedBus } from './bus-lock.ts';

/** The store backends the layout runs on. */
export type HaBackend = 'jetstream' | 'etcd';

/** The stream the jetstream store keeps its keys in (JetStreamStore's default). */
export const STORE_STREAM = 'KUBUS_STORE';

const ELECTION = [
  ...['--leader-elect-lease-duration', s(PERIODS.electionLeaseMs)],
  ...['--leader-elect-renew-deadline', s(PERIODS.electionRenewMs)],
  ...['--leader-elect-retry-period', s(PERIODS.electionRetryMs)],
];

/**
 * Pings every second, two missed: a silent peer (a cut cable: no RST) is declared gone in ~3 s
 * rather than after nats-server's default 2 min x 2 — but only an idle one: 2.9.10 skips the PING
 * while it has sent on the connection within the interval (see TCP_RETRIES2 for the busy case).
 */
export const PING = ['ping_interval: "1s"', 'ping_max: 2'];

/**
 * Retransmissions before a host's TCP gives up on a peer that acknowledges nothing (the kernel's
 * default, 15, waits ~15 min): 2 ends such a connection after ~4 s. nats-server 2.9.10 (Debian's)
 * sends its PINGs on a route or client connection only after ping_interval without traffic on it
 * (nats-io/nats-server#4014, fixed upstream by #4016), so as long as it keeps sending to a cut host — Raft
 * heartbeats, requests for a queue group member there — it never declares it stale; measured: the
 * routes to a cut host still up 24 s later with a JetStream stream written to (test/hosts/ha-routes.test.ts).
 * Data that stays unacknowledged ends the connection here instead.
 */
export const TCP_RETRIES2 = 2;

export interface HaCluster {
  backend: HaBackend;
  hosts: Hosts;
  /** Hosts 1-3: a nats-server, (etcd member,) control plane each. */
  cp: TestHost[];
  nodeHost: TestHost;
  nats: NatsCluster;
  /** Client URLs of the etcd members (etcd backend). */
  etcdEndpoints: string[];
  /** The control-plane process of cp[i] (replaced when restarted). */
  controlPlanes: HostProc[];
  etcdProcs: HostProc[];
  nodeProc: HostProc;
  /** The locked bus: identities, and what each host was handed. */
  lock: LockedBus;
  /** The test's own connection and client (all three servers). */
  client: ApiClient;
  /** Another connection of the test (closed in teardown). */
  connect(name: string, servers?: string, timeoutMs?: number): Promise<{ bus: NatsBus; client: ApiClient }>;
  /** Starts cp[i]'s control plane and waits until it serves. */
  startControlPlane(i: number): Promise<HostProc>;
  /** Indexes of the control planes whose API server is connected to nats-server `server`. */
  apiServersOn(server: number): Promise<number[]>;
  /** Resolves with how long after `since` no other running nats-server listed a route to cp[i] any more (polled every 100 ms; rejects after `timeoutMs`). */
  routesGone(i: number, since: number, timeoutMs?: number): Promise<number>;
  /** Index of the nats-server leading the store stream (JetStream's stream leader). */
  streamLeader(): Promise<number>;
  /** Index of the etcd leader. */
  etcdLeader(): Promise<number>;
  /** What each nats-server's replica of the store stream says (messages, first..last sequence, its leader, the replicas' lag), one line per server. */
  streamStates(): Promise<{ text: string; converged: boolean }>;
  /** kill -9 of every process on every host, then everything started again on the same data. */
  restartAll(): Promise<void>;
}

interface Jsz {
  account_details?: Array<{ stream_detail?: Array<{ name: string; state?: { messages: number; first_seq: number; last_seq: number }; cluster?: { leader?: string; replicas?: Array<{ name: string; current?: boolean; lag?: number; offline?: boolean }> } }> }>;
}
interface Connz {
  connections?: Array<{ ip?: string; name?: string; subscriptions_list?: string[] }>;
}
interface Routez {
  routes?: Array<{ ip: string }>;
}

export interface HaOptions {
  /** Sim nodes on the node host (default 2). */
  nodes?: number;
  /** Control planes running an API server, from host 1 on (default 3; the others run scheduler and controller manager only). */
  apiservers?: number;
  /**
   * JetStream on the NATS cluster (default true; the jetstream backend needs it). Off, the etcd layout is a
   * routed cluster without JetStream, as a user of an outside NATS may run: cluster logging is off.
   */
  jetstream?: boolean;
}

/** Builds the layout for this test (also a bench's fake context) and waits until the nodes are Ready. */
export async function haCluster(t: ExecutionContext, backend: HaBackend, opts: HaOptions = {}): Promise<HaCluster> {
  const nodes = opts.nodes ?? 2;
  const apiservers = opts.apiservers ?? 3;
  const withJetStream = backend === 'jetstream' || opts.jetstream !== false;
  const built = buildCli();
  const began = Date.now();
  const hs = await hosts(t, 4);
  for (const h of hs) h.sysctl('net.ipv4.tcp_retries2', TCP_RETRIES2);
  const cp = hs.slice(0, 3);
  const nodeHost = hs[3];
  const data = mkdtempSync(join(tmpdir(), 'kubus-ha-'));
  t.teardown(() => rmSync(data, { recursive: true, force: true }));
  const nodeNames = Array.from({ length: nodes }, (_, k) => `n4-${k}`);
  const lock = lockedBus(t, nodeNames, cp.map((h) => h.ip), cp.map((h) => `apiserver/${h.name}`));
  // JetStream on either backend unless asked otherwise: a control plane makes its cluster-log stream as
  // it starts (kubus logs -l); without JetStream it gives up after 1 s (runtime/cluster-logs.ts).
  const nats = await natsCluster(t, cp, { ...(withJetStream ? { jetstream: join(data, 'js') } : {}), config: [...PING, ...lock.config] });
  const at = ['--nats', nats.urls];

  const etcdEndpoints = cp.map((h) => `http://${h.ip}:2379`);
  const initial = cp.map((h) => `${h.name}=http://${h.ip}:2380`).join(',');
  const startEtcd = (h: TestHost) =>
    h.spawn('etcd', 'etcd', [
      `--name=${h.name}`,
      `--data-dir=${join(data, 'etcd', h.name)}`,
      `--listen-client-urls=http://${h.ip}:2379`,
      `--advertise-client-urls=http://${h.ip}:2379`,
      `--listen-peer-urls=http://${h.ip}:2380`,
      `--initial-advertise-peer-urls=http://${h.ip}:2380`,
      `--initial-cluster=${initial}`,
      '--initial-cluster-state=new',
      '--initial-cluster-token=kubus-ha',
    ]);
  const etcdProcs: HostProc[] = [];
  const etcdctl = (endpoints: string[], ...args: string[]) =>
    spawnSync('etcdctl', [`--endpoints=${endpoints.join(',')}`, '--dial-timeout=1s', '--command-timeout=2s', ...args], { env: { ...process.env, ETCDCTL_API: '3' }, encoding: 'utf8' });
  const etcdReady = () => waitFor(() => etcdctl(etcdEndpoints, 'endpoint', 'health').status === 0, 'every etcd member healthy', 20_000, 100);

  const jsz = (h: TestHost) => monitor<Jsz>(h, '/jsz?accounts=true&streams=true');
  const leaderOf = async (h: TestHost) => {
    const j = await jsz(h);
    return j.account_details?.flatMap((a) => a.stream_detail ?? []).find((d) => d.name === STORE_STREAM)?.cluster?.leader;
  };
  const streamLeader = () =>
    waitFor(
      async () => {
        for (const h of cp) {
          const name = await leaderOf(h).catch(() => undefined);
          const i = cp.findIndex((x) => x.name === name);
          if (i >= 0 && nats.servers[i].pid !== undefined) return i + 1;
        }
        return 0;
      },
      `a leader of stream ${STORE_STREAM}`,
      20_000,
      100,
    ).then((i) => i - 1);

  const store = backend === 'jetstream' ? 'jetstream:3' : `etcd:${etcdEndpoints.join(',')}`;
  const controlPlanes: HostProc[] = [];
  const startControlPlane = async (i: number) => {
    const role = i < apiservers ? ['--store', store] : ['--actors', 'scheduler,controller-manager'];
    const p = cp[i].kubus([...at, 'control-plane', ...role, '--leader-elect', 'true', ...ELECTION, ...LIFECYCLE, ...LOG], 'control-plane', lock.env(cp[i], `apiserver/${cp[i].name}`));
    controlPlanes[i] = p;
    await p.waitFor(/control plane .* running/, 30_000);
    return p;
  };
  const startNode = () =>
    nodeHost.kubus([...at, 'node', '--name', 'n4', '--count', String(nodes), '--creds-dir', lock.nodesDir(nodeHost, nodeNames), '--node-lease-duration', s(PERIODS.nodeLeaseMs), ...LOG], 'node');

  const buses: NatsBus[] = [];
  t.teardown(() => Promise.all(buses.map((b) => b.close())));
  const connect = async (name: string, servers = nats.urls, timeoutMs = 3000) => {
    const bus = await NatsBus.connect({ servers, name, credentials: lock.admin });
    buses.push(bus);
    return { bus, client: new ApiClient(bus, { timeoutMs }) };
  };

  // How long each step of a start took (logged with the layout's start-up time).
  const phases: string[] = [];
  let mark = began;
  const phase = (name: string) => {
    phases.push(`${name} ${Date.now() - mark}`);
    mark = Date.now();
  };
  const startAll = async (fresh: boolean) => {
    if (backend === 'etcd') {
      cp.forEach((h, i) => (etcdProcs[i] = startEtcd(h)));
      await Promise.all([etcdReady(), withJetStream && nats.metaLeader()]);
      phase('etcd');
    } else {
      await nats.metaLeader();
      if (!fresh) await streamLeader();
      phase('jetstream');
    }
    // The first opens (and creates) the store, then the others join it: started all at once, one
    // may fail its open with a timeout (seen with jetstream:3, nats-server 2.9).
    await startControlPlane(0);
    phase('control plane 1');
    await Promise.all([1, 2].map(startControlPlane));
    phase('control planes 2, 3');
    c.nodeProc = startNode();
    await c.nodeProc.waitFor(/node\(s\) .* running/, 30_000);
    phase('node');
  };

  const c: HaCluster = {
    backend,
    hosts: hs,
    cp,
    nodeHost,
    nats,
    etcdEndpoints,
    controlPlanes,
    etcdProcs,
    lock,
    nodeProc: undefined as unknown as HostProc,
    client: undefined as unknown as ApiClient,
    connect,
    startControlPlane,
    async apiServersOn(server) {
      const z = await monitor<Connz>(cp[server], '/connz?subs=1&limit=1024');
      const ips = (z.connections ?? []).filter((x) => x.name === 'control-plane' && (x.subscriptions_list ?? []).some((sub) => sub.startsWith('kubus.api.'))).map((x) => x.ip);
      return cp.flatMap((h, i) => (ips.includes(h.ip) ? [i] : []));
    },
    async routesGone(i, since, timeoutMs = 30_000) {
      const others = cp.filter((_, k) => k !== i && nats.servers[k].pid !== undefined);
      const listed = async () => (await Promise.all(others.map((h) => monitor<Routez>(h, '/routez')))).some((r) => (r.routes ?? []).some((x) => x.ip === cp[i].ip));
      await waitFor(async () => !(await listed()), `no route to ${cp[i].name} listed`, timeoutMs, 100);
      return Date.now() - since;
    },
    streamLeader,
    async streamStates() {
      const ds = await Promise.all(
        cp.map((h) =>
          jsz(h)
            .then((j) => j.account_details?.flatMap((a) => a.stream_detail ?? []).find((x) => x.name === STORE_STREAM))
            .catch((err: Error) => err),
        ),
      );
      const lines = ds.map((d, i) => {
        if (d instanceof Error) return `${cp[i].name}: ${d.message}`;
        if (!d) return `${cp[i].name}: no replica`;
        const reps = (d.cluster?.replicas ?? []).map((r) => `${r.name}${r.current ? '' : ' behind'}${r.offline ? ' offline' : ''} lag ${r.lag ?? 0}`).join(', ');
        return `${cp[i].name}: ${d.state?.messages} messages, seq ${d.state?.first_seq}..${d.state?.last_seq}, leader ${d.cluster?.leader || '-'} (${reps})`;
      });
      // Converged: every replica answers and names one leader, which lists every other server as a current replica.
      const ok = ds.filter((d) => d && !(d instanceof Error)) as Array<Exclude<(typeof ds)[number], Error | undefined>>;
      const leader = ok.find((d) => d.cluster?.leader === cp[ds.indexOf(d)].name);
      const converged = ok.length === cp.length && new Set(ok.map((d) => d.cluster?.leader)).size === 1 && !!leader && (leader.cluster?.replicas ?? []).length === cp.length - 1 && (leader.cluster?.replicas ?? []).every((r) => r.current);
      return { text: lines.join('; '), converged };
    },
    async etcdLeader() {
      return waitFor(
        () => {
          for (const [i, e] of etcdEndpoints.entries()) {
            const r = etcdctl([e], 'endpoint', 'status', '-w', 'json');
            // Member ids are 64-bit: compared as text, JSON numbers would lose digits.
            const member = /"member_id":(\d+)/.exec(r.stdout)?.[1];
            const leader = /"leader":(\d+)/.exec(r.stdout)?.[1];
            if (r.status === 0 && member && member === leader) return i + 1;
          }
          return 0;
        },
        'an etcd leader',
        20_000,
        100,
      ).then((i) => i - 1);
    },
    async restartAll() {
      await Promise.all(hs.map((h) => h.kill('SIGKILL')));
      const killed = Date.now();
      phases.length = 0;
      mark = killed;
      await Promise.all(nats.servers.map((x) => x.restart()));
      await nats.waitForRoutes();
      await startAll(false);
      t.log(`everything started again ${Date.now() - killed} ms after the kill (ms: ${phases.join(', ')})`);
    },
  };
  phase('hosts and nats');
  await built;
  await startAll(true);
  const { client } = await connect('ha-test');
  c.client = client;
  await waitFor(async () => (await client.list<Node>('nodes')).items.filter(isReady).length === nodes, `${nodes} Ready nodes`, 30_000, 100);
  phase('nodes Ready');
  t.log(`${backend} layout up, ${nodes} nodes Ready, in ${Date.now() - began} ms (ms: ${phases.join(', ')})`);
  return c;
}
