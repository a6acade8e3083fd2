// `kubectl drain` as a scenario step: cordon the node, then evict every pod on it through the
// eviction subresource (so PodDisruptionBudgets are honoured), each retried every 5 s on 429 as
// kubectl does, and wait until they are gone. DaemonSet pods are left (--ignore-daemonsets).
import type { Pod } from '../api/kinds/pod.ts';
import { controllerRefOf } from '../api/meta.ts';
import type { ScenarioApi } from './api.types.ts';
import type { Duration } from './types.ts';

export interface DrainOptions {
  /** How long to wait for the node's pods to be gone (kubectl --timeout; default 5m). */
  timeout?: Duration;
  /** Grace period of the evicted pods (kubectl --grace-period; default: the pods' own). */
  gracePeriodSeconds?: number;
  /** Called with each refusal (429): the pod and the Status message. */
  onRefused?: (pod: string, message: string) => void;
}

/** kubectl's wait between two evictions of a pod a disruption budget refused. */
const RETRY = '5s';

const isDaemonSetPod = (p: Pod) => controllerRefOf(p)?.kind === 'DaemonSet';

/** Asks to evict one pod; returns false when a disruption budget refused it (429), true when it went or is gone. */
async function evictOnce(s: ScenarioApi, pod: Pod, opts: DrainOptions): Promise<boolean> {
  const { namespace, name } = pod.metadata;
  try {
    await s.api.evict(namespace!, name!, opts.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: opts.gracePeriodSeconds });
    s.log(`pod/${name} evicted`);
    return true;
  } catch (err) {
    // By its code, not instanceof: a script may load its own copy of api/status.ts.
    const code = (err as { code?: unknown }).code;
    if (code === 404) return true;
    if (code !== 429) throw err;
    const message = (err as Error).message;
    opts.onRefused?.(name!, message);
    s.log(`error when evicting pods/"${name}" -n "${namespace}" (will retry after 5s): ${message}`);
    return false;
  }
}

/** Drains a node: cordon, evict its pods (honouring disruption budgets), wait until they are gone. */
export async function drain(s: ScenarioApi, node: string, opts: DrainOptions = {}): Promise<void> {
  await s.patch('node', node, { spec: { unschedulable: true } });
  const pods = s.pods({ node }).alive().items().filter((p) => !isDaemonSetPod(p));
  // kubectl evicts them all at once and retries each refused one 5 s later: rounds do the same without racing the clock.
  let left = pods;
  for (;;) {
    const refused: Pod[] = [];
    for (const p of left) if (!(await evictOnce(s, p, opts))) refused.push(p);
    if (!refused.length) break;
    left = refused;
    await s.advance(RETRY);
  }
  const names = new Set(pods.map((p) => p.metadata.name));
  await s.until(`the evicted pods of ${node} gone`, () => s.pods({ node }).items().every((p) => !names.has(p.metadata.name)), { within: opts.timeout ?? '5m' });
}

/** Makes a drained node schedulable again (kubectl uncordon). */
export async function uncordon(s: ScenarioApi, node: string): Promise<void> {
  await s.patch('node', node, { spec: { unschedulable: false } });
}
