// Builders of nodes and pods for scheduler tests, a cache to run plugins against, and an API
// server + scheduler on the virtual clock.
import type { ExecutionContext } from 'ava';
import type { Node } from '../../api/kinds/node.ts';
import type { Pod } from '../../api/kinds/pod.ts';
import type { Affinity, Taint, Toleration, TopologySpreadConstraint } from '../../api/kinds/scheduling.ts';
import type { KubeObject } from '../../api/meta.ts';
import { SchedulerCache } from '../../actors/scheduler/cache.ts';
import { podInfoOf } from '../../actors/scheduler/pod-info.ts';
import { schedulerActor, type SchedulerInput } from '../../actors/scheduler/scheduler.actor.ts';
import type { Labels, PodInfo } from '../../actors/scheduler/types.ts';
import { VirtualClock } from '../../bus/clock.ts';
import { startApi, type ApiEnv } from './api.ts';

export interface NodeOpts {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  extra?: Record<string, string>;
}

/** Returns a Node with capacity = allocatable (default 4 cpu, 8Gi, 110 pods) and a hostname label. */
export function mkNode(name: string, o: NodeOpts = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      capacity: { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110', ...o.extra },
      allocatable: { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110', ...o.extra },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

export interface PodOpts {
  namespace?: string;
  cpu?: string;
  memory?: string;
  extra?: Record<string, string>;
  initCpu?: string;
  labels?: Record<string, string>;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: Affinity;
  hostPorts?: Array<{ port: number; protocol?: string; hostIP?: string }>;
  priority?: number;
  preemptionPolicy?: string;
  spread?: TopologySpreadConstraint[];
  terminating?: boolean;
}

/** Returns a Pod with one container requesting what is asked (nothing by default). */
export function mkPod(name: string, o: PodOpts = {}): Pod {
  const requests: Record<string, string> = { ...(o.cpu ? { cpu: o.cpu } : {}), ...(o.memory ? { memory: o.memory } : {}), ...o.extra };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: `uid-${name}`,
      labels: o.labels ?? {},
      ...(o.terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: {
      containers: [
        {
          name: 'c',
          image: 'registry.example/app:1',
          ...(Object.keys(requests).length ? { resources: { requests } } : {}),
          ...(o.hostPorts ? { ports: o.hostPorts.map((p) => ({ containerPort: p.port, hostPort: p.port, protocol: p.protocol ?? 'TCP', hostIP: p.hostIP })) } : {}),
        },
      ],
      ...(o.initCpu ? { initContainers: [{ name: 'init', image: 'i', resources: { requests: { cpu: o.initCpu } } }] } : {}),
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...(o.affinity ? { affinity: o.affinity } : {}),
      ...(o.spread ? { topologySpreadConstraints: o.spread } : {}),
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...(o.preemptionPolicy ? { preemptionPolicy: o.preemptionPolicy } : {}),
      schedulerName: 'default-scheduler',
    },
  };
}

/** Returns a scheduler cache holding these nodes and bound pods (pods need spec.nodeName). */
export function clusterOf(nodes: Node[], pods: Pod[] = [], nsLabels: Record<string, Labels> = {}): SchedulerCache {
  const c = new SchedulerCache(0, (ns) => nsLabels[ns] ?? { 'kubernetes.io/metadata.name': ns });
  for (const n of nodes) c.setNode(n);
  for (const p of pods) c.upsertBoundPod(p);
  return c;
}

export const info = (p: Pod): PodInfo => podInfoOf(p);

export interface SchedEnv {
  clock: VirtualClock;
  env: ApiEnv;
  /** Drives the virtual clock until the promise settles (at most 10 s of virtual time). */
  run<R>(p: Promise<R>): Promise<R>;
  createNode(n: Node): Promise<void>;
  createPod(p: Pod): Promise<Pod>;
  startScheduler(input?: SchedulerInput): ReturnType<ReturnType<ApiEnv['process']>['start']>;
  getPod(name: string, namespace?: string): Promise<Pod>;
  listPods(namespace?: string): Promise<Pod[]>;
}

/** Starts an API server on the virtual clock; the scheduler is started on demand in its own process. */
export async function schedEnv(t: ExecutionContext, seed = 1): Promise<SchedEnv> {
  const clock = new VirtualClock(Date.UTC(2026, 10, 23, 10, 0, 0));
  const env = await startApi(t, { clock, seed });
  const run = async <R>(p: Promise<R>): Promise<R> => {
    let done = false;
    void p.then(
      () => (done = true),
      () => (done = true),
    );
    await clock.runUntil(() => done, clock.now() + 10_000);
    return p;
  };
  const strip = (o: Node | Pod) => {
    const c = structuredClone(o) as unknown as KubeObject;
    delete c.metadata.uid;
    return c;
  };
  // Priority admission sets spec.priority: a pod built with one names a class of that value instead.
  const classes = new Set<number>();
  const withClass = async (o: KubeObject): Promise<KubeObject> => {
    const spec = o.spec as { priority?: number; priorityClassName?: string };
    if (spec.priority == null || spec.priorityClassName) return o;
    const value = spec.priority;
    if (!classes.has(value)) {
      classes.add(value);
      const pc = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: `priority-${value}` }, value } as KubeObject;
      await run(env.client.create('priorityclasses', pc));
    }
    delete spec.priority;
    spec.priorityClassName = `priority-${value}`;
    return o;
  };
  return {
    clock,
    env,
    run,
    createNode: async (n) => void (await run(env.client.create('nodes', strip(n)))),
    createPod: async (p) => run(env.client.create<Pod>('pods', await withClass(strip(p)))),
    startScheduler: (input = {}) => env.process('scheduler').start(schedulerActor, 'scheduler', input),
    getPod: (name, namespace = 'default') => run(env.client.get<Pod>('pods', name, { namespace })),
    listPods: async (namespace = 'default') => (await run(env.client.list<Pod>('pods', { namespace }))).items,
  };
}

/** Advances the virtual clock in 100 ms steps until `cond` holds; throws after `ms` of virtual time. */
export async function until(s: SchedEnv, cond: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = s.clock.now() + ms;
  while (!(await cond())) {
    if (s.clock.now() >= deadline) throw new Error('condition not met in virtual time');
    await s.clock.advance(100);
  }
}
