// flowcontrol.apiserver.k8s.io/v1 FlowSchema and PriorityLevelConfiguration: stored (API priority and fairness is
// not enforced); defaults and the main checks of upstream pkg/apis/flowcontrol/v1/defaults.go and validation.
import { Type, type Static } from '@sinclair/typebox';
import { objectSchema } from '../meta.ts';
import { child, forbiddenField, index, invalidValue, notSupported, required, type FieldError } from '../validation/field.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { nameIsDNSSubdomain } from '../validation/strings.ts';
import { ensureObj, isObj, obj, opt, type Kube } from './common.ts';

const Rule = obj({ subjects: opt(Type.Array(Type.Unknown())), resourceRules: opt(Type.Array(Type.Unknown())), nonResourceRules: opt(Type.Array(Type.Unknown())) });
export const FlowSchemaSpec = obj({
  priorityLevelConfiguration: opt(obj({ name: opt(Type.String()) })),
  matchingPrecedence: opt(Type.Integer()),
  distinguisherMethod: opt(obj({ type: opt(Type.String()) })),
  rules: opt(Type.Array(Rule)),
});
export const FlowSchemaSchema = objectSchema({ spec: opt(FlowSchemaSpec), status: opt(Type.Unknown()) });
export type FlowSchema = Kube<{ spec?: Static<typeof FlowSchemaSpec>; status?: unknown }>;

const Queuing = obj({ queues: opt(Type.Integer()), handSize: opt(Type.Integer()), queueLengthLimit: opt(Type.Integer()) });
const Limited = obj({
  nominalConcurrencyShares: opt(Type.Integer()),
  lendablePercent: opt(Type.Integer()),
  borrowingLimitPercent: opt(Type.Integer()),
  limitResponse: opt(obj({ type: opt(Type.String()), queuing: opt(Queuing) })),
});
const Exempt = obj({ nominalConcurrencyShares: opt(Type.Integer()), lendablePercent: opt(Type.Integer()) });
export const PriorityLevelSpec = obj({ type: opt(Type.String()), limited: opt(Limited), exempt: opt(Exempt) });
export const PriorityLevelConfigurationSchema = objectSchema({ spec: opt(PriorityLevelSpec), status: opt(Type.Unknown()) });
export type PriorityLevelConfiguration = Kube<{ spec?: Static<typeof PriorityLevelSpec>; status?: unknown }>;

/** Sets a FlowSchema's matchingPrecedence to 1000 when unset. */
export function defaultFlowSchema(fs: FlowSchema): void {
  if (!isObj(fs)) return;
  const spec = ensureObj(fs as Record<string, unknown>, 'spec');
  if (spec && !spec.matchingPrecedence) spec.matchingPrecedence = 1000;
}

/** Returns the field errors of a FlowSchema. */
export function validateFlowSchema(fs: FlowSchema): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(fs.metadata, { nameFn: nameIsDNSSubdomain, namespaced: false }, errs);
  const s = fs.spec ?? {};
  const mp = s.matchingPrecedence ?? 0;
  if (mp <= 0) errs.push(invalidValue('spec.matchingPrecedence', mp, 'must be a positive value'));
  if (mp > 10000) errs.push(invalidValue('spec.matchingPrecedence', mp, 'must not be greater than 10000'));
  if (!s.priorityLevelConfiguration?.name) errs.push(required('spec.priorityLevelConfiguration.name', 'must reference a priority level'));
  const dm = s.distinguisherMethod?.type;
  if (dm !== undefined && dm !== 'ByUser' && dm !== 'ByNamespace') errs.push(notSupported('spec.distinguisherMethod.type', dm, ['ByNamespace', 'ByUser']));
  (s.rules ?? []).forEach((r, i) => {
    const f = index('spec.rules', i);
    if (!r.subjects?.length) errs.push(required(child(f, 'subjects'), 'subjects must contain at least one value'));
    if (!r.resourceRules?.length && !r.nonResourceRules?.length) errs.push(required(f, 'at least one of resourceRules and nonResourceRules has to be non-empty'));
  });
  return errs;
}

