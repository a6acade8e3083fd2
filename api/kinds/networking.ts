// networking.k8s.io/v1 Ingress, IngressClass and NetworkPolicy: stored and validated (no controller yet);
// defaults and validation as upstream pkg/apis/networking/v1/defaults.go and pkg/apis/networking/validation.
import { Type, type Static } from '@sinclair/typebox';
import { LabelSelector, objectSchema } from '../meta.ts';
import {
  child, forbiddenField, GoRepr, immutable, index, invalidValue, notSupported, required, tooLong, type FieldError,
} from '../validation/field.ts';
import { validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import {
  ipFamily, isDNS1035Label, isDNS1123Subdomain, isValidCIDR, isValidPortName, isValidPortNum, isWildcardDNS1123Subdomain, nameIsDNSSubdomain, nameIsPathSegment,
} from '../validation/strings.ts';
import { IntOrString, isObj, obj, objItems, opt, type Kube } from './common.ts';

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

const IPBlock = obj({ cidr: opt(Type.String()), except: opt(strings) });
const Peer = obj({ podSelector: opt(LabelSelector), namespaceSelector: opt(LabelSelector), ipBlock: opt(IPBlock) });
const NPPort = obj({ protocol: opt(Type.String()), port: opt(IntOrString), endPort: opt(Type.Integer()) });
const IngressRuleNP = obj({ ports: opt(Type.Array(NPPort)), from: opt(Type.Array(Peer)) });
const EgressRuleNP = obj({ ports: opt(Type.Array(NPPort)), to: opt(Type.Array(Peer)) });
export const NetworkPolicySpec = obj({
  podSelector: opt(LabelSelector),
  ingress: opt(Type.Array(IngressRuleNP)),
  egress: opt(Type.Array(EgressRuleNP)),
  policyTypes: opt(strings),
});
export const NetworkPolicySchema = objectSchema({ spec: opt(NetworkPolicySpec) });
export type NetworkPolicy = Kube<{ spec?: Static<typeof NetworkPolicySpec> }>;

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

/** Fills a NetworkPolicy's defaults: port protocol TCP, policyTypes from its rules (SetDefaults_NetworkPolicy*). */
export function defaultNetworkPolicy(np: NetworkPolicy): void {
  if (!isObj(np)) return;
  if (!isObj(np.spec)) return;
  const spec = np.spec as Record<string, unknown>;
  for (const rule of [...objItems(spec.ingress), ...objItems(spec.egress)])
    for (const port of objItems(rule.ports)) port.protocol ??= 'TCP';
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0)
    spec.policyTypes = Array.isArray(spec.egress) && spec.egress.length ? ['Ingress', 'Egress'] : ['Ingress'];
}

function validatePort(p: Static<typeof NPPort>, field: string, errs: FieldError[]): void {
  if (p.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(p.protocol)) errs.push(notSupported(child(field, 'protocol'), p.protocol, ['TCP', 'UDP', 'SCTP']));
  if (p.port === undefined) {
    if (p.endPort !== undefined) errs.push(invalidValue(child(field, 'endPort'), p.endPort, 'may not be specified when `port` is not specified'));
  } else if (typeof p.port === 'number') {
    for (const m of isValidPortNum(p.port)) errs.push(invalidValue(child(field, 'port'), p.port, m));
    if (p.endPort !== undefined) {
      if (p.endPort < p.port) errs.push(invalidValue(child(field, 'endPort'), p.port, 'must be greater than or equal to `port`'));
      for (const m of isValidPortNum(p.endPort)) errs.push(invalidValue(child(field, 'endPort'), p.endPort, m));
    }
  } else {
    if (p.endPort !== undefined) errs.push(invalidValue(child(field, 'endPort'), p.endPort, 'may not be specified when `port` is non-numeric'));
    for (const m of isValidPortName(p.port)) errs.push(invalidValue(child(field, 'port'), p.port, m));
  }
}

