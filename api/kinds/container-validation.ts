// Container validation as upstream validateContainerCommon, validateContainerPorts, ValidateEnv, probes, resources.
import { compareQuantities, formatQuantity, parseQuantity, type Quantity } from '../quantity.ts';
import {
  child,
  duplicate,
  forbiddenField,
  index,
  invalidValue,
  IS_NEGATIVE,
  key,
  nonNegative,
  notFoundValue,
  notSupported,
  required,
  type FieldError,
} from '../validation/field.ts';
import {
  isConfigMapKey,
  isDNS1123Label,
  isEnvVarName,
  isHTTPHeaderName,
  isQualifiedName,
  isValidPortName,
  isValidPortNum,
  nameIsDNSSubdomain,
} from '../validation/strings.ts';
import type { IntOrString, ResourceList } from './common.ts';
import type { Container, EnvVar, Probe, ResourceRequirements } from './container.ts';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** Validates a port given as number or IANA name (upstream ValidatePortNumOrName). */
export function validatePortNumOrName(port: IntOrString, field: string, errs: FieldError[]): void {
  if (typeof port === 'number') for (const m of isValidPortNum(port)) errs.push(invalidValue(field, port, m));
  else for (const m of isValidPortName(port)) errs.push(invalidValue(field, port, m));
}

function validatePorts(c: Container, field: string, errs: FieldError[]): void {
  const names = new Set<string>();
  (c.ports ?? []).forEach((p, i) => {
    const ip = index(field, i);
    if (p.name) {
      const msgs = isValidPortName(p.name);
      for (const m of msgs) errs.push(invalidValue(child(ip, 'name'), p.name, m));
      if (!msgs.length) {
        if (names.has(p.name)) errs.push(duplicate(child(ip, 'name'), p.name));
        else names.add(p.name);
      }
    }
    if (p.containerPort === 0) errs.push(required(child(ip, 'containerPort')));
    else for (const m of isValidPortNum(p.containerPort)) errs.push(invalidValue(child(ip, 'containerPort'), p.containerPort, m));
    if (p.hostPort) for (const m of isValidPortNum(p.hostPort)) errs.push(invalidValue(child(ip, 'hostPort'), p.hostPort, m));
    if (!p.protocol) errs.push(required(child(ip, 'protocol')));
    else if (!PROTOCOLS.includes(p.protocol)) errs.push(notSupported(child(ip, 'protocol'), p.protocol, PROTOCOLS));
  });
}

function validateEnv(env: EnvVar[] | undefined, field: string, errs: FieldError[]): void {
  (env ?? []).forEach((e, i) => {
    const ip = index(field, i);
    if (!e.name) errs.push(required(child(ip, 'name')));
    else for (const m of isEnvVarName(e.name)) errs.push(invalidValue(child(ip, 'name'), e.name, m));
    const vf = e.valueFrom;
    if (!vf) return;
    const vp = child(ip, 'valueFrom');
    const sources = [vf.fieldRef, vf.resourceFieldRef, vf.configMapKeyRef, vf.secretKeyRef].filter(Boolean).length;
    if (vf.fieldRef && !vf.fieldRef.fieldPath) errs.push(required(child(child(vp, 'fieldRef'), 'fieldPath')));
    if (vf.resourceFieldRef && !vf.resourceFieldRef.resource) errs.push(required(child(child(vp, 'resourceFieldRef'), 'resource')));
    for (const [k, ref] of [['configMapKeyRef', vf.configMapKeyRef], ['secretKeyRef', vf.secretKeyRef]] as const) {
      if (!ref) continue;
      for (const m of nameIsDNSSubdomain(ref.name ?? '', false)) errs.push(invalidValue(child(child(vp, k), 'name'), ref.name ?? '', m));
      if (!ref.key) errs.push(required(child(child(vp, k), 'key')));
      else for (const m of isConfigMapKey(ref.key)) errs.push(invalidValue(child(child(vp, k), 'key'), ref.key, m));
    }
    if (sources === 0) errs.push(invalidValue(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (e.value) errs.push(invalidValue(vp, '', 'may not be specified when `value` is not empty'));
    else if (sources > 1) errs.push(invalidValue(vp, '', 'may not have more than one field specified at a time'));
  });
}

const isNative = (name: string) => !name.includes('/') || name.includes('kubernetes.io/');

/** Returns true for resources that may be over-committed (requests < limits): native ones except hugepages. */
export const isOvercommitAllowed = (name: string): boolean => isNative(name) && !name.startsWith('hugepages-');

export function validateResourceName(name: string, field: string, errs: FieldError[]): boolean {
  const msgs = isQualifiedName(name);
  for (const m of msgs) errs.push(invalidValue(field, name, m));
  if (msgs.length) return false;
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) {
      errs.push(invalidValue(field, name, 'must be a standard resource for containers'));
      return false;
    }
  } else if (!isNative(name) && (name.startsWith('requests.') || isQualifiedName(`requests.${name}`).length > 0)) {
    errs.push(invalidValue(field, name, "doesn't follow extended resource name standard"));
    return false;
  }
  return true;
}

