// etcd_request_duration_seconds{operation,group,resource}: how long each store write takes to be
// acknowledged, the one store call that reaches the backend (etcd, JetStream, the file log); reads
// come from the API server's cache, as upstream's watch cache serves them.
import { resourceFor } from '../../api/resources.ts';
import { LeanHistogram } from '../lib/lean-histogram.ts';
import { metricsOf, stopwatch, type ComponentId } from '../lib/metrics-registry.ts';
import { REGISTRY_PREFIX, resourceOfKey } from './keys.ts';
import { DURATION_BUCKETS as BUCKETS } from './metrics.ts';
import type { KeyValue, RangeOptions, RangeResult, Store, StoreEvent, TxnOp, TxnResult } from './store/store.ts';
import type { CompactedError } from './store/store.ts';

type Labels = { operation: string; group: string; resource: string };

/**
 * A store whose writes are timed; every other call goes straight to the store. A class rather than
 * a Proxy: every request reads the store several times (get, revision, sync), and a Proxy's trap
 * cost more than the read.
 */
class TimedStore implements Store {
  /** Present when the store has it (a shared store's barrier): callers test for it. */
  readonly sync?: () => Promise<void>;

  constructor(
    private readonly store: Store,
    private readonly latency: LeanHistogram,
    /** Each operation's labels by resource: one object per series, the histogram's key. */
    private readonly labels: Map<string, Map<string, Labels>>,
  ) {
    if (typeof store.sync === 'function') this.sync = () => store.sync!();
  }

  get revision(): number {
    return this.store.revision;
  }

  get compactedRevision(): number {
    return this.store.compactedRevision;
  }

  get(key: string): KeyValue | undefined {
    return this.store.get(key);
  }

  range(prefix: string, opts?: RangeOptions): RangeResult {
    return this.store.range(prefix, opts);
  }

  txn(op: TxnOp): Promise<TxnResult> {
    const elapsed = stopwatch();
    const p = this.store.txn(op);
    // Observed on a side branch: the caller awaits the store's own promise, no later than before.
    const done = () => this.latency.observe(this.labelsOf(op), elapsed());
    p.then(done, done);
    return p;
  }

  watch(prefix: string, fromRevision: number, onEvent: (ev: StoreEvent) => void, onEnd?: (err: CompactedError) => void): () => void {
    return this.store.watch(prefix, fromRevision, onEvent, onEnd);
  }

  history(prefix: string, afterRevision: number, upToRevision: number): StoreEvent[] {
    return this.store.history(prefix, afterRevision, upToRevision);
  }

  compact(revision: number): void {
    this.store.compact(revision);
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private labelsOf(op: TxnOp): Labels {
    const resource = op.key.startsWith(REGISTRY_PREFIX) ? resourceOfKey(op.key) : '';
    let byResource = this.labels.get(op.op);
    if (!byResource) this.labels.set(op.op, (byResource = new Map()));
    let l = byResource.get(resource);
    if (!l) byResource.set(resource, (l = { operation: op.op, group: resourceFor(resource)?.group ?? '', resource }));
    return l;
  }
}

/** Returns `store` with its writes timed in the component's registry; every other member is the store's own. */
export function timedStore(store: Store, id: ComponentId): Store {
  // The histogram keys its series by labels object: one object per series, kept with it (a restarted API server's too).
  const { latency, labels } = metricsOf(id, 'etcd', (registers) => ({
    latency: new LeanHistogram('etcd_request_duration_seconds', 'Etcd request latency in seconds for each operation and object type.', BUCKETS, [registers]),
    labels: new Map<string, Map<string, Labels>>(),
  }));
  return new TimedStore(store, latency, labels);
}
