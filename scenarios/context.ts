// The `s` a scenario body gets: every step goes through here, one at a time, on either mode's driver.
import type { Event } from '../api/kinds/event.ts';
import type { Node } from '../api/kinds/node.ts';
import type { Pod } from '../api/kinds/pod.ts';
import { nodeCondition } from '../api/kinds/pod-helpers.ts';
import type { KubeObject } from '../api/meta.ts';
import type { ApiClient } from '../bus/client.ts';
import { API_VERBS, apiSubject, watchInbox } from '../bus/subjects.ts';
import type { Lease } from '../api/kinds/lease.ts';
import type { ChangeHandlers, CheckResult, Component, Condition, ControlPlaneTarget, ElectedComponent, ExternalHandle, ExternalSpec, FaultHandle, MessageFaultOptions, ObjectFilter, PodFilter, ScenarioApi, WaitOptions } from './api.types.ts';
import { formatDuration, toMs } from './duration.ts';
import type { Expectations } from './expectations.ts';
import { externalName, startExternal } from './external-step.ts';
import { toObjects } from './manifests.ts';
import { StepQueue } from './step-queue.ts';
import { FaultSpecError } from './faults.ts';
import { nodeFromSpec } from './nodes.ts';
import { componentOf, LEASE_OF, replicaNames, type Replicas } from './replicas.ts';
import { COMPONENTS, members, UnknownTargetError, type Driver } from './runner/driver.ts';
import type { Duration, Manifest, Metric, Mode, NodeSpec, ParamValues } from './types.ts';
import type { ClusterView } from './view/cluster-view.ts';
import { NodeSet, ObjectSet, PodSet } from './view/sets.ts';
import { applyObject, deleteObject, patchObject, scaleObject } from './workloads.ts';

export interface ContextOptions {
  name: string;
  mode: Mode;
  seed: number;
  timeScale: number;
  driver: Driver;
  view: ClusterView;
  expectations: Expectations;
  /** Folder manifest paths are relative to (the script's). */
  baseDir: string;
  /** Shortest wait in cluster time (real mode: a floor for process and network latency). */
  minWaitMs: number;
  replicas: Replicas;
  /** Next free node number (names and addresses of added nodes). */
  nextIndex: number;
  realNow(): number;
}

/** Implements ScenarioApi over a driver, the runner's caches and the expectation record. */
export class ScenarioContext implements ScenarioApi {
  readonly name: string;
  readonly mode: Mode;
  readonly seed: number;
  readonly timeScale: number;
  readonly params: ParamValues;
  readonly api: ApiClient;
  readonly metrics: Metric[] = [];
  readonly subjects = {
    api: (resource: string, verb?: string) => (verb ? apiSubject(resource, verb as (typeof API_VERBS)[number]) : apiSubject(resource, '*' as never)),
    watches: `${watchInbox('*')}.>`,
    all: '>',
  };
  private readonly d: Driver;
  private readonly x: Expectations;
  private readonly view: ClusterView;
  private readonly steps = new StepQueue();
  private nextIndex: number;
  private busDown = false;

  constructor(private readonly o: ContextOptions & { params?: ParamValues }) {
    this.name = o.name;
    this.mode = o.mode;
    this.seed = o.seed;
    this.timeScale = o.timeScale;
    this.params = Object.freeze({ ...o.params });
    this.d = o.driver;
    this.x = o.expectations;
    this.view = o.view;
    this.nextIndex = o.nextIndex;
    this.api = this.steps.driven(this.d.client, (p) => this.d.drive(p));
  }

  private act<T>(text: string, fn: () => Promise<T>): Promise<T> {
    return this.steps.serial(async () => {
      this.x.emit('action', text);
      return fn();
    });
  }

