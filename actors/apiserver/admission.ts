// Admission on create, as upstream's plugins: NamespaceLifecycle, DefaultTolerationSeconds,
// and the service IP/port allocation of the Service REST storage.
import type { KubeObject } from '../../api/meta.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { forbidden, notFound } from '../../api/status.ts';
import { addProtectionFinalizer, admitClaimResize, setDefaultStorageClass } from './admission-storage.ts';
import { admitPodPriority, admitPriorityClass, keepPodPriority } from './admission-priority.ts';
import { qualified, type ServerContext } from './context.ts';
import { applyLimitRangeDefaults } from './limit-range.ts';

/** Seconds a pod tolerates a not-ready or unreachable node before eviction (upstream default). */
export const DEFAULT_TOLERATION_SECONDS = 300;
const NOT_READY = 'node.kubernetes.io/not-ready';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

/** Runs the admission steps for an object about to be created; throws a StatusError to refuse it. */
export function admitCreate(ctx: ServerContext, def: ResourceDef, obj: KubeObject): void {
  if (def.namespaced) checkNamespace(ctx, def, obj);
  if (def.plural === 'pods') addDefaultTolerations(obj);
  if (def.plural === 'pods') admitPodPriority(ctx, def, obj);
  if (def.plural === 'pods') applyLimitRangeDefaults(ctx, obj);
  if (def.plural === 'priorityclasses') admitPriorityClass(ctx, def, obj);
  if (def.plural === 'services') ctx.services.allocate(obj as never);
  if (def.plural === 'persistentvolumeclaims') setDefaultStorageClass(ctx, obj);
  if (def.plural === 'persistentvolumeclaims' || def.plural === 'persistentvolumes') addProtectionFinalizer(obj, def.plural);
}

/** Runs the admission steps for an update of the whole object (not status); throws a StatusError to refuse it. */
export function admitUpdate(ctx: ServerContext, def: ResourceDef, obj: KubeObject, old: KubeObject): void {
  if (def.plural === 'pods') keepPodPriority(obj, old);
  if (def.plural === 'priorityclasses') admitPriorityClass(ctx, def, obj, old);
  if (def.plural === 'persistentvolumeclaims') admitClaimResize(ctx, def, obj, old);
}

function checkNamespace(ctx: ServerContext, def: ResourceDef, obj: KubeObject): void {
  const namespace = obj.metadata.namespace!;
  const kv = ctx.store.get(`/registry/namespaces/${namespace}`);
  if (!kv) throw notFound('namespaces', namespace);
  const ns = kv.value as KubeObject;
  if (ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating') {
    const why = `unable to create new content in namespace ${namespace} because it is being terminated`;
    const e = forbidden(qualified(def), obj.metadata.name ?? '', why);
    e.status.details!.causes = [{ reason: 'NamespaceTerminating', message: why, field: 'metadata.namespace' }];
    throw e;
  }
}

/** Gives a pod the not-ready/unreachable NoExecute tolerations (300 s) unless it has its own. */
function addDefaultTolerations(pod: KubeObject): void {
  const spec = (pod.spec ??= {}) as { tolerations?: Toleration[] };
  const tolerations = (spec.tolerations ??= []);
  const covers = (key: string) =>
    tolerations.some(
      (t) => (t.operator === 'Exists' && !t.key) || (t.key === key && (t.effect === 'NoExecute' || !t.effect)),
    );
  for (const key of [NOT_READY, UNREACHABLE]) {
    if (!covers(key))
      tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULT_TOLERATION_SECONDS });
  }
}
