// Sandboxes of pods deleted while the kubelet was down. Upstream's kubelet kills runtime pods that
// are no longer desired (HandlePodCleanups) and its garbage collector removes their sandboxes; here,
// once a (re)started kubelet knows its pods, each sandbox of its node whose pod is gone is stopped
// (its containers with it, its network torn down by CNI DEL) and removed.
import type { Logger } from '../../bus/types.ts';
import type { ContainerRuntime } from './runtimes/runtime.ts';

/** Stops and removes the node's sandboxes whose pod `known` does not hold (asked after listing: a sandbox made meanwhile has its pod known). Returns how many went. */
export async function removeOrphanedSandboxes(runtime: ContainerRuntime, known: () => Set<string>, log: Logger): Promise<number> {
  if (!runtime.listPodSandboxes) return 0;
  const sandboxes = await runtime.listPodSandboxes();
  const keep = known();
  let removed = 0;
  for (const sb of sandboxes.filter((s) => !keep.has(s.podUid))) {
    try {
      await runtime.stopPodSandbox(sb.id);
      await runtime.removePodSandbox(sb.id);
      removed++;
      log.info({ sandbox: sb.id, podUid: sb.podUid }, 'removed the sandbox of a pod deleted while the kubelet was down');
    } catch (err) {
      log.warn({ sandbox: sb.id, podUid: sb.podUid, err: (err as Error).message }, 'orphaned pod sandbox not removed');
    }
  }
  return removed;
}
