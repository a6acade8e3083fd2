// Schemas shared by several kinds: int-or-string, quantities, references, conditions; and small guards.
import { Type, type Static, type TProperties, type TSchema } from '@sinclair/typebox';
import type { ObjectMeta } from '../meta.ts';

/** Returns an object schema that lets unknown fields through (upstream ignores them). */
export const obj = <T extends TProperties>(props: T) => Type.Object(props, { additionalProperties: true });
/** Shorthand for an optional property. */
export const opt = <T extends TSchema>(s: T) => Type.Optional(s);
/** Shorthand for a string → string map. */
export const StringMap = Type.Record(Type.String(), Type.String());

/** An int-or-string (intstr.IntOrString): ports, maxSurge, maxUnavailable. */
export const IntOrString = Type.Union([Type.Integer(), Type.String()]);
export type IntOrString = Static<typeof IntOrString>;

/** A resource quantity as it travels in JSON (string, or a bare number). */
export const QuantitySchema = Type.Union([Type.String(), Type.Number()]);
/** A map of resource name → quantity (requests, limits, capacity). */
export const ResourceList = Type.Record(Type.String(), QuantitySchema);
export type ResourceList = Static<typeof ResourceList>;

/** A reference to any object (involvedObject, binding target, endpoint targetRef). */
export const ObjectReference = obj({
  kind: opt(Type.String()),
  namespace: opt(Type.String()),
  name: opt(Type.String()),
  uid: opt(Type.String()),
  apiVersion: opt(Type.String()),
  resourceVersion: opt(Type.String()),
  fieldPath: opt(Type.String()),
});
export type ObjectReference = Static<typeof ObjectReference>;

/** A reference by name within the same namespace. */
export const LocalObjectReference = obj({ name: opt(Type.String()) });

/** A status condition as the core and apps kinds carry it (type, status, reason, message, times). */
export const Condition = obj({
  type: Type.String(),
  status: Type.String(),
  reason: opt(Type.String()),
  message: opt(Type.String()),
  lastTransitionTime: opt(Type.String()),
  lastUpdateTime: opt(Type.String()),
  lastProbeTime: opt(Type.String()),
  lastHeartbeatTime: opt(Type.String()),
  observedGeneration: opt(Type.Integer()),
});
export type Condition = Static<typeof Condition>;

/** Condition status values. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** The typed shape of a stored object of some kind: apiVersion/kind/metadata plus the kind's fields. */
export type Kube<F extends object> = { apiVersion: string; kind: string; metadata: ObjectMeta } & F;

/** Returns true for a plain (non-array) object: defaults use it to stay safe on malformed input. */
export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Returns the plain-object field `k` of `o`, creating it when absent; undefined when it holds something else. */
export function ensureObj(o: Record<string, unknown>, k: string): Record<string, unknown> | undefined {
  if (o[k] === undefined || o[k] === null) o[k] = {};
  return isObj(o[k]) ? (o[k] as Record<string, unknown>) : undefined;
}

/** Returns the plain objects of an array field (skipping anything else); [] when absent. */
export const objItems = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** Returns the value of an int-or-string percentage or integer against a total (rounding up or down). */
export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const pct = /^([0-9]+)%$/.exec(v);
  if (!pct) return Number.isNaN(Number(v)) ? 0 : Number(v);
  const raw = (Number(pct[1]) * total) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}
