// Pod and pod-template validation as upstream ValidatePodSpec / ValidatePodCreate / ValidatePodTemplateSpec.
import { child, duplicate, forbiddenField, index, invalidValue, notSupported, required, type FieldError } from '../validation/field.ts';
import { validateAnnotations, validateLabels, validateObjectMeta } from '../validation/meta.ts';
import { inclusiveRangeError, isDNS1123Label, isQualifiedName, nameIsDNSSubdomain } from '../validation/strings.ts';
import type { ObjectMeta } from '../meta.ts';
import type { Container } from './container.ts';
import { checkHostPortConflicts, validateContainerCommon, validateProbe, validateResources } from './container-validation.ts';
import type { Pod, PodSpec } from './pod.ts';
import { validateAffinity, validateTolerations, validateTopologySpread } from './scheduling-validation.ts';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const MAX_INT32 = 2147483647;
const INIT_ONLY_ALWAYS = 'may not be set for init containers without restartPolicy=Always';

function validateVolumes(spec: PodSpec, field: string, errs: FieldError[]): Set<string> {
  const names = new Set<string>();
  (spec.volumes ?? []).forEach((v, i) => {
    const np = child(index(field, i), 'name');
    const before = errs.length;
    if (!v.name) errs.push(required(np));
    else for (const m of isDNS1123Label(v.name)) errs.push(invalidValue(np, v.name, m));
    if (names.has(v.name)) errs.push(duplicate(np, v.name));
    if (errs.length === before) names.add(v.name);
  });
  return names;
}

function validateContainers(spec: PodSpec, volumes: Set<string>, field: string, errs: FieldError[]): void {
  if (spec.containers.length === 0) {
    errs.push(required(field));
    return;
  }
  const names = new Set<string>();
  spec.containers.forEach((c, i) => {
    const p = index(field, i);
    validateContainerCommon(c, volumes, p, errs);
    if (names.has(c.name)) errs.push(duplicate(child(p, 'name'), c.name));
    else names.add(c.name);
    validateProbe(c.livenessProbe, 'liveness', child(p, 'livenessProbe'), errs);
    validateProbe(c.readinessProbe, 'readiness', child(p, 'readinessProbe'), errs);
    validateProbe(c.startupProbe, 'startup', child(p, 'startupProbe'), errs);
    if (c.restartPolicy !== undefined) errs.push(forbiddenField(child(p, 'restartPolicy'), 'may not be set for non-init containers'));
  });
  checkHostPortConflicts(spec.containers, field, errs);
}

function validateInitContainers(spec: PodSpec, volumes: Set<string>, field: string, errs: FieldError[]): void {
  const names = new Set(spec.containers.map((c) => c.name));
  (spec.initContainers ?? []).forEach((c: Container, i) => {
    const p = index(field, i);
    validateContainerCommon(c, volumes, p, errs);
    const always = c.restartPolicy === 'Always';
    if (c.restartPolicy !== undefined && !always) errs.push(notSupported(child(p, 'restartPolicy'), c.restartPolicy, ['Always']));
    if (names.has(c.name)) errs.push(duplicate(child(p, 'name'), c.name));
    else if (c.name) names.add(c.name);
    checkHostPortConflicts([c], field, errs);
    if (always) {
      validateProbe(c.livenessProbe, 'liveness', child(p, 'livenessProbe'), errs);
      validateProbe(c.readinessProbe, 'readiness', child(p, 'readinessProbe'), errs);
      validateProbe(c.startupProbe, 'startup', child(p, 'startupProbe'), errs);
    } else {
      for (const k of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const)
        if (c[k] !== undefined) errs.push(forbiddenField(child(p, k), INIT_ONLY_ALWAYS));
    }
  });
}

/** Appends Required when the value is empty, NotSupported when it is not one of `valid`. */
export function validateEnum(value: string | undefined, valid: string[], field: string, errs: FieldError[]): void {
  if (!value) errs.push(required(field));
  else if (!valid.includes(value)) errs.push(notSupported(field, value, valid));
}

