// TaintToleration (filter): a node's NoSchedule/NoExecute taints must all be tolerated.
import { toleratesTaint } from '../../../api/kinds/scheduling.ts';
import type { FilterPlugin } from '../types.ts';

/** Returns upstream's reason for an untolerated taint, e.g. `node(s) had untolerated taint {dedicated: gpu}`. */
export const untoleratedTaintReason = (key: string, value: string | undefined) => `node(s) had untolerated taint {${key}: ${value ?? ''}}`;

/** Rejects a node with the first NoSchedule/NoExecute taint the pod does not tolerate. */
export const taintTolerationFilter: FilterPlugin = {
  name: 'TaintToleration',
  filter(pod, node) {
    for (const t of node.hardTaints)
      if (!toleratesTaint(pod.tolerations, t))
        return { plugin: 'TaintToleration', code: 'UnschedulableAndUnresolvable', reasons: [untoleratedTaintReason(t.key, t.value)] };
    return undefined;
  },
};
