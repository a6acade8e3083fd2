// ObjectMeta, labels, annotations, owner references, finalizers and label selectors, as upstream
// apimachinery/pkg/api/validation/objectmeta.go and apis/meta/v1/validation.
import type { LabelSelector, ObjectMeta, OwnerReference } from '../meta.ts';
import {
  child,
  forbiddenField,
  GoRepr,
  goQuote,
  immutable,
  index,
  invalidValue,
  nonNegative,
  required,
  tooLong,
  type FieldError,
} from './field.ts';
import { isLabelValue, isQualifiedName, nameIsDNSLabel, type NameFn } from './strings.ts';

/** Upstream's TotalAnnotationSizeLimitB (256 KiB). */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Finalizer names that need no domain prefix (upstream helper.IsStandardFinalizerName). */
// The last is the CRD cleanup finalizer, which upstream's apiextensions server validates apart (it has no slash).
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion', 'customresourcecleanup.apiextensions.k8s.io']);

/** Validates a label key (upstream ValidateLabelName). */
export function validateLabelName(name: string, field: string, errs: FieldError[]): void {
  for (const m of isQualifiedName(name)) errs.push(invalidValue(field, name, m));
}

/** Validates a label map; errors point at the map, as upstream's ValidateLabels. */
export function validateLabels(labels: Record<string, string> | undefined, field: string, errs: FieldError[]): void {
  if (!labels) return;
  for (const k in labels) {
    validateLabelName(k, field, errs);
    for (const m of isLabelValue(labels[k])) errs.push(invalidValue(field, labels[k], m));
  }
}

/** Validates annotation keys (case-insensitive qualified names) and their 256 KiB total size. */
export function validateAnnotations(annotations: Record<string, string> | undefined, field: string, errs: FieldError[]): void {
  if (!annotations) return;
  let total = 0;
  for (const k in annotations) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(invalidValue(field, k, m));
    total += byteLength(k) + byteLength(annotations[k]);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT));
}

/** Returns the UTF-8 length of a string (Go's len). */
export function byteLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2;
  }
  return n;
}

function ownerRefRepr(r: OwnerReference): GoRepr {
  return new GoRepr(
    `v1.OwnerReference{APIVersion:${goQuote(r.apiVersion)}, Kind:${goQuote(r.kind)}, Name:${goQuote(r.name)}, UID:${goQuote(r.uid)}}`,
  );
}

