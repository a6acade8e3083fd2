// EndpointSlices (discovery.k8s.io/v1): a service's endpoints in slices of at most 1000; defaults
// and validation as upstream pkg/apis/discovery (v1 defaults, validation.ValidateEndpointSlice).
import { Type, type Static } from '@sinclair/typebox';
import { objectSchema } from '../meta.ts';
import { child, duplicate, immutable, index, invalidValue, notSupported, required, tooMany, type FieldError } from '../validation/field.ts';
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { ipFamily, isDNS1123Label, isDNS1123Subdomain, isLabelValue, isQualifiedName, nameIsDNSSubdomain } from '../validation/strings.ts';
import { isObj, obj, objItems, ObjectReference, opt, StringMap, type Kube } from './common.ts';

/** Label naming the Service a slice belongs to (discoveryv1.LabelServiceName). */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** Label naming the controller that manages a slice (discoveryv1.LabelManagedBy). */
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
/** Label on Endpoints that the mirroring controller must leave alone (discoveryv1.LabelSkipMirror). */
export const LABEL_SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';

export const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'] as const;
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
/** Upstream's limits (pkg/apis/discovery/validation). */
export const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;
const MAX_TOPOLOGY_LABELS = 16;
const MAX_ZONE_HINTS = 8;

export const EndpointConditions = obj({ ready: opt(Type.Boolean()), serving: opt(Type.Boolean()), terminating: opt(Type.Boolean()) });
export type EndpointConditions = Static<typeof EndpointConditions>;

export const Endpoint = obj({
  addresses: Type.Array(Type.String()),
  conditions: opt(EndpointConditions),
  hostname: opt(Type.String()),
  targetRef: opt(ObjectReference),
  deprecatedTopology: opt(StringMap),
  nodeName: opt(Type.String()),
  zone: opt(Type.String()),
  hints: opt(obj({ forZones: opt(Type.Array(obj({ name: Type.String() }))) })),
});
export type Endpoint = Static<typeof Endpoint>;

export const EndpointSlicePort = obj({
  name: opt(Type.String()),
  protocol: opt(Type.String()),
  port: opt(Type.Integer()),
  appProtocol: opt(Type.String()),
});
export type EndpointSlicePort = Static<typeof EndpointSlicePort>;

export const EndpointSliceSchema = objectSchema({
  addressType: Type.String(),
  endpoints: opt(Type.Array(Endpoint)),
  ports: opt(Type.Array(EndpointSlicePort)),
});
export type EndpointSlice = Kube<{ addressType: string; endpoints?: Endpoint[]; ports?: EndpointSlicePort[] }>;

/** Fills slice defaults in place: each port's name "" and protocol TCP (v1 SetDefaults_EndpointPort). */
export function defaultEndpointSlice(es: EndpointSlice): void {
  if (!isObj(es)) return;
  for (const p of objItems(es.ports)) {
    p.name ??= '';
    p.protocol ??= 'TCP';
  }
}

