// The scheduler's stateful side, used by the actor's effects: informer events into the cache and
// queue, a batch of scheduling cycles, binding outcomes, status reports and explain replies.
import type { Condition } from '../../api/kinds/common.ts';
import type { Namespace } from '../../api/kinds/namespace.ts';
import type { Node } from '../../api/kinds/node.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import type { PodDisruptionBudget } from '../../api/kinds/poddisruptionbudget.ts';
import { rfc3339 } from '../../api/names.ts';
import { isConflict } from '../../api/status.ts';
import type { Informer } from '../../bus/informer.ts';
import { seededRng, type Rng } from '../../bus/random.ts';
import type { ActorDeps } from '../lib/actor.ts';
import { EventRecorder } from '../lib/events.ts';
import { SchedulerCache } from './cache.ts';
import { explainPod, type ExplainReply, type ExplainRequest, type LastAttempt } from './explain.ts';
import { mayBecomeSchedulable, nodeChanges, type ClusterEvent } from './hints.ts';
import { Nominator } from './nominator.ts';
import { podInfoOf, podKey, sameLabels } from './pod-info.ts';
import { SchedulingQueue } from './queue.ts';
import type { PodInfo } from './types.ts';
import type { BatchResult, Binding, Failure, Preemption } from './scheduler.machine.ts';
import { SchedulingAlgorithm, type CycleContext } from './scheduler.logic.ts';
import { evictVictims } from './preemption-effects.ts';
import { pdbInfos, type PdbInfo } from './victims.ts';
import { VolumeBinder } from './volume-binder.ts';

/** What the scheduler is configured with (see schedulerConfigOf for defaults). */
export interface SchedulerConfig {
  schedulerName: string;
  percentageOfNodesToScore: number;
  podInitialBackoffMs: number;
  podMaxBackoffMs: number;
  podMaxInUnschedulableMs: number;
  assumedPodTtlMs: number;
  batchMaxPods: number;
  batchBudgetMs: number;
}

const assigned = (p: Pod) => !!p.spec?.nodeName;
const schedulingFields = (p: Pod) => JSON.stringify([p.metadata.labels, p.metadata.annotations, p.spec]);

/** Returns an event note cut to the API's 1 KiB limit as upstream's truncateMessage does (the condition keeps it whole). */
export const truncateMessage = (m: string, max = 1024) => (m.length <= max ? m : `${m.slice(0, max - 4)} ...`);

/** The state the effects share: cache, queue, algorithm, informers, event recorder. */
export class SchedulerRuntime {
  readonly cache: SchedulerCache;
  readonly queue: SchedulingQueue<ClusterEvent>;
  readonly algo: SchedulingAlgorithm;
  readonly pods: Informer<Pod>;
  readonly nodes: Informer<Node>;
  readonly namespaces: Informer<Namespace>;
  readonly pdbs: Informer<PodDisruptionBudget>;
  /** Claims, volumes and classes for VolumeBinding, and its PreBind. */
  readonly volumeBinder: VolumeBinder;
  /** Pods preemption nominated to a node; their room there is kept from lower-priority pods. */
  readonly nominator = new Nominator();
  private readonly events: EventRecorder;
  private readonly last = new Map<string, Omit<LastAttempt, 'at'> & { at: number }>();
  /** Tie-breaks draw often: a fast generator seeded from the injected one (deterministic when that is). */
  private readonly tieRng: Rng;

