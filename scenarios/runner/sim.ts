// Simulated mode: the whole cluster in this process on a deterministic MemoryBroker and a
// VirtualClock, everything seeded. Each component and each node has its own connection, so a
// fault can cut, crash or kill one of them.
import { apiserverActor } from '../../actors/apiserver/apiserver.actor.ts';
import { MemoryStore } from '../../actors/apiserver/store/index.ts';
import { SharedMemoryBackend } from '../../actors/apiserver/store/shared-memory.ts';
import type { Store } from '../../actors/apiserver/store/store.ts';
import { kubeletActor, type KubeletInput } from '../../actors/kubelet/kubelet.actor.ts';
import { schedulerActor } from '../../actors/scheduler/scheduler.actor.ts';
import { VirtualClock } from '../../bus/clock.ts';
import { ApiClient } from '../../bus/client.ts';
import { MemoryBroker, type MemoryBus } from '../../bus/memory-bus.ts';
import { seededRng, type Rng } from '../../bus/random.ts';
import { serving } from '../../runtime/control-plane.ts';
import { controllers } from '../../runtime/controller-manager.ts';
import { Host } from '../../runtime/host.ts';
import { runElected, type ElectedActor } from '../../runtime/leader.ts';
import type { Component, FaultHandle } from '../api.types.ts';
import { FaultPlan, HEARTBEAT_PATTERNS } from '../faults.ts';
import { componentOf, elected, LEASE_OF, sharedStore } from '../replicas.ts';
import { members, UnknownTargetError, type Driver, type DriverOptions, type ResolvedNode } from './driver.ts';

/** Cluster time zero of every simulated run (a fixed instant: runs are comparable byte for byte). */
export const SIM_EPOCH = Date.UTC(2026, 0, 1, 9, 0, 0);

/** The longest a single request may take in cluster time before the run gives up on it. */
const DRIVE_LIMIT_MS = 10 * 60_000;

/** How long (cluster time) a write takes to reach the other API server replicas' caches: a few ms, as etcd's watch. */
export const SHARED_FEED_DELAY_MS = 3;

interface Proc {
  host: Host;
  bus: MemoryBus;
  /** An API server replica's own store (its view of the shared backend), closed when it goes down. */
  store?: Store;
}

const nodeConn = (name: string) => `node/${name}`;
const targetOf = (conn: string) => (conn.startsWith('node/') ? conn.slice(5) : conn);

/** The simulated cluster. */
export class SimDriver implements Driver {
  readonly mode = 'simulated' as const;
  readonly clock = new VirtualClock(SIM_EPOCH);
  readonly broker: MemoryBroker;
  readonly faults: FaultPlan;
  readonly client: ApiClient;
  private readonly rng: Rng;
  /** One API server: its store outlives it (as on disk). Several: each opens a replica of one shared backend. */
  private readonly store: MemoryStore | undefined;
  private readonly shared: SharedMemoryBackend | undefined;
  /** Control-plane members by target name (`scheduler`, or `scheduler-0` … when replicated). */
  private readonly comps = new Map<string, Proc>();
  /** Targets cut off by partition(): they stay cut when the bus comes back. */
  private readonly cutOff = new Set<string>();
  private busDown = false;
  private readonly nodes = new Map<string, Proc & { node: ResolvedNode }>();
  private readonly heartbeatFaults = new Map<string, FaultHandle[]>();
  private readonly runnerBus: MemoryBus;
  private restarts = 0;
  /** Processes started so far per connection name: a restarted one draws other random ids (a new API server run, a new instance), as a real process does. */
  private readonly runs = new Map<string, number>();

