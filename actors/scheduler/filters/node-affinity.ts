// NodeAffinity (filter): nodeSelector and required node affinity must match the node.
import { SKIP, type FilterPlugin, type Status } from '../types.ts';

/** Upstream's reason (nodeaffinity ErrReasonPod). */
export const ERR_REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
const REJECTED: Status = { plugin: 'NodeAffinity', code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_NODE_AFFINITY] };

/** Rejects nodes the pod's nodeSelector or required node affinity does not select; skipped when the pod has neither. */
export const nodeAffinityFilter: FilterPlugin = {
  name: 'NodeAffinity',
  preFilter: (pod) => (pod.requiredNodeAffinity ? undefined : SKIP),
  filter: (pod, node) => (pod.requiredNodeAffinity && !pod.requiredNodeAffinity(node) ? REJECTED : undefined),
};
