// The admission chain, in upstream's order (kube-apiserver's AllOrderedPlugins): every plugin's
// mutating step in list order, then the object's own validation (writes.ts), then every plugin's
// validating step in list order, ResourceQuota last. Each plugin is one named entry below; the
// request's user reaches every step (ctx.user). Plugins that the API server's options disable are
// skipped (upstream's --disable-admission-plugins).
import type { KubeObject } from '../../api/meta.ts';
import type { UserInfo } from '../../api/protocol.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { forbidden, notFound } from '../../api/status.ts';
import { addProtectionFinalizer, admitClaimResize, setDefaultStorageClass } from './admission-storage.ts';
import { admitPodPriority, admitPriorityClass, keepPodPriority } from './admission-priority.ts';
import { admitNodeRestriction } from './admission-node.ts';
import { admitPolicies } from './admission-policy.ts';
import { admitPodSecurity } from './admission-podsecurity.ts';
import { admitServiceAccount } from './admission-serviceaccount.ts';
import { qualified, type ServerContext } from './context.ts';
import { applyLimitRangeDefaults, validateLimitRanges } from './limit-range.ts';
import type { AdmissionAttributes } from './policy-match.ts';
import { chargeQuota } from './quota.ts';
import { checkEscalation } from './authz/escalation.ts';

/** One admission request as the plugins see it: upstream's admission.Attributes, with the user. */
export interface Attributes extends AdmissionAttributes {
  /** Who asks (unset: the trusted internal caller). */
  user?: UserInfo;
}

/** One admission plugin: a mutating step, a validating step, or both (upstream's Admit and Validate). */
export interface AdmissionPlugin {
  name: string;
  mutate?: (ctx: ServerContext, a: Attributes) => void | Promise<void>;
  validate?: (ctx: ServerContext, a: Attributes) => void | Promise<void>;
}

/** Seconds a pod tolerates a not-ready or unreachable node before eviction (upstream default). */
export const DEFAULT_TOLERATION_SECONDS = 300;
const NOT_READY = 'node.kubernetes.io/not-ready';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

const isCreate = (a: Attributes, plural: string) => a.operation === 'CREATE' && a.def.plural === plural && !a.def.group && a.subresource === '';
const isUpdate = (a: Attributes, plural: string) => a.operation === 'UPDATE' && a.def.plural === plural && !a.def.group && a.subresource === '';

/**
 * The plugins kubus runs, in upstream's order. Mutating steps all run before validating ones, so
 * e.g. LimitRanger's defaults are what ResourceQuota charges, and NamespaceLifecycle refuses a
 * create in a terminating namespace before anything else looks at it.
 */
export const ADMISSION_PLUGINS: AdmissionPlugin[] = [
  // Not an admission plugin upstream but the RBAC registry's own check, before any plugin looks at the write.
  { name: 'RBACEscalationPrevention', mutate: (ctx, a) => checkEscalation(ctx, a) },
  { name: 'NamespaceLifecycle', mutate: (ctx, a) => void (a.operation === 'CREATE' && a.def.namespaced && a.subresource === '' && checkNamespace(ctx, a.def, a.object!)) },
  {
    name: 'LimitRanger',
    mutate: (ctx, a) => void (isCreate(a, 'pods') && applyLimitRangeDefaults(ctx, a.object!)),
    validate: (ctx, a) => void (a.operation === 'CREATE' && a.subresource === '' && validateLimitRanges(ctx, a.def, a.object!)),
  },
  { name: 'ServiceAccount', mutate: (ctx, a) => (isCreate(a, 'pods') ? admitServiceAccount(ctx, a) : undefined) },
  { name: 'NodeRestriction', validate: (ctx, a) => admitNodeRestriction(ctx, a) },
  { name: 'PodSecurity', validate: (ctx, a) => admitPodSecurity(ctx, a) },
  {
    name: 'Priority',
    mutate: (ctx, a) => {
      if (isCreate(a, 'pods')) admitPodPriority(ctx, a.def, a.object!);
      if (isUpdate(a, 'pods')) keepPodPriority(a.object!, a.oldObject!);
    },
    validate: (ctx, a) => {
      if (a.def.plural === 'priorityclasses' && a.subresource === '' && a.operation !== 'DELETE') admitPriorityClass(ctx, a.def, a.object!, a.oldObject ?? undefined);
    },
  },
  { name: 'DefaultTolerationSeconds', mutate: (_ctx, a) => void (isCreate(a, 'pods') && addDefaultTolerations(a.object!)) },
  { name: 'DefaultStorageClass', mutate: (ctx, a) => void (isCreate(a, 'persistentvolumeclaims') && setDefaultStorageClass(ctx, a.object!)) },
  {
    name: 'StorageObjectInUseProtection',
    mutate: (_ctx, a) => {
      if (isCreate(a, 'persistentvolumeclaims') || isCreate(a, 'persistentvolumes')) addProtectionFinalizer(a.object!, a.def.plural);
    },
  },
  { name: 'PersistentVolumeClaimResize', validate: (ctx, a) => void (isUpdate(a, 'persistentvolumeclaims') && admitClaimResize(ctx, a.def, a.object!, a.oldObject!)) },
  { name: 'ValidatingAdmissionPolicy', validate: (ctx, a) => admitPolicies(ctx, a) },
  {
    name: 'ResourceQuota',
    validate: (ctx, a) => (a.operation !== 'DELETE' && a.subresource === '' ? chargeQuota(ctx, a.def, a.object!, a.dryRun, a.oldObject ?? undefined) : undefined),
  },
];

