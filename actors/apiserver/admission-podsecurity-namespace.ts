// PodSecurity on namespaces (upstream's ValidateNamespace): the pod-security.kubernetes.io labels
// must name a level and a version (422 with upstream's texts), and raising a namespace's enforce
// level warns about the pods already there that would violate it (what `kubectl label --dry-run=server`
// shows before a level is enforced).
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../api/meta.ts';
import { invalid, type FieldError } from '../../api/status.ts';
import { invalidValue } from '../../api/validation/field.ts';
import { evaluatePod } from './admission-podsecurity-checks.ts';
import type { Attributes } from './admission.ts';
import type { ServerContext } from './context.ts';

const LABEL = 'pod-security.kubernetes.io/';
const LEVELS = ['privileged', 'baseline', 'restricted'];
const VERSION = /^(latest|v1\.(0|[1-9][0-9]*))$/;

/** Returns upstream's errors for the pod-security labels of a namespace. */
export function labelErrors(labels: Record<string, string> | undefined): FieldError[] {
  const errs: FieldError[] = [];
  for (const mode of ['enforce', 'audit', 'warn']) {
    const level = labels?.[LABEL + mode];
    if (level !== undefined && !LEVELS.includes(level)) errs.push(invalidValue(`metadata.labels[${LABEL}${mode}]`, level, 'must be one of privileged, baseline, restricted'));
    const version = labels?.[`${LABEL}${mode}-version`];
    if (version !== undefined && !VERSION.test(version)) errs.push(invalidValue(`metadata.labels[${LABEL}${mode}-version]`, version, 'must be "latest" or "v1.x"'));
  }
  return errs;
}

const enforceOf = (labels: Record<string, string> | undefined) => ({ level: labels?.[`${LABEL}enforce`] ?? 'privileged', version: labels?.[`${LABEL}enforce-version`] || 'latest' });

/** Validating step on namespaces: labels checked on create and when they change; a raised enforce level warns about existing pods. */
export function admitNamespacePodSecurity(ctx: ServerContext, a: Attributes): void {
  if (a.operation === 'DELETE' || a.subresource !== '' || !a.object) return;
  const labels = a.object.metadata.labels;
  const before = a.oldObject?.metadata.labels;
  const pick = (l: Record<string, string> | undefined) => Object.entries(l ?? {}).filter(([k]) => k.startsWith(LABEL));
  if (a.operation === 'UPDATE' && isDeepStrictEqual(pick(labels), pick(before))) return;
  const errs = labelErrors(labels);
  if (errs.length) throw invalid('Namespace', a.name, errs);
  if (a.operation !== 'UPDATE') return;
  const enforce = enforceOf(labels);
  if (enforce.level === 'privileged' || isDeepStrictEqual(enforce, enforceOf(before))) return;
  ctx.warnings?.push(...existingPodWarnings(ctx, a.name, enforce));
}

/** Upstream's EvaluatePodsInNamespace: one line, then each distinct set of reasons with its first pod (by name) and how many others share it. */
function existingPodWarnings(ctx: ServerContext, namespace: string, enforce: { level: string; version: string }): string[] {
  const seen = new Map<string, { pod: string; count: number }>();
  for (const kv of ctx.store.range(`/registry/pods/${namespace}/`).kvs) {
    const pod = kv.value as KubeObject;
    const vs = evaluatePod(enforce.level as 'baseline' | 'restricted', pod.metadata, (pod.spec ?? {}) as Record<string, unknown>);
    if (!vs.length) continue;
    const reasons = vs.map((v) => v.reason).join(', ');
    const c = seen.get(reasons);
    const name = pod.metadata.name ?? '';
    if (!c) seen.set(reasons, { pod: name, count: 1 });
    else {
      c.count++;
      if (name < c.pod) c.pod = name;
    }
  }
  if (!seen.size) return [];
  return [
    `existing pods in namespace "${namespace}" violate the new PodSecurity enforce level "${enforce.level}:${enforce.version}"`,
    ...[...seen].map(([reasons, c]) => (c.count === 1 ? `${c.pod}: ${reasons}` : `${c.pod} (and ${c.count - 1} other pods): ${reasons}`)),
  ];
}
