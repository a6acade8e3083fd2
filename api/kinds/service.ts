// Services: schema, defaults (SetDefaults_Service), validation (ValidateService) and clusterIP immutability.
import { Type, type Static } from '@sinclair/typebox';
import { objectSchema } from '../meta.ts';
import {
  child,
  duplicate,
  forbiddenField,
  GoRepr,
  goQuote,
  index,
  invalidValue,
  notSupported,
  required,
  type FieldError,
} from '../validation/field.ts';
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { ipFamily, isDNS1123Label, isDNS1123Subdomain, isValidIP, isValidPortNum, nameIsDNS1035Label } from '../validation/strings.ts';
import { ensureObj, IntOrString, isObj, obj, objItems, opt, StringMap, type Kube } from './common.ts';
import { validatePortNumOrName } from './container-validation.ts';

export const ServicePort = obj({
  name: opt(Type.String()),
  protocol: opt(Type.String()),
  appProtocol: opt(Type.String()),
  port: Type.Integer(),
  targetPort: opt(IntOrString),
  nodePort: opt(Type.Integer()),
});
export type ServicePort = Static<typeof ServicePort>;

export const ServiceSpec = obj({
  type: opt(Type.String()),
  selector: opt(StringMap),
  ports: opt(Type.Array(ServicePort)),
  clusterIP: opt(Type.String()),
  clusterIPs: opt(Type.Array(Type.String())),
  externalIPs: opt(Type.Array(Type.String())),
  externalName: opt(Type.String()),
  sessionAffinity: opt(Type.String()),
  sessionAffinityConfig: opt(obj({ clientIP: opt(obj({ timeoutSeconds: opt(Type.Integer()) })) })),
  externalTrafficPolicy: opt(Type.String()),
  internalTrafficPolicy: opt(Type.String()),
  healthCheckNodePort: opt(Type.Integer()),
  allocateLoadBalancerNodePorts: opt(Type.Boolean()),
  publishNotReadyAddresses: opt(Type.Boolean()),
  ipFamilies: opt(Type.Array(Type.String())),
  ipFamilyPolicy: opt(Type.String()),
});
export type ServiceSpec = Static<typeof ServiceSpec>;

export const ServiceStatus = obj({ loadBalancer: opt(obj({ ingress: opt(Type.Array(obj({ ip: opt(Type.String()), hostname: opt(Type.String()) }))) })) });
export type ServiceStatus = Static<typeof ServiceStatus>;

export const ServiceSchema = objectSchema({ spec: ServiceSpec, status: opt(ServiceStatus) });
export type Service = Kube<{ spec: ServiceSpec; status?: ServiceStatus }>;

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const externallyAccessible = (s: Record<string, unknown>) =>
  s.type === 'LoadBalancer' || s.type === 'NodePort' || (s.type === 'ClusterIP' && Array.isArray(s.externalIPs) && s.externalIPs.length > 0);