  // ---- progress and figures
  step(name: string): void {
    this.x.step = name;
    this.x.emit('step', name);
  }
  log(text: string): void { this.x.emit('info', text); }
  metric(name: string, value: number, unit: string): void {
    this.metrics.push({ name, value, unit });
    this.x.emit('info', `${name}: ${Number.isInteger(value) ? value : value.toFixed(3)} ${unit}`);
  }

  // ---- time
  now(): number {
    return this.d.now();
  }
  realElapsed(): number {
    return this.o.realNow();
  }
  seconds(n: number): number {
    return this.timeScale === 1 ? n : Math.max(1, Math.round(n / this.timeScale));
  }
  ms(d: Duration): number {
    return toMs(d) / this.timeScale;
  }
  advance(d: Duration, opts: { quiet?: boolean } = {}): Promise<void> {
    const ms = toMs(d);
    return opts.quiet ? this.steps.serial(() => this.d.advance(ms)) : this.act(`advance ${formatDuration(ms)}`, () => this.d.advance(ms));
  }
  sleep(d: Duration): Promise<void> {
    const ms = toMs(d);
    return this.act(`sleep ${formatDuration(ms)}${this.mode === 'real' ? ' (wall clock)' : ''}`, () => this.d.sleep(ms));
  }

  // ---- topology
  addNode(name: string, spec: Omit<NodeSpec, 'name' | 'prefix' | 'count'> = {}): Promise<void> {
    return this.act(`add node ${name}`, () => (this.busUp(`add node ${name}`), this.d.addNode(nodeFromSpec(name, this.nextIndex++, spec))));
  }
  removeNode(name: string): Promise<void> {
    return this.act(`remove node ${name}`, async () => {
      await this.d.stopNode(name, true);
      await this.d.drive(deleteObject(this.d.client, 'nodes', name));
    });
  }

  // ---- workloads
  apply(what: Manifest | Manifest[] | string): Promise<KubeObject[]> {
    const objs = toObjects(what, this.o.baseDir);
    return this.act(`apply ${objs.map((o) => `${o.kind.toLowerCase()}/${o.metadata.name ?? o.metadata.generateName ?? '?'}`).join(', ')}`, async () => {
      const out: KubeObject[] = [];
      for (const o of objs) out.push(await this.d.drive(applyObject(this.d.client, o)));
      return out;
    });
  }
  patch(kind: string, name: string, patch: Record<string, unknown>, opts: { namespace?: string } = {}): Promise<KubeObject> {
    return this.act(`patch ${kind}/${name}`, () => this.d.drive(patchObject(this.d.client, kind, name, patch, opts.namespace)));
  }
  scale(kind: string, name: string, replicas: number, opts: { namespace?: string } = {}): Promise<void> {
    return this.act(`scale ${kind}/${name} to ${replicas}`, () => this.d.drive(scaleObject(this.d.client, kind, name, replicas, opts.namespace)));
  }
  delete(kind: string, name: string, opts: Parameters<ScenarioApi['delete']>[2] = {}): Promise<void> {
    return this.act(`delete ${kind}/${name}`, () => this.d.drive(deleteObject(this.d.client, kind, name, opts)));
  }

  external(spec: ExternalSpec): Promise<ExternalHandle> {
    return this.act(`start external ${externalName(spec)}: ${[spec.command, ...(spec.args ?? [])].join(' ')}`, () =>
      (this.busUp(`start external ${externalName(spec)}`), startExternal(this.d, spec, this.o.baseDir, (text) => this.x.emit('info', text), (text, fn) => this.act(text, fn))));
  }