/** Fills a priority level's defaults: shares 30 (Limited) or 0 (Exempt), lendablePercent 0, queuing 64/8/50. */
export function defaultPriorityLevel(pl: PriorityLevelConfiguration): void {
  if (!isObj(pl)) return;
  if (!isObj(pl.spec)) return;
  const spec = pl.spec as Record<string, unknown>;
  if (isObj(spec.limited)) {
    const l = spec.limited;
    l.nominalConcurrencyShares ??= 30;
    l.lendablePercent ??= 0;
    const q = isObj(l.limitResponse) && l.limitResponse.type === 'Queue' ? ensureObj(l.limitResponse, 'queuing') : undefined;
    if (q) {
      if (!q.queues) q.queues = 64;
      if (!q.handSize) q.handSize = 8;
      if (!q.queueLengthLimit) q.queueLengthLimit = 50;
    }
  }
  if (isObj(spec.exempt)) {
    spec.exempt.nominalConcurrencyShares ??= 0;
    spec.exempt.lendablePercent ??= 0;
  }
}

/** Returns the field errors of a PriorityLevelConfiguration. */
export function validatePriorityLevel(pl: PriorityLevelConfiguration): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(pl.metadata, { nameFn: nameIsDNSSubdomain, namespaced: false }, errs);
  const s = pl.spec ?? {};
  if (s.type === 'Limited') {
    if (!s.limited) errs.push(required('spec.limited', 'must not be empty when type is Limited'));
    if (s.exempt) errs.push(forbiddenField('spec.exempt', 'must be nil if the type is Limited'));
  } else if (s.type === 'Exempt') {
    if (s.limited) errs.push(forbiddenField('spec.limited', 'must be nil if the type is not Limited'));
  } else errs.push(notSupported('spec.type', s.type ?? '', ['Exempt', 'Limited']));
  const l = s.limited;
  if (!l) return errs;
  if ((l.nominalConcurrencyShares ?? 0) < 0) errs.push(invalidValue('spec.limited.nominalConcurrencyShares', l.nominalConcurrencyShares, 'must be a non-negative integer'));
  const lp = l.lendablePercent ?? 0;
  if (lp < 0 || lp > 100) errs.push(invalidValue('spec.limited.lendablePercent', lp, 'must be between 0 and 100, inclusive'));
  const lr = l.limitResponse;
  if (!lr) return errs;
  if (lr.type !== 'Queue' && lr.type !== 'Reject') errs.push(notSupported('spec.limited.limitResponse.type', lr.type ?? '', ['Queue', 'Reject']));
  const q = lr.queuing;
  if (lr.type === 'Reject' && q) errs.push(forbiddenField('spec.limited.limitResponse.queuing', 'must be nil if limited.limitResponse.type is not Limited'));
  if (lr.type === 'Queue' && q) {
    const f = 'spec.limited.limitResponse.queuing';
    for (const k of ['queues', 'handSize', 'queueLengthLimit'] as const)
      if ((q[k] ?? 0) <= 0) errs.push(invalidValue(child(f, k), q[k] ?? 0, 'must be positive'));
    if ((q.handSize ?? 0) > (q.queues ?? 0)) errs.push(invalidValue(child(f, 'handSize'), q.handSize, `should not be greater than queues (${q.queues ?? 0})`));
  }
  return errs;
}

/** Returns the update-only field errors of a FlowSchema or PriorityLevelConfiguration. */
export function validateFlowcontrolUpdate(o: FlowSchema | PriorityLevelConfiguration, old: FlowSchema | PriorityLevelConfiguration): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(o.metadata, old.metadata, errs);
  return errs;
}

/** The nested types by upstream's names (flowcontrol/v1), for strict field validation and the OpenAPI documents. */
export const FLOWCONTROL_TYPES = {
  FlowSchemaSpec,
  PolicyRulesWithSubjects: Rule,
  PriorityLevelConfigurationSpec: PriorityLevelSpec,
  LimitedPriorityLevelConfiguration: Limited,
  ExemptPriorityLevelConfiguration: Exempt,
  QueuingConfiguration: Queuing,
};
