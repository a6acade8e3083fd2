// The disruption controller's second queue (upstream syncStalePodDisruption): a pod marked
// DisruptionTarget=True (by an eviction, a preemption) that is still not being deleted 2 minutes later
// was never disrupted after all; its condition goes back to False. Conditions the kubelet set
// (TerminationByKubelet) and those of terminal pods are left alone.
import type { Pod } from '../../../api/kinds/pod.ts';
import { podCondition } from '../../../api/kinds/pod-helpers.ts';
import { parseRfc3339, rfc3339 } from '../../../api/names.ts';
import { isGoneOrChanged } from '../../../api/status.ts';
import { keyOf } from '../../../bus/informer.ts';
import { defineController } from '../../lib/controller.ts';

/** Upstream's stalePodDisruptionTimeout. */
export const STALE_DISRUPTION_MS = 2 * 60_000;

/** Returns when the pod's DisruptionTarget condition turns stale (ms since epoch), or undefined when it never does (nonTerminatingPodHasStaleDisruptionCondition). */
export function staleAt(pod: Pod): number | undefined {
  if (pod.metadata.deletionTimestamp) return undefined;
  const cond = podCondition(pod, 'DisruptionTarget');
  const phase = pod.status?.phase;
  if (!cond || cond.status !== 'True' || cond.reason === 'TerminationByKubelet' || phase === 'Succeeded' || phase === 'Failed') return undefined;
  const since = parseRfc3339(cond.lastTransitionTime ?? '');
  return (Number.isNaN(since) ? 0 : since) + STALE_DISRUPTION_MS;
}

export const staleDisruptionController = defineController<void, undefined>({
  name: 'disruption-stale-pods',
  // Only pods whose condition can turn stale wake it (upstream checks in its pod handlers too).
  watches: [{ resource: 'pods', keys: (pod) => (staleAt(pod as Pod) === undefined ? [] : [keyOf(pod)]) }],
  async reconcile(key, ctx) {
    const pod = ctx.cache<Pod>('pods').get(key);
    const at = pod && staleAt(pod);
    if (!pod || at === undefined) return;
    const now = ctx.deps.clock.now();
    if (at > now) return { requeueAfterMs: at - now };
    const conditions = (pod.status?.conditions ?? []).map((c) => (c.type === 'DisruptionTarget' ? { type: c.type, status: 'False', lastTransitionTime: rfc3339(now) } : c));
    try {
      await ctx.deps.client.updateStatus('pods', { ...pod, status: { ...pod.status, conditions } });
      ctx.deps.log.info({ pod: key }, 'reset stale DisruptionTarget condition to False');
    } catch (err) {
      if (!isGoneOrChanged(err)) throw err;
      ctx.deps.log.debug({ pod: key, err: (err as Error).message }, 'pod changed or gone; it is looked at again on its next event');
    }
  },
});
