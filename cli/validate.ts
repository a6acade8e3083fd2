// kubectl's --validate for apply/create/replace: strict (the default, or true), warn, ignore (or false).
// Unknown fields of each manifest are found as the API server's fieldValidation finds them (keys given
// twice never reach it: kubectl, like the manifest reader, keeps the last one).
import { Option } from 'commander';
import { fieldProblems, strictDecodingError, unknownFieldsOf } from '../api/openapi/field-validation.ts';
import type { KubeObject } from '../api/meta.ts';
import type { ResourceDef } from '../api/resource.ts';
import { UsageError } from './context.ts';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

const MODES: Record<string, FieldValidation> = { strict: 'Strict', true: 'Strict', warn: 'Warn', ignore: 'Ignore', false: 'Ignore' };

/** Returns the --validate option, checked as it is parsed (before any connection); `--validate` alone means strict, as kubectl's. */
export const validateOption = () =>
  new Option('--validate [mode]', 'unknown fields: strict (or true) refuses the object, warn prints a warning, ignore (or false) drops them')
    .default('strict')
    .argParser((v: string) => validationDirective(v));

/** Returns the directive of a --validate value; throws kubectl's usage error for anything else. */
export function validationDirective(flag: string | boolean): FieldValidation {
  const mode = MODES[String(flag).toLowerCase()];
  if (!mode) throw new UsageError(`invalid - validate option ${JSON.stringify(String(flag))}; must be one of: strict (or true), warn, ignore (or false)`);
  return mode;
}

/**
 * Applies a directive to one manifest's object before it is sent: under Strict throws upstream's 400
 * (`strict decoding error: unknown field "spec.ipFamily"`), under Warn prints kubectl's warnings;
 * unless Strict, unknown fields are dropped as the API server would drop them.
 */
export function checkFields(def: ResourceDef, obj: KubeObject, directive: FieldValidation, warn: (line: string) => void = (l) => console.error(l)): void {
  const unknown = unknownFieldsOf(def, { object: obj }, directive !== 'Strict');
  if (directive === 'Ignore' || !unknown.length) return;
  const problems = fieldProblems(unknown, []);
  if (directive === 'Strict') throw strictDecodingError(def, problems, true);
  for (const p of problems) warn(`Warning: ${p}`);
}
