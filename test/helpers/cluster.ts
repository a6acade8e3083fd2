// A whole simulated cluster on the virtual clock: API server, scheduler, controller manager and
// sim kubelets, each node on its own bus connection (so it can be stopped or cut off).
import type { ExecutionContext } from 'ava';
import type { KubeletInput } from '../../actors/kubelet/kubelet.actor.ts';
import { kubeletActor } from '../../actors/kubelet/kubelet.actor.ts';
import { schedulerActor } from '../../actors/scheduler/scheduler.actor.ts';
import type { KubeObject } from '../../api/meta.ts';
import { VirtualClock } from '../../bus/clock.ts';
import type { MemoryBus } from '../../bus/memory-bus.ts';
import { startControllerManager, type ControllerManagerOptions } from '../../runtime/controller-manager.ts';
import type { Host } from '../../runtime/host.ts';
import { startApi, type ApiEnv } from './api.ts';

export interface SimCluster extends ApiEnv {
  clock: VirtualClock;
  nodes: Map<string, Host>;
  /** Advances virtual time until the promise settles (requests need deliveries, which need time). */
  run<T>(p: Promise<T>): Promise<T>;
  /** Advances virtual time until `pred` (checked every `everyMs` of virtual time) holds; throws after `withinMs`. */
  until(pred: () => Promise<boolean> | boolean, withinMs: number, what: string, everyMs?: number): Promise<number>;
  /** Starts a node (kubelet) on its own connection. */
  addNode(name: string, input?: Omit<KubeletInput, 'nodeName'>): Host;
  /** Stops a node's kubelet, as if its process died. */
  stopNode(name: string): Promise<void>;
  /** Cuts (or restores) a node's bus connection. */
  partition(name: string, cut: boolean): void;
  list<T extends KubeObject = KubeObject>(resource: string, opts?: Parameters<ApiEnv['client']['list']>[1]): Promise<T[]>;
}

export interface SimClusterOptions {
  nodes?: number;
  seed?: number;
  kubelet?: Omit<KubeletInput, 'nodeName'>;
  controllers?: ControllerManagerOptions;
}

/** Starts a simulated cluster with `nodes` sim nodes named node-0, node-1, ... */
export async function startSimCluster(t: ExecutionContext, opts: SimClusterOptions = {}): Promise<SimCluster> {
  const clock = new VirtualClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  const env = await startApi(t, { clock, seed: opts.seed });
  const cp = env.process('control-plane');
  cp.start(schedulerActor, 'scheduler', undefined);
  startControllerManager(cp, opts.controllers);
  const nodes = new Map<string, Host>();
  const run = async <T>(p: Promise<T>): Promise<T> => {
    let done = false;
    void p.then(
      () => (done = true),
      () => (done = true),
    );
    await clock.runUntil(() => done, clock.now() + 60_000);
    return p;
  };
  const cluster: SimCluster = {
    ...env,
    clock,
    nodes,
    run,
    async until(pred, withinMs, what, everyMs = 1000) {
      const start = clock.now();
      for (;;) {
        if (await pred()) return clock.now() - start;
        if (clock.now() - start > withinMs) throw new Error(`not within ${withinMs / 1000} s of virtual time: ${what}`);
        await clock.advance(everyMs);
      }
    },
    addNode(name, input) {
      const host = env.process(`node/${name}`);
      host.start(kubeletActor, `kubelet/${name}`, { events: false, ...opts.kubelet, ...input, nodeName: name });
      nodes.set(name, host);
      return host;
    },
    async stopNode(name) {
      await nodes.get(name)?.stopAll();
    },
    partition(name, cut) {
      (nodes.get(name)!.env.bus as MemoryBus).setDown(cut);
    },
    list: async (resource, o) => (await run(env.client.list(resource, o))).items as never,
  };
  for (let i = 0; i < (opts.nodes ?? 3); i++) cluster.addNode(`node-${i}`);
  await cluster.until(async () => (await cluster.list('nodes')).filter(isReady).length === (opts.nodes ?? 3), 60_000, 'all nodes Ready');
  return cluster;
}

/** Returns true when a Node or Pod has condition Ready=True. */
export const isReady = (o: KubeObject) =>
  ((o.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Returns the status of an object's Ready condition. */
export const readyOf = (o: KubeObject | undefined) =>
  ((o?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).find((c) => c.type === 'Ready')?.status;
