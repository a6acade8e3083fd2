// Which DaemonSets an event concerns, resolved when it arrives (upstream daemon_controller's
// addPod/updatePod, addHistory/updateHistory and addNode/updateNode handlers).
import type { DaemonSet } from '../../../api/kinds/daemonset.ts';
import type { Node } from '../../../api/kinds/node.ts';
import { controllerRefOf, type KubeObject } from '../../../api/meta.ts';
import { keyOf } from '../../../bus/informer.ts';
import type { ControllerContext } from '../../lib/controller.ts';
import { selectingOwners } from '../shared/owner-keys.ts';
import { DS_KIND } from './daemonset.history.ts';
import { nodeShouldRunDaemonPod } from './daemonset.nodes.ts';

/** Returns the keys of the DaemonSets of the object's namespace whose selector matches its labels (GetPodDaemonSets / GetHistoryDaemonSets). */
function selectingDaemonSets(o: KubeObject, ctx: ControllerContext<unknown>): string[] {
  return selectingOwners(ctx.cache<DaemonSet>('daemonsets').lister(), o, ctx.deps.log);
}

/** Returns the DaemonSet a pod or revision belongs to, or for an orphan every DaemonSet that may adopt it. */
export function daemonSetKeysOf(o: KubeObject, ctx: ControllerContext<unknown>): string[] {
  const ref = controllerRefOf(o);
  if (ref) return ref.kind === DS_KIND ? [`${o.metadata.namespace}/${ref.name}`] : [];
  return selectingDaemonSets(o, ctx);
}

/** Returns every DaemonSet that should run, or keep running, a pod on the node (called for its old and new state, so a change either way wakes it). */
export function daemonSetKeysOfNode(o: KubeObject, ctx: ControllerContext<unknown>): string[] {
  const node = o as Node;
  return ctx
    .cache<DaemonSet>('daemonsets')
    .list()
    .filter((ds) => {
      const fit = nodeShouldRunDaemonPod(node, ds);
      return fit.shouldRun || fit.shouldContinueRunning;
    })
    .map(keyOf);
}
