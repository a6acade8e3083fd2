// The garbage collector: deletes objects whose owners are gone (Background), deletes an owner's
// dependents before it (Foreground, foregroundDeletion finalizer), or strips the owner from its
// dependents (Orphan, orphan finalizer). Upstream pkg/controller/garbagecollector.
//
// Built on defineController (one queue, the one backoff policy), but its informer events feed the
// owner graph incrementally rather than enqueueing object keys: `started` hooks the graph builder
// onto every shared informer. Queue keys are work items on real identities, `delete:<uid>`
// (upstream's attemptToDelete queue) and `orphan:<uid>` (its attemptToOrphan queue): upstream
// has two queues, we have one queue with two kinds of key.
import { isEstablished } from '../../../api/apiextensions/crd-validation.ts';
import { customResourceDefs } from '../../../api/apiextensions/custom-resource.ts';
import type { CustomResourceDefinition } from '../../../api/apiextensions/types.ts';
import type { ResourceDef } from '../../../api/resource.ts';
import { allResources } from '../../../api/resources.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { backoffDelay, type BackoffPolicy } from '../../../bus/backoff.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';
import { followCustomResources as followCrds } from '../../lib/custom-resources.ts';
import { AbsentOwnerCache } from './absent-owner-cache.ts';
import { NamespacedOwnerOfClusterScopedError, attemptToDelete, attemptToOrphan, type Collector } from './attempts.ts';
import { CollectorApi } from './collector-api.ts';
import { GraphBuilder, type GraphEvent } from './graph-builder.ts';
import { OwnerGraph, describe, type GraphNode } from './owner-graph.ts';

/** Kinds the collector does not watch: upstream ignores events; bindings are not stored. */
const IGNORED = new Set(['events', 'bindings']);

/** Returns the built-in resources whose objects the collector tracks (custom ones follow their CRDs). */
export const collectedResources = () => allResources().filter((d) => !IGNORED.has(d.plural) && !d.custom && !d.createOnly);

/** Kinds that usually own others, hooked (and so replayed) first at start so their dependents find them observed (no virtual owners to verify). */
const OWNERS_FIRST = ['namespaces', 'nodes', 'deployments', 'statefulsets', 'daemonsets', 'jobs', 'replicasets'];
const hookRank = (plural: string) => (OWNERS_FIRST.includes(plural) ? OWNERS_FIRST.indexOf(plural) : OWNERS_FIRST.length + (plural === 'pods' ? 1 : 0));

const DELETE = 'delete:';
const ORPHAN = 'orphan:';

/**
 * Upstream --concurrent-gc-syncs. Attempts on different uids may interleave: the graph is written
 * only by the builder, synchronously (informer events and virtual deletes), never across an await;
 * an attempt re-reads the live object and its owners from the API before acting, as upstream's
 * workers do under the graph's lock.
 */
const WORKERS = 20;

/** How long to wait before looking again at an owner the API server has but no informer has shown yet. */
const UNOBSERVED_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 30_000, factor: 2 };

interface GcState extends Collector {
  graph: OwnerGraph;
  /** Consecutive requeues of virtual (not yet observed) items, for their backoff (by key: one worker each). */
  unobserved: Map<string, number>;
}

/** Builds the (empty) graph and its builder, which queues work on the controller's queue. */
function initGraph(ctx: Omit<ControllerContext<GcState>, 'state'>): GcState {
  const { deps } = ctx;
  const log = deps.log;
  const graph = new OwnerGraph();
  const absent = new AbsentOwnerCache();
  const builder = new GraphBuilder(graph, absent, {
    attemptToDelete: (n, rateLimited) => (rateLimited ? ctx.queue.addRateLimited(DELETE + n.identity.uid) : ctx.queue.add(DELETE + n.identity.uid)),
    attemptToOrphan: (n) => ctx.queue.add(ORPHAN + n.identity.uid),
    invalidNamespaceOwnerRef: (dep, ownerUid) => {
      const ref = dep.owners.find((o) => o.uid === ownerUid);
      const obj: KubeObject = { apiVersion: dep.identity.apiVersion, kind: dep.identity.kind, metadata: { name: dep.identity.name, namespace: dep.identity.namespace, uid: dep.identity.uid } };
      ctx.events.record(obj, 'Warning', 'OwnerRefInvalidNamespace', `ownerRef [${ref?.apiVersion}/${ref?.kind}, namespace: ${dep.identity.namespace}, name: ${ref?.name}, uid: ${ownerUid}] does not exist in namespace "${dep.identity.namespace}"`);
    },
  }, log);
  return {
    graph,
    builder,
    absent,
    api: new CollectorApi(deps.client),
    log,
    unobserved: new Map(),
    enqueueDelete: (n: GraphNode) => ctx.queue.add(DELETE + n.identity.uid),
  };
}

