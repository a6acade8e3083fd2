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

/**
 * Returns `lease` renewed at `now` (holder, duration and owner set as the node wants them). The usual
 * renewal is frozen where it is new: sent as it is, with the rest of it as it came (frozen on
 * MemoryBus), the bus's snapshot copies nothing (a renewal every 10 s per node).
 */
export function renewedLease(lease: Lease, nodeName: string, nodeUid: string | undefined, durationSeconds: number, now: number): Lease {
  const spec = Object.freeze({ ...lease.spec, holderIdentity: nodeName, leaseDurationSeconds: durationSeconds, renewTime: rfc3339Micro(now) });
  // The usual renewal (every 10 s per node) changes renewTime alone: the metadata is passed on as it is.
  if (!nodeUid || lease.metadata.ownerReferences?.some((r) => r.uid === nodeUid)) return Object.freeze({ ...lease, spec });
  return { ...lease, metadata: { ...lease.metadata, ownerReferences: nodeLease(nodeName, nodeUid, durationSeconds, now).metadata.ownerReferences }, spec };
}
