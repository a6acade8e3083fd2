// networking.k8s.io/v1 NetworkPolicy: stored and validated (no controller enforces it yet); defaults and validation as
// upstream pkg/apis/networking/v1/defaults.go and pkg/apis/networking/validation.
import { Type, type Static } from '@sinclair/typebox';
import { LabelSelector, objectSchema } from '../meta.ts';
import { child, forbiddenField, index, invalidValue, notSupported, required, type FieldError } from '../validation/field.ts';
import { validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { ipFamily, isValidCIDR, isValidPortName, isValidPortNum, nameIsDNSSubdomain } from '../validation/strings.ts';
import { IntOrString, isObj, obj, objItems, opt, type Kube } from './common.ts';

const strings = Type.Array(Type.String());
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
export const NETWORK_POLICY_TYPES = {
  NetworkPolicySpec,
  NetworkPolicyIngressRule: IngressRuleNP,
  NetworkPolicyEgressRule: EgressRuleNP,
  NetworkPolicyPort: NPPort,
  NetworkPolicyPeer: Peer,
  IPBlock,
};