  constructor(private readonly opts: DriverOptions) {
    this.rng = seededRng(opts.seed);
    this.clock.onError = (err) => opts.log.error({ err }, 'a timer callback threw');
    this.broker = new MemoryBroker({ clock: this.clock, deterministic: true, rng: this.rng.fork('broker'), log: opts.log });
    this.faults = new FaultPlan(this.rng.fork('faults'));
    const plan = this.faults;
    this.broker.faults = {
      drop: (env, to) => !plan.empty && plan.drop(env.subject, targetOf(env.from), targetOf(to)),
      delayMs: (env, to) => (plan.empty ? 0 : plan.delayMs(env.subject, targetOf(env.from), targetOf(to))),
    };
    // Without --trace nothing records: the broker counts the messages for the report itself.
    this.broker.tap = opts.trace;
    this.runnerBus = this.broker.connect('scenario', this.rng.fork('scenario'));
    this.client = new ApiClient(this.runnerBus, { clock: this.clock });
    if (sharedStore(opts.replicas))
      this.shared = new SharedMemoryBackend({ feedDelayMs: SHARED_FEED_DELAY_MS, clock: this.clock, onWarn: (m, err) => opts.log.warn({ err }, `store: ${m}`) });
    else this.store = new MemoryStore();
  }

  async start(nodes: ResolvedNode[]): Promise<void> {
    for (const [c, target] of members(this.opts.replicas)) await this.startMember(c, target);
    for (const n of nodes) await this.addNode(n);
  }

  now(): number {
    return this.clock.now() - SIM_EPOCH;
  }

  async drive<T>(p: Promise<T>): Promise<T> {
    let done = false;
    p.then(
      () => (done = true),
      () => (done = true),
    );
    await this.clock.runUntil(() => done, this.clock.now() + DRIVE_LIMIT_MS);
    if (!done) throw new Error(`the cluster did not answer within ${DRIVE_LIMIT_MS / 60_000} minutes of cluster time`);
    return p;
  }

  async runUntil(changed: () => boolean, until: number): Promise<void> {
    const deadline = SIM_EPOCH + until;
    if (await this.clock.runUntil(changed, deadline)) return;
    if (this.clock.now() < deadline) await this.clock.advance(deadline - this.clock.now());
  }

  wake(): void {
    // The virtual clock checks `changed` after every timer: nothing to do.
  }

  advance(ms: number): Promise<void> {
    return this.clock.advance(ms);
  }

  sleep(ms: number): Promise<void> {
    return this.clock.advance(ms);
  }

  private proc(conn: string): Proc {
    const bus = this.broker.connect(conn, this.rng.fork(`${conn}#${this.restarts++}`));
    const run = this.runs.get(conn) ?? 0;
    this.runs.set(conn, run + 1);
    const rng = this.rng.fork(run ? `host/${conn}#${run}` : `host/${conn}`);
    const host = new Host({ bus, clock: this.clock, rng, log: this.opts.log, inspect: this.opts.trace?.inspect });
    return { host, bus };
  }

  /** Starts one control-plane member on its own connection: replicas of an elected component behind leader election. */
  private async startMember(c: Component, target: string): Promise<void> {
    const p = this.proc(target);
    this.comps.set(target, p);
    const t = this.opts.timings;
    if (c === 'apiserver') {
      // A replica's store is its cache of the shared data: opened with it, closed when it dies.
      const store = this.shared ? (p.store = this.shared.replica()) : this.store!;
      // Each replica has its own server id (unwatch requests are addressed to it); one keeps the actor's.
      await this.drive(serving(p.host.start(apiserverActor, 'apiserver', { store, ...(this.shared ? { serverId: target } : {}) })));
      return;
    }
    const nodeLifecycle = { gracePeriodMs: t.gracePeriodMs, monitorPeriodMs: t.monitorPeriodMs, startupGracePeriodMs: t.startupGracePeriodMs, evictionQPS: t.evictionQPS };
    const actors: ElectedActor[] =
      c === 'scheduler' ? [[schedulerActor, 'scheduler', undefined]] : controllers({ nodeLifecycle }).map(([n, def, input]) => [def, `controller/${n}`, input]);
    // The identity is the target's name, so the Lease's holderIdentity names the replica.
    if (elected(c, this.opts.replicas)) runElected(p.host, { name: LEASE_OF[c], identity: target, actors, timings: t.election });
    else for (const [def, id, input] of actors) p.host.start(def, id, input);
  }

