// Validation of tolerations, taints, affinity and topology spread constraints, as upstream core validation.
import { child, duplicate, forbiddenField, GoRepr, goQuote, index, invalidValue, notSupported, required, type FieldError } from '../validation/field.ts';
import { validateLabelName, validateLabelSelector } from '../validation/meta.ts';
import { isLabelValue, nameIsDNSLabel, nameIsDNSSubdomain } from '../validation/strings.ts';
import type { Affinity, NodeSelectorRequirement, NodeSelectorTerm, PodAffinityTerm, Taint, Toleration, TopologySpreadConstraint } from './scheduling.ts';

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function validateEffect(effect: string, allowEmpty: boolean, field: string, errs: FieldError[]): void {
  if (!allowEmpty && effect === '') errs.push(required(field));
  else if (!EFFECTS.includes(effect)) errs.push(notSupported(field, effect, EFFECTS));
}

/** Validates tolerations (upstream ValidateTolerations). */
export function validateTolerations(ts: Toleration[] | undefined, field: string, errs: FieldError[]): void {
  (ts ?? []).forEach((t, i) => {
    const ip = index(field, i);
    const op = t.operator ?? '';
    if (t.key) validateLabelName(t.key, child(ip, 'key'), errs);
    if (!t.key && op !== 'Exists')
      errs.push(invalidValue(child(ip, 'operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute')
      errs.push(invalidValue(child(ip, 'effect'), t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    if (op === '' || op === 'Equal') {
      const msgs = isLabelValue(t.value ?? '');
      if (msgs.length) errs.push(invalidValue(child(ip, 'operator'), t.value ?? '', msgs.join(';')));
    } else if (op === 'Exists') {
      if (t.value) errs.push(invalidValue(child(ip, 'operator'), t.value, "value must be empty when `operator` is 'Exists'"));
    } else errs.push(notSupported(child(ip, 'operator'), op, ['Equal', 'Exists']));
    if (t.effect) validateEffect(t.effect, true, child(ip, 'effect'), errs);
  });
}

/** Validates node taints: key, value, effect, unique per (key, effect) (upstream validateNodeTaints). */
export function validateTaints(taints: Taint[] | undefined, field: string, errs: FieldError[]): void {
  const seen = new Set<string>();
  (taints ?? []).forEach((t, i) => {
    const ip = index(field, i);
    validateLabelName(t.key, child(ip, 'key'), errs);
    const msgs = isLabelValue(t.value ?? '');
    if (msgs.length) errs.push(invalidValue(child(ip, 'value'), t.value ?? '', msgs.join(';')));
    validateEffect(t.effect, false, child(ip, 'effect'), errs);
    const k = `${t.effect}\u0000${t.key}`;
    if (seen.has(k)) {
      const repr = new GoRepr(`core.Taint{Key:${goQuote(t.key)}, Value:${goQuote(t.value ?? '')}, Effect:${goQuote(t.effect)}, TimeAdded:<nil>}`);
      errs.push(duplicate(ip, repr, 'taints must be unique by key and effect pair'));
    } else seen.add(k);
  });
}

function validateNodeSelectorRequirement(r: NodeSelectorRequirement, checkValues: boolean, field: string, errs: FieldError[]): void {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(required(child(field, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(forbiddenField(child(field, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) errs.push(required(child(field, 'values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      errs.push(invalidValue(child(field, 'operator'), r.operator, 'not a valid selector operator'));
  }
  validateLabelName(r.key, child(field, 'key'), errs);
  if (checkValues)
    values.forEach((v, j) => {
      for (const m of isLabelValue(v)) errs.push(invalidValue(index(child(field, 'values'), j), v, m));
    });
}

/** Validates one node selector term (upstream ValidateNodeSelectorTerm); values are label values when checkValues. */
export function validateNodeSelectorTerm(term: NodeSelectorTerm, checkValues: boolean, field: string, errs: FieldError[]): void {
  (term.matchExpressions ?? []).forEach((r, j) => validateNodeSelectorRequirement(r, checkValues, index(child(field, 'matchExpressions'), j), errs));
  (term.matchFields ?? []).forEach((r, j) => {
    const p = index(child(field, 'matchFields'), j);
    if (r.operator === 'In' || r.operator === 'NotIn') {
      if ((r.values ?? []).length !== 1)
        errs.push(required(child(p, 'values'), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
    } else errs.push(invalidValue(child(p, 'operator'), r.operator, 'not a valid selector operator'));
    if (r.key !== 'metadata.name') errs.push(invalidValue(child(p, 'key'), r.key, 'not a valid field selector key'));
    else
      (r.values ?? []).forEach((v, k) => {
        for (const m of nameIsDNSSubdomain(v, false)) errs.push(invalidValue(index(child(p, 'values'), k), v, m));
      });
  });
}

function validatePodAffinityTerm(t: PodAffinityTerm, field: string, errs: FieldError[]): void {
  validateLabelSelector(t.labelSelector, child(field, 'labelSelector'), errs);
  validateLabelSelector(t.namespaceSelector, child(field, 'namespaceSelector'), errs);
  for (const ns of t.namespaces ?? []) for (const m of nameIsDNSLabel(ns, false)) errs.push(invalidValue(child(field, 'namespace'), ns, m));
  if (!t.topologyKey) errs.push(required(child(field, 'topologyKey'), 'can not be empty'));
  validateLabelName(t.topologyKey, child(field, 'topologyKey'), errs);
}

const checkWeight = (w: number, field: string, errs: FieldError[]) => {
  if (w <= 0 || w > 100) errs.push(invalidValue(field, w, 'must be in the range 1-100'));
};

/** Validates node affinity, pod affinity and pod anti-affinity (upstream validateAffinity). */
export function validateAffinity(a: Affinity | undefined, field: string, errs: FieldError[]): void {
  if (!a) return;
  const na = a.nodeAffinity;
  if (na) {
    const np = child(field, 'nodeAffinity');
    const req = na.requiredDuringSchedulingIgnoredDuringExecution;
    if (req) {
      const tp = child(child(np, 'requiredDuringSchedulingIgnoredDuringExecution'), 'nodeSelectorTerms');
      if (req.nodeSelectorTerms.length === 0) errs.push(required(tp, 'must have at least one node selector term'));
      req.nodeSelectorTerms.forEach((t, i) => validateNodeSelectorTerm(t, true, index(tp, i), errs));
    }
    (na.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((p, i) => {
      const ip = index(child(np, 'preferredDuringSchedulingIgnoredDuringExecution'), i);
      checkWeight(p.weight, child(ip, 'weight'), errs);
      validateNodeSelectorTerm(p.preference, false, child(ip, 'preference'), errs);
    });
  }
  for (const k of ['podAffinity', 'podAntiAffinity'] as const) {
    const pa = a[k];
    if (!pa) continue;
    const pp = child(field, k);
    (pa.requiredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) =>
      validatePodAffinityTerm(t, index(child(pp, 'requiredDuringSchedulingIgnoredDuringExecution'), i), errs),
    );
    (pa.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((w, i) => {
      const ip = index(child(pp, 'preferredDuringSchedulingIgnoredDuringExecution'), i);
      checkWeight(w.weight, child(ip, 'weight'), errs);
      validatePodAffinityTerm(w.podAffinityTerm, child(ip, 'podAffinityTerm'), errs);
    });
  }
}

/** Validates topology spread constraints (upstream validateTopologySpreadConstraints). */
export function validateTopologySpread(cs: TopologySpreadConstraint[] | undefined, field: string, errs: FieldError[]): void {
  (cs ?? []).forEach((c, i) => {
    const ip = index(field, i);
    if (c.maxSkew <= 0) errs.push(invalidValue(child(ip, 'maxSkew'), c.maxSkew, 'must be greater than zero'));
    if (!c.topologyKey) errs.push(required(child(ip, 'topologyKey'), 'can not be empty'));
    if (c.whenUnsatisfiable !== 'DoNotSchedule' && c.whenUnsatisfiable !== 'ScheduleAnyway')
      errs.push(notSupported(child(ip, 'whenUnsatisfiable'), c.whenUnsatisfiable, ['DoNotSchedule', 'ScheduleAnyway']));
    if (cs!.slice(i + 1).some((o) => o.topologyKey === c.topologyKey && o.whenUnsatisfiable === c.whenUnsatisfiable))
      errs.push(duplicate(child(ip, '{topologyKey, whenUnsatisfiable}'), `{${c.topologyKey}, ${c.whenUnsatisfiable}}`));
    if (c.minDomains !== undefined) {
      if (c.minDomains <= 0) errs.push(invalidValue(child(ip, 'minDomains'), c.minDomains, 'must be greater than zero'));
      if (c.whenUnsatisfiable !== 'DoNotSchedule')
        errs.push(invalidValue(child(ip, 'minDomains'), c.minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${c.whenUnsatisfiable}`));
    }
    for (const k of ['nodeAffinityPolicy', 'nodeTaintsPolicy'] as const) {
      const v = c[k];
      if (v !== undefined && v !== 'Honor' && v !== 'Ignore') errs.push(notSupported(child(ip, k), v, ['Honor', 'Ignore']));
    }
    validateLabelSelector(c.labelSelector, child(ip, 'labelSelector'), errs);
  });
}
