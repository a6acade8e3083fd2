// The two kinds the replica manager serves (upstream runs the ReplicaSet controller for
// ReplicationControllers too, through an adapter): where each lives and how its selector reads. The
// only real difference is the selector: a LabelSelector, or an RC's equality-based label map.
import type { ReplicaSet } from '../../../api/kinds/replicaset.ts';
import type { LabelSelector } from '../../../api/meta.ts';

/** What the replica manager needs to know of the kind it manages. */
export interface ReplicaKind {
  /** Controller name (the actor is `controller/<name>`; the events' component). */
  name: string;
  resource: string;
  kind: string;
  apiVersion: string;
  /** Returns the object's selector as a LabelSelector (undefined: selects nothing). */
  selector(obj: ReplicaSet): LabelSelector | undefined;
}

export const REPLICA_SET: ReplicaKind = {
  name: 'replicaset',
  resource: 'replicasets',
  kind: 'ReplicaSet',
  apiVersion: 'apps/v1',
  selector: (rs) => rs.spec.selector,
};

export const REPLICATION_CONTROLLER: ReplicaKind = {
  name: 'replicationcontroller',
  resource: 'replicationcontrollers',
  kind: 'ReplicationController',
  apiVersion: 'v1',
  // An RC's selector is a label map; an empty one selects nothing.
  selector: (rc) => {
    const map = rc.spec.selector as unknown as Record<string, string> | undefined;
    return map && Object.keys(map).length ? { matchLabels: map } : undefined;
  },
};
