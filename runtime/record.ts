// Recording a cluster's change feed (kwokctl's `record`): list each resource, then watch it from
// the list's revision, and hand every change on with its time offset from the start.
import { formatChange, type RecordedChange, type RecordedType } from '../api/record-format.ts';
import type { KubeObject } from '../api/meta.ts';
import { resourceFor } from '../api/resources.ts';
import type { ApiClient } from '../bus/client.ts';
import type { ClientWatch } from '../bus/watch-client.ts';

/** What `kubus record` records when no --resources is given. Secrets are left out on purpose: a recording is a plain file. */
export const DEFAULT_RECORDED = ['namespaces', 'nodes', 'configmaps', 'services', 'deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs', 'pods'];

/** Owners before what they own, so a replay meets an owner before its dependents (their ownerReferences name its uid). */
const LIST_ORDER = ['namespaces', 'nodes', 'cronjobs', 'deployments', 'statefulsets', 'daemonsets', 'jobs', 'replicasets', 'pods'];
const rank = (plural: string) => (LIST_ORDER.includes(plural) ? LIST_ORDER.indexOf(plural) : LIST_ORDER.indexOf('cronjobs'));

export interface RecorderOptions {
  resources: readonly string[];
  /** Only this namespace's objects (cluster-scoped resources are recorded whole). */
  namespace?: string;
  /** The clock the offsets are read from (the virtual one in simulations). */
  now: () => number;
  /** Receives each change as a line of the file. */
  write: (line: string) => void;
  /** Told when a resource's watch ends for good (its history was compacted, or the server refused). */
  onError?: (resource: string, message: string) => void;
}

export interface Recorder {
  /** Changes written so far. */
  readonly count: number;
  /** Stops every watch; no line is written after it. */
  stop(): void;
}

/** Lists then watches `resources`, writing every change; resolves once every watch has started. */
export async function startRecorder(client: ApiClient, opts: RecorderOptions): Promise<Recorder> {
  const start = opts.now();
  const watches = new Map<string, ClientWatch>();
  let count = 0;
  let stopped = false;
  const emit = (resource: string, type: RecordedType, object: KubeObject) => {
    if (stopped) return;
    const c: RecordedChange = { offsetMs: Math.max(0, opts.now() - start), type, resource, object };
    opts.write(formatChange(c));
    count++;
  };
  const scopeOf = (resource: string) => {
    const def = resourceFor(resource);
    if (!def) throw new Error(`the server doesn't have a resource type "${resource}"`);
    return { plural: def.plural, namespace: def.namespaced ? opts.namespace : undefined };
  };
  const follow = async (plural: string, namespace: string | undefined, from: string): Promise<void> => {
    let rv = from;
    const w = await client.watch(plural, { namespace, resourceVersion: rv }, {
      event: (ev) => {
        if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') return;
        const obj = ev.object as KubeObject;
        rv = obj.metadata.resourceVersion ?? rv;
        emit(plural, ev.type, obj);
      },
      end: (reason, status) => {
        if (reason === 'stopped' || stopped) return;
        if (reason === 'expired' || reason === 'error') return opts.onError?.(plural, status?.message ?? `the watch ended (${reason})`);
        // Lost events (gap, silence, reconnect): resume from the last revision seen, as an informer does.
        follow(plural, namespace, rv).catch((err: Error) => opts.onError?.(plural, err.message));
      },
    });
    if (stopped) w.stop();
    else watches.set(plural, w);
  };
  const scopes = opts.resources.map(scopeOf).sort((a, b) => rank(a.plural) - rank(b.plural));
  for (const { plural, namespace } of scopes) {
    const list = await client.list(plural, { namespace });
    for (const item of list.items) emit(plural, 'ADDED', item);
    await follow(plural, namespace, list.metadata.resourceVersion ?? '0');
  }
  return {
    get count() {
      return count;
    },
    stop() {
      stopped = true;
      for (const w of watches.values()) w.stop();
    },
  };
}
