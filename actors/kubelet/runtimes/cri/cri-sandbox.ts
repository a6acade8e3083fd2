// RunPodSandbox, retried once when an earlier failed attempt of the same pod still holds the name.
import type { CriClient, CriMessage } from './cri-client.ts';

/** Runs the sandbox; returns its id. */
export async function runSandbox(client: CriClient, config: CriMessage): Promise<string> {
  try {
    return (await client.runtime.runPodSandbox({ config })).podSandboxId;
  } catch (err) {
    // A failed attempt (its network not set up: "cni plugin not initialized") leaves its sandbox
    // holding the name. Upstream kills a pod's not-ready sandbox before it makes a new one: so here.
    const left = /is reserved for "([0-9a-f]{64})"/.exec(err instanceof Error ? err.message : '')?.[1];
    if (!left) throw err;
    await client.runtime.stopPodSandbox({ podSandboxId: left });
    await client.runtime.removePodSandbox({ podSandboxId: left });
    return (await client.runtime.runPodSandbox({ config })).podSandboxId;
  }
}
