// Scheduling constraints of a pod: taints and tolerations, node/pod (anti-)affinity, topology spread.
import { Type, type Static } from '@sinclair/typebox';
import { LabelSelector } from '../meta.ts';
import { obj, opt } from './common.ts';

export const Taint = obj({
  key: Type.String(),
  value: opt(Type.String()),
  effect: Type.String(),
  timeAdded: opt(Type.String()),
});
export type Taint = Static<typeof Taint>;

export const Toleration = obj({
  key: opt(Type.String()),
  operator: opt(Type.String()),
  value: opt(Type.String()),
  effect: opt(Type.String()),
  tolerationSeconds: opt(Type.Integer()),
});
export type Toleration = Static<typeof Toleration>;

export const NodeSelectorRequirement = obj({
  key: Type.String(),
  operator: Type.String(),
  values: opt(Type.Array(Type.String())),
});
export type NodeSelectorRequirement = Static<typeof NodeSelectorRequirement>;

export const NodeSelectorTerm = obj({
  matchExpressions: opt(Type.Array(NodeSelectorRequirement)),
  matchFields: opt(Type.Array(NodeSelectorRequirement)),
});
export type NodeSelectorTerm = Static<typeof NodeSelectorTerm>;

export const NodeAffinity = obj({
  requiredDuringSchedulingIgnoredDuringExecution: opt(obj({ nodeSelectorTerms: Type.Array(NodeSelectorTerm) })),
  preferredDuringSchedulingIgnoredDuringExecution: opt(Type.Array(obj({ weight: Type.Integer(), preference: NodeSelectorTerm }))),
});
export type NodeAffinity = Static<typeof NodeAffinity>;

export const PodAffinityTerm = obj({
  labelSelector: opt(LabelSelector),
  namespaces: opt(Type.Array(Type.String())),
  namespaceSelector: opt(LabelSelector),
  topologyKey: Type.String(),
  matchLabelKeys: opt(Type.Array(Type.String())),
  mismatchLabelKeys: opt(Type.Array(Type.String())),
});
export type PodAffinityTerm = Static<typeof PodAffinityTerm>;

export const WeightedPodAffinityTerm = obj({ weight: Type.Integer(), podAffinityTerm: PodAffinityTerm });
export type WeightedPodAffinityTerm = Static<typeof WeightedPodAffinityTerm>;

export const PodAffinity = obj({
  requiredDuringSchedulingIgnoredDuringExecution: opt(Type.Array(PodAffinityTerm)),
  preferredDuringSchedulingIgnoredDuringExecution: opt(Type.Array(WeightedPodAffinityTerm)),
});
export type PodAffinity = Static<typeof PodAffinity>;

export const Affinity = obj({
  nodeAffinity: opt(NodeAffinity),
  podAffinity: opt(PodAffinity),
  podAntiAffinity: opt(PodAffinity),
});
export type Affinity = Static<typeof Affinity>;

export const TopologySpreadConstraint = obj({
  maxSkew: Type.Integer(),
  topologyKey: Type.String(),
  whenUnsatisfiable: Type.String(),
  labelSelector: opt(LabelSelector),
  minDomains: opt(Type.Integer()),
  nodeAffinityPolicy: opt(Type.String()),
  nodeTaintsPolicy: opt(Type.String()),
  matchLabelKeys: opt(Type.Array(Type.String())),
});
export type TopologySpreadConstraint = Static<typeof TopologySpreadConstraint>;

/** Taint keys the node lifecycle controller sets (and pods tolerate for 300 s by default). */
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/** Returns whether a toleration tolerates a taint (upstream Toleration.ToleratesTaint). */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** Returns whether any of the tolerations tolerates the taint. */
export const toleratesTaint = (tolerations: readonly Toleration[] | undefined, taint: Taint): boolean =>
  (tolerations ?? []).some((t) => tolerates(t, taint));

/** Returns the first taint (of the given effects) no toleration tolerates, or undefined. */
export function firstUntoleratedTaint(
  taints: readonly Taint[] | undefined,
  tolerations: readonly Toleration[] | undefined,
  effects: readonly string[] = ['NoSchedule', 'NoExecute'],
): Taint | undefined {
  return (taints ?? []).find((t) => effects.includes(t.effect) && !toleratesTaint(tolerations, t));
}

/** Returns whether node labels satisfy one node selector requirement (In, NotIn, Exists, DoesNotExist, Gt, Lt). */
export function nodeSelectorRequirementMatches(r: NodeSelectorRequirement, labels: Record<string, string> | undefined): boolean {
  const has = labels !== undefined && typeof labels[r.key] === 'string';
  const v = has ? labels![r.key] : '';
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && values.includes(v);
    case 'NotIn':
      return !has || !values.includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1 || !/^-?[0-9]+$/.test(v) || !/^-?[0-9]+$/.test(values[0])) return false;
      return r.operator === 'Gt' ? Number(v) > Number(values[0]) : Number(v) < Number(values[0]);
    }
    default:
      return false;
  }
}

/** Returns whether a node (labels + name for matchFields) matches a node selector term; an empty term matches nothing. */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, labels: Record<string, string> | undefined, nodeName: string): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  return (
    exprs.every((r) => nodeSelectorRequirementMatches(r, labels)) &&
    fields.every((r) => r.key === 'metadata.name' && nodeSelectorRequirementMatches({ ...r, key: 'n' }, { n: nodeName }))
  );
}