/** Fills service defaults in place (SetDefaults_Service) and keeps clusterIP/clusterIPs in step. */
export function defaultService(svc: Service): void {
  if (!isObj(svc)) return;
  const s = ensureObj(svc as unknown as Record<string, unknown>, 'spec');
  if (!s) return;
  s.sessionAffinity ||= 'None';
  if (s.sessionAffinity === 'None') delete s.sessionAffinityConfig;
  if (s.sessionAffinity === 'ClientIP') {
    const cfg = isObj(s.sessionAffinityConfig) ? s.sessionAffinityConfig : undefined;
    const cip = cfg && isObj(cfg.clientIP) ? cfg.clientIP : undefined;
    if (!cip || cip.timeoutSeconds == null) s.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  s.type ||= 'ClusterIP';
  for (const p of objItems(s.ports)) {
    p.protocol ||= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (externallyAccessible(s)) s.externalTrafficPolicy ||= 'Cluster';
  if (s.internalTrafficPolicy == null && (s.type === 'ClusterIP' || s.type === 'NodePort' || s.type === 'LoadBalancer'))
    s.internalTrafficPolicy = 'Cluster';
  if (s.type === 'LoadBalancer' && s.allocateLoadBalancerNodePorts == null) s.allocateLoadBalancerNodePorts = true;
  const ips = Array.isArray(s.clusterIPs) ? s.clusterIPs : undefined;
  if (typeof s.clusterIP === 'string' && s.clusterIP && !ips?.length) s.clusterIPs = [s.clusterIP];
  else if (!s.clusterIP && ips?.length && typeof ips[0] === 'string') s.clusterIP = ips[0];
}

/** Resets server-owned fields on create: status is empty. */
export function prepareServiceForCreate(svc: Service): void {
  if (isObj(svc)) svc.status = {};
}

const isHeadless = (s: ServiceSpec) => s.clusterIPs?.length === 1 && s.clusterIPs[0] === 'None';

function portKeyRepr(p: ServicePort): GoRepr {
  return new GoRepr(
    `core.ServicePort{Name:"", Protocol:${goQuote(p.protocol ?? '')}, AppProtocol:(*string)(nil), Port:${p.port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`,
  );
}

function validateClusterIPs(s: ServiceSpec, errs: FieldError[]): void {
  if (s.type === 'ExternalName') return;
  const ips = s.clusterIPs ?? [];
  if (s.clusterIP) {
    if (ips.length === 0) errs.push(required('spec.clusterIPs'));
    else if (ips[0] !== s.clusterIP) errs.push(invalidValue('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
  } else if (ips.length) errs.push(invalidValue('spec.clusterIPs', ips, 'must be empty when `clusterIP` is not specified'));
  let bad = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) {
        bad = true;
        errs.push(invalidValue('spec.clusterIPs', ips, "'None' must be the first and only value"));
      }
      return;
    }
    for (const m of isValidIP(ip)) {
      bad = true;
      errs.push(invalidValue(index('spec.clusterIPs', i), ip, m));
    }
  });
  if (ips.length > 2) errs.push(invalidValue('spec.clusterIPs', ips, 'may only hold up to 2 values'));
  if (!bad && ips.length === 2 && ipFamily(ips[0]) === ipFamily(ips[1]))
    errs.push(invalidValue('spec.clusterIPs', ips, 'may specify no more than one IP for each IP family'));
}

