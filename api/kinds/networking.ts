// networking.k8s.io/v1 Ingress and IngressClass: stored and validated (no controller yet);
// defaults and validation as upstream pkg/apis/networking/v1/defaults.go and pkg/apis/networking/validation.
import { Type, type Static } from '@sinclair/typebox';
import { objectSchema } from '../meta.ts';
import {
  child, forbiddenField, GoRepr, immutable, index, invalidValue, notSupported, required, tooLong, type FieldError,
} from '../validation/field.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import {
  ipFamily, isDNS1035Label, isDNS1123Subdomain, isValidPortName, isValidPortNum, isWildcardDNS1123Subdomain, nameIsDNSSubdomain, nameIsPathSegment,
} from '../validation/strings.ts';
import { isObj, obj, opt, type Kube } from './common.ts';
import { NETWORK_POLICY_TYPES } from './networkpolicy.ts';

const strings = Type.Array(Type.String());
const TypedLocalRef = obj({ apiGroup: opt(Type.String()), kind: opt(Type.String()), name: opt(Type.String()) });
const ServiceBackendPort = obj({ name: opt(Type.String()), number: opt(Type.Integer()) });
const ServiceBackend = obj({ name: opt(Type.String()), port: opt(ServiceBackendPort) });
const Backend = obj({ service: opt(ServiceBackend), resource: opt(TypedLocalRef) });
const HTTPPath = obj({ path: opt(Type.String()), pathType: opt(Type.String()), backend: opt(Backend) });
const HTTPRuleValue = obj({ paths: opt(Type.Array(HTTPPath)) });
const Rule = obj({ host: opt(Type.String()), http: opt(HTTPRuleValue) });
const TLS = obj({ hosts: opt(strings), secretName: opt(Type.String()) });

export const IngressSpec = obj({
  ingressClassName: opt(Type.String()),
  defaultBackend: opt(Backend),
  tls: opt(Type.Array(TLS)),
  rules: opt(Type.Array(Rule)),
});
export const IngressSchema = objectSchema({ spec: opt(IngressSpec), status: opt(Type.Unknown()) });
export type Ingress = Kube<{ spec?: Static<typeof IngressSpec>; status?: unknown }>;
type Backend = Static<typeof Backend>;

const ClassParams = obj({ apiGroup: opt(Type.String()), kind: opt(Type.String()), name: opt(Type.String()), scope: opt(Type.String()), namespace: opt(Type.String()) });
const IngressClassSpec = obj({ controller: opt(Type.String()), parameters: opt(ClassParams) });
export const IngressClassSchema = objectSchema({ spec: opt(IngressClassSpec) });
export type IngressClass = Kube<{ spec?: { controller?: string; parameters?: Static<typeof ClassParams> } }>;


const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_SUFFIXES = ['/..', '/.'];

function validateBackend(b: Backend, field: string, errs: FieldError[]): void {
  if (b.resource && b.service) {
    errs.push(invalidValue(field, '', 'cannot set both resource and service backends'));
    return;
  }
  if (b.resource) return validateTypedRef(b.resource, child(field, 'resource'), errs);
  if (!b.service) {
    errs.push(invalidValue(field, '', 'resource or service backend is required'));
    return;
  }
  const svc = b.service;
  if (!svc.name) errs.push(required(child(field, 'service.name')));
  else for (const m of isDNS1035Label(svc.name)) errs.push(invalidValue(child(field, 'service.name'), svc.name, m));
  const name = svc.port?.name ?? '';
  const num = svc.port?.number ?? 0;
  if (name && num) errs.push(invalidValue(field, '', 'cannot set both port name & port number'));
  else if (name) for (const m of isValidPortName(name)) errs.push(invalidValue(child(field, 'service.port.name'), name, m));
  else if (num) for (const m of isValidPortNum(num)) errs.push(invalidValue(child(field, 'service.port.number'), num, m));
  else errs.push(required(field, 'port name or number is required'));
}

function validateTypedRef(ref: Static<typeof TypedLocalRef>, field: string, errs: FieldError[]): void {
  if (ref.apiGroup) for (const m of isDNS1123Subdomain(ref.apiGroup)) errs.push(invalidValue(child(field, 'apiGroup'), ref.apiGroup, m));
  if (!ref.kind) errs.push(required(child(field, 'kind'), 'kind is required'));
  else for (const m of nameIsPathSegment(ref.kind, false)) errs.push(invalidValue(child(field, 'kind'), ref.kind, m));
  if (!ref.name) errs.push(required(child(field, 'name'), 'name is required'));
  else for (const m of nameIsPathSegment(ref.name, false)) errs.push(invalidValue(child(field, 'name'), ref.name, m));
}

function validateHost(host: string, field: string, errs: FieldError[]): void {
  for (const m of host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host)) errs.push(invalidValue(field, host, m));
}

function validatePath(p: Static<typeof HTTPPath>, field: string, errs: FieldError[]): void {
  if (p.pathType === undefined) {
    errs.push(required(child(field, 'pathType'), 'pathType must be specified'));
    return;
  }
  const path = p.path ?? '';
  if (!PATH_TYPES.includes(p.pathType)) errs.push(notSupported(child(field, 'pathType'), p.pathType, PATH_TYPES));
  else if (p.pathType !== 'ImplementationSpecific' || path) {
    if (!path.startsWith('/')) errs.push(invalidValue(child(field, 'path'), path, 'must be an absolute path'));
    if (p.pathType !== 'ImplementationSpecific' && path) {
      for (const s of INVALID_SEQUENCES) if (path.includes(s)) errs.push(invalidValue(child(field, 'path'), path, `must not contain '${s}'`));
      for (const s of INVALID_SUFFIXES) if (path.endsWith(s)) errs.push(invalidValue(child(field, 'path'), path, `cannot end with '${s}'`));
    }
  }
  validateBackend(p.backend ?? {}, child(field, 'backend'), errs);
}