/** Parses one quantity of a resource list, reporting upstream's errors; undefined when invalid. */
export function validateQuantity(name: string, raw: unknown, field: string, errs: FieldError[]): Quantity | undefined {
  let q: Quantity;
  try {
    q = parseQuantity(raw as string | number);
  } catch (e) {
    errs.push(invalidValue(field, raw, (e as Error).message));
    return undefined;
  }
  if (q.nanos < 0n) errs.push(invalidValue(field, formatQuantity(q), IS_NEGATIVE));
  const integer = !STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-');
  if (integer && q.nanos % 1_000_000_000n !== 0n) errs.push(invalidValue(field, formatQuantity(q), 'must be an integer'));
  return q;
}

/** Validates a resource list (node capacity/allocatable): quantities only. */
export function validateResourceList(list: ResourceList | undefined, field: string, errs: FieldError[]): void {
  for (const k in list ?? {}) validateQuantity(k, list![k], key(field, k), errs);
}

/** Validates requests/limits: names, quantities, requests ≤ limits (= for extended resources). */
export function validateResources(r: ResourceRequirements | undefined, field: string, errs: FieldError[]): void {
  if (!r) return;
  const limPath = child(field, 'limits');
  const reqPath = child(field, 'requests');
  const limits: Record<string, Quantity | undefined> = {};
  for (const k in r.limits ?? {}) {
    const kp = key(limPath, k);
    if (validateResourceName(k, kp, errs)) limits[k] = validateQuantity(k, r.limits![k], kp, errs);
  }
  for (const k in r.requests ?? {}) {
    const kp = key(reqPath, k);
    if (!validateResourceName(k, kp, errs)) continue;
    const q = validateQuantity(k, r.requests![k], kp, errs);
    if (!q) continue;
    const lim = limits[k];
    if (lim) {
      const cmp = compareQuantities(q, lim);
      if (cmp !== 0 && !isOvercommitAllowed(k))
        errs.push(invalidValue(reqPath, formatQuantity(q), `must be equal to ${k} limit of ${formatQuantity(lim)}`));
      else if (cmp > 0) errs.push(invalidValue(reqPath, formatQuantity(q), `must be less than or equal to ${k} limit of ${formatQuantity(lim)}`));
    } else if (!(k in (r.limits ?? {})) && !isOvercommitAllowed(k)) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
  }
}

function validateHandler(h: Probe, field: string, errs: FieldError[]): void {
  let n = 0;
  const one = (k: string, check: () => void) => {
    if (n > 0) errs.push(forbiddenField(child(field, k), 'may not specify more than 1 handler type'));
    else {
      n++;
      check();
    }
  };
  if (h.exec) one('exec', () => !h.exec!.command?.length && errs.push(required(child(child(field, 'exec'), 'command'))));
  if (h.httpGet)
    one('httpGet', () => {
      const p = child(field, 'httpGet');
      if (!h.httpGet!.path) errs.push(required(child(p, 'path')));
      validatePortNumOrName(h.httpGet!.port, child(p, 'port'), errs);
      const scheme = h.httpGet!.scheme ?? '';
      if (scheme !== 'HTTP' && scheme !== 'HTTPS') errs.push(notSupported(child(p, 'scheme'), scheme, ['HTTP', 'HTTPS']));
      for (const hd of h.httpGet!.httpHeaders ?? [])
        for (const m of isHTTPHeaderName(hd.name)) errs.push(invalidValue(child(p, 'httpHeaders'), hd.name, m));
    });
  if (h.tcpSocket) one('tcpSocket', () => validatePortNumOrName(h.tcpSocket!.port, child(child(field, 'tcpSocket'), 'port'), errs));
  if (h.grpc) one('grpc', () => validatePortNumOrName(h.grpc!.port, child(child(field, 'grpc'), 'port'), errs));
  if (n === 0) errs.push(required(field, 'must specify a handler type'));
}

