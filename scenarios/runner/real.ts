// Real mode: a nats-server child process, one `kubus control-plane --actors X` process per
// component (per replica when replicated: schedulers and controller managers behind leader election,
// API servers all serving on `--store jetstream`, the nats-server then running JetStream) and one `kubus node` process
// per node, each reaching NATS through its own relay (so a partition is a real cut); beyond 100 nodes at
// the start, `kubus node --count` processes straight on NATS instead (node-groups.ts). Wall-clock
// time; the cluster's periods are divided by timeScale, and cluster time is reported as wall
// time × timeScale.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownedBatch } from '../../actors/tracer/span-owner.ts';
import type { FeedBatch } from '../../actors/tracer/types.ts';
import { realClock } from '../../bus/clock.ts';
import { ApiClient } from '../../bus/client.ts';
import { NatsBus } from '../../bus/nats-bus.ts';
import { seededRng } from '../../bus/random.ts';
import { spanPublisher, TRACE_SPANS, TRACE_SPANS_OF_ANY } from '../../bus/subjects.ts';
import type { BusMessage, BusStatus } from '../../bus/types.ts';
import { startNatsServer, type NatsServer } from '../../runtime/nats-server.ts';
import type { ExternalSpec, FaultHandle } from '../api.types.ts';
import { FaultPlan, HEARTBEAT_PATTERNS } from '../faults.ts';
import { componentOf, elected, LEASE_OF, sharedStore } from '../replicas.ts';
import type { TraceSink } from '../trace-output.ts';
import { members, UnknownTargetError, type Driver, type DriverOptions, type ResolvedNode } from './driver.ts';
import { Externals, type ExternalProcess } from './external.ts';
import { KubusProcess, leaseIdentity } from './processes.ts';
import { processGroups, refuseSharedFault, SHARED_WHY, soloGroup, type NodeGroup } from './node-groups.ts';
import { controlPlaneArgs, gatewayArgs, nodeArgs, type ArgsContext } from './real-args.ts';
import { Relay } from './relay.ts';

const START_TIMEOUT_MS = 30_000;
/** Five feed intervals (runtime/trace-feed.ts publishes every 100 ms). */
const FEED_SETTLE_MS = 500;
const RUNNING = /running against/;
/** The member name of the scenario's gateway process (a fault target like any other). */
const GATEWAY = 'gateway';

interface Member {
  relay: Relay;
  proc?: KubusProcess;
  args: string[];
  /** A replica of an elected component: the Lease it competes for, and the identity its process chose. */
  lease?: string;
  identity?: string;
}

/** Thrown when the runner's own connection does not see the NATS server go or come back. */
export class BusRestartError extends Error {
  override name = 'BusRestartError';
}