  constructor(
    private readonly deps: ActorDeps,
    private readonly cfg: SchedulerConfig,
  ) {
    this.pods = deps.informers.get<Pod>('pods');
    this.nodes = deps.informers.get<Node>('nodes');
    this.namespaces = deps.informers.get<Namespace>('namespaces');
    this.pdbs = deps.informers.get<PodDisruptionBudget>('poddisruptionbudgets');
    this.cache = new SchedulerCache(cfg.assumedPodTtlMs, (ns) => this.namespaces.get(ns)?.metadata.labels);
    this.volumeBinder = new VolumeBinder(deps);
    this.cache.volumes = this.volumeBinder.lister;
    this.queue = new SchedulingQueue<ClusterEvent>(
      { backoff: { initialMs: cfg.podInitialBackoffMs, maxMs: cfg.podMaxBackoffMs, factor: 2 }, maxInUnschedulableMs: cfg.podMaxInUnschedulableMs },
      mayBecomeSchedulable,
    );
    this.algo = new SchedulingAlgorithm({ percentageOfNodesToScore: cfg.percentageOfNodesToScore });
    this.tieRng = seededRng(deps.rng.int(0x7fffffff));
    this.events = new EventRecorder(deps.client, { component: cfg.schedulerName, host: deps.id }, deps.clock, deps.rng.fork('events'), deps.log);
  }

  private now = () => this.deps.clock.now();

  /** Returns whether this scheduler places the pod: its schedulerName, no node yet, not being deleted. */
  responsible(p: Pod): boolean {
    return (p.spec?.schedulerName || 'default-scheduler') === this.cfg.schedulerName && !assigned(p) && !p.metadata.deletionTimestamp;
  }

  // --- informer events -----------------------------------------------------------------------

  /** Keeps the nominator in step with a pod: bound or gone pods lose their nomination; a nominatedNodeName seen in status is kept. */
  private nominate(p: Pod): void {
    const key = podKey(p);
    if (assigned(p) || !this.responsible(p)) return this.nominator.delete(key);
    const node = p.status?.nominatedNodeName;
    if (node && this.nominator.nominatedNode(key) !== node) this.nominator.add(podInfoOf(p), node);
  }

  onPodAdd(p: Pod): void {
    this.nominate(p);
    if (assigned(p)) {
      const pod = this.cache.upsertBoundPod(p);
      this.queue.delete(pod.key);
      this.queue.onEvent({ kind: 'AssignedPodAdd', pod }, this.now());
    } else if (this.responsible(p)) this.queue.add(podInfoOf(p), this.now());
  }

  onPodUpdate(old: Pod, p: Pod): void {
    const key = podKey(p);
    this.nominate(p);
    if (assigned(p)) {
      if (!assigned(old)) return this.onPodAdd(p);
      const relevant =
        old.metadata.generation !== p.metadata.generation ||
        !sameLabels(old.metadata.labels, p.metadata.labels) ||
        old.metadata.deletionTimestamp !== p.metadata.deletionTimestamp ||
        old.status?.phase !== p.status?.phase;
      if (!relevant) return;
      const info = this.cache.upsertBoundPod(p);
      const gone = p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
      this.queue.onEvent(gone ? { kind: 'AssignedPodDelete', pod: info } : { kind: 'AssignedPodUpdate', pod: info }, this.now());
      return;
    }
    if (!this.responsible(p)) return this.queue.delete(key);
    // Status-only writes (our own PodScheduled condition among them) do not change the pod's chances; copies sharing spec, labels and annotations are not stringified.
    const same = old.spec === p.spec && old.metadata.labels === p.metadata.labels && old.metadata.annotations === p.metadata.annotations;
    if ((!same && schedulingFields(old) !== schedulingFields(p)) || !this.queue.where(key)) this.queue.update(podInfoOf(p), this.now());
  }

  onPodDelete(p: Pod): void {
    const key = podKey(p);
    this.last.delete(key);
    this.nominator.delete(key);
    if (assigned(p)) {
      this.cache.removePod(key);
      this.queue.onEvent({ kind: 'AssignedPodDelete', pod: podInfoOf(p) }, this.now());
    } else this.queue.delete(key);
  }

  onNodeAdd(n: Node): void {
    this.queue.onEvent({ kind: 'NodeAdd', node: this.cache.setNode(n) }, this.now());
  }

  onNodeUpdate(old: Node, n: Node): void {
    const node = this.cache.setNode(n);
    const changes = nodeChanges(old, n);
    if (changes) this.queue.onEvent({ kind: 'NodeUpdate', node, changes }, this.now());
  }

