// NodeName: a pod that names its node fits only there (the scheduler only sees such pods via explain).
import { SKIP, type FilterPlugin, type Status } from '../types.ts';

/** Upstream's reason (nodename ErrReason). */
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";
const REJECTED: Status = { plugin: 'NodeName', code: 'UnschedulableAndUnresolvable', reasons: [ERR_REASON_NODE_NAME] };

/** Rejects every node but spec.nodeName when it is set. */
export const nodeNameFilter: FilterPlugin = {
  name: 'NodeName',
  preFilter: (pod) => (pod.pod.spec.nodeName ? undefined : SKIP),
  filter: (pod, node) => (pod.pod.spec.nodeName && pod.pod.spec.nodeName !== node.name ? REJECTED : undefined),
};