  async addNode(node: ResolvedNode): Promise<void> {
    if (this.nodes.has(node.name)) throw new UnknownTargetError(`node ${node.name} is already running`);
    if (componentOf(node.name)) throw new UnknownTargetError(`a node can't be named ${node.name} (a control-plane name)`);
    const p = this.proc(nodeConn(node.name));
    const t = this.opts.timings;
    const input: KubeletInput = {
      nodeName: node.name,
      index: node.index,
      capacity: node.capacity,
      labels: node.labels,
      taints: node.taints,
      leaseDurationSeconds: t.leaseDurationSeconds,
      nodeStatusReportMs: t.nodeStatusReportMs,
      events: t.events,
    };
    p.host.start(kubeletActor, `kubelet/${node.name}`, input);
    this.nodes.set(node.name, { ...p, node });
  }

  async stopNode(name: string, graceful: boolean): Promise<void> {
    const n = this.nodes.get(name);
    if (!n) throw new UnknownTargetError(`no running node ${name}`);
    this.nodes.delete(name);
    this.cutOff.delete(name);
    await this.down(n, graceful);
  }

  /** Stops a process: a crash first cuts its connection, so nothing it does while stopping gets out. */
  private async down(p: Proc, graceful: boolean): Promise<void> {
    if (!graceful) p.bus.setDown(true);
    await this.drive(p.host.stopAll());
    await p.bus.close();
    // A replica stopping gracefully lets the writes it has in flight reach its cache (they resolve then) before its store closes.
    if (graceful && p.store) await this.clock.advance(SHARED_FEED_DELAY_MS);
    await p.store?.close();
  }

  heartbeats(name: string, on: boolean): void {
    if (!this.nodes.has(name)) throw new UnknownTargetError(`no running node ${name}`);
    for (const h of this.heartbeatFaults.get(name) ?? []) h.stop();
    this.heartbeatFaults.delete(name);
    if (!on) this.heartbeatFaults.set(name, HEARTBEAT_PATTERNS.map((pattern) => this.faults.add({ pattern, action: 'drop', fraction: 1, from: name })));
  }

  async cut(target: string, cut: boolean): Promise<void> {
    const p = this.nodes.get(target) ?? this.comps.get(target);
    if (!p) throw new UnknownTargetError(`no running node or component ${target}`);
    if (cut) this.cutOff.add(target);
    else this.cutOff.delete(target);
    if (!this.busDown) p.bus.setDown(cut);
  }

  async crash(target: string): Promise<void> {
    const p = this.comps.get(target);
    if (!p) throw new UnknownTargetError(`${target} is not running`);
    this.comps.delete(target);
    this.cutOff.delete(target);
    await this.down(p, false);
  }

  async restart(target: string): Promise<void> {
    const c = componentOf(target);
    if (!c || !members(this.opts.replicas).some(([, t]) => t === target)) throw new UnknownTargetError(`no control-plane member ${target}`);
    if (this.comps.has(target)) await this.crash(target);
    await this.startMember(c, target);
  }

  replicaOf(identity: string): string | undefined {
    return members(this.opts.replicas).some(([, t]) => t === identity) ? identity : undefined;
  }

  /** Every connection goes down at once (as when nats-server dies), the runner's too; up again, each reconnects. */
  async setBusDown(down: boolean): Promise<void> {
    this.busDown = down;
    const conns: Array<[string, MemoryBus]> = [
      ...[...this.comps].map(([t, p]): [string, MemoryBus] => [t, p.bus]),
      ...[...this.nodes].map(([t, p]): [string, MemoryBus] => [t, p.bus]),
      ['scenario', this.runnerBus],
    ];
    for (const [t, bus] of conns) bus.setDown(down || this.cutOff.has(t));
  }

  knows(target: string): boolean {
    return this.nodes.has(target) || this.comps.has(target);
  }

  messages(): number {
    return this.broker.delivered;
  }

  async stop(): Promise<void> {
    for (const p of [...this.nodes.values(), ...this.comps.values()].reverse()) {
      try {
        await this.down(p, true);
      } catch (err) {
        this.opts.log.warn({ err }, 'stopping a simulated process failed');
      }
    }
    this.nodes.clear();
    this.comps.clear();
    await this.runnerBus.close();
  }
}