/**
 * Hooks the graph builder onto every (synced) informer, owners' kinds first: each informer
 * replays its cache to a new handler, so the graph is built in that order, then kept current.
 */
function hookGraph(ctx: ControllerContext<GcState>): void {
  for (const def of collectedResources().sort((a, b) => hookRank(a.plural) - hookRank(b.plural))) hookResource(ctx, def);
  ctx.deps.log.info({ nodes: ctx.state.graph.size }, 'garbage collector graph built');
  followCustomResources(ctx);
}

/** Feeds one resource's informer events to the graph builder; returns the unhook. */
function hookResource(ctx: ControllerContext<GcState>, def: Pick<ResourceDef, 'plural' | 'apiVersion' | 'kind'>): () => void {
  const { builder } = ctx.state;
  const inf = ctx.cache(def.plural);
  const ev = (type: GraphEvent['type'], obj: KubeObject, old?: KubeObject): GraphEvent => ({ type, obj, old, apiVersion: def.apiVersion, kind: def.kind });
  const h = {
    add: (o: KubeObject) => builder.process(ev('add', o)),
    update: (old: KubeObject, o: KubeObject) => builder.process(ev('update', o, old)),
    delete: (o: KubeObject) => builder.process(ev('delete', o)),
  };
  inf.on(h);
  const off = () => inf.off(h);
  ctx.deps.onStop(off);
  return off;
}

/**
 * Custom objects own and are owned like any others: the graph follows each established CRD's
 * resource from when it is served (upstream's collector resyncs its monitors from discovery).
 */
function followCustomResources(ctx: ControllerContext<GcState>): void {
  // Owners are looked up by kind: this process's resource table must know the custom kinds too.
  followCrds(ctx.deps.informers, ctx.deps.log);
  const hooked = new Map<string, () => void>();
  const follow = (o: KubeObject) => {
    const crd = o as unknown as CustomResourceDefinition;
    const name = crd.metadata.name!;
    if (hooked.has(name) || !isEstablished(crd)) return;
    const [def] = customResourceDefs(crd);
    if (def) hooked.set(name, hookResource(ctx, def));
  };
  ctx.cache('customresourcedefinitions').on({
    add: follow,
    update: (_old, o) => follow(o),
    delete: (o) => {
      hooked.get(o.metadata.name!)?.();
      hooked.delete(o.metadata.name!);
    },
  });
}

/** The garbage collector's actor definition (input: none). */
export const garbageCollectorController = defineController<void, GcState>({
  name: 'garbage-collector',
  workers: WORKERS,
  // Registering every resource makes the framework wait for all caches before the first attempt;
  // the graph (not the framework) turns their events into work.
  watches: collectedResources().map((d) => ({ resource: d.plural, keys: () => [] })),
  init: initGraph,
  started: hookGraph,
  async reconcile(key, ctx) {
    const st = ctx.state;
    const orphan = key.startsWith(ORPHAN);
    const node = st.graph.get(key.slice(orphan ? ORPHAN.length : DELETE.length));
    if (!node) {
      st.unobserved.delete(key);
      return; // gone from the graph meanwhile: nothing left to do
    }
    if (orphan) return attemptToOrphan(st, node);
    try {
      if ((await attemptToDelete(st, node)) === 'virtual-delete') return;
    } catch (err) {
      if (!(err instanceof NamespacedOwnerOfClusterScopedError)) throw err;
      st.log.warn({ item: describe(node.identity), err: err.message }, 'not collecting: invalid owner reference');
      return;
    }
    // An owner the API server has but no informer has shown yet: look again until one does.
    if (node.virtual && st.graph.get(node.identity.uid) === node) {
      const n = (st.unobserved.get(key) ?? 0) + 1;
      st.unobserved.set(key, n);
      return { requeueAfterMs: backoffDelay(n, UNOBSERVED_BACKOFF) };
    }
    st.unobserved.delete(key);
  },
});
