// The node's heartbeat Lease (coordination.k8s.io/v1, kube-node-lease/<node>), as upstream's
// nodelease controller writes it. Pure.
import type { Lease } from '../../api/kinds/lease.ts';
import { rfc3339Micro } from '../../api/names.ts';

/** Namespace of node leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** Returns a new node Lease held by the node, owned by its Node object (so it goes with it). */
export function nodeLease(nodeName: string, nodeUid: string | undefined, durationSeconds: number, now: number): Lease {
  const lease: Lease = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: nodeName, namespace: NODE_LEASE_NAMESPACE },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: durationSeconds, renewTime: rfc3339Micro(now) },
  };
  if (nodeUid) lease.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }];
  return lease;
}

/** Returns `lease` renewed at `now` (holder, duration and owner set as the node wants them). */
export function renewedLease(lease: Lease, nodeName: string, nodeUid: string | undefined, durationSeconds: number, now: number): Lease {
  const fresh = nodeLease(nodeName, nodeUid, durationSeconds, now);
  const metadata = { ...lease.metadata };
  if (nodeUid && !metadata.ownerReferences?.some((r) => r.uid === nodeUid)) metadata.ownerReferences = fresh.metadata.ownerReferences;
  return { ...lease, metadata, spec: { ...lease.spec, ...fresh.spec } };
}
