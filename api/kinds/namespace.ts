// Namespaces: schema, defaults (kubernetes.io/metadata.name label), create-time finalizer and phase, validation.
import { Type, type Static } from '@sinclair/typebox';
import { objectSchema } from '../meta.ts';
import type { FieldError } from '../validation/field.ts';
import { validateFinalizerName, validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsDNSLabel } from '../validation/strings.ts';
import { ensureObj, isObj, obj, opt, type Kube } from './common.ts';

export const NamespaceSpec = obj({ finalizers: opt(Type.Array(Type.String())) });
export type NamespaceSpec = Static<typeof NamespaceSpec>;
export const NamespaceStatus = obj({ phase: opt(Type.String()), conditions: opt(Type.Array(obj({}))) });
export type NamespaceStatus = Static<typeof NamespaceStatus>;

export const NamespaceSchema = objectSchema({ spec: opt(NamespaceSpec), status: opt(NamespaceStatus) });
export type Namespace = Kube<{ spec?: NamespaceSpec; status?: NamespaceStatus }>;

/** The label every namespace carries with its own name (SetDefaults_Namespace). */
export const LABEL_METADATA_NAME = 'kubernetes.io/metadata.name';

/** Fills namespace defaults in place: the metadata-name label and status.phase Active. */
export function defaultNamespace(ns: Namespace): void {
  if (!isObj(ns) || !isObj(ns.metadata)) return;
  if (typeof ns.metadata.name === 'string' && ns.metadata.name) {
    const labels = ensureObj(ns.metadata as Record<string, unknown>, 'labels');
    if (labels) labels[LABEL_METADATA_NAME] = ns.metadata.name;
  }
  const status = ensureObj(ns as unknown as Record<string, unknown>, 'status');
  if (status) status.phase ||= 'Active';
}

/** On create the phase is Active and the `kubernetes` finalizer is present (upstream namespace strategy). */
export function prepareNamespaceForCreate(ns: Namespace): void {
  if (!isObj(ns)) return;
  ns.status = { phase: 'Active' };
  const spec = ensureObj(ns as unknown as Record<string, unknown>, 'spec');
  if (!spec) return;
  const fins = Array.isArray(spec.finalizers) ? (spec.finalizers as unknown[]) : (spec.finalizers = []);
  if (!fins.includes('kubernetes')) fins.push('kubernetes');
}

/** Returns the field errors of a namespace. */
export function validateNamespace(ns: Namespace): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(ns.metadata, { nameFn: nameIsDNSLabel, namespaced: false }, errs);
  for (const f of ns.spec?.finalizers ?? []) validateFinalizerName(f, 'spec.finalizers', errs);
  return errs;
}

/** Returns the update-only field errors of a namespace. */
export function validateNamespaceUpdate(ns: Namespace, old: Namespace): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(ns.metadata, old.metadata, errs);
  return errs;
}

/** Field-selector labels namespaces support. */
export const namespaceFields: Record<string, (n: Namespace) => string | undefined> = {
  'status.phase': (n) => n.status?.phase ?? '',
};
