// Endpoints: the ready/not-ready addresses and ports behind a service; validation as upstream ValidateEndpoints.
import { Type, type Static } from '@sinclair/typebox';
import { objectSchema } from '../meta.ts';
import { child, index, invalidValue, notSupported, required, type FieldError } from '../validation/field.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { ipFamily, isDNS1123Label, isValidIP, isValidPortNum, nameIsDNSSubdomain } from '../validation/strings.ts';
import { isObj, obj, objItems, ObjectReference, opt, type Kube } from './common.ts';

export const EndpointAddress = obj({
  ip: Type.String(),
  hostname: opt(Type.String()),
  nodeName: opt(Type.String()),
  targetRef: opt(ObjectReference),
});
export type EndpointAddress = Static<typeof EndpointAddress>;

export const EndpointPort = obj({
  name: opt(Type.String()),
  port: Type.Integer(),
  protocol: opt(Type.String()),
  appProtocol: opt(Type.String()),
});
export type EndpointPort = Static<typeof EndpointPort>;

export const EndpointSubset = obj({
  addresses: opt(Type.Array(EndpointAddress)),
  notReadyAddresses: opt(Type.Array(EndpointAddress)),
  ports: opt(Type.Array(EndpointPort)),
});
export type EndpointSubset = Static<typeof EndpointSubset>;

export const EndpointsSchema = objectSchema({ subsets: opt(Type.Array(EndpointSubset)) });
export type Endpoints = Kube<{ subsets?: EndpointSubset[] }>;

/** Fills endpoint defaults in place: port protocol TCP (SetDefaults_Endpoints). */
export function defaultEndpoints(ep: Endpoints): void {
  if (!isObj(ep)) return;
  for (const ss of objItems(ep.subsets)) for (const p of objItems(ss.ports)) p.protocol ||= 'TCP';
}

function validateAddress(a: EndpointAddress, field: string, errs: FieldError[]): void {
  for (const m of isValidIP(a.ip)) errs.push(invalidValue(child(field, 'ip'), a.ip, m));
  if (a.hostname) for (const m of isDNS1123Label(a.hostname)) errs.push(invalidValue(child(field, 'hostname'), a.hostname, m));
  if (a.nodeName !== undefined) for (const m of nameIsDNSSubdomain(a.nodeName, false)) errs.push(invalidValue(child(field, 'nodeName'), a.nodeName, m));
  // Upstream also refuses loopback addresses; kubus allows them because single-host clusters give pods 127.x IPs.
  if (a.ip === '0.0.0.0' || a.ip === '::') errs.push(invalidValue(child(field, 'ip'), a.ip, `may not be unspecified (${a.ip})`));
  if (ipFamily(a.ip) === 4 && a.ip.startsWith('169.254.'))
    errs.push(invalidValue(child(field, 'ip'), a.ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
}

/** Returns the field errors of an endpoints object. */
export function validateEndpoints(ep: Endpoints): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(ep.metadata, { nameFn: nameIsDNSSubdomain, namespaced: true }, errs);
  (ep.subsets ?? []).forEach((ss, i) => {
    const sp = index('subsets', i);
    if (!ss.addresses?.length && !ss.notReadyAddresses?.length) errs.push(required(sp, 'must specify `addresses` or `notReadyAddresses`'));
    (ss.addresses ?? []).forEach((a, j) => validateAddress(a, index(child(sp, 'addresses'), j), errs));
    (ss.notReadyAddresses ?? []).forEach((a, j) => validateAddress(a, index(child(sp, 'notReadyAddresses'), j), errs));
    const ports = ss.ports ?? [];
    ports.forEach((p, j) => {
      const pp = index(child(sp, 'ports'), j);
      if (ports.length > 1 && !p.name) errs.push(required(child(pp, 'name')));
      else if (p.name) for (const m of isDNS1123Label(p.name)) errs.push(invalidValue(child(pp, 'name'), p.name, m));
      for (const m of isValidPortNum(p.port)) errs.push(invalidValue(child(pp, 'port'), p.port, m));
      if (!p.protocol) errs.push(required(child(pp, 'protocol')));
      else if (!['SCTP', 'TCP', 'UDP'].includes(p.protocol)) errs.push(notSupported(child(pp, 'protocol'), p.protocol, ['SCTP', 'TCP', 'UDP']));
    });
  });
  return errs;
}

/** Returns the update-only field errors of an endpoints object. */
export function validateEndpointsUpdate(ep: Endpoints, old: Endpoints): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(ep.metadata, old.metadata, errs);
  return errs;
}
