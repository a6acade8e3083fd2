// How one entry of the resource table is written: a kind's names and its behaviour, made into a frozen ResourceDef.
import type { TSchema } from '@sinclair/typebox';
import type { KubeObject } from './meta.ts';
import type { GenerationRule, ResourceDef } from './resource.ts';
import type { FieldError } from './status.ts';
import { dropNulls, structural, structuralUpdate } from './validation/structural.ts';

/** A kind's names as kubectl knows them, its group and scope. */
export interface Names {
  kind: string;
  plural: string;
  shortNames?: string[];
  group?: string;
  namespaced?: boolean;
  hasStatus?: boolean;
  singular?: string;
  /** The served version when it is not v1 (autoscaling/v2). */
  version?: string;
  /** Answered, never stored: only create is served. */
  createOnly?: boolean;
  /** The kind tracks metadata.generation, bumped on this kind of change (ResourceDef.generation). */
  generation?: GenerationRule;
}

/** How the API server treats a kind: schema, validation, defaults, create/update preparation, field labels. */
export interface Behavior<T> {
  schema: TSchema;
  validate: (obj: T) => FieldError[];
  validateUpdate?: (obj: T, old: T) => FieldError[];
  validateCreate?: (obj: T) => FieldError[];
  defaults?: (obj: T) => void;
  prepareForCreate?: (obj: T) => void;
  prepareForUpdate?: (obj: T, old: T) => void;
  fields?: Record<string, (obj: T) => string | undefined>;
}

/** Returns the ResourceDef of a kind: validation runs the structural (schema) check first; defaults drop JSON nulls first. */
export function def<T>(n: Names, b: Behavior<T>): ResourceDef {
  const group = n.group ?? '';
  const d: ResourceDef<KubeObject> = {
    kind: n.kind,
    listKind: `${n.kind}List`,
    plural: n.plural,
    singular: n.singular ?? n.kind.toLowerCase(),
    shortNames: n.shortNames ?? [],
    group,
    version: n.version ?? 'v1',
    apiVersion: group ? `${group}/${n.version ?? 'v1'}` : (n.version ?? 'v1'),
    namespaced: n.namespaced ?? true,
    hasStatus: n.hasStatus ?? false,
    schema: b.schema,
    validate: structural(b.schema, b.validate) as unknown as ResourceDef['validate'],
  };
  if (b.validateUpdate) d.validateUpdate = structuralUpdate(b.schema, b.validateUpdate) as unknown as ResourceDef['validateUpdate'];
  if (b.validateCreate) d.validateCreate = b.validateCreate as unknown as ResourceDef['validateCreate'];
  const defaults = b.defaults;
  if (defaults)
    d.defaults = (obj) => {
      dropNulls(obj);
      defaults(obj as T);
    };
  if (b.prepareForCreate) d.prepareForCreate = b.prepareForCreate as unknown as ResourceDef['prepareForCreate'];
  if (b.prepareForUpdate) d.prepareForUpdate = b.prepareForUpdate as unknown as ResourceDef['prepareForUpdate'];
  if (b.fields) d.fields = b.fields as unknown as ResourceDef['fields'];
  if (n.createOnly) d.createOnly = true;
  if (n.generation) d.generation = n.generation;
  return Object.freeze(d);
}
