// Taint eviction: deletes the pods of a node with NoExecute taints once their tolerations run
// out. Keyed by node: a pod change only wakes the controller when its node has such taints.
import type { Node } from '../../../api/kinds/node.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import { StatusError } from '../../../api/status.ts';
import { defineController } from '../../lib/controller.ts';
import { planEvictions } from './taint-eviction.reconcile.ts';

export const taintEvictionController = defineController({
  name: 'taint-eviction',
  watches: [{ resource: 'nodes' }, { resource: 'pods', keys: (pod) => [(pod.spec as { nodeName?: string }).nodeName ?? ''].filter(Boolean) }],
  async reconcile(nodeName, ctx) {
    const node = ctx.cache<Node>('nodes').get(nodeName);
    const taints = node?.spec?.taints ?? [];
    if (!taints.some((t) => t.effect === 'NoExecute')) return;
    const now = ctx.deps.clock.now();
    const pods = ctx.cache<Pod>('pods').list().filter((p) => p.spec.nodeName === nodeName);
    const plan = planEvictions(pods, taints, now);
    for (const pod of plan.evict) {
      const name = `${pod.metadata.namespace}/${pod.metadata.name}`;
      ctx.events.record(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${name}`);
      try {
        await ctx.deps.client.delete('pods', pod.metadata.name!, { namespace: pod.metadata.namespace, preconditions: { uid: pod.metadata.uid } });
      } catch (err) {
        if (!(err instanceof StatusError && (err.code === 404 || err.code === 409))) throw err;
      }
    }
    if (plan.nextAt !== undefined) return { requeueAfterMs: Math.max(1, plan.nextAt - now) };
  },
});