/** The real cluster, driven by the wall clock. */
export class RealDriver implements Driver {
  readonly mode = 'real' as const;
  readonly clock = realClock;
  readonly faults: FaultPlan;
  private nats: NatsServer | undefined;
  private bus: NatsBus | undefined;
  private api: ApiClient | undefined;
  private readonly members = new Map<string, Member>();
  /** Nodes run by a shared `kubus node --count` process (node-groups.ts): node name → that process. */
  private readonly shared = new Map<string, KubusProcess>();
  private readonly heartbeatFaults = new Map<string, FaultHandle[]>();
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'kubus-scenario-'));
  /** The users' processes, and the gateway they reach (a member like any other, started on first use). */
  private readonly externals = new Externals(async () => {
    await this.launch(GATEWAY, gatewayArgs(this.argsContext()));
    return this.members.get(GATEWAY)!.proc!.output();
  });
  private t0 = performance.now();
  private waker: (() => void) | undefined;
  /** The runner's own connection, as its status events say; waiters are told of every change. */
  private connected = true;
  private readonly statusWaiters = new Set<() => void>();

  constructor(private readonly opts: DriverOptions) {
    // Which messages a fault drops is seeded (--seed); the timing of a real run is not.
    this.faults = new FaultPlan(seededRng(opts.seed).fork('faults'), (r) => refuseSharedFault(r, this.shared));
  }

  get client(): ApiClient {
    if (!this.api) throw new Error('the real cluster has not started');
    return this.api;
  }

  async start(nodes: ResolvedNode[]): Promise<void> {
    this.t0 = performance.now();
    // API server replicas keep the cluster in JetStream: its files live in the run's folder (removed at the end).
    const js = sharedStore(this.opts.replicas) ? [`jetstream { store_dir: ${JSON.stringify(join(this.dataDir, 'jetstream'))} }`] : [];
    this.nats = await startNatsServer({ config: js });
    this.bus = await NatsBus.connect({ servers: this.nats.url, name: 'scenario', log: this.opts.log });
    this.bus.onStatus((st: BusStatus) => {
      if (st === 'closed') return;
      this.connected = st === 'reconnected';
      for (const w of [...this.statusWaiters]) w();
    });
    if (this.opts.trace) this.record(this.opts.trace);
    this.api = new ApiClient(this.bus);
    const r = this.opts.replicas;
    const all = members(r);
    // One API server after another: the first bootstraps the store (namespaces, priority classes), the others find it done.
    for (const [, target] of all.filter(([c]) => c === 'apiserver')) await this.launch(target, controlPlaneArgs('apiserver', this.argsContext()));
    await Promise.all(all.filter(([c]) => c !== 'apiserver').map(([c, target]) => this.launch(target, controlPlaneArgs(c, this.argsContext()), elected(c, r) ? LEASE_OF[c] : undefined)));
    await Promise.all(processGroups(nodes, this.opts.nodesPerProcess).map((g) => (g.nodes.length === 1 ? this.addNode(g.nodes[0]!) : this.launchGroup(g))));
  }

  /** Starts a shared node process, straight on NATS: no relay, as its nodes can't be cut or faulted one by one. */
  private async launchGroup(g: NodeGroup): Promise<void> {
    const proc = new KubusProcess(g.name, ['--nats', this.nats!.url, ...nodeArgs(g, this.argsContext()), ...this.logFormatArgs()]);
    for (const n of g.nodes) this.shared.set(n.name, proc);
    await proc.waitFor(RUNNING, START_TIMEOUT_MS);
  }

  private logFormatArgs(): string[] {
    return this.opts.logFormat ? ['--log-format', this.opts.logFormat] : [];
  }

  private argsContext(): ArgsContext {
    return { timings: this.opts.timings, replicas: this.opts.replicas, trace: !!this.opts.trace, dataDir: this.dataDir };
  }

  /** The processes' feeds publish every 100 ms: waits for the batches that hold the run's last messages. */
  async settleTrace(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, FEED_SETTLE_MS));
    await this.bus?.flush();
  }

  /**
   * Traces the runner's own connection, and records the span batches processes publish on
   * TRACE_SPANS (`kubus control-plane` and `kubus node` publish them with --trace).
   */
  private record(trace: TraceSink): void {
    this.bus!.tap = trace;
    const ingest = (msg: BusMessage) => {
      const b = msg.data as FeedBatch;
      // A locked process's batch: only its identity's own actors' spans (actors/tracer/span-owner.ts).
      if (Array.isArray(b?.records) && Array.isArray(b?.notes)) trace.ingest(ownedBatch(b, spanPublisher(msg.subject)).batch);
      else this.opts.log.warn({ subject: msg.subject }, 'scenario: dropped a malformed span batch');
    };
    this.bus!.subscribe(TRACE_SPANS, ingest);
    this.bus!.subscribe(TRACE_SPANS_OF_ANY, ingest);
  }

  /** Starts a member's process behind its relay and waits until it says it is running (and, for a replica, who it is). */
  private async launch(target: string, args: string[], lease?: string): Promise<void> {
    let m = this.members.get(target);
    if (!m) {
      const relay = new Relay(target, this.nats!.port, this.faults, this.opts.log);
      await relay.listen();
      m = { relay, args, lease };
      this.members.set(target, m);
    }
    const proc = new KubusProcess(target, ['--nats', m.relay.url, ...args, ...this.logFormatArgs()]);
    m.proc = proc;
    delete m.identity;
    await proc.waitFor(RUNNING, START_TIMEOUT_MS);
    if (m.lease) m.identity = await leaseIdentity(this.bus!, target, proc, m.lease, START_TIMEOUT_MS);
  }

  now(): number {
    return (performance.now() - this.t0) * this.opts.timeScale;
  }

  drive<T>(p: Promise<T>): Promise<T> {
    return p;
  }

  async runUntil(changed: () => boolean, until: number): Promise<void> {
    while (!changed() && this.now() < until) {
      const wallMs = Math.max(1, (until - this.now()) / this.opts.timeScale);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wallMs);
        this.waker = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waker = undefined;
    }
  }

  wake(): void {
    this.waker?.();
  }

  advance(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms / this.opts.timeScale));
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  async addNode(n: ResolvedNode): Promise<void> {
    if (this.members.get(n.name)?.proc || this.shared.has(n.name)) throw new UnknownTargetError(`node ${n.name} is already running`);
    if (componentOf(n.name)) throw new UnknownTargetError(`a node can't be named ${n.name} (a control-plane name)`);
    await this.launch(n.name, nodeArgs(soloGroup(n), this.argsContext()));
  }

  private member(target: string): Member & { proc: KubusProcess } {
    const m = this.members.get(target);
    if (this.shared.has(target)) throw new UnknownTargetError(`node ${target} runs in a shared process (${SHARED_WHY}): it can't be stopped, cut or faulted alone`);
    if (!m?.proc) throw new UnknownTargetError(`no running node or component ${target}`);
    return m as Member & { proc: KubusProcess };
  }

  async stopNode(name: string, graceful: boolean): Promise<void> {
    const m = this.member(name);
    await m.proc.stop(graceful ? 'SIGTERM' : 'SIGKILL');
    m.relay.disconnect();
    await this.bus?.flush();
    delete (m as Member).proc;
  }

  heartbeats(name: string, on: boolean): void {
    this.member(name);
    for (const h of this.heartbeatFaults.get(name) ?? []) h.stop();
    this.heartbeatFaults.delete(name);
    if (!on) this.heartbeatFaults.set(name, HEARTBEAT_PATTERNS.map((pattern) => this.faults.add({ pattern, action: 'drop', fraction: 1, from: name })));
  }

  async cut(target: string, cut: boolean): Promise<void> {
    const m = this.member(target);
    if (cut) m.relay.cut();
    else m.relay.heal();
  }

  async crash(target: string): Promise<void> {
    if (!componentOf(target)) throw new UnknownTargetError(`${target} is not a control-plane member`);
    await this.stopNode(target, false);
  }

  async restart(target: string): Promise<void> {
    const m = this.members.get(target);
    if (!m || !componentOf(target)) throw new UnknownTargetError(`no control-plane member ${target}`);
    if (m.proc) await m.proc.stop('SIGKILL');
    await this.launch(target, m.args);
  }

  replicaOf(identity: string): string | undefined {
    for (const [target, m] of this.members) if (m.identity === identity) return target;
    return undefined;
  }

  /**
   * Kills nats-server with SIGKILL, or starts it again on the same port; resolves when the
   * runner's own connection has seen it go, or come back (every other process reconnects on its own).
   */
  async setBusDown(down: boolean): Promise<void> {
    if (down) await this.nats!.stop('SIGKILL');
    else await this.nats!.restart();
    await this.untilConnected(!down);
  }

  private untilConnected(want: boolean, timeoutMs = 10_000): Promise<void> {
    if (this.connected === want) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.connected !== want) return;
        finish();
        resolve();
      };
      const timer = setTimeout(() => {
        finish();
        reject(new BusRestartError(`the runner's NATS connection did not ${want ? 'reconnect' : 'see the server go'} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.statusWaiters.delete(check);
      };
      this.statusWaiters.add(check);
    });
  }

  external(spec: ExternalSpec & { name: string }, cwd: string, onLine: (line: string) => void): Promise<ExternalProcess> {
    return this.externals.start(spec, cwd, onLine);
  }

  knows(target: string): boolean {
    return !!this.members.get(target)?.proc || this.shared.has(target);
  }

  messages(): undefined {
    return undefined;
  }

  async stop(): Promise<void> {
    await this.externals.stop(); // first: the cluster still answers their last calls
    const order = [...this.members.entries()].reverse();
    const nodes = [...order.filter(([t]) => !componentOf(t)).map(([, m]) => m.proc), ...new Set(this.shared.values())];
    await Promise.all(nodes.map((p) => p?.stop('SIGTERM', 3_000)));
    for (const [, t] of members(this.opts.replicas).reverse()) await this.members.get(t)?.proc?.stop('SIGTERM', 3_000);
    for (const m of this.members.values()) await m.relay.close();
    await this.bus?.close();
    await this.nats?.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
