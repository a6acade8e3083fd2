// The runner's picture of the cluster: one informer per watched kind on the runner's own
// connection. Waits check their conditions when it changes; `always` invariants after every event.
import type { KubeObject } from '../../api/meta.ts';
import { resourceFor } from '../../api/resources.ts';
import { selectorMatcher } from '../../api/selectors.ts';
import type { Clock } from '../../bus/clock.ts';
import type { ApiClient } from '../../bus/client.ts';
import { Informer } from '../../bus/informer.ts';
import type { Logger } from '../../bus/types.ts';
import type { ObjectFilter } from '../api.types.ts';

/** The kinds the runner keeps informers on. */
export const WATCHED = [
  'namespaces',
  'nodes',
  'pods',
  'leases',
  'deployments',
  'replicasets',
  'daemonsets',
  'statefulsets',
  'jobs',
  'services',
  'endpoints',
  'endpointslices',
  'events',
  'persistentvolumeclaims',
  'persistentvolumes',
] as const;

/**
 * Kinds the runner watches in one namespace only. Leases: the control plane's leader-election
 * Leases (kube-system, for s.leader); not the nodes' (kube-node-lease), renewed by every node every
 * 10 s: watching them cost the runner as much as the node lifecycle controller's own watch (a
 * steady hour's 36,000 renewals each an event, an informer update and a check of every wait), and
 * scripts see node heartbeats as the Node's Ready condition.
 */
const NAMESPACE_OF: Partial<Record<(typeof WATCHED)[number], string>> = { leases: 'kube-system' };

/** One change the informers saw. */
export interface Change {
  resource: string;
  type: 'add' | 'update' | 'delete';
  obj: KubeObject;
  old?: KubeObject;
}

/** Thrown when a script asks for a kind the runner does not watch. */
export class UnwatchedKindError extends Error {
  override name = 'UnwatchedKindError';
  constructor(kind: string, watched = WATCHED.join(', ')) {
    super(`the scenario runner does not watch "${kind}"; watched: ${watched} (use s.api for others)`);
  }
}

/** Informers on every watched kind, with change listeners. */
export class ClusterView {
  private readonly informers = new Map<string, Informer>();
  private readonly listeners = new Set<(c: Change) => void>();
  /** Bumped on every change: waits compare it to know whether to re-check. */
  version = 0;
  /** Changes seen (for the report). */
  events = 0;

  constructor(
    client: ApiClient,
    clock: Clock,
    private readonly log: Logger,
  ) {
    for (const resource of WATCHED) {
      const inf = new Informer(client, resource, { clock, log, namespace: NAMESPACE_OF[resource] });
      inf.on({
        add: (obj) => this.emit({ resource, type: 'add', obj }),
        update: (old, obj) => this.emit({ resource, type: 'update', obj, old }),
        delete: (obj) => this.emit({ resource, type: 'delete', obj }),
      });
      this.informers.set(resource, inf);
    }
  }

  /** Starts every informer; resolves when all have listed once. */
  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start()));
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }

  stop(): void {
    for (const i of this.informers.values()) i.stop();
  }

  /** Returns the plural resource a script means by `kind` (pod, po, Pod, deployments …), in `namespace` when given. */
  resource(kind: string, namespace?: string): string {
    const def = resourceFor(kind);
    if (!def || !this.informers.has(def.plural)) throw new UnwatchedKindError(kind);
    const only = NAMESPACE_OF[def.plural as (typeof WATCHED)[number]];
    if (only && namespace && namespace !== only) throw new UnwatchedKindError(`${kind} in namespace ${namespace}`, `${def.plural} only in ${only}`);
    return def.plural;
  }

  /** Returns the cached objects of a kind, filtered. */
  objects<T extends KubeObject>(kind: string, f: ObjectFilter = {}): () => Iterable<T> {
    const inf = this.informers.get(this.resource(kind, f.namespace))!;
    if (!f.namespace && !f.labels && !f.name) return () => inf.cache.values() as Iterable<T>;
    return () => filtered(inf.cache.values() as Iterable<T>, f);
  }

  /** Returns one cached object. */
  get<T extends KubeObject>(kind: string, name: string, namespace?: string): T | undefined {
    const inf = this.informers.get(this.resource(kind, namespace))!;
    return inf.cache.get(namespace ? `${namespace}/${name}` : name) as T | undefined;
  }

  /** Calls `fn` on every change until the returned function is called. */
  listen(fn: (c: Change) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(c: Change): void {
    this.version++;
    this.events++;
    for (const l of this.listeners) {
      try {
        l(c);
      } catch (err) {
        this.log.error({ err, resource: c.resource }, 'scenario change handler threw');
      }
    }
  }
}

function* filtered<T extends KubeObject>(items: Iterable<T>, f: ObjectFilter): Iterable<T> {
  const labels = f.labels ? selectorMatcher(f.labels) : undefined;
  for (const o of items) {
    if (f.namespace && o.metadata.namespace !== f.namespace) continue;
    if (f.name && !o.metadata.name?.startsWith(f.name)) continue;
    if (labels && !labels(o.metadata.labels)) continue;
    yield o;
  }
}
