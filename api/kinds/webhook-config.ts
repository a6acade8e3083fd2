// admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration and MutatingWebhookConfiguration: stored and
// validated (the webhooks are not called yet); defaults and validation as upstream's v1 defaults and validation.
import { Type, type Static } from '@sinclair/typebox';
import { LabelSelector, objectSchema } from '../meta.ts';
import { child, duplicate, index, invalidValue, notSupported, required, tooMany, type FieldError } from '../validation/field.ts';
import { validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { isDNS1035Label, isDNS1123Subdomain, isValidPortNum, nameIsDNSSubdomain } from '../validation/strings.ts';
import { defaultRules, defaultSelectors, RuleWithOperations, validateRuleWithOperations } from './admission-rules.ts';
import { isObj, obj, objItems, opt, type Kube } from './common.ts';

const strings = Type.Array(Type.String());
const ClientConfig = obj({
  url: opt(Type.String()),
  service: opt(obj({ namespace: opt(Type.String()), name: opt(Type.String()), path: opt(Type.String()), port: opt(Type.Integer()) })),
  caBundle: opt(Type.String()),
});
export const MatchCondition = obj({ name: opt(Type.String()), expression: opt(Type.String()) });
const Webhook = obj({
  name: opt(Type.String()),
  clientConfig: opt(ClientConfig),
  rules: opt(Type.Array(RuleWithOperations)),
  failurePolicy: opt(Type.String()),
  matchPolicy: opt(Type.String()),
  namespaceSelector: opt(LabelSelector),
  objectSelector: opt(LabelSelector),
  sideEffects: opt(Type.String()),
  timeoutSeconds: opt(Type.Integer()),
  admissionReviewVersions: opt(strings),
  matchConditions: opt(Type.Array(MatchCondition)),
  reinvocationPolicy: opt(Type.String()),
});
type Webhook = Static<typeof Webhook>;

// Each kind and webhook type its own schema object: the OpenAPI documents name types by their schemas.
const MutatingWebhook = obj({ ...Webhook.properties });
export const ValidatingWebhookConfigurationSchema = objectSchema({ webhooks: opt(Type.Array(Webhook)) });
export const MutatingWebhookConfigurationSchema = objectSchema({ webhooks: opt(Type.Array(MutatingWebhook)) });
export type WebhookConfiguration = Kube<{ webhooks?: Webhook[] }>;

const REVIEW_VERSIONS = ['v1', 'v1beta1'];
const SIDE_EFFECTS = ['None', 'NoneOnDryRun'];
const FORM = '; desired format: https://host[/path]';

/** Fills a webhook configuration's defaults: Fail, Equivalent, {} selectors, 10 s, port 443, scope *, and for mutating ones Never. */
export function defaultWebhookConfiguration(c: WebhookConfiguration, mutating: boolean): void {
  if (!isObj(c)) return;
  for (const h of objItems(c.webhooks)) {
    h.failurePolicy ??= 'Fail';
    h.matchPolicy ??= 'Equivalent';
    defaultSelectors(h);
    h.timeoutSeconds ??= 10;
    if (mutating) h.reinvocationPolicy ??= 'Never';
    defaultRules(h.rules);
    const svc = isObj(h.clientConfig) ? h.clientConfig.service : undefined;
    if (isObj(svc)) svc.port ??= 443;
  }
}

function validateURL(v: string, field: string, errs: FieldError[]): void {
  let u: URL;
  try {
    u = new URL(v);
  } catch (err) {
    return void errs.push(required(field, `url must be a valid URL: ${(err as Error).message}${FORM}`));
  }
  if (u.protocol !== 'https:') errs.push(invalidValue(field, u.protocol.replace(/:$/, ''), `'https' is the only allowed URL scheme${FORM}`));
  if (!u.host) errs.push(invalidValue(field, u.host, `host must be specified${FORM}`));
  if (u.username || u.password) errs.push(invalidValue(field, u.username, 'user information is not permitted in the URL'));
  if (u.hash) errs.push(invalidValue(field, u.hash.slice(1), 'fragments are not permitted in the URL'));
  if (u.search) errs.push(invalidValue(field, u.search.slice(1), 'query parameters are not permitted in the URL'));
}

function validateServicePath(path: string, field: string, errs: FieldError[]): void {
  if (path === '/' || path === '') return;
  if (path === '//') return void errs.push(invalidValue(field, path, 'segment[0] may not be empty'));
  if (!path.startsWith('/')) errs.push(invalidValue(field, path, "must start with a '/'"));
  const steps = path.replace(/^\//, '').replace(/\/$/, '').split('/');
  steps.forEach((s, i) => {
    if (!s) errs.push(invalidValue(field, path, `segment[${i}] may not be empty`));
    else {
      const m = isDNS1123Subdomain(s);
      if (m.length) errs.push(invalidValue(field, path, `segment[${i}]: ${m.join(', ')}`));
    }
  });
}

function validateWebhook(h: Webhook, mutating: boolean, field: string, errs: FieldError[]): void {
  const nf = child(field, 'name');
  if (!h.name) errs.push(required(nf));
  else if (isDNS1123Subdomain(h.name).length) errs.push(invalidValue(nf, h.name, isDNS1123Subdomain(h.name).join(',')));
  else if (h.name.split('.').length < 3) errs.push(invalidValue(nf, h.name, 'should be a domain with at least three segments separated by dots'));
  (h.rules ?? []).forEach((r, i) => validateRuleWithOperations(r, index(child(field, 'rules'), i), errs));
  if (h.failurePolicy !== undefined && !['Fail', 'Ignore'].includes(h.failurePolicy)) errs.push(notSupported(child(field, 'failurePolicy'), h.failurePolicy, ['Fail', 'Ignore']));
  if (h.matchPolicy !== undefined && !['Equivalent', 'Exact'].includes(h.matchPolicy)) errs.push(notSupported(child(field, 'matchPolicy'), h.matchPolicy, ['Equivalent', 'Exact']));
  if (h.sideEffects === undefined) errs.push(required(child(field, 'sideEffects'), `must specify one of ${SIDE_EFFECTS.join(', ')}`));
  else if (!SIDE_EFFECTS.includes(h.sideEffects)) errs.push(notSupported(child(field, 'sideEffects'), h.sideEffects, SIDE_EFFECTS));
  const t = h.timeoutSeconds;
  if (t !== undefined && (t > 30 || t < 1)) errs.push(invalidValue(child(field, 'timeoutSeconds'), t, 'the timeout value must be between 1 and 30 seconds'));
  validateLabelSelector(h.namespaceSelector, child(field, 'namespaceSelector'), errs);
  validateLabelSelector(h.objectSelector, child(field, 'objectSelector'), errs);
  if (mutating && h.reinvocationPolicy !== undefined && !['IfNeeded', 'Never'].includes(h.reinvocationPolicy))
    errs.push(notSupported(child(field, 'reinvocationPolicy'), h.reinvocationPolicy, ['IfNeeded', 'Never']));
  const cc = h.clientConfig ?? {};
  const ccf = child(field, 'clientConfig');
  if ((cc.url === undefined) === (cc.service === undefined)) errs.push(required(ccf, 'exactly one of url or service is required'));
  else if (cc.url !== undefined) validateURL(cc.url, child(ccf, 'url'), errs);
  else if (cc.service) {
    const s = cc.service;
    const sf = child(ccf, 'service');
    if (!s.name) errs.push(required(child(sf, 'name'), 'service name is required'));
    if (!s.namespace) errs.push(required(child(sf, 'namespace'), 'service namespace is required'));
    const pm = isValidPortNum(s.port ?? 443);
    if (pm.length) errs.push(invalidValue(child(sf, 'port'), s.port, `port is not valid: ${pm.join(', ')}`));
    if (s.path !== undefined) validateServicePath(s.path, child(sf, 'path'), errs);
  }
  validateReviewVersions(h.admissionReviewVersions ?? [], child(field, 'admissionReviewVersions'), errs);
  validateMatchConditionNames(h.matchConditions ?? [], child(field, 'matchConditions'), errs);
}

function validateReviewVersions(versions: string[], field: string, errs: FieldError[]): void {
  if (versions.length === 0) return void errs.push(required(field, `must specify one of ${REVIEW_VERSIONS.join(', ')}`));
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    if (seen.has(v)) return void errs.push(invalidValue(index(field, i), v, 'duplicate version'));
    seen.add(v);
    for (const m of isDNS1035Label(v)) errs.push(invalidValue(index(field, i), v, m));
  });
  if (!versions.some((v) => REVIEW_VERSIONS.includes(v))) errs.push(invalidValue(field, versions, `must include at least one of ${REVIEW_VERSIONS.join(', ')}`));
}