/** Returns the field errors of a service (upstream ValidateService). */
export function validateService(svc: Service): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(svc.metadata, { nameFn: nameIsDNS1035Label, namespaced: true }, errs);
  const s = svc.spec;
  const ports = s.ports ?? [];
  if (ports.length === 0 && !isHeadless(s) && s.type !== 'ExternalName') errs.push(required('spec.ports'));
  if ((s.type === 'LoadBalancer' || s.type === 'NodePort') && isHeadless(s))
    errs.push(invalidValue('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${s.type} services`));
  if (s.type === 'ExternalName') {
    if (s.clusterIPs?.length) errs.push(forbiddenField('spec.clusterIPs', 'may not be set for ExternalName services'));
    const cname = (s.externalName ?? '').replace(/\.$/, '');
    if (!cname) errs.push(required('spec.externalName'));
    else for (const m of isDNS1123Subdomain(cname)) errs.push(invalidValue('spec.externalName', cname, m));
  }
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const pp = index('spec.ports', i);
    if (ports.length > 1 && !p.name) errs.push(required(child(pp, 'name')));
    else if (p.name) {
      for (const m of isDNS1123Label(p.name)) errs.push(invalidValue(child(pp, 'name'), p.name, m));
      if (names.has(p.name)) errs.push(duplicate(child(pp, 'name'), p.name));
      else names.add(p.name);
    }
    for (const m of isValidPortNum(p.port)) errs.push(invalidValue(child(pp, 'port'), p.port, m));
    if (!p.protocol) errs.push(required(child(pp, 'protocol')));
    else if (!PROTOCOLS.includes(p.protocol)) errs.push(notSupported(child(pp, 'protocol'), p.protocol, PROTOCOLS));
    validatePortNumOrName(p.targetPort ?? 0, child(pp, 'targetPort'), errs);
    if (s.type === 'ClusterIP' && p.nodePort) errs.push(forbiddenField(child(pp, 'nodePort'), "may not be used when `type` is 'ClusterIP'"));
  });
  if (s.selector) validateLabels(s.selector, 'spec.selector', errs);
  const sa = s.sessionAffinity ?? '';
  if (!sa) errs.push(required('spec.sessionAffinity'));
  else if (sa !== 'ClientIP' && sa !== 'None') errs.push(notSupported('spec.sessionAffinity', sa, ['ClientIP', 'None']));
  if (sa === 'ClientIP') {
    const t = s.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    if (t === undefined) errs.push(required('spec.sessionAffinityConfig.clientIP.timeoutSeconds', 'when session affinity type is ClientIP'));
    else if (t <= 0 || t > 86400)
      errs.push(invalidValue('spec.sessionAffinityConfig.clientIP.timeoutSeconds', t, 'must be greater than 0 and less than 86400'));
  } else if (sa === 'None' && s.sessionAffinityConfig)
    errs.push(forbiddenField('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  validateClusterIPs(s, errs);
  (s.externalIPs ?? []).forEach((ip, i) => {
    for (const m of isValidIP(ip)) errs.push(invalidValue(index('spec.externalIPs', i), ip, m));
  });
  if (!s.type) errs.push(required('spec.type'));
  else if (!TYPES.includes(s.type)) errs.push(notSupported('spec.type', s.type, TYPES));
  const nodePorts = new Set<string>();
  const seenPorts = new Set<string>();
  ports.forEach((p, i) => {
    const pp = index('spec.ports', i);
    if (p.nodePort) {
      const k = `${p.protocol}/${p.nodePort}`;
      if (nodePorts.has(k)) errs.push(duplicate(child(pp, 'nodePort'), p.nodePort));
      nodePorts.add(k);
    }
    const k = `${p.protocol}/${p.port}`;
    if (seenPorts.has(k)) errs.push(duplicate(pp, portKeyRepr(p)));
    seenPorts.add(k);
  });
  if (s.allocateLoadBalancerNodePorts !== undefined && s.type !== 'LoadBalancer')
    errs.push(forbiddenField('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  const ext = s.type === 'LoadBalancer' || s.type === 'NodePort' || (s.type === 'ClusterIP' && (s.externalIPs?.length ?? 0) > 0);
  if (!ext && s.externalTrafficPolicy)
    errs.push(invalidValue('spec.externalTrafficPolicy', s.externalTrafficPolicy, 'may only be set for externally-accessible services'));
  if (ext && !s.externalTrafficPolicy) errs.push(required('spec.externalTrafficPolicy'));
  else if (ext && s.externalTrafficPolicy !== 'Cluster' && s.externalTrafficPolicy !== 'Local')
    errs.push(notSupported('spec.externalTrafficPolicy', s.externalTrafficPolicy, ['Cluster', 'Local']));
  if (s.internalTrafficPolicy === undefined && (s.type === 'ClusterIP' || s.type === 'NodePort' || s.type === 'LoadBalancer'))
    errs.push(required('spec.internalTrafficPolicy'));
  else if (s.internalTrafficPolicy !== undefined && s.internalTrafficPolicy !== 'Cluster' && s.internalTrafficPolicy !== 'Local')
    errs.push(notSupported('spec.internalTrafficPolicy', s.internalTrafficPolicy, ['Cluster', 'Local']));
  return errs;
}

/** Returns the update-only field errors of a service: the primary clusterIP may not change once set. */
export function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(svc.metadata, old.metadata, errs);
  const s = svc.spec;
  const o = old.spec;
  if (s.type === 'ExternalName' || o.type === 'ExternalName' || (isHeadless(s) && isHeadless(o))) return errs;
  const next = s.clusterIPs ?? [];
  const prev = o.clusterIPs ?? [];
  if (next.length === prev.length) {
    prev.forEach((ip, i) => {
      if (ip !== next[i]) errs.push(invalidValue(index('spec.clusterIPs', i), next, 'may not change once set'));
    });
  } else if (prev.length > next.length) {
    if (next.length === 0) errs.push(invalidValue('spec.clusterIPs[0]', next, 'primary clusterIP can not be unset'));
    else if (next[0] !== prev[0]) errs.push(invalidValue('spec.clusterIPs[0]', next, 'may not change once set'));
  } else if (prev.length > 0 && next[0] !== prev[0]) {
    errs.push(invalidValue('spec.clusterIPs[0]', next, 'may not change once set'));
  }
  return errs;
}

/** Carries the allocated clusterIP(s) and node ports over from the stored service when an update leaves them unset (upstream patchAllocatedValues). */
export function keepAllocatedServiceValues(svc: Service, old: Service): void {
  const s = svc?.spec;
  const o = old?.spec;
  if (!isObj(s) || !isObj(o) || s.type === 'ExternalName') return;
  if (!s.clusterIP && o.clusterIP) {
    s.clusterIP = o.clusterIP;
    s.clusterIPs = o.clusterIPs;
  }
  if (s.type === 'NodePort' || s.type === 'LoadBalancer')
    for (const p of objItems(s.ports) as ServicePort[]) {
      if (p.nodePort) continue;
      const match = (objItems(o.ports) as ServicePort[]).find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (match?.nodePort) p.nodePort = match.nodePort;
    }
}
