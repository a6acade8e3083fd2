// kubus's TypeBox schemas as OpenAPI v3 component schemas: named types become `$ref`s to upstream's
// names, fields carry their strategic-merge extensions (api/patch) and descriptions.
import type { TSchema } from '@sinclair/typebox';
import { fieldOf, openApiExtensions, typeNamed, type PatchTypeDef } from '../patch/index.ts';
import { describeField, describeType } from './descriptions.ts';
import { INT_OR_STRING, namedType, patchKey, QUANTITY } from './names.ts';

/** An OpenAPI schema object (JSON). */
export type OpenApiSchema = Record<string, unknown>;

/** Any value (never `{}`: kubectl explain's templates take an empty schema for a missing one). */
const ANY: OpenApiSchema = { 'x-kubernetes-preserve-unknown-fields': true };

const ref = (name: string) => `#/components/schemas/${name}`;

/** Fixed components: the scalar types upstream names. */
const SCALARS: Record<string, OpenApiSchema> = {
  [INT_OR_STRING]: { type: 'string', format: 'int-or-string', description: 'A value that is either a whole number or a string (such as a percentage like "25%").' },
  [QUANTITY]: { type: 'string', description: 'A fixed-point amount of a resource, such as "100m" CPU or "128Mi" memory.' },
};

/** Returns the scalar component a union stands for (int-or-string, quantity), if any. */
function scalarUnion(s: TSchema): string | undefined {
  const types = ((s.anyOf as TSchema[] | undefined) ?? []).map((x) => x.type).sort().join(',');
  if (types === 'integer,string') return INT_OR_STRING;
  if (types === 'number,string') return QUANTITY;
  return undefined;
}

/** Collects the components reached from root schemas, keyed by upstream name. */
export class Components {
  readonly schemas: Record<string, OpenApiSchema> = {};

  /** Adds a named object schema (and everything it reaches); returns its name. */
  add(s: TSchema, extra: OpenApiSchema = {}): string {
    const t = namedType(s)!;
    if (!this.schemas[t.name]) {
      this.schemas[t.name] = {}; // placeholder: a type may reach itself
      this.schemas[t.name] = { ...this.object(s, typeNamed(patchKey(t)), t.name, t.kind), ...extra };
    }
    return t.name;
  }

  private object(s: TSchema, patch: PatchTypeDef, typeName?: string, isKind = false): OpenApiSchema {
    const out: OpenApiSchema = { type: 'object' };
    const d = typeName && describeType(typeName);
    if (d) out.description = d;
    if (s.patternProperties) {
      out.additionalProperties = this.convert(Object.values(s.patternProperties as Record<string, TSchema>)[0], {});
      return out;
    }
    const props: Record<string, OpenApiSchema> = {};
    for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, TSchema>)) {
      const f = fieldOf(patch, k);
      const p = this.convert(v, f.type);
      const desc = typeName && describeField(typeName, k, isKind);
      Object.assign(p, openApiExtensions(f.tags));
      if (desc) p.description = desc;
      // A $ref cannot carry siblings in OpenAPI 3.0: upstream wraps it in allOf to describe the field.
      props[k] = p.$ref && Object.keys(p).length > 1 ? { ...p, $ref: undefined, allOf: [{ $ref: p.$ref }] } : p;
      if (props[k].$ref === undefined) delete props[k].$ref;
    }
    if (Object.keys(props).length) out.properties = props;
    // A kind's metadata is optional upstream (kubus's schemas require it after decoding).
    const required = ((s.required ?? []) as string[]).filter((k) => !(isKind && k === 'metadata'));
    if (required.length) out.required = required;
    return out;
  }

  /** Converts one schema; `patch` is the strategic-merge type of its value. */
  convert(s: TSchema, patch: PatchTypeDef): OpenApiSchema {
    const scalar = scalarUnion(s);
    if (scalar) {
      this.schemas[scalar] ??= SCALARS[scalar];
      return { $ref: ref(scalar) };
    }
    if (s.anyOf) return { ...ANY };
    if (s.type === 'array') return { type: 'array', items: this.convert(s.items as TSchema, patch) };
    if (s.type === 'object') return namedType(s) ? { $ref: ref(this.add(s)) } : this.object(s, patch);
    if (typeof s.type === 'string') return { type: s.type };
    return { ...ANY }; // Unknown
  }
}