/** Validates owner references: apiVersion/kind/name/uid set, not an Event, at most one controller. */
export function validateOwnerReferences(refs: OwnerReference[] | undefined, field: string, errs: FieldError[]): void {
  if (!refs) return;
  let firstController = '';
  for (const r of refs) {
    const slash = r.apiVersion.lastIndexOf('/');
    const group = slash >= 0 ? r.apiVersion.slice(0, slash) : '';
    const version = slash >= 0 ? r.apiVersion.slice(slash + 1) : r.apiVersion;
    if (!version) errs.push(invalidValue(child(field, 'apiVersion'), r.apiVersion, 'version must not be empty'));
    if (!r.kind) errs.push(invalidValue(child(field, 'kind'), r.kind, 'must not be empty'));
    if (!r.name) errs.push(invalidValue(child(field, 'name'), r.name, 'must not be empty'));
    if (!r.uid) errs.push(invalidValue(child(field, 'uid'), r.uid, 'must not be empty'));
    if (group === '' && version === 'v1' && r.kind === 'Event')
      errs.push(invalidValue(field, ownerRefRepr(r), '/v1, Kind=Event is disallowed from being an owner'));
    if (r.controller) {
      const cur = `${r.kind}/${r.name}`;
      if (firstController)
        errs.push(
          invalidValue(
            field,
            new GoRepr(`[]v1.OwnerReference{...}`),
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`,
          ),
        );
      else firstController = cur;
    }
  }
}

/** Validates one finalizer name the way core kinds do (qualified name; unprefixed only if standard). */
export function validateFinalizerName(name: string, field: string, errs: FieldError[], indexedField = field): void {
  for (const m of isQualifiedName(name)) errs.push(invalidValue(field, name, m));
  if (!name.includes('/') && !STANDARD_FINALIZERS.has(name))
    errs.push(invalidValue(indexedField, name, 'name is neither a standard finalizer name nor is it fully qualified'));
}

/** Validates metadata.finalizers: names, and orphan + foregroundDeletion not both set. */
export function validateFinalizers(finalizers: string[] | undefined, field: string, errs: FieldError[]): void {
  if (!finalizers) return;
  finalizers.forEach((f, i) => validateFinalizerName(f, field, errs, index(field, i)));
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion'))
    errs.push(invalidValue(field, finalizers, 'finalizer orphan and foregroundDeletion cannot be both set'));
}

/** How a kind's metadata is checked: its name rule and whether it lives in a namespace. */
export interface MetaRules {
  nameFn: NameFn;
  namespaced: boolean;
}

/** Validates metadata on create (upstream ValidateObjectMeta); name generation has already run. */
export function validateObjectMeta(meta: ObjectMeta, rules: MetaRules, errs: FieldError[], field = 'metadata'): void {
  if (meta.generateName)
    for (const m of rules.nameFn(meta.generateName, true)) errs.push(invalidValue(child(field, 'generateName'), meta.generateName, m));
  if (!meta.name) errs.push(required(child(field, 'name'), 'name or generateName is required'));
  else for (const m of rules.nameFn(meta.name, false)) errs.push(invalidValue(child(field, 'name'), meta.name, m));
  validateMetaCommon(meta, rules.namespaced, errs, field);
}

function validateMetaCommon(meta: ObjectMeta, namespaced: boolean, errs: FieldError[], field: string): void {
  if (namespaced) {
    if (!meta.namespace) errs.push(required(child(field, 'namespace')));
    else
      for (const m of isNamespaceName(meta.namespace)) errs.push(invalidValue(child(field, 'namespace'), meta.namespace, m));
  } else if (meta.namespace) {
    errs.push(forbiddenField(child(field, 'namespace'), 'not allowed on this type'));
  }
  // Each check only for a field that is set: its path is a new string, and this runs on every write.
  if (meta.generation !== undefined) nonNegative(meta.generation, child(field, 'generation'), errs);
  if (meta.labels) validateLabels(meta.labels, child(field, 'labels'), errs);
  if (meta.annotations) validateAnnotations(meta.annotations, child(field, 'annotations'), errs);
  if (meta.ownerReferences) validateOwnerReferences(meta.ownerReferences, child(field, 'ownerReferences'), errs);
  if (meta.finalizers) validateFinalizers(meta.finalizers, child(field, 'finalizers'), errs);
}

const isNamespaceName = (n: string) => nameIsDNSLabel(n, false);

/**
 * Validates what only an update can get wrong in metadata (upstream ValidateObjectMetaUpdate): immutable
 * fields, generation, new finalizers while deleting. Labels etc. are left to validateObjectMeta, which
 * validate() runs on updates too; the resourceVersion precondition is the API server's.
 */
export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta, errs: FieldError[], field = 'metadata'): void {
  if (old.deletionTimestamp) {
    const extra = [...new Set(meta.finalizers ?? [])].filter((f) => !(old.finalizers ?? []).includes(f)).sort();
    if (extra.length)
      errs.push(
        forbiddenField(
          child(field, 'finalizers'),
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map(goQuote).join(', ')}}`,
        ),
      );
  }
  if ((meta.generation ?? 0) < (old.generation ?? 0))
    errs.push(invalidValue(child(field, 'generation'), meta.generation ?? 0, 'must not be decremented'));
  // An unchanged field (every one on almost every update) costs a comparison, not a path string.
  if ((meta.name ?? '') !== (old.name ?? '')) immutable(meta.name ?? '', old.name ?? '', child(field, 'name'), errs);
  if ((meta.namespace ?? '') !== (old.namespace ?? '')) immutable(meta.namespace ?? '', old.namespace ?? '', child(field, 'namespace'), errs);
  if ((meta.uid ?? '') !== (old.uid ?? '')) immutable(meta.uid ?? '', old.uid ?? '', child(field, 'uid'), errs);
  if (meta.creationTimestamp !== old.creationTimestamp)
    immutable(meta.creationTimestamp, old.creationTimestamp, child(field, 'creationTimestamp'), errs);
  if (meta.deletionTimestamp !== old.deletionTimestamp)
    immutable(meta.deletionTimestamp, old.deletionTimestamp, child(field, 'deletionTimestamp'), errs);
  if (meta.deletionGracePeriodSeconds !== old.deletionGracePeriodSeconds)
    immutable(meta.deletionGracePeriodSeconds, old.deletionGracePeriodSeconds, child(field, 'deletionGracePeriodSeconds'), errs);
}

/** Validates a LabelSelector (upstream ValidateLabelSelector, strict values). */
export function validateLabelSelector(sel: LabelSelector | undefined, field: string, errs: FieldError[]): void {
  if (!sel) return;
  validateLabels(sel.matchLabels, child(field, 'matchLabels'), errs);
  (sel.matchExpressions ?? []).forEach((e, i) => {
    const p = index(child(field, 'matchExpressions'), i);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(required(child(p, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0)
          errs.push(forbiddenField(child(p, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(invalidValue(child(p, 'operator'), e.operator, 'not a valid selector operator'));
    }
    validateLabelName(e.key, child(p, 'key'), errs);
    values.forEach((v, j) => {
      for (const m of isLabelValue(v)) errs.push(invalidValue(index(child(p, 'values'), j), v, m));
    });
  });
}

/** Returns a LabelSelector rendered as Go's %#v of metav1.LabelSelector (for "field is immutable"). */
export function labelSelectorRepr(sel: LabelSelector | undefined): GoRepr {
  if (!sel) return new GoRepr('(*v1.LabelSelector)(nil)');
  const ml = sel.matchLabels
    ? `map[string]string{${Object.keys(sel.matchLabels)
        .sort()
        .map((k) => `${goQuote(k)}:${goQuote(sel.matchLabels![k])}`)
        .join(', ')}}`
    : 'map[string]string(nil)';
  const me = sel.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .map(
          (e) =>
            `v1.LabelSelectorRequirement{Key:${goQuote(e.key)}, Operator:${goQuote(e.operator)}, Values:${
              e.values ? `[]string{${e.values.map(goQuote).join(', ')}}` : '[]string(nil)'
            }}`,
        )
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return new GoRepr(`v1.LabelSelector{MatchLabels:${ml}, MatchExpressions:${me}}`);
}
