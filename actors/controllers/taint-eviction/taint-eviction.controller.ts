// Taint eviction: deletes the pods of a node with NoExecute taints once their tolerations run
// out. Keyed by node: a pod change only wakes the controller when its node has such taints
// (upstream handlePodUpdate), and a node's pods are read through the node-name index.
import type { Node } from '../../../api/kinds/node.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import { isGoneOrChanged } from '../../../api/status.ts';
import { NODE_NAME_INDEX, nodeNameIndexers } from '../../../bus/indexers.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';
import { planEvictions } from './taint-eviction.reconcile.ts';

/** Upstream's UpdateWorkerSize: node and pod updates are handled by 8 workers (a node always by one). */
const WORKERS = 8;

const hasNoExecute = (node: Node | undefined) => (node?.spec?.taints ?? []).some((t) => t.effect === 'NoExecute');

/** Returns the node of a pod when that node has NoExecute taints (else the pod cannot be due for eviction). */
function nodeOfPod(pod: Pod, ctx: ControllerContext<unknown>): string[] {
  const node = pod.spec?.nodeName;
  return node && hasNoExecute(ctx.cache<Node>('nodes').get(node)) ? [node] : [];
}

/** The taint eviction controller's actor definition (input: none). */
export const taintEvictionController = defineController({
  name: 'taint-eviction',
  workers: WORKERS,
  watches: [{ resource: 'nodes' }, { resource: 'pods', indexers: nodeNameIndexers, keys: (pod, ctx) => nodeOfPod(pod as Pod, ctx) }],
  async reconcile(nodeName, ctx) {
    const node = ctx.cache<Node>('nodes').get(nodeName);
    if (!hasNoExecute(node)) return;
    const taints = node!.spec!.taints!;
    const now = ctx.deps.clock.now();
    const plan = planEvictions(ctx.cache<Pod>('pods').byIndex(NODE_NAME_INDEX, nodeName), taints, now);
    for (const pod of plan.evict) {
      const name = `${pod.metadata.namespace}/${pod.metadata.name}`;
      ctx.events.record(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${name}`);
      try {
        await ctx.deps.client.delete('pods', pod.metadata.name!, { namespace: pod.metadata.namespace, preconditions: { uid: pod.metadata.uid } });
      } catch (err) {
        if (!isGoneOrChanged(err)) throw err;
      }
    }
    if (plan.nextAt !== undefined) return { requeueAfterMs: Math.max(1, plan.nextAt - now) };
  },
});
