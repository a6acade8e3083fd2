// Counts the pods of `default` that reach a state, seen through a watch: what throughput
// benchmarks time (pods created, pods bound).
import type { WatchEvent } from '../api/protocol.ts';
import type { ApiClient } from '../bus/client.ts';

export interface PodCounter {
  /** Pods counted so far. */
  count: number;
  /** performance.now() of the last pod counted. */
  last: number;
  /** Resolves once `pods` pods are counted. */
  all: Promise<void>;
  stop(): void;
}

/** Watches pods and counts each pod once, the first time `reached(event)` holds for it. */
export async function countPods(client: ApiClient, pods: number, reached: (ev: WatchEvent) => boolean, log: (m: string) => void): Promise<PodCounter> {
  const seen = new Set<string>();
  let done!: () => void;
  const r: PodCounter = { count: 0, last: 0, all: new Promise<void>((res) => (done = res)), stop: () => {} };
  const w = await client.watch(
    'pods',
    { namespace: 'default' },
    {
      event: (ev) => {
        const name = ev.object.metadata?.name;
        if (!name || seen.has(name) || !reached(ev)) return;
        seen.add(name);
        r.last = performance.now();
        if (++r.count === pods) done();
      },
      end: (reason) => reason !== 'stopped' && log(`watch ended: ${reason}`),
    },
  );
  r.stop = () => w.stop();
  return r;
}
