// Container garbage collection as upstream's kubelet does it per container (MaxPerPodContainer 1):
// of a container's dead instances only the newest stays, for `kubectl logs --previous`.
import type { Logger } from '../../../../bus/types.ts';
import type { CriClient } from './cri-client.ts';
import { CONTAINER_NAME_LABEL } from './cri-convert.ts';

/** Removes the sandbox's exited instances of container `name` with an attempt below `keepFrom`. */
export async function removeOlderInstances(client: CriClient, sandboxId: string, name: string, keepFrom: number, log: Logger): Promise<void> {
  if (keepFrom <= 0) return;
  try {
    const { containers } = await client.runtime.listContainers({ filter: { podSandboxId: sandboxId, state: { state: 'CONTAINER_EXITED' }, labelSelector: { [CONTAINER_NAME_LABEL]: name } } });
    for (const c of containers) if ((c.metadata?.attempt ?? 0) < keepFrom) await client.runtime.removeContainer({ containerId: c.id });
  } catch (err) {
    log.warn({ container: name, err: (err as Error).message }, 'old container instances not removed');
  }
}