  /** A claim, volume or class changed: pods VolumeBinding rejected may fit now. */
  onStorageChange(): void {
    this.queue.onEvent({ kind: 'StorageChange' }, this.now());
  }

  onNodeDelete(n: Node): void {
    this.cache.removeNode(n.metadata.name!);
  }

  // --- scheduling ----------------------------------------------------------------------------

  /** Runs scheduling cycles until the active queue is empty, batchMaxPods were tried, or batchBudgetMs passed. */
  runBatch(): BatchResult {
    const start = this.now();
    const bindings: Binding[] = [];
    const failures: Failure[] = [];
    const preemptions: Preemption[] = [];
    // Budgets are compiled at most once a batch, and only when a pod may preempt.
    let budgets: PdbInfo[] | undefined;
    const cx: CycleContext = { nominator: this.nominator, pdbs: () => (budgets ??= pdbInfos(this.pdbs.list())), now: start };
    for (let n = 0; n < this.cfg.batchMaxPods && (n === 0 || this.now() - start < this.cfg.batchBudgetMs); n++) {
      const qp = this.queue.pop();
      if (!qp) break;
      const { key } = qp;
      const pod = qp.info.pod;
      const r = this.algo.schedule(qp.info, this.cache, this.tieRng, cx);
      const at = this.now();
      if (r.kind === 'scheduled') {
        try {
          this.cache.assume(qp.info, r.node);
        } catch (err) {
          this.deps.log.warn({ pod: key, err: (err as Error).message }, 'could not assume pod; dropping it from the queue');
          this.queue.delete(key);
          continue;
        }
        this.nominator.delete(key);
        bindings.push({ key, namespace: qp.info.namespace, name: pod.metadata.name!, node: r.node });
        this.last.set(key, { at, result: 'scheduled', node: r.node, feasibleNodes: r.feasible, evaluatedNodes: r.evaluated });
        continue;
      }
      const unschedulable = r.kind === 'unschedulable';
      const nominate = unschedulable ? r.nominate : undefined;
      if (nominate) preemptions.push(this.planPreemption(qp.info, nominate.node, nominate.victims));
      const clear = unschedulable && r.clearNomination && (this.nominator.nominatedNode(key) !== undefined || !!pod.status?.nominatedNodeName);
      if (clear) this.nominator.delete(key);
      this.queue.requeue(key, unschedulable ? { rejectedBy: r.rejectedBy } : {}, this.now());
      failures.push({ key, reason: unschedulable ? 'Unschedulable' : 'SchedulerError', message: r.message, ...(nominate ? { nominatedNodeName: nominate.node } : clear ? { nominatedNodeName: '' } : {}) });
      this.last.set(key, { at, result: unschedulable ? 'unschedulable' : 'error', message: r.message });
      this.deps.log.debug({ pod: key, message: r.message }, 'unable to schedule pod');
    }
    return { bindings, failures, preemptions, more: this.queue.activeCount > 0 };
  }

  /** Nominates the preemptor to the node (taking the nomination from lower-priority pods there) and names the victims. */
  private planPreemption(pod: PodInfo, node: string, victims: readonly PodInfo[]): Preemption {
    const unnominated = this.nominator
      .podsOn(node)
      .filter((p) => p.key !== pod.key && p.priority < pod.priority)
      .map((p) => p.key);
    for (const key of unnominated) this.nominator.delete(key);
    this.nominator.add(pod, node);
    return {
      preemptor: { key: pod.key, uid: pod.uid },
      node,
      victims: victims.map((v) => ({ key: v.key, namespace: v.namespace, name: v.pod.metadata.name! })),
      unnominated,
    };
  }

  /** Evicts the victims of each preemption gracefully and clears the nominations it took over (fire and forget). */
  preempt(preemptions: readonly Preemption[]): void {
    for (const p of preemptions) evictVictims(p, { client: this.deps.client, log: this.deps.log, events: this.events, pods: this.pods, now: this.now, schedulerName: this.cfg.schedulerName });
  }