/** Validates a probe; `kind` adds upstream's per-probe rules (liveness/startup: successThreshold must be 1). */
export function validateProbe(p: Probe | undefined, kind: 'liveness' | 'readiness' | 'startup', field: string, errs: FieldError[]): void {
  if (!p) return;
  validateHandler(p, field, errs);
  for (const k of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const)
    nonNegative(p[k], child(field, k), errs);
  if (p.terminationGracePeriodSeconds !== undefined && p.terminationGracePeriodSeconds <= 0)
    errs.push(invalidValue(child(field, 'terminationGracePeriodSeconds'), p.terminationGracePeriodSeconds, 'must be greater than 0'));
  if (kind !== 'readiness' && (p.successThreshold ?? 0) !== 1)
    errs.push(invalidValue(child(field, 'successThreshold'), p.successThreshold ?? 0, 'must be 1'));
  if (kind === 'readiness' && p.terminationGracePeriodSeconds !== undefined)
    errs.push(invalidValue(child(field, 'terminationGracePeriodSeconds'), p.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
}

/** Validates what every container kind shares: name, image, ports, env, mounts, pull policy, resources. */
export function validateContainerCommon(c: Container, volumes: ReadonlySet<string>, field: string, errs: FieldError[]): void {
  if (!c.name) errs.push(required(child(field, 'name')));
  else for (const m of isDNS1123Label(c.name)) errs.push(invalidValue(child(field, 'name'), c.name, m));
  if (!c.image) errs.push(required(child(field, 'image')));
  const tmp = c.terminationMessagePolicy ?? '';
  if (tmp === '') errs.push(required(child(field, 'terminationMessagePolicy')));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError')
    errs.push(notSupported(child(field, 'terminationMessagePolicy'), tmp, ['File', 'FallbackToLogsOnError']));
  validatePorts(c, child(field, 'ports'), errs);
  validateEnv(c.env, child(field, 'env'), errs);
  const mountPaths = new Set<string>();
  (c.volumeMounts ?? []).forEach((vm, i) => {
    const ip = index(child(field, 'volumeMounts'), i);
    if (!vm.name) errs.push(required(child(ip, 'name')));
    if (!volumes.has(vm.name)) errs.push(notFoundValue(child(ip, 'name'), vm.name));
    if (!vm.mountPath) errs.push(required(child(ip, 'mountPath')));
    if (mountPaths.has(vm.mountPath)) errs.push(invalidValue(child(ip, 'mountPath'), vm.mountPath, 'must be unique'));
    mountPaths.add(vm.mountPath);
  });
  const pp = c.imagePullPolicy ?? '';
  if (pp === '') errs.push(required(child(field, 'imagePullPolicy')));
  else if (!PULL_POLICIES.includes(pp)) errs.push(notSupported(child(field, 'imagePullPolicy'), pp, PULL_POLICIES));
  validateResources(c.resources, child(field, 'resources'), errs);
}

/** Validates a container's host ports do not collide (protocol/hostIP/port), across the given containers. */
export function checkHostPortConflicts(containers: Container[], field: string, errs: FieldError[]): void {
  const seen = new Set<string>();
  containers.forEach((c, ci) =>
    (c.ports ?? []).forEach((p, pi) => {
      if (!p.hostPort) return;
      const k = `${p.protocol ?? ''}/${p.hostIP ?? ''}/${p.hostPort}`;
      if (seen.has(k)) errs.push(duplicate(child(index(child(index(field, ci), 'ports'), pi), 'hostPort'), k));
      else seen.add(k);
    }),
  );
}