/** Returns upstream ValidateEndpointIP's complaints (loopback allowed, as for Endpoints: single-host clusters use 127.x). */
function endpointIP(ip: string, field: string): FieldError[] {
  if (ip === '0.0.0.0' || ip === '::') return [invalidValue(field, ip, `may not be unspecified (${ip})`)];
  if (ip.startsWith('169.254.') || /^fe[89ab]/i.test(ip)) return [invalidValue(field, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)')];
  if (ip.startsWith('224.0.0.') || /^ff02:/i.test(ip)) return [invalidValue(field, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)')];
  return [];
}

/** Returns upstream IsFullyQualifiedDomainName's errors. */
function fqdn(name: string, field: string): FieldError[] {
  if (!name) return [required(field)];
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  const sub = isDNS1123Subdomain(n);
  if (sub.length) return [invalidValue(field, n, sub.join(','))];
  const labels = n.split('.');
  if (labels.length < 2) return [invalidValue(field, n, 'should be a domain with at least two segments separated by dots')];
  for (const l of labels) {
    const e = isDNS1123Label(l);
    if (e.length) return [invalidValue(field, l, e.join(','))];
  }
  return [];
}

function validateAddress(addressType: string, a: string, field: string): FieldError[] {
  switch (addressType) {
    case 'IPv4':
      return ipFamily(a) === 4 ? endpointIP(a, field) : [invalidValue(field, a, 'must be a valid IPv4 address')];
    case 'IPv6':
      return ipFamily(a) === 6 ? endpointIP(a, field) : [invalidValue(field, a, 'must be a valid IPv6 address')];
    case 'FQDN':
      return fqdn(a, field);
    default:
      return []; // unknown types are reported once, at addressType
  }
}

function validateEndpoints(endpoints: Endpoint[], addressType: string, errs: FieldError[]): void {
  if (endpoints.length > MAX_ENDPOINTS) {
    errs.push(tooMany('endpoints', endpoints.length, MAX_ENDPOINTS));
    return;
  }
  endpoints.forEach((ep, i) => {
    const p = index('endpoints', i);
    const ap = child(p, 'addresses');
    if (!ep.addresses?.length) errs.push(required(ap, 'must contain at least 1 address'));
    else if (ep.addresses.length > MAX_ADDRESSES) errs.push(tooMany(ap, ep.addresses.length, MAX_ADDRESSES));
    (ep.addresses ?? []).forEach((a, j) => errs.push(...validateAddress(addressType, a, index(ap, j))));
    if (ep.nodeName !== undefined) for (const m of nameIsDNSSubdomain(ep.nodeName, false)) errs.push(invalidValue(child(p, 'nodeName'), ep.nodeName, m));
    const tp = child(p, 'deprecatedTopology');
    const topology = ep.deprecatedTopology ?? {};
    if (Object.keys(topology).length > MAX_TOPOLOGY_LABELS) errs.push(tooMany(tp, Object.keys(topology).length, MAX_TOPOLOGY_LABELS));
    validateLabels(topology, tp, errs);
    if (ep.hostname !== undefined) for (const m of isDNS1123Label(ep.hostname)) errs.push(invalidValue(child(p, 'hostname'), ep.hostname, m));
    const zones = ep.hints?.forZones;
    if (zones) {
      const zp = child(child(p, 'hints'), 'forZones');
      if (zones.length > MAX_ZONE_HINTS) errs.push(tooMany(zp, zones.length, MAX_ZONE_HINTS));
      else {
        const seen = new Set<string>();
        zones.forEach((z, k) => {
          const np = child(index(zp, k), 'name');
          if (seen.has(z.name)) errs.push(duplicate(np, z.name));
          seen.add(z.name);
          for (const m of isLabelValue(z.name)) errs.push(invalidValue(np, z.name, m));
        });
      }
    }
  });
}

function validatePorts(ports: EndpointSlicePort[], errs: FieldError[]): void {
  if (ports.length > MAX_PORTS) {
    errs.push(tooMany('ports', ports.length, MAX_PORTS));
    return;
  }
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = index('ports', i);
    const name = port.name ?? '';
    if (name) for (const m of isDNS1123Label(name)) errs.push(invalidValue(child(p, 'name'), name, m));
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    names.add(name);
    if (port.protocol === undefined) errs.push(required(child(p, 'protocol')));
    else if (!PROTOCOLS.includes(port.protocol)) errs.push(notSupported(child(p, 'protocol'), port.protocol, PROTOCOLS));
    if (port.appProtocol !== undefined) for (const m of isQualifiedName(port.appProtocol)) errs.push(invalidValue(child(p, 'appProtocol'), port.appProtocol, m));
  });
}

/** Returns the field errors of an EndpointSlice (upstream ValidateEndpointSlice). */
export function validateEndpointSlice(es: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(es.metadata, { nameFn: nameIsDNSSubdomain, namespaced: true }, errs);
  if (!es.addressType) errs.push(required('addressType'));
  else if (!(ADDRESS_TYPES as readonly string[]).includes(es.addressType)) errs.push(notSupported('addressType', es.addressType, ADDRESS_TYPES));
  validateEndpoints(es.endpoints ?? [], es.addressType, errs);
  validatePorts(es.ports ?? [], errs);
  return errs;
}

/** Returns the update-only field errors of an EndpointSlice: addressType is immutable. */
export function validateEndpointSliceUpdate(es: EndpointSlice, old: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(es.metadata, old.metadata, errs);
  immutable(es.addressType, old.addressType, 'addressType', errs);
  return errs;
}
