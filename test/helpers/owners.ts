// Records every owner uid each pod of `default` ever had, from a watch (adoption tests: a pod must
// never have been owned by the wrong controller, even for a moment).
import type { ApiClient } from '../../bus/client.ts';

/** Starts the recording; `owners` maps a pod name to the uids of every owner seen on it. */
export async function recordPodOwners(client: ApiClient): Promise<{ owners: Map<string, Set<string>>; stop(): void }> {
  const owners = new Map<string, Set<string>>();
  const w = await client.watch('pods', { namespace: 'default' }, {
    event: (ev) => {
      const name = ev.object.metadata.name!;
      for (const r of ev.object.metadata.ownerReferences ?? []) owners.set(name, (owners.get(name) ?? new Set()).add(r.uid));
    },
    end: () => {},
  });
  return { owners, stop: () => w.stop() };
}