/** Returns the plugins this server runs (its options may disable some by name). */
const enabled = (ctx: ServerContext) => (ctx.disabledAdmission?.length ? ADMISSION_PLUGINS.filter((p) => !ctx.disabledAdmission!.includes(p.name)) : ADMISSION_PLUGINS);

/** Fills in the attributes' user from the request being served (each caller makes its attributes for this one chain). */
const withUser = (ctx: ServerContext, a: AdmissionAttributes): Attributes => {
  (a as Attributes).user = ctx.user;
  return a;
};

/** Runs every mutating step in order; throws a StatusError to refuse the request. */
export function admitMutating(ctx: ServerContext, attrs: AdmissionAttributes): void | Promise<void> {
  return runSteps(ctx, enabled(ctx), withUser(ctx, attrs), 'mutate', 0);
}

/** Runs every validating step in order (ResourceQuota last: it charges); throws a StatusError to refuse the request. */
export function admitValidating(ctx: ServerContext, attrs: AdmissionAttributes): void | Promise<void> {
  return runSteps(ctx, enabled(ctx), withUser(ctx, attrs), 'validate', 0);
}

/**
 * Runs the plugins' steps from `from` on. Most steps answer at once: the chain goes on synchronously
 * and waits only where a step returns a promise (a write without quotas or policies makes no promise
 * and takes no tick at all).
 */
function runSteps(ctx: ServerContext, plugins: AdmissionPlugin[], a: Attributes, step: 'mutate' | 'validate', from: number): void | Promise<void> {
  for (let i = from; i < plugins.length; i++) {
    const r = plugins[i]![step]?.(ctx, a);
    if (r) return r.then(() => runSteps(ctx, plugins, a, step, i + 1));
  }
}

/** The mutating chain for an object about to be created, then the Service REST storage's address allocation (upstream's beginCreate). */
export function admitCreate(ctx: ServerContext, def: ResourceDef, obj: KubeObject, dryRun = false): void | Promise<void> {
  const allocate = () => {
    if (def.plural === 'services' && !def.group) ctx.services.allocate(obj as never);
  };
  const r = admitMutating(ctx, createAttributes(def, obj, dryRun));
  return r ? r.then(allocate) : allocate();
}

/** The mutating chain for an update of the whole object (not status). */
export const admitUpdate = (ctx: ServerContext, def: ResourceDef, obj: KubeObject, old: KubeObject, dryRun = false): void | Promise<void> =>
  admitMutating(ctx, updateAttributes(def, obj, old, '', dryRun));

/** Returns the attributes of a create. */
export const createAttributes = (def: ResourceDef, obj: KubeObject, dryRun: boolean): AdmissionAttributes => ({
  def, operation: 'CREATE', subresource: '', name: obj.metadata.name ?? '', namespace: obj.metadata.namespace ?? '', object: obj, oldObject: null, dryRun,
});

/** Returns the attributes of an update of `old` to `obj` (subresource '' or 'status', or the one a write came through). */
export const updateAttributes = (def: ResourceDef, obj: KubeObject, old: KubeObject, subresource: string, dryRun: boolean): AdmissionAttributes => ({
  def, operation: 'UPDATE', subresource, name: old.metadata.name ?? '', namespace: old.metadata.namespace ?? '', object: obj, oldObject: old, dryRun,
});

/** NamespaceLifecycle: nothing is created in a namespace that is missing or terminating. */
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

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
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