  // ---- reading state
  pods(f: PodFilter = {}): PodSet {
    const set = new PodSet(label('pods', f), this.view.objects<Pod>('pods', f), this.x.observe);
    return f.node ? set.on(f.node) : set;
  }
  nodes(f: ObjectFilter = {}): NodeSet {
    return new NodeSet(label('nodes', f), this.view.objects<Node>('nodes', f), this.x.observe);
  }
  list<T extends KubeObject = KubeObject>(kind: string, f: ObjectFilter = {}): ObjectSet<T> {
    return new ObjectSet<T>(label(this.view.resource(kind), f), this.view.objects<T>(kind, f), this.x.observe);
  }
  events(f: ObjectFilter & { reason?: string } = {}): ObjectSet<Event> {
    const set = new ObjectSet<Event>(label('events', f), this.view.objects<Event>('events', f), this.x.observe);
    return f.reason ? set.where(`reason=${f.reason}`, (e) => e.reason === f.reason) : set;
  }
  get<T extends KubeObject = KubeObject>(kind: string, name: string, namespace?: string): T | undefined {
    const o = this.view.get<T>(kind, name, namespace ?? (['nodes', 'namespaces'].includes(this.view.resource(kind)) ? undefined : 'default'));
    this.x.observe(`${kind}/${name}: ${o ? 'present' : 'absent'}`);
    return o;
  }
  nodeReady(name: string): string | undefined {
    const n = this.view.get<Node>('nodes', name);
    const status = n ? nodeCondition(n, 'Ready')?.status : undefined;
    this.x.observe(`node ${name} Ready=${status ?? (n ? 'none' : 'no such node')}`);
    return status;
  }
  nodeTaints(name: string): string[] {
    const taints = (this.view.get<Node>('nodes', name)?.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`);
    this.x.observe(`node ${name} taints: [${taints.join(', ')}]`);
    return taints;
  }
  on<T extends KubeObject = KubeObject>(kind: string, h: ChangeHandlers<T>): () => void {
    const resource = this.view.resource(kind);
    return this.view.listen((c) => {
      if (c.resource !== resource) return;
      if (c.type === 'add') h.add?.(c.obj as T);
      else if (c.type === 'update') h.update?.(c.old as T, c.obj as T);
      else h.delete?.(c.obj as T);
    });
  }

  // ---- waiting and expectations
  private waitArgs(opts: WaitOptions): [number, number] {
    return [Math.max(toMs(opts.within ?? '1m'), this.o.minWaitMs), toMs(opts.every ?? '1s')];
  }
  until(description: string, cond: Condition, opts: WaitOptions = {}): Promise<void> {
    return this.steps.evaluate(async () => void (await this.x.wait('until', description, cond, ...this.waitArgs(opts))));
  }
  eventually(description: string, cond: Condition, opts: WaitOptions = {}): Promise<boolean> {
    return this.steps.evaluate(() => this.x.wait('eventually', description, cond, ...this.waitArgs(opts)));
  }
  expect(description: string, check: Condition): Promise<boolean> {
    return this.steps.evaluate(() => this.x.expect(description, check));
  }
  always(description: string, invariant: () => CheckResult): FaultHandle {
    return this.x.always(description, invariant);
  }

  // ---- faults
  private target(t: string): string {
    if (!this.d.knows(t)) throw new UnknownTargetError(`no running node or component named "${t}" (control plane: ${this.allMembers().join(', ')})`);
    return t;
  }
  private allMembers(): string[] {
    return members(this.o.replicas).map(([, t]) => t);
  }
  /** Returns the members a control-plane target names: one replica, or every replica of a component. */
  private controlPlane(t: string): string[] {
    const c = componentOf(t);
    const names = c ? replicaNames(c, this.o.replicas[c]) : [];
    if (t === c) return names;
    if (!names.includes(t)) throw new UnknownTargetError(`"${t}" is not a control-plane component or replica (${this.allMembers().join(', ')})`);
    return [t];
  }
  /** Throws when the bus is down: a process started then could not connect (real mode), so neither mode allows it. */
  private busUp(what: string): void {
    if (this.busDown) throw new FaultSpecError(`can't ${what} while the bus is down: call s.restartBus() first`);
  }
  killNode(name: string): Promise<void> {
    return this.act(`kill node ${name}`, () => this.d.stopNode(this.target(name), false));
  }
  stopHeartbeats(name: string): Promise<void> {
    return this.act(`stop heartbeats of ${name}`, async () => this.d.heartbeats(this.target(name), false));
  }
  resumeHeartbeats(name: string): Promise<void> {
    return this.act(`resume heartbeats of ${name}`, async () => this.d.heartbeats(this.target(name), true));
  }
  partition(target: string): Promise<void> {
    return this.act(`partition ${target}`, () => this.d.cut(this.target(target), true));
  }
  heal(target: string): Promise<void> {
    return this.act(`heal ${target}`, () => this.d.cut(this.target(target), false));
  }
  crash(t: ControlPlaneTarget): Promise<void> {
    const targets = this.controlPlane(t).filter((x) => this.d.knows(x));
    if (!targets.length) throw new UnknownTargetError(`${t} is not running`);
    return this.act(`crash ${t}`, async () => {
      for (const x of targets) await this.d.crash(x);
    });
  }
  restart(t: ControlPlaneTarget): Promise<void> {
    const targets = this.controlPlane(t);
    return this.act(`restart ${t}`, async () => {
      this.busUp(`restart ${t}`);
      for (const x of targets) await this.d.restart(x);
    });
  }
  replicas(c: Component): string[] {
    if (!COMPONENTS.includes(c)) throw new UnknownTargetError(`"${c}" is not a component (${COMPONENTS.join(', ')})`);
    return replicaNames(c, this.o.replicas[c]);
  }
  leader(c: ElectedComponent): ControlPlaneTarget | undefined {
    if (!(c in LEASE_OF)) throw new UnknownTargetError(`"${c}" has no leader (elected: ${Object.keys(LEASE_OF).join(', ')})`);
    if (this.o.replicas[c] < 2) throw new FaultSpecError(`${c} runs one replica, without leader election: set { replicas: { '${c}': 2 } }`);
    const lease = this.view.get<Lease>('leases', LEASE_OF[c], 'kube-system');
    const holder = lease?.spec?.holderIdentity;
    const replica = holder ? this.d.replicaOf(holder) : undefined;
    this.x.observe(`lease ${LEASE_OF[c]}: ${holder ? `held by ${replica ?? `${holder} (not a replica of this run)`}` : 'no holder'}`);
    return replica as ControlPlaneTarget | undefined;
  }
  crashBus(): Promise<void> {
    return this.act('crash the bus', async () => {
      this.busDown = true;
      await this.d.setBusDown(true);
    });
  }
  restartBus(): Promise<void> {
    return this.act('restart the bus', async () => {
      await this.d.setBusDown(false);
      this.busDown = false;
    });
  }
  dropMessages(pattern: string, fraction: number, opts: MessageFaultOptions = {}): FaultHandle {
    const h = this.d.faults.add({ pattern, action: 'drop', fraction, ...opts });
    this.x.emit('action', `drop ${Math.round(fraction * 100)}% of ${pattern}${ends(opts)}`);
    return { stop: () => (h.stop(), this.x.emit('action', `stop dropping ${pattern}`)) };
  }
  delayMessages(pattern: string, d: Duration, opts: MessageFaultOptions = {}): FaultHandle {
    const ms = toMs(d);
    // Real mode delays wall-clock time: a cluster-time delay is scaled like every period.
    const h = this.d.faults.add({ pattern, action: 'delay', delayMs: ms / this.timeScale, ...opts });
    this.x.emit('action', `delay ${pattern} by ${formatDuration(ms)}${ends(opts)}`);
    return { stop: () => (h.stop(), this.x.emit('action', `stop delaying ${pattern}`)) };
  }
}

const label = (what: string, f: ObjectFilter & { node?: string }) => [what, f.namespace && `-n ${f.namespace}`, f.labels, f.name && `${f.name}*`].filter(Boolean).join(' ');
const ends = (o: MessageFaultOptions) => `${o.from ? ` from ${o.from}` : ''}${o.to ? ` to ${o.to}` : ''}`;