/** Checks match condition names: required, unique (their expressions are checked where CEL is compiled). */
export function validateMatchConditionNames(conds: Static<typeof MatchCondition>[], field: string, errs: FieldError[]): void {
  const seen = new Set<string>();
  conds.forEach((c, i) => {
    const f = child(index(field, i), 'name');
    if (!c.name) errs.push(required(f));
    else if (seen.has(c.name)) errs.push(duplicate(f, c.name));
    seen.add(c.name ?? '');
    if (!c.expression) errs.push(required(child(index(field, i), 'expression')));
  });
  if (conds.length > 64) errs.push(tooMany(field, conds.length, 64));
}

/** Returns a validator of webhook configurations: names, each webhook, unique webhook names. */
export function webhookConfigurationValidator(mutating: boolean): (c: WebhookConfiguration) => FieldError[] {
  return (c) => {
    const errs: FieldError[] = [];
    validateObjectMeta(c.metadata, { nameFn: nameIsDNSSubdomain, namespaced: false }, errs);
    const names = new Set<string>();
    (c.webhooks ?? []).forEach((h, i) => {
      validateWebhook(h, mutating, index('webhooks', i), errs);
      if (!h.name) return;
      if (names.has(h.name)) errs.push(duplicate(child(index('webhooks', i), 'name'), h.name));
      names.add(h.name);
    });
    return errs;
  };
}

/** Returns the update-only field errors of a webhook configuration. */
export function validateWebhookConfigurationUpdate(c: WebhookConfiguration, old: WebhookConfiguration): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(c.metadata, old.metadata, errs);
  return errs;
}

/** The nested types by upstream's names (admissionregistration/v1), for strict field validation and the OpenAPI documents. */
export const WEBHOOK_TYPES = { ValidatingWebhook: Webhook, MutatingWebhook, WebhookClientConfig: ClientConfig, MatchCondition, RuleWithOperations };