/** Validates a pod spec; `isPod` adds the pod-only rules (hostPort must equal containerPort under hostNetwork, image whitespace). */
export function validatePodSpec(spec: PodSpec, field: string, errs: FieldError[], isPod: boolean): void {
  if (spec.terminationGracePeriodSeconds === undefined) errs.push(required(child(field, 'terminationGracePeriodSeconds')));
  const volumes = validateVolumes(spec, child(field, 'volumes'), errs);
  validateContainers(spec, volumes, child(field, 'containers'), errs);
  validateInitContainers(spec, volumes, child(field, 'initContainers'), errs);
  if (spec.hostNetwork)
    spec.containers.forEach((c, i) =>
      (c.ports ?? []).forEach((p, j) => {
        const hp = p.hostPort ?? 0;
        if ((isPod || hp !== 0) && hp !== p.containerPort)
          errs.push(invalidValue(child(index(child(index(child(field, 'containers'), i), 'ports'), j), 'hostPort'), hp, 'must match `containerPort` when `hostNetwork` is true'));
      }),
    );
  validateEnum(spec.restartPolicy, RESTART_POLICIES, child(field, 'restartPolicy'), errs);
  validateEnum(spec.dnsPolicy, DNS_POLICIES, child(field, 'dnsPolicy'), errs);
  validateLabels(spec.nodeSelector, child(field, 'nodeSelector'), errs);
  validateAffinity(spec.affinity, child(field, 'affinity'), errs);
  validateTopologySpread(spec.topologySpreadConstraints, child(field, 'topologySpreadConstraints'), errs);
  (spec.readinessGates ?? []).forEach((g, i) => {
    for (const m of isQualifiedName(g.conditionType)) errs.push(invalidValue(child(index(child(field, 'readinessGates'), i), 'conditionType'), g.conditionType, m));
  });
  const seenGates = new Set<string>();
  (spec.schedulingGates ?? []).forEach((g, i) => {
    const gp = index(child(field, 'schedulingGates'), i);
    for (const m of isQualifiedName(g.name)) errs.push(invalidValue(gp, g.name, m));
    if (seenGates.has(g.name)) errs.push(duplicate(gp, g.name));
    seenGates.add(g.name);
  });
  for (const [k, v] of [['serviceAccountName', spec.serviceAccountName], ['nodeName', spec.nodeName], ['priorityClassName', spec.priorityClassName], ['runtimeClassName', spec.runtimeClassName]] as const)
    if (v) for (const m of nameIsDNSSubdomain(v, false)) errs.push(invalidValue(child(field, k), v, m));
  if (spec.activeDeadlineSeconds !== undefined && (spec.activeDeadlineSeconds < 1 || spec.activeDeadlineSeconds > MAX_INT32))
    errs.push(invalidValue(child(field, 'activeDeadlineSeconds'), spec.activeDeadlineSeconds, inclusiveRangeError(1, MAX_INT32)));
  for (const k of ['hostname', 'subdomain'] as const) {
    const v = spec[k];
    if (v) for (const m of isDNS1123Label(v)) errs.push(invalidValue(child(field, k), v, m));
  }
  if (spec.tolerations?.length) validateTolerations(spec.tolerations, child(field, 'tolerations'), errs);
  if (spec.preemptionPolicy !== undefined) validateEnum(spec.preemptionPolicy, ['PreemptLowerPriority', 'Never'], child(field, 'preemptionPolicy'), errs);
  if (spec.overhead) validateResources({ limits: spec.overhead }, child(field, 'overhead'), errs);
}

/**
 * Frozen pod specs found valid. A frozen spec never changes (kubus freezes deeply: the store's
 * values, the bus's shared copies), so it stays valid: a status write or binding carries the stored
 * spec itself, and validating it again for each cost ~2 % of a scale-out's allocation.
 */
const validFrozenSpecs = new WeakSet<PodSpec>();

/** Returns the field errors of a pod (upstream ValidatePodCreate). */
export function validatePod(pod: Pod): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(pod.metadata, { nameFn: nameIsDNSSubdomain, namespaced: true }, errs);
  const spec = pod.spec;
  if (validFrozenSpecs.has(spec)) return errs;
  const before = errs.length;
  validatePodSpec(spec, 'spec', errs, true);
  for (const k of ['containers', 'initContainers'] as const)
    (spec[k] ?? []).forEach((c, i) => {
      if (c.image && c.image.trim() !== c.image)
        errs.push(invalidValue(child(index(child('spec', k), i), 'image'), c.image, 'must not have leading or trailing whitespace'));
    });
  if (errs.length === before && Object.isFrozen(spec)) validFrozenSpecs.add(spec);
  return errs;
}

/** Returns what only a pod's create refuses: ephemeral containers come through their subresource, never on create (upstream ValidatePodCreate). */
export function validatePodCreate(pod: Pod): FieldError[] {
  const ephemeral = (pod.spec as { ephemeralContainers?: unknown } | undefined)?.ephemeralContainers;
  return Array.isArray(ephemeral) && ephemeral.length > 0 ? [forbiddenField('spec.ephemeralContainers', 'cannot be set on create')] : [];
}

/** A pod template as workload kinds embed it. */
export interface PodTemplateLike {
  metadata?: ObjectMeta;
  spec: PodSpec;
}

/** Validates a pod template's labels, annotations and spec (upstream ValidatePodTemplateSpec). */
export function validatePodTemplateSpec(t: PodTemplateLike, field: string, errs: FieldError[]): void {
  validateLabels(t.metadata?.labels, child(field, 'labels'), errs);
  validateAnnotations(t.metadata?.annotations, child(field, 'annotations'), errs);
  validatePodSpec(t.spec, child(field, 'spec'), errs, false);
}
