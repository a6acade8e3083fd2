// The scheduler's own cost per pod, without the bus or the API server: compile the pod, run one
// scheduling cycle against a cache of N nodes, assume it, then what the watch brings back (the
// binding, then a status write that moves it to Running). What `npm run bench -- scheduler --mode algo` measures.
import type { Node } from '../api/kinds/node.ts';
import type { Pod } from '../api/kinds/pod.ts';
import { SchedulerCache } from '../actors/scheduler/cache.ts';
import { podInfoOf } from '../actors/scheduler/pod-info.ts';
import { SchedulingAlgorithm } from '../actors/scheduler/scheduler.logic.ts';
import type { KubeObject } from '../api/meta.ts';
import { seededRng } from '../bus/random.ts';

/** One algorithm-only run's figures. */
export interface AlgoResult {
  /** Pods scheduled per second of CPU in this loop. */
  rate: number;
  /** ms of CPU per pod: cycle, assume, confirmation and one status update. */
  cpuPerPod: number;
  /** Nodes evaluated per cycle, on average. */
  evaluated: number;
}

/** Schedules `pods` pods (from `podOf`) onto `nodes` nodes (from `nodeOf`) with the default profile. */
export function algoRun(nodes: number, pods: number, nodeOf: (i: number) => KubeObject, podOf: (i: number) => KubeObject): AlgoResult {
  const cache = new SchedulerCache(30_000);
  for (let i = 0; i < nodes; i++) cache.setNode(nodeOf(i) as unknown as Node);
  const algo = new SchedulingAlgorithm({ percentageOfNodesToScore: 0 });
  const rng = seededRng(1);
  let evaluated = 0;
  let scheduled = 0;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < pods; i++) {
    const raw = podOf(i) as unknown as Pod;
    const pod: Pod = { ...raw, metadata: { ...raw.metadata, uid: `uid-${i}`, namespace: 'default', generation: 1 } };
    const info = podInfoOf(pod);
    const r = algo.schedule(info, cache, rng);
    if (r.kind !== 'scheduled') continue;
    scheduled++;
    evaluated += r.evaluated;
    cache.assume(info, r.node);
    cache.finishBinding(info.key, i);
    const bound: Pod = { ...pod, spec: { ...pod.spec, nodeName: r.node }, status: { phase: 'Pending' } };
    cache.upsertBoundPod(bound);
    cache.upsertBoundPod({ ...bound, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
  }
  const cpu = process.cpuUsage(cpu0);
  const ms = (cpu.user + cpu.system) / 1000;
  if (scheduled !== pods) throw new Error(`only ${scheduled} of ${pods} pods fit on ${nodes} nodes`);
  return { rate: (pods * 1000) / ms, cpuPerPod: ms / pods, evaluated: evaluated / pods };
}
