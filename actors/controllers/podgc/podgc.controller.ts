// The pod garbage collector (upstream pkg/controller/podgc): every 20 s it force-deletes
// - terminated pods beyond --terminated-pod-gc-threshold (12,500), evicted and oldest first;
// - pods bound to a node that is gone: once the node has been missing for the 40 s quarantine and a
//   fresh read confirms it, the pod is marked Failed (DisruptionTarget, DeletionByPodGC) and deleted;
// - unscheduled pods that are terminating.
import type { Node } from '../../../api/kinds/node.ts';
import type { Pod, PodStatus } from '../../../api/kinds/pod.ts';
import { rfc3339 } from '../../../api/names.ts';
import { isGoneOrChanged, isNotFound } from '../../../api/status.ts';
import { NODE_NAME_INDEX, nodeNameIndexers } from '../../../bus/indexers.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';
import { isTerminated, missingNodes, terminatedOverThreshold } from './podgc.reconcile.ts';

export interface PodGcInput {
  /** Terminated pods kept before the oldest are deleted (upstream default 12,500; 0 turns it off). */
  terminatedPodThreshold?: number;
  /** How often the collector runs (upstream gcCheckPeriod, 20 s). */
  periodMs?: number;
  /** How long a node must be missing before its pods are deleted (upstream quarantineTime, 40 s). */
  quarantineMs?: number;
}

/**
 * The one work item: a whole collection pass (upstream runs gc() on a timer, with no queue); it
 * requeues itself every period, so one worker is all it can use.
 */
const GC_KEY = 'gc';

interface GcState {
  /** First time each missing node was seen missing. */
  missingSince: Map<string, number>;
}

type Ctx = ControllerContext<GcState>;

/** Deletes a pod at once (grace 0, uid precondition); already gone is fine. */
async function forceDelete(ctx: Ctx, pod: Pod, why: string): Promise<void> {
  ctx.deps.log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, why }, 'pod garbage collector: deleting pod');
  try {
    await ctx.deps.client.delete('pods', pod.metadata.name!, { namespace: pod.metadata.namespace, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
  } catch (err) {
    if (!isGoneOrChanged(err)) throw err;
  }
}

/** Upstream markFailedAndDeletePodWithCondition: Failed with a DisruptionTarget condition, then deleted. */
async function failAndDelete(ctx: Ctx, pod: Pod, message: string): Promise<void> {
  if (!isTerminated(pod)) {
    const now = rfc3339(ctx.deps.clock.now());
    const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
    conditions.push({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message, lastTransitionTime: now });
    const status: PodStatus = { ...pod.status, phase: 'Failed', conditions };
    try {
      await ctx.deps.client.updateStatus('pods', { ...pod, status });
    } catch (err) {
      if (!isGoneOrChanged(err)) throw err;
    }
  }
  await forceDelete(ctx, pod, message);
}

/** Returns the missing nodes whose quarantine is over and that a fresh read confirms are gone. */
async function deletedNodes(ctx: Ctx, missing: Set<string>, quarantineMs: number): Promise<Set<string>> {
  const since = ctx.state.missingSince;
  const now = ctx.deps.clock.now();
  for (const name of [...since.keys()]) if (!missing.has(name)) since.delete(name);
  const gone = new Set<string>();
  for (const name of missing) {
    const first = since.get(name) ?? now;
    since.set(name, first);
    if (now - first < quarantineMs) continue;
    try {
      await ctx.deps.client.get('nodes', name);
      since.delete(name); // it exists after all (the cache was behind)
    } catch (err) {
      if (!isNotFound(err)) throw err;
      gone.add(name);
    }
  }
  return gone;
}

/** The pod garbage collector actor (kind `controller/podgc`). */
export const podGcController = defineController<PodGcInput | undefined, GcState>({
  name: 'podgc',
  // Caches only: the collector runs on its period, not per event.
  watches: [
    { resource: 'pods', indexers: nodeNameIndexers, keys: () => [] },
    { resource: 'nodes', keys: () => [] },
  ],
  init: () => ({ missingSince: new Map() }),
  started(ctx) {
    ctx.queue.add(GC_KEY);
  },
  async reconcile(_key, ctx, input) {
    const periodMs = input?.periodMs ?? 20_000;
    const pods = ctx.cache<Pod>('pods').list();
    for (const pod of terminatedOverThreshold(pods, input?.terminatedPodThreshold ?? 12_500)) await forceDelete(ctx, pod, 'terminated pods over the threshold');
    const nodes = new Set(ctx.cache<Node>('nodes').list().map((n) => n.metadata.name!));
    const gone = await deletedNodes(ctx, missingNodes(pods, nodes), input?.quarantineMs ?? 40_000);
    for (const node of gone) for (const pod of ctx.cache<Pod>('pods').byIndex(NODE_NAME_INDEX, node)) await failAndDelete(ctx, pod, 'PodGC: node no longer exists');
    for (const pod of pods) if (!pod.spec.nodeName && pod.metadata.deletionTimestamp) await forceDelete(ctx, pod, 'unscheduled and terminating');
    return { requeueAfterMs: periodMs };
  },
});
