// What fieldValidation=Strict|Warn|Ignore finds in a body and how upstream words it: shared by the HTTP
// gateway (the request's directive) and `kubus apply/create/replace --validate` (kubectl's default Strict).
import type { PatchType } from '../protocol.ts';
import type { ResourceDef } from '../resource.ts';
import { StatusError } from '../status.ts';
import { unknownCustomFields } from './custom-fields.ts';
import { unknownFields, unknownFieldsOfJsonPatch } from './fields.ts';

/** What the body is: a whole object (create, update) or a patch of some type. */
export type Checked = { object: unknown } | { patch: unknown; type: PatchType };

/** Returns the unknown fields of a body against the kind's schema, pruning them in place when asked (as upstream's decoder drops them). */
export function unknownFieldsOf(def: ResourceDef, body: Checked, prune: boolean): string[] {
  if (def.custom) return 'object' in body ? unknownCustomFields(def.schema, body.object, { prune }) : body.type === 'json' ? [] : unknownCustomFields(def.schema, body.patch, { prune, patch: true });
  if ('object' in body) return unknownFields(def.schema, body.object, { prune });
  if (body.type === 'json') return unknownFieldsOfJsonPatch(def.schema, body.patch, { prune });
  return unknownFields(def.schema, body.patch, { prune, kind: 'patch' });
}

/** Returns upstream's texts for unknown and duplicate fields (`unknown field "spec.foo"`), the Warning texts under Warn. */
export const fieldProblems = (unknown: string[], duplicate: string[]): string[] => [
  ...unknown.map((f) => `unknown field ${JSON.stringify(f)}`),
  ...duplicate.map((f) => `duplicate field ${JSON.stringify(f)}`),
];

/** Returns upstream's 400 under Strict: a whole object fails while being decoded, a patch once applied. */
export function strictDecodingError(def: ResourceDef, problems: string[], whole: boolean): StatusError {
  const strict = `strict decoding error: ${problems.join(', ')}`;
  return new StatusError(400, 'BadRequest', whole ? `${def.kind} in version ${JSON.stringify(def.version)} cannot be handled as a ${def.kind}: ${strict}` : strict);
}
