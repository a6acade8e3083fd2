// A restarted kubelet adopts what its runtime still runs for a pod (upstream's kubelet finds its
// containers by relisting the runtime; it never starts them again): the sandbox and each
// container's latest instance, running or exited, with its id and attempt. Pure.
import type { ContainerInfo } from './runtimes/runtime.ts';
import { specOf, type PodWorkerContext } from './pod-worker.types.ts';

/**
 * Takes over the runtime's containers of this pod into a new worker's context. Only a pod with a
 * running container is adopted: its sandbox is surely alive; otherwise the pod starts afresh.
 */
export function adoptContainers(ctx: PodWorkerContext, found: ContainerInfo[] | undefined): void {
  const running = (found ?? []).filter((c) => c.state === 'running');
  if (!running.length) return;
  const sandboxId = running[0].sandboxId;
  const mine = (found ?? []).filter((c) => c.sandboxId === sandboxId);
  Object.assign(ctx, { sandbox: 'ready', sandboxId, podIP: ctx.pod.status?.podIP });
  for (const c of ctx.ctrs) {
    const latest = mine.filter((i) => i.name === c.name).sort((a, b) => b.attempt - a.attempt)[0];
    if (!latest) continue;
    Object.assign(c, { id: latest.id, attempt: latest.attempt, image: latest.image, imageRef: latest.imageRef, specImage: specOf(ctx.pod, c)?.image, startedAt: latest.startedAt });
    if (latest.state === 'running') c.phase = 'running';
    else if (latest.state === 'exited') {
      c.phase = 'exited';
      c.exited = {
        id: latest.id,
        exitCode: latest.exitCode ?? 0,
        reason: latest.reason ?? 'Completed',
        message: latest.message,
        startedAt: latest.startedAt ?? latest.createdAt,
        finishedAt: latest.finishedAt ?? latest.createdAt,
      };
    }
  }
}
