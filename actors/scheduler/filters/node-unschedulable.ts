// NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods tolerating its taint.
import { toleratesTaint, TAINT_UNSCHEDULABLE } from '../../../api/kinds/scheduling.ts';
import type { FilterPlugin, Status } from '../types.ts';

/** Upstream's reason (nodeunschedulable ErrReasonUnschedulable). */
export const ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable";
const REJECTED: Status = { plugin: 'NodeUnschedulable', code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_UNSCHEDULABLE] };
const TAINT = { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' };

/** Rejects unschedulable nodes unless the pod tolerates node.kubernetes.io/unschedulable:NoSchedule. */
export const nodeUnschedulableFilter: FilterPlugin = {
  name: 'NodeUnschedulable',
  filter: (pod, node) => (node.unschedulable && !toleratesTaint(pod.tolerations, TAINT) ? REJECTED : undefined),
};