  /** The binding went through: start the assumption's expiry clock and record the Scheduled event. */
  bindSucceeded(key: string, node: string): void {
    this.cache.finishBinding(key, this.now());
    this.queue.done(key);
    const pod = this.pods.get(key);
    const [namespace, name] = key.split('/');
    if (pod) this.events.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${node}`);
  }

  /** The binding failed: forget the assumption and retry after backoff (unless the pod is gone or bound meanwhile). */
  bindFailed(key: string, node: string, error: unknown): void {
    this.cache.forget(key, node);
    const conflict = isConflict(error);
    const pod = this.pods.get(key);
    if (!pod || assigned(pod) || pod.metadata.deletionTimestamp) {
      this.deps.log.info({ pod: key, node, err: (error as Error)?.message }, 'binding failed; the pod is gone or already bound');
      this.queue.delete(key);
      return;
    }
    this.queue.requeue(key, {}, this.now());
    this.deps.log.warn({ pod: key, node, err: (error as Error)?.message }, 'binding failed; will retry after backoff');
    if (!conflict) this.report([{ key, reason: 'SchedulerError', message: `running Bind plugin "DefaultBinder": ${(error as Error)?.message ?? error}` }]);
  }

  /** Records FailedScheduling events and sets PodScheduled=False (only when the condition changes), fire and forget. */
  report(failures: Failure[]): void {
    for (const f of failures) {
      const pod = this.pods.get(f.key);
      if (!pod || assigned(pod)) continue;
      this.events.record(pod, 'Warning', 'FailedScheduling', truncateMessage(f.message));
      const conds = pod.status?.conditions ?? [];
      const cur = conds.find((c) => c.type === 'PodScheduled');
      const nominating = f.nominatedNodeName !== undefined && f.nominatedNodeName !== (pod.status?.nominatedNodeName ?? '');
      if (!nominating && cur && cur.status === 'False' && cur.reason === f.reason && cur.message === f.message) continue;
      const now = rfc3339(this.now());
      const next: Condition = {
        type: 'PodScheduled',
        status: 'False',
        reason: f.reason,
        message: f.message,
        lastTransitionTime: cur?.status === 'False' && cur.lastTransitionTime ? cur.lastTransitionTime : now,
      };
      const conditions = [...conds.filter((c) => c.type !== 'PodScheduled'), next];
      const [namespace, name] = f.key.split('/');
      void this.deps.client
        .patch('pods', name, { status: { conditions, ...(f.nominatedNodeName !== undefined ? { nominatedNodeName: f.nominatedNodeName || null } : {}) } }, { namespace, status: true })
        .catch((err: Error) => this.deps.log.warn({ pod: f.key, err: err.message }, 'could not update the PodScheduled condition'));
    }
  }

  /** Moves pods out of backoff and drops expired assumptions (their pods back off again if still unbound). */
  flushBackoff(): void {
    const now = this.now();
    for (const key of this.cache.cleanupExpired(now)) {
      const pod = this.pods.get(key);
      this.deps.log.warn({ pod: key }, 'assumed pod expired before the watch confirmed its binding');
      if (pod && this.responsible(pod)) this.queue.readmit(podInfoOf(pod), now);
    }
    this.queue.flushBackoffCompleted(now);
  }

  flushUnschedulable(): void {
    this.queue.flushUnschedulableLeftover(this.now());
  }

  /** Answers `kubus explain pod`: filter verdicts and scores against the current cache. */
  explain(req: ExplainRequest): ExplainReply {
    const namespace = req.namespace || 'default';
    const key = `${namespace}/${req.name}`;
    const pod = this.pods.get(key);
    const l = this.last.get(key);
    const base = { namespace, name: req.name, scheduler: this.cfg.schedulerName, last: l && { ...l, at: rfc3339(l.at) } };
    if (!pod) return { ...base, found: false, plugins: [], nodes: [] };
    return { ...base, found: true, nodeName: pod.spec.nodeName, ...explainPod(podInfoOf(pod), this.cache) };
  }
}
