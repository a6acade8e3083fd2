// `kubus up` on a locked bus: each component connects as its own identity, as it would from its own
// host, so the API server authorizes the scheduler as system:kube-scheduler and each kubelet as
// system:node:<name>. One process still runs them all: a connection (and a Host) per identity.
import { ensureCredentials } from './bus-auth.ts';
import { startControlPlane, type ControlPlane, type ControlPlaneActor, type ControlPlaneOptions } from './control-plane.ts';
import { startEachNode, type NodeProcess, type NodesOptions } from './node.ts';

/** Which identity runs which control-plane actors (the trace recorder with the API server). */
const PARTS: Array<{ identity: string; actors: ControlPlaneActor[] }> = [
  { identity: 'apiserver', actors: ['apiserver'] },
  { identity: 'gateway', actors: ['gateway'] },
  // The cluster DNS only reads services, slices, pods and namespaces and keeps its addon's objects (system:coredns).
  { identity: 'dns', actors: ['dns'] },
  { identity: 'scheduler', actors: ['scheduler'] },
  { identity: 'controller-manager', actors: ['controller-manager'] },
];

/** Starts the control plane's actors (of `opts.actors`), a connection per identity; one ControlPlane for all. */
export async function startLockedControlPlane(opts: ControlPlaneOptions, home?: string): Promise<ControlPlane> {
  const started: ControlPlane[] = [];
  // In reverse start order, each stopped even when one before it fails (its failure logged).
  const stop = async () => {
    for (const cp of [...started].reverse()) {
      try {
        await cp.stop();
      } catch (err) {
        opts.log.warn({ err: (err as Error).message }, 'could not stop part of the control plane');
      }
    }
  };
  try {
    for (const part of PARTS) {
      const actors = part.actors.filter((a) => opts.actors?.includes(a) ?? true);
      if (!actors.length) continue;
      const first = part.identity === 'apiserver';
      const trace = opts.trace && (first ? opts.trace : { ...opts.trace, recorder: false });
      started.push(await startControlPlane({ ...opts, actors, trace, credentials: ensureCredentials(part.identity, home) }));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const [main] = started;
  return {
    bus: main!.bus,
    host: main!.host,
    store: main!.store,
    gatewayUrl: started.find((c) => c.gatewayUrl)?.gatewayUrl,
    dnsAddress: started.find((c) => c.dnsAddress)?.dnsAddress,
    leadership: started.flatMap((c) => c.leadership),
    stop,
  };
}

/** Starts `count` nodes, each on a connection of its own as node/<name> (a process's nodes share none on a locked bus). */
export const startLockedNodes = (start: (o: NodesOptions) => Promise<NodeProcess>, base: Omit<NodesOptions, 'name'>, count: number, prefix: string, home?: string) =>
  startEachNode(start, { ...base, name: prefix, count, firstIndex: 0 }, (node) => ensureCredentials(`node/${node}`, home));
