// Nodes: schema, defaults (allocatable = capacity), validation and update rules as upstream ValidateNode(Update).
import { Type, type Static } from '@sinclair/typebox';
import { ObjectMeta } from '../meta.ts';
import { child, duplicate, forbiddenField, index, invalidValue, type FieldError } from '../validation/field.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { ipFamily, isValidCIDR, nameIsDNSSubdomain } from '../validation/strings.ts';
import { Condition, isObj, obj, opt, ResourceList, type Kube } from './common.ts';
import { validateResourceList } from './container-validation.ts';
import { Taint } from './scheduling.ts';
import { validateTaints } from './scheduling-validation.ts';

export const NodeSpec = obj({
  podCIDR: opt(Type.String()),
  podCIDRs: opt(Type.Array(Type.String())),
  providerID: opt(Type.String()),
  unschedulable: opt(Type.Boolean()),
  taints: opt(Type.Array(Taint)),
});
export type NodeSpec = Static<typeof NodeSpec>;

export const NodeAddress = obj({ type: Type.String(), address: Type.String() });
export type NodeAddress = Static<typeof NodeAddress>;

export const NodeStatus = obj({
  capacity: opt(ResourceList),
  allocatable: opt(ResourceList),
  phase: opt(Type.String()),
  conditions: opt(Type.Array(Condition)),
  addresses: opt(Type.Array(NodeAddress)),
  daemonEndpoints: opt(obj({ kubeletEndpoint: opt(obj({ Port: Type.Integer() })) })),
  nodeInfo: opt(
    obj({
      machineID: opt(Type.String()),
      systemUUID: opt(Type.String()),
      bootID: opt(Type.String()),
      kernelVersion: opt(Type.String()),
      osImage: opt(Type.String()),
      containerRuntimeVersion: opt(Type.String()),
      kubeletVersion: opt(Type.String()),
      kubeProxyVersion: opt(Type.String()),
      operatingSystem: opt(Type.String()),
      architecture: opt(Type.String()),
    }),
  ),
  images: opt(Type.Array(obj({}))),
});
export type NodeStatus = Static<typeof NodeStatus>;

export const NodeSchema = obj({
  apiVersion: opt(Type.String()),
  kind: opt(Type.String()),
  metadata: ObjectMeta,
  spec: opt(NodeSpec),
  status: opt(NodeStatus),
});
export type Node = Kube<{ spec?: NodeSpec; status?: NodeStatus }>;

/** Fills node defaults in place: allocatable copies capacity when absent (SetDefaults_NodeStatus); podCIDR and podCIDRs agree. */
export function defaultNode(node: Node): void {
  if (!isObj(node)) return;
  const st = node.status;
  if (isObj(st) && isObj(st.capacity) && st.allocatable == null) st.allocatable = { ...st.capacity };
  if (isObj(node.spec) && node.spec.podCIDR && !node.spec.podCIDRs?.length) node.spec.podCIDRs = [node.spec.podCIDR];
  // Upstream keeps podCIDRs only and serves podCIDR as its first entry (v1 conversion).
  if (isObj(node.spec) && Array.isArray(node.spec.podCIDRs) && typeof node.spec.podCIDRs[0] === 'string') node.spec.podCIDR = node.spec.podCIDRs[0];
}

function validateNodeCommon(node: Node, errs: FieldError[]): void {
  // Upstream reports taint errors under metadata.taints (it passes the metadata path); kept for fidelity.
  validateTaints(node.spec?.taints, 'metadata.taints', errs);
  validateResourceList(node.status?.capacity, 'status.capacity', errs);
  validateResourceList(node.status?.allocatable, 'status.allocatable', errs);
}

/** Returns the field errors of a node on create. */
export function validateNode(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(node.metadata, { nameFn: nameIsDNSSubdomain, namespaced: false }, errs);
  validateNodeCommon(node, errs);
  const cidrs = node.spec?.podCIDRs ?? [];
  cidrs.forEach((c, i) => {
    for (const m of isValidCIDR(c)) errs.push(invalidValue(index('spec.podCIDRs', i), c, m));
  });
  if (cidrs.length > 1) {
    const fams = cidrs.map((c) => ipFamily(c.split('/')[0]));
    if (cidrs.length > 2 || fams[0] === fams[1])
      errs.push(invalidValue('spec.podCIDRs', cidrs, 'may specify no more than one CIDR for each IP family'));
    const seen = new Set<string>();
    cidrs.forEach((c, i) => (seen.has(c) ? errs.push(duplicate(index('spec.podCIDRs', i), c)) : seen.add(c)));
  }
  return errs;
}

/** Returns the field errors of a node update: podCIDRs and providerID may only go from unset to set. */
export function validateNodeUpdate(node: Node, old: Node): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(node.metadata, old.metadata, errs);
  validateNodeCommon(node, errs);
  const seen = new Set<string>();
  (node.status?.addresses ?? []).forEach((a, i) => {
    const k = `${a.type}\u0000${a.address}`;
    if (seen.has(k)) errs.push(duplicate(index('status.addresses', i), a));
    seen.add(k);
  });
  const oldCidrs = old.spec?.podCIDRs ?? [];
  const newCidrs = node.spec?.podCIDRs ?? [];
  if (oldCidrs.length > 0 && (oldCidrs.length !== newCidrs.length || oldCidrs.some((c, i) => c !== newCidrs[i])))
    errs.push(forbiddenField('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  const oldPid = old.spec?.providerID ?? '';
  if (oldPid && oldPid !== (node.spec?.providerID ?? ''))
    errs.push(forbiddenField(child('spec', 'providerID'), 'node updates may not change providerID except from "" to valid'));
  return errs;
}

/** Field-selector labels nodes support. */
export const nodeFields: Record<string, (n: Node) => string | undefined> = {
  'spec.unschedulable': (n) => String(n.spec?.unschedulable ?? false),
};
