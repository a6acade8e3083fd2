// fieldValidation=Strict|Warn|Ignore on create, update and patch bodies: unknown fields (against the
// kinds' schemas) and duplicate JSON keys fail the request, become Warning headers, or are dropped.
import { duplicateFields, unknownFields, unknownFieldsOfJsonPatch } from '../../api/openapi/index.ts';
import { unknownCustomFields } from '../../api/openapi/custom-fields.ts';
import type { PatchType } from '../../api/protocol.ts';
import { StatusError } from '../../api/status.ts';
import type { Call } from './call.ts';

const DIRECTIVES = ['Ignore', 'Warn', 'Strict'];

/** Returns the request's directive: Warn when unset, as upstream since 1.23; 400 for anything else. */
function directiveOf(call: Call): string {
  const v = call.query.get('fieldValidation') ?? '';
  if (v === '') return 'Warn';
  if (!DIRECTIVES.includes(v))
    throw new StatusError(400, 'BadRequest', `fieldValidation: Unsupported value: ${JSON.stringify(v)}: supported values: "", ${DIRECTIVES.map((d) => JSON.stringify(d)).join(', ')}`);
  return v;
}

/** What the body is: a whole object (create, update) or a patch of some type. */
export type Checked = { object: unknown } | { patch: unknown; type: PatchType };

/**
 * Applies the request's fieldValidation to a decoded body (pruning unknown fields in place unless
 * Strict): throws upstream's 400 under Strict, adds upstream's Warning headers under Warn.
 */
export async function validateFields(call: Call, body: Checked): Promise<void> {
  const directive = directiveOf(call);
  const { def } = call.target;
  const prune = directive !== 'Strict';
  let unknown: string[];
  if (def.custom) unknown = 'object' in body ? unknownCustomFields(def.schema, body.object, { prune }) : body.type === 'json' ? [] : unknownCustomFields(def.schema, body.patch, { prune, patch: true });
  else if ('object' in body) unknown = unknownFields(def.schema, body.object, { prune });
  else if (body.type === 'json') unknown = unknownFieldsOfJsonPatch(def.schema, body.patch, { prune });
  else unknown = unknownFields(def.schema, body.patch, { prune, kind: 'patch' });
  if (directive === 'Ignore') return;
  const { type, bytes } = await call.body();
  const duplicate = type === '' || type === 'application/json' || type.endsWith('+json') ? duplicateFields(bytes.toString('utf8')) : [];
  const problems = [...unknown.map((f) => `unknown field ${JSON.stringify(f)}`), ...duplicate.map((f) => `duplicate field ${JSON.stringify(f)}`)];
  if (!problems.length) return;
  if (directive === 'Warn') {
    const prior = call.res.getHeader('Warning');
    const warnings = problems.map((p) => `299 - ${JSON.stringify(p)}`);
    call.res.setHeader('Warning', [...(prior === undefined ? [] : Array.isArray(prior) ? prior : [String(prior)]), ...warnings]);
    return;
  }
  const strict = `strict decoding error: ${problems.join(', ')}`;
  // Upstream fails a whole object while decoding it, and a patch once applied, with these texts.
  const message = 'object' in body ? `${def.kind} in version ${JSON.stringify(def.version)} cannot be handled as a ${def.kind}: ${strict}` : strict;
  throw new StatusError(400, 'BadRequest', message);
}
