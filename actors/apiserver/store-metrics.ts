// etcd_request_duration_seconds{operation,group,resource}: how long each store write takes to be
// acknowledged, the one store call that reaches the backend (etcd, JetStream, the file log); reads
// come from the API server's cache, as upstream's watch cache serves them.
import { resourceFor } from '../../api/resources.ts';
import { LeanHistogram } from '../lib/lean-histogram.ts';
import { metricsOf, stopwatch, type ComponentId } from '../lib/metrics-registry.ts';
import { REGISTRY_PREFIX } from './keys.ts';
import { DURATION_BUCKETS as BUCKETS } from './metrics.ts';
import type { Store, TxnOp } from './store/store.ts';


/** Returns `store` with its writes timed in the component's registry; every other member is the store's own. */
export function timedStore(store: Store, id: ComponentId): Store {
  // The histogram keys its series by labels object: one object per series, kept with it (a restarted API server's too).
  const { latency, labels } = metricsOf(id, 'etcd', (registers) => ({
    latency: new LeanHistogram('etcd_request_duration_seconds', 'Etcd request latency in seconds for each operation and object type.', BUCKETS, [registers]),
    labels: new Map<string, { operation: string; group: string; resource: string }>(),
  }));
  const labelsOf = (op: TxnOp) => {
    const resource = op.key.startsWith(REGISTRY_PREFIX) ? op.key.slice(REGISTRY_PREFIX.length).split('/')[0] : '';
    const k = `${op.op}|${resource}`;
    let l = labels.get(k);
    if (!l) labels.set(k, (l = { operation: op.op, group: resourceFor(resource)?.group ?? '', resource }));
    return l;
  };
  const bound = new Map<PropertyKey, unknown>();
  const txn = (op: TxnOp) => {
    const elapsed = stopwatch();
    const p = store.txn(op);
    // Observed on a side branch: the caller awaits the store's own promise, no later than before.
    const done = () => latency.observe(labelsOf(op), elapsed());
    p.then(done, done);
    return p;
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'txn') return txn;
      const v = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      // Methods run on the store itself (its private fields), bound once.
      if (!bound.has(prop)) bound.set(prop, v.bind(target));
      return bound.get(prop);
    },
  });
}
