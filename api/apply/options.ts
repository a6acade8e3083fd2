// The fieldManager and force options of writes, checked as upstream's ValidatePatchOptions,
// ValidateCreateOptions and ValidateUpdateOptions do.
import { invalid, type FieldError } from '../status.ts';

/** Upstream's FieldManagerMaxLength. */
export const FIELD_MANAGER_MAX = 128;

export type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions';

/** Throws upstream's 422 for a bad fieldManager, a missing one on apply, or force on anything but apply. */
export function fieldManagerErrors(kind: OptionsKind, fieldManager: unknown, opts: { apply?: boolean; force?: unknown } = {}): void {
  const causes: FieldError[] = [];
  const fm = fieldManager === undefined || fieldManager === null ? '' : fieldManager;
  if (typeof fm !== 'string') causes.push({ type: 'FieldValueInvalid', message: 'Invalid value: must be a string', field: 'fieldManager' });
  else {
    if (opts.apply && fm === '') causes.push({ type: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' });
    if (Buffer.byteLength(fm) > FIELD_MANAGER_MAX)
      causes.push({ type: 'FieldValueTooLong', message: `Too long: may not be more than ${FIELD_MANAGER_MAX} bytes`, field: 'fieldManager' });
    let at = 0;
    for (const ch of fm) {
      if (/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u.test(ch) || (/\s/u.test(ch) && ch !== ' '))
        causes.push({ type: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(fm)}: invalid character U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} (at position ${at})`, field: 'fieldManager' });
      at += Buffer.byteLength(ch);
    }
  }
  if (!opts.apply && opts.force !== undefined && kind === 'PatchOptions')
    causes.push({ type: 'FieldValueForbidden', message: 'Forbidden: may not be specified for non-apply patch', field: 'force' });
  if (causes.length) throw invalid(kind, '', causes, 'meta.k8s.io');
}
