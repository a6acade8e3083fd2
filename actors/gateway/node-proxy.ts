// What pods/log and pods/exec share: the pod and container a request names (upstream's
// ValidateContainer), and a request to the kubelet of the pod's node over the bus.
import type { Pod } from '../../api/kinds/pod.ts';
import { FOLLOW_KEEPALIVE_MS, type LogAlive, type LogStop } from '../../api/node-protocol.ts';
import { isStatus, StatusError } from '../../api/status.ts';
import type { ApiClient } from '../../bus/client.ts';
import type { Clock } from '../../bus/clock.ts';
import { NoRespondersError, RequestTimeoutError } from '../../bus/errors.ts';
import { nodeLogsAlive } from '../../bus/subjects.ts';

/** Returns the container a request names: the `container` option, or the pod's only one; 400 as upstream otherwise. */
export function validateContainer(container: string, pod: Pod): string {
  const name = pod.metadata.name;
  const spec = pod.spec as Pod['spec'] & { ephemeralContainers?: Array<{ name: string }> };
  const all = [...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])].map((c) => c.name);
  if (!container) {
    if (spec.containers.length === 1) return spec.containers[0].name;
    if (!spec.containers.length) throw new StatusError(400, 'BadRequest', `a container name must be specified for pod ${name}`);
    throw new StatusError(400, 'BadRequest', `a container name must be specified for pod ${name}, choose one of: [${all.join(' ')}]`);
  }
  if (!all.includes(container)) throw new StatusError(400, 'BadRequest', `container ${container} is not valid for pod ${name}`);
  return container;
}

/** Returns the pod the request's path names (404 as any get). */
export const getPod = (client: ApiClient, namespace: string | undefined, name: string | undefined) => client.call<Pod>('pods', 'get', { namespace, name });

/** Sends a request to a node's kubelet and returns its answer; a Status it answers is thrown. */
export async function askKubelet<R>(client: ApiClient, node: string, subject: string, data: unknown, timeoutMs = 10_000): Promise<R> {
  let reply: unknown;
  try {
    reply = (await client.bus.request(subject, data, { timeoutMs })).data;
  } catch (err) {
    if (err instanceof NoRespondersError || err instanceof RequestTimeoutError)
      throw new StatusError(500, 'InternalError', `the kubelet of node "${node}" is not answering (is the node down?)`);
    throw err;
  }
  if (isStatus(reply) && reply.status === 'Failure') throw StatusError.from(reply);
  return reply as R;
}

/**
 * Tells the kubelet every FOLLOW_KEEPALIVE_MS that a log follow is still wanted; calls `gone` when
 * the kubelet no longer knows it (it restarted) or does not answer (it died). Returns a stop function.
 */
export function keepFollowing(client: ApiClient, clock: Clock, node: string, follow: string, gone: () => void): () => void {
  let live = true;
  let timer: unknown;
  const tick = () => {
    client.bus.request<LogAlive>(nodeLogsAlive(node), { follow } satisfies LogStop, { timeoutMs: 10_000 }).then(
      (r) => {
        if (!live) return;
        if (r.data?.known) timer = clock.setTimeout(tick, FOLLOW_KEEPALIVE_MS);
        else gone();
      },
      () => live && gone(),
    );
  };
  timer = clock.setTimeout(tick, FOLLOW_KEEPALIVE_MS);
  return () => {
    live = false;
    clock.clearTimeout(timer);
  };
}
