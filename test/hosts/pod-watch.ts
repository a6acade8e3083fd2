// Watches every pod event of a namespace (an informer in the test process) and records each
// moment at which two pods of the same name were Running at once.
import type { Pod } from '../../api/kinds/pod.ts';
import type { ApiClient } from '../../bus/client.ts';
import { Informer } from '../../bus/informer.ts';

export interface RunningWatch {
  informer: Informer<Pod>;
  /** One line per moment two pods (uids) of one name were Running together. */
  duplicates: string[];
  /** Pod events seen. */
  events: number;
  /** Most pods of one name ever Running at once. */
  maxPerName(): number;
}

/** Starts the watch (stopped in teardown); resolves once the first list is in. */
export async function watchRunningPods(t: { teardown(fn: () => void): void }, client: ApiClient, namespace = 'default'): Promise<RunningWatch> {
  const informer = new Informer<Pod>(client, 'pods', { namespace });
  /** uid → name of every pod whose last seen phase is Running (terminating ones included: their containers still run). */
  const running = new Map<string, string>();
  let max = 0;
  const w: RunningWatch = { informer, duplicates: [], events: 0, maxPerName: () => max };
  const check = (name: string) => {
    const uids = [...running].filter(([, n]) => n === name).map(([u]) => u);
    max = Math.max(max, uids.length);
    if (uids.length > 1) w.duplicates.push(`${new Date().toISOString()} ${name}: ${uids.join(', ')} Running together`);
  };
  const seen = (p: Pod) => {
    w.events++;
    if (p.status?.phase === 'Running') running.set(p.metadata.uid!, p.metadata.name!);
    else running.delete(p.metadata.uid!);
    check(p.metadata.name!);
  };
  informer.on({
    add: seen,
    // A new uid under an old name without a DELETED in between leaves the old uid Running here: a duplicate.
    update: (_old, p) => seen(p),
    delete: (p) => {
      w.events++;
      running.delete(p.metadata.uid!);
    },
  });
  t.teardown(() => informer.stop());
  await informer.start();
  return w;
}
