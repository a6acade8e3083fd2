// Recreate (upstream recreate.go): old pods must be gone before the new ReplicaSet scales up. Pure.
import type { Pod } from '../../../api/kinds/pod.ts';
import type { ReplicaSet } from '../../../api/kinds/replicaset.ts';
import { actualReplicas } from './deployment.util.ts';

/** Returns whether any pod of an old ReplicaSet may still run: counted by status, or not terminal in the pod map (oldPodsRunning). */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], podMap: ReadonlyMap<string, readonly Pod[]>): boolean {
  if (actualReplicas(oldRSs) > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata.uid === uid) continue;
    // Succeeded and Failed pods are done; Unknown (and anything else) might still be running.
    if (pods.some((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')) return true;
  }
  return false;
}
