// fieldValidation=Strict|Warn|Ignore on create, update and patch bodies: unknown fields (against the
// kinds' schemas) and duplicate JSON keys fail the request, become Warning headers, or are dropped.
import { duplicateFields } from '../../api/openapi/index.ts';
import { fieldProblems, strictDecodingError, unknownFieldsOf, type Checked } from '../../api/openapi/field-validation.ts';
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

/**
 * Applies the request's fieldValidation to a decoded body (pruning unknown fields in place unless
 * Strict): throws upstream's 400 under Strict, adds upstream's Warning headers under Warn.
 */
export async function validateFields(call: Call, body: Checked): Promise<void> {
  const directive = directiveOf(call);
  const { def } = call.target;
  const unknown = unknownFieldsOf(def, body, directive !== 'Strict');
  if (directive === 'Ignore') return;
  const { type, bytes } = await call.body();
  const duplicate = type === '' || type === 'application/json' || type.endsWith('+json') ? duplicateFields(bytes.toString('utf8')) : [];
  const problems = fieldProblems(unknown, duplicate);
  if (!problems.length) return;
  if (directive === 'Warn') {
    const prior = call.res.getHeader('Warning');
    const warnings = problems.map((p) => `299 - ${JSON.stringify(p)}`);
    call.res.setHeader('Warning', [...(prior === undefined ? [] : Array.isArray(prior) ? prior : [String(prior)]), ...warnings]);
    return;
  }
  throw strictDecodingError(def, problems, 'object' in body);
}