/** Checks an ipBlock: a CIDR, and excepts that are strict subsets of it (upstream ValidateIPBlock). */
function validateIPBlock(b: Static<typeof IPBlock>, field: string, errs: FieldError[]): void {
  const cidr = b.cidr ?? '';
  if (!cidr) return void errs.push(required(child(field, 'cidr')));
  const bad = isValidCIDR(cidr);
  for (const m of bad) errs.push(invalidValue(child(field, 'cidr'), cidr, m));
  if (bad.length) return;
  (b.except ?? []).forEach((e, i) => {
    const f = index(child(field, 'except'), i);
    const m = isValidCIDR(e);
    if (m.length) return void errs.push(invalidValue(f, e, m[0]));
    if (!cidrStrictlyContains(cidr, e)) errs.push(invalidValue(f, e, 'must be a strict subset of `cidr`'));
  });
}

function validatePeer(p: Static<typeof Peer>, field: string, errs: FieldError[]): void {
  let n = 0;
  if (p.podSelector) n++, validateLabelSelector(p.podSelector, child(field, 'podSelector'), errs);
  if (p.namespaceSelector) n++, validateLabelSelector(p.namespaceSelector, child(field, 'namespaceSelector'), errs);
  if (p.ipBlock) n++, validateIPBlock(p.ipBlock, child(field, 'ipBlock'), errs);
  if (n === 0) errs.push(required(field, 'must specify a peer'));
  else if (n > 1 && p.ipBlock) errs.push(forbiddenField(field, 'may not specify both ipBlock and another peer'));
}

/** Returns the field errors of a NetworkPolicy (upstream ValidateNetworkPolicy). */
export function validateNetworkPolicy(np: NetworkPolicy): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(np.metadata, { nameFn: nameIsDNSSubdomain, namespaced: true }, errs);
  const spec = np.spec ?? {};
  validateLabelSelector(spec.podSelector, 'spec.podSelector', errs);
  (spec.ingress ?? []).forEach((r, i) => {
    (r.ports ?? []).forEach((p, j) => validatePort(p, index(`spec.ingress[${i}].ports`, j), errs));
    (r.from ?? []).forEach((p, j) => validatePeer(p, index(`spec.ingress[${i}].from`, j), errs));
  });
  (spec.egress ?? []).forEach((r, i) => {
    (r.ports ?? []).forEach((p, j) => validatePort(p, index(`spec.egress[${i}].ports`, j), errs));
    (r.to ?? []).forEach((p, j) => validatePeer(p, index(`spec.egress[${i}].to`, j), errs));
  });
  (spec.policyTypes ?? []).forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(notSupported(index('spec.policyTypes', i), t, ['Ingress', 'Egress']));
  });
  if ((spec.policyTypes ?? []).length > 2) errs.push(invalidValue('spec.policyTypes', spec.policyTypes, 'may not specify more than two policyTypes'));
  return errs;
}

/** Returns the update-only field errors of a NetworkPolicy. */
export function validateNetworkPolicyUpdate(np: NetworkPolicy, old: NetworkPolicy): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(np.metadata, old.metadata, errs);
  return errs;
}

/** Returns true when CIDR `inner` lies inside `outer` with a longer prefix (same family). */
function cidrStrictlyContains(outer: string, inner: string): boolean {
  const [oip, obits] = outer.split('/');
  const [iip, ibits] = inner.split('/');
  if (ipFamily(oip) !== ipFamily(iip) || Number(obits) >= Number(ibits)) return false;
  const a = ipBits(oip);
  const b = ipBits(iip);
  return a.slice(0, Number(obits)) === b.slice(0, Number(obits));
}

/** Returns an address as a string of bits (IPv4 32, IPv6 128). */
function ipBits(ip: string): string {
  if (ipFamily(ip) === 4) return ip.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join('');
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.map((g) => parseInt(g || '0', 16).toString(2).padStart(16, '0')).join('');
}

/** The nested types by upstream's names (networking/v1), for strict field validation and the OpenAPI documents. */
export const NETWORKING_TYPES = {
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
  NetworkPolicySpec,
  NetworkPolicyIngressRule: IngressRuleNP,
  NetworkPolicyEgressRule: EgressRuleNP,
  NetworkPolicyPort: NPPort,
  NetworkPolicyPeer: Peer,
  IPBlock,
};