/** Returns the field errors of an Ingress (upstream ValidateIngressCreate). */
export function validateIngress(ing: Ingress): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(ing.metadata, { nameFn: nameIsDNSSubdomain, namespaced: true }, errs);
  const spec = ing.spec ?? {};
  if (!spec.rules?.length && !spec.defaultBackend)
    errs.push(invalidValue('spec', new GoRepr(spec.rules ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)'), 'either `defaultBackend` or `rules` must be specified'));
  if (spec.defaultBackend) validateBackend(spec.defaultBackend, 'spec.defaultBackend', errs);
  (spec.rules ?? []).forEach((r, i) => {
    const f = index('spec.rules', i);
    if (r.host) {
      if (ipFamily(r.host)) errs.push(invalidValue(child(f, 'host'), r.host, 'must be a DNS name, not an IP address'));
      validateHost(r.host, child(f, 'host'), errs);
    }
    if (!r.http) return;
    if (!r.http.paths?.length) errs.push(required(child(f, 'http.paths')));
    (r.http.paths ?? []).forEach((p, j) => validatePath(p, index(child(f, 'http.paths'), j), errs));
  });
  (spec.tls ?? []).forEach((t, i) => {
    const f = index('spec.tls', i);
    (t.hosts ?? []).forEach((h, j) => validateHost(h, index(child(f, 'hosts'), j), errs));
    if (t.secretName) for (const m of nameIsDNSSubdomain(t.secretName, false)) errs.push(invalidValue(child(f, 'secretName'), t.secretName, m));
  });
  if (spec.ingressClassName !== undefined)
    for (const m of nameIsDNSSubdomain(spec.ingressClassName, false)) errs.push(invalidValue('spec.ingressClassName', spec.ingressClassName, m));
  return errs;
}

/** Resets an Ingress's status on create, as upstream's strategy: an empty load balancer status. */
export function prepareIngressForCreate(ing: Ingress): void {
  if (isObj(ing)) ing.status = { loadBalancer: {} };
}

/** Returns the update-only field errors of an Ingress. */
export function validateIngressUpdate(ing: Ingress, old: Ingress): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(ing.metadata, old.metadata, errs);
  return errs;
}

/** Sets an IngressClass's parameters.scope to Cluster when unset (SetDefaults_IngressClass). */
export function defaultIngressClass(c: IngressClass): void {
  if (!isObj(c)) return;
  const p = isObj(c.spec) ? c.spec.parameters : undefined;
  if (isObj(p) && p.scope === undefined) p.scope = 'Cluster';
}

const HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const HTTP_PATH_RE = new RegExp(`^${HTTP_PATH_FMT}$`);

/** Checks a domain-prefixed path such as `acme.io/foo` (upstream IsDomainPrefixedPath). */
function validateDomainPrefixedPath(v: string, field: string, errs: FieldError[]): void {
  if (!v) return void errs.push(required(field));
  const slash = v.indexOf('/');
  const host = slash < 0 ? v : v.slice(0, slash);
  const path = slash < 0 ? '' : v.slice(slash + 1);
  if (slash < 0 || !host || !path) return void errs.push(invalidValue(field, v, 'must be a domain-prefixed path (such as "acme.io/foo")'));
  for (const m of isDNS1123Subdomain(host)) errs.push(invalidValue(field, host, m));
  if (!HTTP_PATH_RE.test(path)) errs.push(invalidValue(field, path, `Invalid path (regex used for validation is '${HTTP_PATH_FMT}')`));
}

/** Returns the field errors of an IngressClass. */
export function validateIngressClass(c: IngressClass): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(c.metadata, { nameFn: nameIsDNSSubdomain, namespaced: false }, errs);
  const controller = c.spec?.controller ?? '';
  if (controller.length > 250) errs.push(tooLong('spec.controller', 250));
  validateDomainPrefixedPath(controller, 'spec.controller', errs);
  const p = c.spec?.parameters;
  if (p) {
    validateTypedRef(p, 'spec.parameters', errs);
    if (p.scope === 'Namespace') {
      if (p.namespace === undefined) errs.push(required('spec.parameters.namespace', '`parameters.scope` is set to \'Namespace\''));
      else for (const m of nameIsDNSSubdomain(p.namespace, false)) errs.push(invalidValue('spec.parameters.namespace', p.namespace, m));
    } else if (p.scope === 'Cluster') {
      if (p.namespace !== undefined) errs.push(forbiddenField('spec.parameters.namespace', '`parameters.scope` is set to \'Cluster\''));
    } else errs.push(notSupported('spec.parameters.scope', p.scope ?? '', ['Cluster', 'Namespace']));
  }
  return errs;
}

/** Returns the update-only field errors of an IngressClass: its controller is immutable. */
export function validateIngressClassUpdate(c: IngressClass, old: IngressClass): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(c.metadata, old.metadata, errs);
  immutable(c.spec?.controller ?? '', old.spec?.controller ?? '', 'spec.controller', errs);
  return errs;
}

/** The nested types by upstream's names (networking/v1), for strict field validation and the OpenAPI documents. */
export const NETWORKING_TYPES = {
  ...NETWORK_POLICY_TYPES,
  IngressSpec,
  IngressBackend: Backend,
  IngressServiceBackend: ServiceBackend,
  ServiceBackendPort,
  HTTPIngressRuleValue: HTTPRuleValue,
  HTTPIngressPath: HTTPPath,
  IngressRule: Rule,
  IngressTLS: TLS,
  IngressClassSpec,
  IngressClassParametersReference: ClassParams,
};
