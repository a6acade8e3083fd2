// The PodSecurity admission plugin (upstream staging/src/k8s.io/pod-security-admission): a namespace's
// pod-security.kubernetes.io/{enforce,warn,audit} labels (and their -version labels) pick a level of
// the Pod Security Standards; a pod that violates the enforce level is refused (403 with upstream's
// text), one that violates the warn level is admitted with a Warning, and the audit level's verdict
// goes into the request's audit event as upstream's annotations. Workload resources' pod templates get
// warnings only, for both levels, as upstream. The checks: admission-podsecurity-checks.ts; namespaces'
// own labels: admission-podsecurity-namespace.ts.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../api/meta.ts';
import { forbidden } from '../../api/status.ts';
import type { Attributes } from './admission.ts';
import { evaluatePod, type Level, type Violation } from './admission-podsecurity-checks.ts';
import { admitNamespacePodSecurity } from './admission-podsecurity-namespace.ts';
import { defaultsApply, exemptionOf } from './admission-podsecurity-config.ts';
import { qualified, type ServerContext } from './context.ts';

const LABEL = 'pod-security.kubernetes.io/';
const LEVELS: ReadonlySet<string> = new Set(['privileged', 'baseline', 'restricted']);
const APPARMOR_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** A mode's policy: the level and the version it is named with in messages. */
export interface Policy {
  level: Level;
  version: string;
}

/** Where each workload kind keeps its pod template (metadata and spec). */
const TEMPLATES: Record<string, (o: any) => { metadata?: any; spec?: any } | undefined> = {
  'apps/deployments': (o) => o.spec?.template,
  'apps/replicasets': (o) => o.spec?.template,
  'apps/statefulsets': (o) => o.spec?.template,
  'apps/daemonsets': (o) => o.spec?.template,
  'batch/jobs': (o) => o.spec?.template,
  'batch/cronjobs': (o) => o.spec?.jobTemplate?.spec?.template,
  '/replicationcontrollers': (o) => o.spec?.template,
  '/podtemplates': (o) => o.template,
};

/** The plurals of pods and of the kinds in TEMPLATES (the only ones checked). */
const POD_PLURALS = new Set(['pods', ...Object.keys(TEMPLATES).map((k) => k.slice(k.indexOf('/') + 1))]);

/** Returns a namespace's policy for one mode; an invalid level reads as restricted (upstream), no label as the configured default (else privileged, latest). */
export function policyOf(labels: Record<string, string> | undefined, mode: 'enforce' | 'warn' | 'audit', defaults?: Record<string, string>): Policy {
  const raw = labels?.[LABEL + mode] ?? defaults?.[mode];
  const level = raw === undefined ? 'privileged' : LEVELS.has(raw) ? (raw as Level) : 'restricted';
  return { level, version: labels?.[`${LABEL}${mode}-version`] || defaults?.[`${mode}-version`] || 'latest' };
}

/** Returns upstream's list of violations: `reason (detail), reason (detail)`. */
export const describe = (vs: Violation[]) => vs.map((v) => (v.detail ? `${v.reason} (${v.detail})` : v.reason)).join(', ');
const named = (p: Policy) => `"${p.level}:${p.version}"`;

/** Validating step: pods against enforce (and warn), workload templates against both as warnings. */
export function admitPodSecurity(ctx: ServerContext, a: Attributes): void {
  if (a.def.plural === 'namespaces' && !a.def.group) return admitNamespacePodSecurity(ctx, a);
  if (a.operation === 'DELETE' || a.subresource !== '' || !a.def.namespaced || !a.object) return;
  // Most writes are of other kinds (a Lease renewal): no key string is made for them.
  if (!POD_PLURALS.has(a.def.plural)) return;
  const kind = `${a.def.group}/${a.def.plural}`;
  const template = TEMPLATES[kind];
  if (kind !== '/pods' && !template) return;
  // Exempt (the plugin's configuration): not evaluated at all, said in the audit event as upstream's annotation.
  const exempt = exemptionOf(ctx.podSecurity, a.namespace, ctx.user?.username, (kind === '/pods' ? a.object.spec : template!(a.object)?.spec)?.runtimeClassName);
  if (exempt) {
    if (ctx.audit) ctx.audit.annotations['pod-security.kubernetes.io/exempt'] = exempt;
    return;
  }
  const ns = ctx.store.get(`/registry/namespaces/${a.namespace}`)?.value as KubeObject | undefined;
  const labels = ns?.metadata.labels;
  if (!Object.keys(labels ?? {}).some((k) => k.startsWith(LABEL)) && !defaultsApply(ctx.podSecurity)) return;
  const defaults = ctx.podSecurity?.defaults;
  const enforce = policyOf(labels, 'enforce', defaults);
  const warn = policyOf(labels, 'warn', defaults);
  const audit = policyOf(labels, 'audit', defaults);
  // The audit event of the request (when the audit policy records it) carries the verdicts, as upstream's annotations.
  const annotate = (meta: KubeObject['metadata'], spec: Record<string, any>) => {
    if (!ctx.audit) return;
    ctx.audit.annotations['pod-security.kubernetes.io/enforce-policy'] = `${enforce.level}:${enforce.version}`;
    const vs = evaluatePod(audit.level, meta, spec);
    if (vs.length) ctx.audit.annotations['pod-security.kubernetes.io/audit-violations'] = `would violate PodSecurity ${named(audit)}: ${describe(vs)}`;
  };
  if (kind === '/pods') {
    if (a.oldObject && !significantUpdate(a.object, a.oldObject)) return;
    const meta = a.object.metadata;
    const spec = (a.object.spec ?? {}) as Record<string, any>;
    annotate(meta, spec);
    const denied = evaluatePod(enforce.level, meta, spec);
    if (!isDeepStrictEqual(warn, enforce)) warnAbout(ctx, warn, evaluatePod(warn.level, meta, spec));
    if (denied.length) throw forbidden(qualified(a.def), a.name, `violates PodSecurity ${named(enforce)}: ${describe(denied)}`);
    return;
  }
  const t = template!(a.object);
  if (!t || typeof t !== 'object') return;
  if (a.oldObject && isDeepStrictEqual(t, template!(a.oldObject))) return;
  const meta = t.metadata ?? {};
  const spec = t.spec ?? {};
  annotate(meta, spec);
  warnAbout(ctx, enforce, evaluatePod(enforce.level, meta, spec));
  if (!isDeepStrictEqual(warn, enforce)) warnAbout(ctx, warn, evaluatePod(warn.level, meta, spec));
}

function warnAbout(ctx: ServerContext, p: Policy, vs: Violation[]): void {
  if (vs.length) ctx.warnings?.push(`would violate PodSecurity ${named(p)}: ${describe(vs)}`);
}

/** A pod update matters unless it changes only images, activeDeadlineSeconds or tolerations (upstream isSignificantPodUpdate). */
function significantUpdate(pod: KubeObject, old: KubeObject): boolean {
  const apparmor = (o: KubeObject) => Object.entries(o.metadata.annotations ?? {}).filter(([k]) => k.startsWith(APPARMOR_PREFIX));
  if (!isDeepStrictEqual(apparmor(pod), apparmor(old))) return true;
  const strip = (o: KubeObject) => {
    const s = structuredClone((o.spec ?? {}) as Record<string, any>);
    delete s.activeDeadlineSeconds;
    delete s.tolerations;
    for (const list of ['containers', 'initContainers', 'ephemeralContainers']) for (const c of s[list] ?? []) if (c) delete c.image;
    return s;
  };
  return !isDeepStrictEqual(strip(pod), strip(old));
}
