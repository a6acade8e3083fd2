// Object metadata shared by every kind: schemas (TypeBox) and the types derived from them.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const StringMap = Type.Record(Type.String(), Type.String());

export const OwnerReference = Type.Object(
  {
    apiVersion: Type.String(),
    kind: Type.String(),
    name: Type.String(),
    uid: Type.String(),
    controller: Type.Optional(Type.Boolean()),
    blockOwnerDeletion: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);
export type OwnerReference = Static<typeof OwnerReference>;

export const ObjectMeta = Type.Object(
  {
    name: Type.Optional(Type.String()),
    generateName: Type.Optional(Type.String()),
    namespace: Type.Optional(Type.String()),
    uid: Type.Optional(Type.String()),
    resourceVersion: Type.Optional(Type.String()),
    generation: Type.Optional(Type.Integer()),
    creationTimestamp: Type.Optional(Type.String()),
    deletionTimestamp: Type.Optional(Type.String()),
    deletionGracePeriodSeconds: Type.Optional(Type.Integer()),
    labels: Type.Optional(StringMap),
    annotations: Type.Optional(StringMap),
    ownerReferences: Type.Optional(Type.Array(OwnerReference)),
    finalizers: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: true },
);
export type ObjectMeta = Static<typeof ObjectMeta>;

export const LabelSelectorRequirement = Type.Object({
  key: Type.String(),
  operator: Type.String(),
  values: Type.Optional(Type.Array(Type.String())),
});
export type LabelSelectorRequirement = Static<typeof LabelSelectorRequirement>;

export const LabelSelector = Type.Object(
  {
    matchLabels: Type.Optional(StringMap),
    matchExpressions: Type.Optional(Type.Array(LabelSelectorRequirement)),
  },
  { additionalProperties: true },
);
export type LabelSelector = Static<typeof LabelSelector>;

/** Any Kubernetes object: what the store holds and the wire carries. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: unknown;
  [field: string]: unknown;
}

/** Returns the controller reference of an object (the owner reference with controller: true), if any. */
export const controllerRefOf = (obj: Pick<KubeObject, 'metadata'>): OwnerReference | undefined =>
  obj.metadata.ownerReferences?.find((r) => r.controller === true);

/** A list as returned by `list`: items plus the store revision of the read. */
export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

/** Builds the schema of a whole object from its spec and status schemas. */
export function objectSchema(fields: Record<string, TSchema>) {
  return Type.Object(
    {
      apiVersion: Type.Optional(Type.String()),
      kind: Type.Optional(Type.String()),
      metadata: ObjectMeta,
      ...fields,
    },
    { additionalProperties: true },
  );
}
